import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialVerifier } from '../iam/credentials.js';
import { principalOf, requireScope } from '../iam/auth.js';
import { DataInsightError } from '../platform/errors.js';
import type { Intake, IntakeResult } from './intake.js';
import { decodeIngestBatch, decodeLineProtocol, type Precision } from './parse/index.js';

export interface IngestRoutesOptions {
  intake: Intake;
  verifier: CredentialVerifier;
  maxBodyBytes: number;
}

/** Request bodies may be gzip- or deflate-compressed; the body limit applies after decompression. */
function acceptCompressedBodies(app: FastifyInstance): void {
  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (enc === 'identity') return payload;
    const inflater = enc === 'gzip' ? createGunzip() : enc === 'deflate' ? createInflate() : undefined;
    if (!inflater)
      throw new DataInsightError(
        'DI_UNSUPPORTED_MEDIA_TYPE',
        `Content-Encoding "${enc}" is not supported (use gzip or deflate)`,
      );
    delete req.headers['content-length'];
    inflater.on('error', () => undefined);
    return payload.pipe(inflater);
  });
}

const PRECISIONS: Record<string, Precision> = { n: 'ns', ns: 'ns', u: 'us', us: 'us', ms: 'ms', s: 's' };

function precisionOf(req: FastifyRequest): Precision {
  const p = (req.query as Record<string, string | undefined>).precision;
  if (p === undefined || p === '') return 'ns';
  const precision = PRECISIONS[p];
  if (!precision)
    throw new DataInsightError('DI_BAD_REQUEST', `precision "${p}" is not supported (use ns, us, ms or s)`, {
      field: 'precision',
    });
  return precision;
}

/** Every record good: 2xx. Some bad: 400 naming each, while the good ones are already in the stream. */
function partial(result: IntakeResult): DataInsightError {
  const n = result.rejections.length;
  return new DataInsightError(
    'DI_VALIDATION',
    `${n} record${n === 1 ? '' : 's'} rejected, ${result.accepted} accepted`,
    {
      details: { accepted: result.accepted, rejected: result.rejections },
    },
  );
}

async function lineProtocol(
  intake: Intake,
  req: FastifyRequest,
  reply: FastifyReply,
  src: string,
): Promise<void> {
  const { tenant } = principalOf(req);
  const text =
    typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const decoded = decodeLineProtocol(text, { ...intake.policy(), tenant, precision: precisionOf(req) });
  const result = await intake.accept(tenant, decoded, 'influx', src, text);
  if (result.rejections.length) {
    // InfluxDB clients read `error` (v1) or `message` (v2): both say what was wrong and that the rest was written.
    const e = partial(result);
    const first = result.rejections
      .slice(0, 5)
      .map((r) => `line ${r.index}: ${r.reason}`)
      .join('; ');
    return reply
      .status(400)
      .send({ ...e.toJSON(), error: `partial write: ${first}`, message: `partial write: ${first}` });
  }
  return reply.status(204).send();
}

/**
 * HTTP ingestion: our JSON batch API and InfluxDB-compatible writes (v1 `/write`, v2
 * `/api/v2/write`), so Telegraf and InfluxDB client libraries send to DataInsight unchanged. The API
 * token picks the tenant; InfluxDB's db, org and bucket parameters are accepted and not needed.
 */
export function ingestRoutes(opts: IngestRoutesOptions): {
  v1: FastifyPluginAsync;
  influx: FastifyPluginAsync;
} {
  const auth = requireScope(opts.verifier, 'ingest');
  const v1: FastifyPluginAsync = async (app) => {
    acceptCompressedBodies(app);
    app.post('/ingest', { preHandler: auth, bodyLimit: opts.maxBodyBytes }, async (req, reply) => {
      const { tenant } = principalOf(req);
      const decoded = decodeIngestBatch(req.body, { ...opts.intake.policy(), tenant });
      const result = await opts.intake.accept(
        tenant,
        decoded,
        'http',
        'http:/api/v1/ingest',
        JSON.stringify(req.body ?? null).slice(0, 256),
      );
      if (result.rejections.length) throw partial(result);
      return reply.status(202).send({ accepted: result.accepted, rejected: [] });
    });
  };
  const influx: FastifyPluginAsync = async (app) => {
    acceptCompressedBodies(app);
    // Line protocol arrives as text/plain, octet-stream, form-encoded (curl -d) or with no type at all,
    // and Fastify parses no body that has no type.
    app.addHook('onRequest', async (req) => {
      req.headers['content-type'] ??= 'text/plain';
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: opts.maxBodyBytes }, (_req, body, done) =>
      done(null, body),
    );
    app.post('/write', { preHandler: auth, bodyLimit: opts.maxBodyBytes }, (req, reply) =>
      lineProtocol(opts.intake, req, reply, 'influx:/write'),
    );
    app.post('/api/v2/write', { preHandler: auth, bodyLimit: opts.maxBodyBytes }, (req, reply) =>
      lineProtocol(opts.intake, req, reply, 'influx:/api/v2/write'),
    );
    const ping = async (_req: FastifyRequest, reply: FastifyReply) =>
      reply.header('X-Influxdb-Version', '1.8-datainsight').status(204).send();
    // GET also answers HEAD (Fastify exposes HEAD routes for GET).
    app.get('/ping', ping);
  };
  return { v1, influx };
}
