/**
 * Rules through the API: create, read, list, replace, delete (admin scope to write, read to read), and
 * a dry run. Every committed write is announced on the change feed ('rules'), so each running
 * evaluator reloads that rule at once.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ChangeFeed } from '../../bus/feed.js';
import type { Db } from '../../db/port.js';
import { KEY_PATTERN, KEY_RULE } from '../../ingest/parse/validate.js';
import { principalOf, requireScope } from '../../iam/auth.js';
import type { CredentialVerifier } from '../../iam/credentials.js';
import type { TenantPrincipal } from '../../iam/tenants.js';
import { DataInsightError, isDataInsightError } from '../../platform/errors.js';
import { PRIORITIES, RuleSchema, validateRule, type Rule } from '../domain/rule.js';
import { dryRun } from './dry-run.js';
import { documented, oneOrMany, parseWith, queryBoolean, queryInt } from '../../api/http-schema.js';
import { RULES_CHANNEL, RulesRepo, type RuleChangeMessage, type StoredRule } from './rules-repo.js';

export interface RulesRoutesOptions {
  db: Db;
  feed: ChangeFeed;
  verifier: CredentialVerifier;
  /** Readings a dry run replays at most (default 200 000). */
  dryRunMaxReadings?: number;
  now?: () => number;
}

const key = z.string().regex(KEY_PATTERN, { error: `must be ${KEY_RULE}` });
const ruleBody = z.looseObject({}, { error: 'the body must be a JSON object: the rule' });
const ruleDocs = RuleSchema.omit({ tenant: true });
const putDocs = ruleDocs.partial({ id: true }).extend({
  version: z.number().int().optional().describe('The version you read: refused with 409 if it changed since'),
});
const idParams = z.object({ id: key });
const listQuery = z.looseObject({
  enabled: queryBoolean.optional(),
  priority: oneOrMany(z.enum(PRIORITIES)).optional(),
  after: key.optional().describe('Page cursor: rules with ids after this one'),
  limit: queryInt(1, 5000).default(500),
});
const dryRunBody = z.strictObject({
  rule: z.looseObject({}, { error: 'must be a JSON object: the rule to try' }),
  hours: z
    .number({ error: 'must be a number of hours' })
    .positive({ error: 'must be more than 0' })
    .max(168, { error: 'must be at most 168 (7 days)' })
    .default(24),
});
const dryRunDocs = dryRunBody.extend({
  rule: ruleDocs.partial({ id: true, name: true, title: true, priority: true }),
});

const READ_ONLY = ['version', 'createdAt', 'updatedAt'] as const;

const view = (s: StoredRule) => ({
  ...s.rule,
  version: s.version,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

/** validateRule, with the field names of a rule nested in a request body (`rule.condition.low`). */
function validateNested(input: unknown, prefix: string): Rule {
  try {
    return validateRule(input);
  } catch (e) {
    if (!isDataInsightError(e, 'DI_VALIDATION') || !prefix) throw e;
    const field = `${prefix}.${e.field ?? 'rule'}`;
    const d = e.details as { errors?: { field: string; reason: string }[] } | undefined;
    const details = d?.errors
      ? { errors: d.errors.map((x) => ({ ...x, field: `${prefix}.${x.field}` })) }
      : d;
    throw new DataInsightError('DI_VALIDATION', `${prefix}.${e.message}`, { field, details });
  }
}

async function announce(feed: ChangeFeed, log: FastifyBaseLogger, p: TenantPrincipal, ruleId: string) {
  const message: RuleChangeMessage = { tenantId: p.tenantId, tenant: p.tenant, ruleId };
  // The write is committed: a lost message is caught up by the evaluators' periodic re-check.
  await feed
    .publish(RULES_CHANNEL, message)
    .catch((err: unknown) => log.warn({ err, ruleId }, 'could not announce a rule change'));
}

export function rulesRoutes(opts: RulesRoutesOptions): FastifyPluginAsync {
  const now = opts.now ?? Date.now;
  return async (app) => {
    const read = requireScope(opts.verifier, 'read');
    const admin = requireScope(opts.verifier, 'admin');
    const repo = new RulesRepo(opts.db);
    const tags = ['alert rules'];

    app.post(
      '/rules',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Create an alert rule (its tenant is yours)',
          body: documented(ruleBody, ruleDocs),
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const rule = validateRule({ ...(req.body as object), tenant: p.tenant });
        const created = await repo.create(p.tenantId, rule, now());
        await announce(opts.feed, req.log, p, rule.id);
        return reply.status(201).send(view(created));
      },
    );

    app.get(
      '/rules',
      {
        preHandler: read,
        schema: { tags, summary: 'Alert rules of your tenant, by id', querystring: documented(listQuery) },
      },
      async (req) => {
        const q = req.query as z.output<typeof listQuery>;
        const rules = await repo.list(principalOf(req).tenantId, q);
        const last = rules.length === q.limit ? rules[rules.length - 1]?.rule.id : undefined;
        return { rules: rules.map(view), ...(last ? { next: last } : {}) };
      },
    );

    app.get(
      '/rules/:id',
      { preHandler: read, schema: { tags, summary: 'One alert rule', params: documented(idParams) } },
      async (req) => view(await repo.get(principalOf(req).tenantId, (req.params as { id: string }).id)),
    );

    app.put(
      '/rules/:id',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Replace an alert rule (version + 1); send the version you read to refuse lost updates',
          params: documented(idParams),
          body: documented(ruleBody, putDocs),
        },
      },
      async (req) => {
        const p = principalOf(req);
        const { id } = req.params as { id: string };
        const body: Record<string, unknown> = { ...(req.body as object) };
        const expected = parseWith(z.number().int().optional(), body.version, 'version');
        for (const k of READ_ONLY) delete body[k];
        if (body.id !== undefined && body.id !== id) {
          throw new DataInsightError(
            'DI_VALIDATION',
            `id: the body names rule "${String(body.id)}", the path "${id}"`,
            {
              field: 'id',
            },
          );
        }
        const rule = validateRule({ ...body, id, tenant: p.tenant });
        const saved = await repo.replace(p.tenantId, rule, expected, now());
        await announce(opts.feed, req.log, p, id);
        return view(saved);
      },
    );

    app.delete(
      '/rules/:id',
      {
        preHandler: admin,
        schema: { tags, summary: 'Delete an alert rule (its alerts stay)', params: documented(idParams) },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const { id } = req.params as { id: string };
        await repo.remove(p.tenantId, id, now());
        await announce(opts.feed, req.log, p, id);
        return reply.status(204).send();
      },
    );

    app.post(
      '/rules/dry-run',
      {
        preHandler: read,
        schema: {
          tags,
          summary: "Which firing and resolved events a rule would have produced on the last hours' readings",
          body: documented(dryRunBody, dryRunDocs),
        },
      },
      async (req) => {
        const p = principalOf(req);
        const { rule: input, hours } = req.body as z.output<typeof dryRunBody>;
        const defaults = { id: 'dry-run', name: 'dry run', title: 'dry run', priority: 'low' };
        const rule = validateNested({ ...defaults, ...input, tenant: p.tenant, enabled: true }, 'rule');
        const to = now();
        const window = { from: to - Math.round(hours * 3_600_000), to };
        return dryRun(opts.db, p.tenantId, rule, window, opts.dryRunMaxReadings);
      },
    );
  };
}
