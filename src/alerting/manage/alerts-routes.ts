/**
 * Alerts through the API: list and filter (read scope), one alert with its timeline, and the two things
 * a person does to a firing alert, acknowledge and resolve by hand (operate or admin scope).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ChangeFeed } from '../../bus/feed.js';
import type { Bus } from '../../bus/port.js';
import type { Db } from '../../db/port.js';
import { KEY_PATTERN, KEY_RULE } from '../../ingest/parse/validate.js';
import { principalOf, requireScope } from '../../iam/auth.js';
import type { CredentialVerifier } from '../../iam/credentials.js';
import { parseTimeParam } from '../../storage/time-param.js';
import { PRIORITIES } from '../domain/rule.js';
import { AlertActions, type AlertAction } from './alert-actions.js';
import { AlertsRepo } from './alerts-repo.js';
import { documented, oneOrMany, queryBoolean, queryInt } from '../../api/http-schema.js';

export interface AlertsRoutesOptions {
  db: Db;
  bus: Bus;
  feed: ChangeFeed;
  verifier: CredentialVerifier;
  now?: () => number;
}

const key = z.string().regex(KEY_PATTERN, { error: `must be ${KEY_RULE}` });
const id = queryInt(1, Number.MAX_SAFE_INTEGER);
const listQuery = z.looseObject({
  status: z.enum(['firing', 'resolved']).optional(),
  priority: oneOrMany(z.enum(PRIORITIES)).optional(),
  location: key.optional(),
  asset: key.optional().describe('Asset slug (combine with location)'),
  sensor: key.optional(),
  rule: key.optional().describe('Rule id'),
  acknowledged: queryBoolean.optional(),
  from: z.string().optional().describe('Open at or after: epoch ms, ISO-8601 with a zone, or now-7d'),
  to: z.string().optional().describe('Fired before'),
  limit: queryInt(1, 1000).default(100),
  before: id.optional().describe('Page cursor: ids below this'),
});
const idParams = z.object({ id });
const actionBody = z.strictObject({ comment: z.string().max(2000).optional() }).default({});

export function alertsRoutes(opts: AlertsRoutesOptions): FastifyPluginAsync {
  const now = opts.now ?? Date.now;
  return async (app) => {
    const read = requireScope(opts.verifier, 'read');
    const operate = requireScope(opts.verifier, 'operate');
    const repo = new AlertsRepo(opts.db);
    const actions = new AlertActions({ db: opts.db, bus: opts.bus, feed: opts.feed, logger: app.log });
    const tags = ['alerts'];

    app.get(
      '/alerts',
      {
        preHandler: read,
        schema: {
          tags,
          summary:
            'Alerts of your tenant, newest first; from/to select those open at some time in [from, to)',
          querystring: documented(listQuery),
        },
      },
      async (req) => {
        const q = req.query as z.output<typeof listQuery>;
        const t = now();
        const from = q.from === undefined ? undefined : parseTimeParam(q.from, 'from', t);
        const to = q.to === undefined ? undefined : parseTimeParam(q.to, 'to', t);
        const alerts = await repo.list(principalOf(req).tenantId, { ...q, from, to });
        const last = alerts.length === q.limit ? alerts[alerts.length - 1]?.id : undefined;
        return { alerts, ...(last ? { next: last } : {}) };
      },
    );

    app.get(
      '/alerts/:id',
      {
        preHandler: read,
        schema: { tags, summary: 'One alert with its timeline (oldest first)', params: documented(idParams) },
      },
      async (req) => repo.withEvents(principalOf(req).tenantId, (req.params as { id: number }).id),
    );

    const act = (action: AlertAction, summary: string) =>
      app.post(
        `/alerts/:id/${action}`,
        {
          preHandler: operate,
          schema: { tags, summary, params: documented(idParams), body: documented(actionBody) },
        },
        async (req) => {
          const p = principalOf(req);
          const alertId = (req.params as { id: number }).id;
          const { comment } = req.body as z.output<typeof actionBody>;
          const actor = { tenantId: p.tenantId, tenant: p.tenant, by: p.subject };
          await actions.apply(action, actor, alertId, comment, now());
          return repo.withEvents(p.tenantId, alertId);
        },
      );
    act('acknowledge', 'Acknowledge a firing alert: it stops reminders until it resolves (idempotent)');
    act('resolve', 'Resolve a firing alert by hand: it does not open again until its condition has cleared');
  };
}
