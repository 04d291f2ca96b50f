/**
 * The connectors API (tenant-scoped): `admin` creates, changes, tests, dry-runs, starts and pauses;
 * `read` views status, dead letters and the reconciliation. Another tenant's connector id is a 404.
 * Passwords are accepted, never returned (masked) and never logged.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { documented, queryInt, zodValidatorCompiler } from '../api/http-schema.js';
import type { Db } from '../db/port.js';
import { principalOf, requireScope } from '../iam/auth.js';
import type { CredentialVerifier } from '../iam/credentials.js';
import { DataInsightError } from '../platform/errors.js';
import { ConnectorRepo, publicView } from './repo.js';
import { dryRun, testSource, validateDefinition } from './service.js';
import { fileDirectory } from './sources/index.js';
import { ConnectorSpecSchema } from './spec.js';

export interface ConnectorRoutesOptions {
  db: Db;
  verifier: CredentialVerifier;
  filesRoot: string;
  maxUploadBytes: number;
  now?: () => number;
}

const idParams = z.object({ id: queryInt(1, 2_147_483_647) });
const fileParams = z.object({
  id: queryInt(1, 2_147_483_647),
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { error: 'must be a plain file name (A-Z a-z 0-9 . _ -)' }),
});
const dryRunQuery = z.looseObject({ limit: queryInt(1, 1000).default(20) });
const deadQuery = z.looseObject({
  limit: queryInt(1, 1000).default(100),
  before: queryInt(1, Number.MAX_SAFE_INTEGER).optional(),
});
const reconQuery = z.looseObject({ days: queryInt(1, 366).default(31) });

export function connectorRoutes(opts: ConnectorRoutesOptions): FastifyPluginAsync {
  const now = opts.now ?? Date.now;
  const repo = new ConnectorRepo(opts.db);
  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    for (const type of [
      'text/csv',
      'text/plain',
      'application/x-ndjson',
      'application/jsonl',
      'application/octet-stream',
    ])
      app.addContentTypeParser(
        type,
        { parseAs: 'buffer', bodyLimit: opts.maxUploadBytes },
        (_req, body, done) => done(null, body),
      );
    const read = requireScope(opts.verifier, 'read');
    const admin = requireScope(opts.verifier, 'admin');
    const tags = ['connectors'];
    const ctx = (id: number | undefined) => ({ filesRoot: opts.filesRoot, connectorId: id });
    const body = documented(z.unknown(), ConnectorSpecSchema);

    app.get(
      '/connectors',
      { preHandler: read, schema: { tags, summary: 'Connectors of your tenant with their status' } },
      async (req) => {
        const t = now();
        return { connectors: (await repo.list(principalOf(req).tenantId)).map((c) => publicView(c, t)) };
      },
    );

    app.post(
      '/connectors',
      { preHandler: admin, schema: { tags, summary: 'Create a connector (paused until started)', body } },
      async (req, reply) => {
        const p = principalOf(req);
        const { spec, secret } = await validateDefinition(opts.db, p.tenantId, req.body, ctx(undefined));
        return reply.status(201).send(publicView(await repo.create(p.tenantId, spec, secret, now())));
      },
    );

    app.get(
      '/connectors/:id',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'One connector: definition (password masked) and status',
          params: documented(idParams),
        },
      },
      async (req) =>
        publicView(await repo.get(principalOf(req).tenantId, (req.params as { id: number }).id), now()),
    );

    app.get(
      '/connectors/:id/status',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'State, position, lag, last error, backfill progress',
          params: documented(idParams),
        },
      },
      async (req) => {
        const { spec: _spec, ...status } = publicView(
          await repo.get(principalOf(req).tenantId, (req.params as { id: number }).id),
          now(),
        );
        return status;
      },
    );

    app.put(
      '/connectors/:id',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Replace the definition (omit the password to keep it); the position is kept',
          params: documented(idParams),
          body,
        },
      },
      async (req) => {
        const p = principalOf(req);
        const id = (req.params as { id: number }).id;
        await repo.get(p.tenantId, id);
        const { spec, secret } = await validateDefinition(opts.db, p.tenantId, req.body, ctx(id));
        return publicView(await repo.update(p.tenantId, id, spec, secret, now()));
      },
    );

    app.delete(
      '/connectors/:id',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Delete a connector, its dead letters and reconciliation',
          params: documented(idParams),
        },
      },
      async (req, reply) => {
        await repo.remove(principalOf(req).tenantId, (req.params as { id: number }).id);
        return reply.status(204).send();
      },
    );

    for (const [action, desired] of [
      ['start', 'running'],
      ['pause', 'paused'],
    ] as const) {
      app.post(
        `/connectors/:id/${action}`,
        {
          preHandler: admin,
          schema: {
            tags,
            summary:
              action === 'start'
                ? 'Start (or resume) polling'
                : 'Pause: the owner stops after its batch in hand',
            params: documented(idParams),
          },
        },
        async (req) =>
          publicView(
            await repo.setDesired(
              principalOf(req).tenantId,
              (req.params as { id: number }).id,
              desired,
              now(),
            ),
          ),
      );
    }

    app.post(
      '/connectors/test',
      {
        preHandler: admin,
        schema: { tags, summary: 'Test a definition: connect read-only, list the columns', body },
      },
      async (req) => {
        const p = principalOf(req);
        const { spec, secret } = await validateDefinition(opts.db, p.tenantId, req.body, ctx(undefined));
        return testSource(spec, secret, ctx(undefined));
      },
    );

    app.post(
      '/connectors/:id/test',
      {
        preHandler: admin,
        schema: { tags, summary: "Test a connector's source", params: documented(idParams) },
      },
      async (req) => {
        const c = await repo.get(principalOf(req).tenantId, (req.params as { id: number }).id);
        return testSource(c.spec, await repo.secret(c.id), ctx(c.id));
      },
    );

    app.post(
      '/connectors/dry-run',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'The first mapped readings and rejected rows of a definition; nothing is written',
          body,
          querystring: documented(dryRunQuery),
        },
      },
      async (req) => {
        const p = principalOf(req);
        const { spec, secret } = await validateDefinition(opts.db, p.tenantId, req.body, ctx(undefined));
        return dryRun(
          opts.db,
          p.tenantId,
          p.tenant,
          spec,
          secret,
          ctx(undefined),
          (req.query as { limit: number }).limit,
        );
      },
    );

    app.post(
      '/connectors/:id/dry-run',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'The first mapped readings and rejected rows a backfill would give; nothing is written',
          params: documented(idParams),
          querystring: documented(dryRunQuery),
        },
      },
      async (req) => {
        const p = principalOf(req);
        const c = await repo.get(p.tenantId, (req.params as { id: number }).id);
        return dryRun(
          opts.db,
          p.tenantId,
          p.tenant,
          c.spec,
          await repo.secret(c.id),
          ctx(c.id),
          (req.query as { limit: number }).limit,
        );
      },
    );

    app.get(
      '/connectors/:id/dead-letters',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'Rows that could not be mapped: source key, field, reason, newest first',
          params: documented(idParams),
          querystring: documented(deadQuery),
        },
      },
      async (req) => {
        const q = req.query as z.output<typeof deadQuery>;
        const deadLetters = await repo.deadLetters(
          principalOf(req).tenantId,
          (req.params as { id: number }).id,
          q.limit,
          q.before,
        );
        const last = deadLetters.length === q.limit ? deadLetters[deadLetters.length - 1]?.id : undefined;
        return { deadLetters, ...(last ? { next: last } : {}) };
      },
    );

    app.get(
      '/connectors/:id/reconciliation',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'Per day (UTC): rows read, readings written, rejected',
          params: documented(idParams),
          querystring: documented(reconQuery),
        },
      },
      async (req) => ({
        days: await repo.reconciliation(
          principalOf(req).tenantId,
          (req.params as { id: number }).id,
          (req.query as { days: number }).days,
        ),
      }),
    );

    app.put(
      '/connectors/:id/files/:name',
      {
        preHandler: admin,
        bodyLimit: opts.maxUploadBytes,
        schema: {
          tags,
          summary: 'Upload a CSV / JSON Lines file to a file connector (read in name order)',
          params: documented(fileParams),
        },
      },
      async (req, reply) => {
        const { id, name } = req.params as z.output<typeof fileParams>;
        const c = await repo.get(principalOf(req).tenantId, id);
        if (c.spec.source.kind !== 'file' || c.spec.source.directory)
          throw new DataInsightError(
            'DI_BAD_REQUEST',
            'uploads go to file connectors without a watched directory',
            { field: 'id' },
          );
        const data = Buffer.isBuffer(req.body)
          ? req.body
          : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? ''));
        const dir = fileDirectory(c.spec, ctx(id));
        await mkdir(dir, { recursive: true });
        // Written aside then renamed: the connector never sees half a file.
        const tmp = join(dir, `.${name}.${process.pid}.tmp`);
        await writeFile(tmp, data);
        await rename(tmp, join(dir, name));
        return reply.status(201).send({ file: name, bytes: data.length });
      },
    );
  };
}
