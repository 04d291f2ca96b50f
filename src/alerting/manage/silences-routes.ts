/**
 * Silences through the API: create one for a scope and a time window (maintenance), list them, end one
 * early. Writes need the operate (or admin) scope and are announced on the 'silences' feed channel so
 * the evaluators' SilenceCache reloads the tenant at once.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ChangeFeed } from '../../bus/feed.js';
import type { Db } from '../../db/port.js';
import { principalOf, requireScope } from '../../iam/auth.js';
import type { CredentialVerifier } from '../../iam/credentials.js';
import { DataInsightError } from '../../platform/errors.js';
import { parseTimeParam } from '../../storage/time-param.js';
import { documented, queryBoolean, queryInt, timeInput } from '../../api/http-schema.js';
import { SILENCES_CHANNEL, SilenceMatcherSchema } from './silences.js';
import { SilencesRepo } from './silences-repo.js';

export interface SilencesRoutesOptions {
  db: Db;
  feed: ChangeFeed;
  verifier: CredentialVerifier;
  now?: () => number;
}

const MAX_SPAN_MS = 366 * 86_400_000;

const createBody = z.strictObject({
  matcher: SilenceMatcherSchema,
  startsAt: timeInput.optional().describe('Epoch ms, ISO-8601 with a zone, or now+1h; default now'),
  endsAt: timeInput.optional().describe('When it ends; or give durationMs'),
  durationMs: z.number().int().positive({ error: 'must be at least 1 ms' }).optional(),
  comment: z.string().max(2000).default(''),
});
const idParams = z.object({ id: queryInt(1, Number.MAX_SAFE_INTEGER) });
const listQuery = z.looseObject({
  active: queryBoolean.optional().describe('true: in force now; false: scheduled or over; absent: all'),
  limit: queryInt(1, 1000).default(100),
  before: queryInt(1, Number.MAX_SAFE_INTEGER).optional().describe('Page cursor: ids below this'),
});

function invalid(field: string, reason: string): never {
  throw new DataInsightError('DI_VALIDATION', `${field}: ${reason}`, { field });
}

function windowOf(b: z.output<typeof createBody>, now: number): { startsAt: number; endsAt: number } {
  const startsAt = parseTimeParam(b.startsAt, 'startsAt', now, now);
  if (b.endsAt !== undefined && b.durationMs !== undefined)
    invalid('durationMs', 'give endsAt or durationMs, not both');
  if (b.endsAt === undefined && b.durationMs === undefined) invalid('endsAt', 'give endsAt or durationMs');
  const endsAt =
    b.durationMs !== undefined ? startsAt + b.durationMs : parseTimeParam(b.endsAt, 'endsAt', now);
  if (endsAt <= startsAt) invalid('endsAt', 'must be after startsAt');
  if (endsAt <= now) invalid('endsAt', 'is already past: the silence would never apply');
  if (endsAt - startsAt > MAX_SPAN_MS) invalid('endsAt', 'a silence lasts at most 366 days');
  return { startsAt, endsAt };
}

export function silencesRoutes(opts: SilencesRoutesOptions): FastifyPluginAsync {
  const now = opts.now ?? Date.now;
  return async (app) => {
    const read = requireScope(opts.verifier, 'read');
    const operate = requireScope(opts.verifier, 'operate');
    const repo = new SilencesRepo(opts.db);
    const tags = ['silences'];
    const announce = (tenantId: number, log: { warn: (o: object, m: string) => void }) =>
      opts.feed
        .publish(SILENCES_CHANNEL, { tenantId })
        .catch((err: unknown) => log.warn({ err }, 'could not announce a silence change'));

    app.post(
      '/silences',
      {
        preHandler: operate,
        schema: {
          tags,
          summary: 'Silence a scope for a time window (maintenance): matching alerts are not notified',
          body: documented(createBody),
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const b = req.body as z.output<typeof createBody>;
        const t = now();
        const silence = await repo.create(
          p.tenantId,
          { matcher: b.matcher, ...windowOf(b, t), comment: b.comment, createdBy: p.subject },
          t,
        );
        await announce(p.tenantId, req.log);
        return reply.status(201).send(silence);
      },
    );

    app.get(
      '/silences',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'Silences of your tenant, newest first',
          querystring: documented(listQuery),
        },
      },
      async (req) => {
        const q = req.query as z.output<typeof listQuery>;
        const silences = await repo.list(principalOf(req).tenantId, { ...q, now: now() });
        const last = silences.length === q.limit ? silences[silences.length - 1]?.id : undefined;
        return { silences, ...(last ? { next: last } : {}) };
      },
    );

    app.get(
      '/silences/:id',
      { preHandler: read, schema: { tags, summary: 'One silence', params: documented(idParams) } },
      async (req) => repo.get(principalOf(req).tenantId, (req.params as { id: number }).id),
    );

    app.delete(
      '/silences/:id',
      {
        preHandler: operate,
        schema: {
          tags,
          summary: 'End a silence now (a scheduled one is removed)',
          params: documented(idParams),
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        if (await repo.end(p.tenantId, (req.params as { id: number }).id, now()))
          await announce(p.tenantId, req.log);
        return reply.status(204).send();
      },
    );
  };
}
