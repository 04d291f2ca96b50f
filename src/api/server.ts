import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import type { Health } from '../platform/health.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { installErrorHandling } from './errors.js';

export interface ApiOptions {
  logger: Logger;
  metrics: Metrics;
  health: Health;
  /** Capability plugins (ingest, queries, ...), mounted under /api/v1 unless they set their own prefix. */
  plugins: { plugin: FastifyPluginAsync; prefix?: string }[];
  bodyLimitBytes?: number;
  /** Proxies whose X-Forwarded-For is believed (empty: none). */
  trustProxy?: string;
}

/**
 * The HTTP API: one Fastify plugin per capability, shared errors, request metrics, and the operational
 * endpoints /healthz (alive), /readyz (every dependency answers) and /metrics (Prometheus).
 */
export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'api' }) as FastifyBaseLogger,
    // Per-request info logs would drown the log at ingest rates; failures are logged in onResponse.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes ?? 10 * 1024 * 1024,
    // Believing X-Forwarded-For from anyone would let a client choose its own address (and so dodge
    // per-address login limits): only the configured proxies are trusted.
    trustProxy: opts.trustProxy
      ? opts.trustProxy
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : false,
  });
  installErrorHandling(app);

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    opts.metrics.httpDuration.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500)
      req.log.warn({ method: req.method, url: req.url, status: reply.statusCode }, 'request failed');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const state = await opts.health.check();
    return reply
      .status(state.ready ? 200 : 503)
      .send({ status: state.ready ? 'ready' : state.draining ? 'draining' : 'unavailable', ...state });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });

  for (const { plugin, prefix } of opts.plugins) await app.register(plugin, { prefix: prefix ?? '/api/v1' });
  return app;
}
