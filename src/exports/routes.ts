/**
 * The exports API: request an export (202 with the job at once), list and read the tenant's exports
 * with their progress, cancel one, and download the file through a signed, expiring link. Every
 * lookup is scoped to the caller's tenant: another tenant's export id is a 404.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { documented, queryInt, zodValidatorCompiler } from '../api/http-schema.js';
import type { ChangeFeed } from '../bus/feed.js';
import type { Db } from '../db/port.js';
import { principalOf, requireScope } from '../iam/auth.js';
import type { CredentialVerifier } from '../iam/credentials.js';
import { DataInsightError } from '../platform/errors.js';
import { Catalog } from '../storage/catalog.js';
import type { ExportFiles } from './files.js';
import { ExportJobs, type ExportJob } from './jobs.js';
import type { LinkSigner } from './signing.js';
import { CONTENT_TYPES, checkRequest, ExportRequestBody, FILE_EXTENSIONS, filterOf } from './spec.js';

export const EXPORTS_CHANNEL = 'exports';

export interface ExportRoutesOptions {
  db: Db;
  feed: ChangeFeed;
  verifier: CredentialVerifier;
  files: ExportFiles;
  /** Undefined: signing key loaded lazily from the database / setting by `signer()`. */
  signer: () => Promise<LinkSigner>;
  publicUrl: string;
  now?: () => number;
}

const idParams = z.object({ id: queryInt(1, Number.MAX_SAFE_INTEGER) });
const listQuery = z.looseObject({
  limit: queryInt(1, 200).default(50),
  before: queryInt(1, Number.MAX_SAFE_INTEGER).optional().describe('Page cursor: ids below this'),
});
const downloadQuery = z.looseObject({
  tenant: z.string().optional(),
  expires: z.string().optional(),
  sig: z.string().optional(),
});

/** What the API shows of a job. */
export function exportView(j: ExportJob, signer: LinkSigner, publicUrl: string): Record<string, unknown> {
  const spec = j.spec as ExportJob['spec'] & { seriesCount?: number };
  const downloadPath =
    j.status === 'succeeded' && j.expiresAt !== null ? signer.path(j.id, j.tenantId, j.expiresAt) : null;
  const progress =
    j.status === 'succeeded' ? 1 : j.rowsEstimated ? Math.min(0.99, j.rowsDone / j.rowsEstimated) : null;
  return {
    id: j.id,
    status: j.status,
    scope: spec.scope,
    from: spec.from,
    to: spec.to,
    resolution: j.resolution,
    format: j.format,
    seriesCount: spec.seriesCount ?? spec.series?.length ?? null,
    rowsDone: j.rowsDone,
    rowsEstimated: j.rowsEstimated,
    progress,
    bytes: j.bytes,
    attempts: j.attempts,
    error: j.error,
    notified: j.notified,
    requestedBy: j.requestedBy,
    createdAt: j.createdAt,
    startedAt: j.startedAt,
    finishedAt: j.finishedAt,
    expiresAt: j.expiresAt,
    downloadPath,
    downloadUrl: downloadPath && publicUrl.replace(/\/$/, '') + downloadPath,
  };
}

const notFound = (id: number): DataInsightError =>
  new DataInsightError('DI_NOT_FOUND', `no export ${id} in your tenant`, { field: 'id' });

export function exportRoutes(opts: ExportRoutesOptions): FastifyPluginAsync {
  const now = opts.now ?? Date.now;
  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    const read = requireScope(opts.verifier, 'read');
    const jobs = new ExportJobs(opts.db);
    const catalog = new Catalog(opts.db);
    const tags = ['exports'];
    const view = async (j: ExportJob) => exportView(j, await opts.signer(), opts.publicUrl);

    app.post(
      '/exports',
      {
        preHandler: read,
        schema: {
          tags,
          summary:
            'Request an export of a scope and time range (raw or a roll-up tier) as CSV, CSV.gz, JSON Lines or Parquet',
          description:
            'Answers 202 at once with the queued job; poll GET /exports/{id} for progress, then download through its signed link.',
          body: documented(ExportRequestBody),
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const request = checkRequest(req.body as z.output<typeof ExportRequestBody>, now());
        const series = await catalog.series(p.tenantId, filterOf(request.scope));
        if (series.length === 0) {
          throw new DataInsightError('DI_VALIDATION', 'scope: matches no series of your tenant', {
            field: 'scope',
          });
        }
        const job = await jobs.create({
          tenantId: p.tenantId,
          requestedByUser: p.userId,
          requestedBy: p.subject,
          request,
          series,
          now: now(),
        });
        await opts.feed.publish(EXPORTS_CHANNEL, { id: job.id }).catch(() => undefined);
        return reply
          .status(202)
          .header('location', `/api/v1/exports/${job.id}`)
          .send(await view(job));
      },
    );

    app.get(
      '/exports',
      {
        preHandler: read,
        schema: { tags, summary: "Your tenant's exports, newest first", querystring: documented(listQuery) },
      },
      async (req) => {
        const q = req.query as z.output<typeof listQuery>;
        const list = await jobs.list(principalOf(req).tenantId, q.limit, q.before);
        return { exports: await Promise.all(list.map(view)) };
      },
    );

    app.get(
      '/exports/:id',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'One export: status, progress, size, expiry and its download link',
          params: documented(idParams),
        },
      },
      async (req) => {
        const { id } = req.params as z.output<typeof idParams>;
        const j = await jobs.get(principalOf(req).tenantId, id);
        if (!j) throw notFound(id);
        return view(j);
      },
    );

    const cancel = async (tenantId: number, id: number) => {
      const r = await jobs.cancel(tenantId, id, now());
      if (!r) throw notFound(id);
      const j = r.job;
      if (!r.cancelled) {
        throw new DataInsightError(
          'DI_CONFLICT',
          `export ${id} is ${j.status}; only a queued or running export can be cancelled`,
          {
            field: 'id',
          },
        );
      }
      return view(j);
    };
    for (const [method, url] of [
      ['DELETE', '/exports/:id'],
      ['POST', '/exports/:id/cancel'],
    ] as const) {
      app.route({
        method,
        url,
        preHandler: read,
        schema: {
          tags,
          summary: 'Cancel a queued or running export (a running one stops within a second)',
          params: documented(idParams),
        },
        handler: async (req) =>
          cancel(principalOf(req).tenantId, (req.params as z.output<typeof idParams>).id),
      });
    }

    app.get(
      '/exports/:id/download',
      {
        schema: {
          tags,
          summary: 'Download an export through its signed link (no other credentials needed)',
          params: documented(idParams),
          querystring: documented(downloadQuery),
        },
      },
      async (req, reply) => {
        const { id } = req.params as z.output<typeof idParams>;
        const { tenantId } = (await opts.signer()).verify(
          id,
          req.query as z.output<typeof downloadQuery>,
          now(),
        );
        const j = await jobs.get(tenantId, id);
        if (!j) throw notFound(id);
        if (j.status === 'expired') {
          throw new DataInsightError('DI_LINK_EXPIRED', `export ${id} has expired and its file was deleted`, {
            field: 'id',
          });
        }
        if (j.status !== 'succeeded' || !j.fileKey) {
          throw new DataInsightError('DI_CONFLICT', `export ${id} is ${j.status}, not ready to download`, {
            field: 'id',
          });
        }
        const file = await opts.files.open(j.fileKey);
        if (!file) {
          throw new DataInsightError('DI_LINK_EXPIRED', `the file of export ${id} is gone`, { field: 'id' });
        }
        return reply
          .header('content-type', CONTENT_TYPES[j.format])
          .header('content-length', String(file.size))
          .header(
            'content-disposition',
            `attachment; filename="datainsight-export-${id}.${FILE_EXTENSIONS[j.format]}"`,
          )
          .header('cache-control', 'private, no-store')
          .send(file.stream);
      },
    );
  };
}
