import swagger from '@fastify/swagger';
import { alertManagementRoutes } from '../alerting/manage/routes.js';
import { analyticsRoutes } from '../analytics/routes.js';
import { Analytics } from '../analytics/service.js';
import { accessRoutes } from '../iam/access-routes.js';
import { authRoutes } from '../iam/auth-routes.js';
import { SESSION_COOKIE } from '../iam/cookies.js';
import { CredentialVerifier } from '../iam/credentials.js';
import { FailureLimiter } from '../iam/rate-limit.js';
import { ingestRoutes } from '../ingest/http-routes.js';
import { Intake } from '../ingest/intake.js';
import { buildChannels } from '../notify/channels/index.js';
import { Outbox } from '../notify/outbox.js';
import { peopleRoutes } from '../notify/people-routes.js';
import { Recipients } from '../notify/recipients.js';
import { webhookRoutes } from '../notify/webhook-routes.js';
import { listen } from '../platform/listen.js';
import type { RoleStarter } from '../runtime/role.js';
import { Catalog } from '../storage/catalog.js';
import { SeriesQueries } from '../storage/queries.js';
import { queryRoutes } from '../storage/query-routes.js';
import { dashboardsRoutes } from '../dashboards/dashboards-routes.js';
import { liveRoutes } from './live.js';
import { exportRoutes } from '../exports/routes.js';
import { exportFilesFor, signerFor } from '../exports/setup.js';
import { filesRootOf } from '../connectors/connector-role.js';
import { connectorRoutes } from '../connectors/routes.js';
import { buildApi } from './server.js';
import { webAppRoutes } from './web-app.js';

/** The api role: Fastify with every capability's routes, /healthz, /readyz, /metrics and OpenAPI. */
export const startApi: RoleStarter = async (rt, shared) => {
  const { config } = rt;
  const verifier = new CredentialVerifier(rt.db, undefined, undefined, {
    sessions: { idleMs: config.sessionTtlMs, maxAgeMs: config.sessionMaxAgeMs },
    publicUrl: config.publicUrl,
  });
  const unfollow = await verifier.followRevocations(rt.feed);
  const intake = new Intake(rt.bus, rt.metrics, {
    maxPastMs: config.ingestMaxPastMs,
    maxFutureMs: config.ingestMaxFutureMs,
    maxMessageBytes: config.ingestMaxMessageBytes,
  });
  const channels = buildChannels(config, rt.logger);
  const ingest = ingestRoutes({ intake, verifier, maxBodyBytes: config.ingestMaxBodyBytes });
  const app = await buildApi({
    logger: rt.logger,
    metrics: rt.metrics,
    health: rt.health,
    bodyLimitBytes: config.ingestMaxBodyBytes,
    trustProxy: config.trustProxy,
    plugins: [
      {
        plugin: async (api) => {
          await api.register(swagger, {
            openapi: {
              info: { title: 'DataInsight API', version: '1' },
              components: {
                securitySchemes: {
                  token: { type: 'http', scheme: 'bearer' },
                  session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
                },
              },
              security: [{ token: [] }, { session: [] }],
            },
          });
          await api.register(
            authRoutes({
              db: rt.db,
              verifier,
              limiter: new FailureLimiter({
                limit: config.loginRateLimit,
                windowMs: config.loginRateWindowMs,
              }),
              secureCookie: config.publicUrl.startsWith('https:'),
            }),
            { prefix: '/api/v1' },
          );
          await api.register(accessRoutes({ db: rt.db, feed: rt.feed, verifier }), { prefix: '/api/v1' });
          await api.register(ingest.v1, { prefix: '/api/v1' });
          await api.register(
            queryRoutes({ catalog: new Catalog(rt.db), queries: new SeriesQueries(rt.db), verifier }),
            { prefix: '/api/v1' },
          );
          await api.register(alertManagementRoutes({ db: rt.db, bus: rt.bus, feed: rt.feed, verifier }), {
            prefix: '/api/v1',
          });
          await api.register(
            peopleRoutes({
              db: rt.db,
              feed: rt.feed,
              verifier,
              channels,
              vapidPublicKey: config.vapidPublicKey,
            }),
            {
              prefix: '/api/v1',
            },
          );
          await api.register(
            webhookRoutes({
              channels: [...channels.values()],
              outbox: new Outbox(rt.db),
              recipients: new Recipients(rt.db),
              publicUrl: config.publicUrl,
              logger: rt.logger,
            }),
            { prefix: '/api/v1' },
          );
          await api.register(dashboardsRoutes({ db: rt.db, verifier }), { prefix: '/api/v1' });
          await api.register(
            analyticsRoutes({
              analytics: new Analytics(rt.db, new Catalog(rt.db), new SeriesQueries(rt.db), {
                maxPoints: config.analyticsMaxPoints,
                budgetMs: config.analyticsFitBudgetMs,
                modelTtlMs: 2 * config.analyticsRefitIntervalMs,
                diagnosisMaxRows: 50_000,
              }),
              verifier,
            }),
            { prefix: '/api/v1' },
          );
          await api.register(
            liveRoutes({
              catalog: new Catalog(rt.db),
              feed: rt.feed,
              verifier,
              heartbeatMs: config.liveHeartbeatMs,
            }),
            {
              prefix: '/api/v1',
            },
          );
          await api.register(
            exportRoutes({
              db: rt.db,
              feed: rt.feed,
              verifier,
              files: exportFilesFor(config),
              signer: signerFor(rt.db, config),
              publicUrl: config.publicUrl,
            }),
            { prefix: '/api/v1' },
          );
          await api.register(
            connectorRoutes({
              db: rt.db,
              verifier,
              filesRoot: filesRootOf(config),
              maxUploadBytes: Math.max(config.ingestMaxBodyBytes, 64 * 1024 * 1024),
            }),
            { prefix: '/api/v1' },
          );
          await api.register(ingest.influx);
          for (const p of shared.apiPlugins) await api.register(p.plugin, { prefix: p.prefix ?? '/api/v1' });
          api.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => api.swagger());
          await api.register(webAppRoutes());
        },
        prefix: '',
      },
    ],
  });
  await app.ready();
  const port = await listen(app.server, config.httpHost, config.httpPort, 'HTTP_PORT');
  return {
    describe: () => [
      `HTTP API: http://${config.httpHost}:${port} (OpenAPI at /api/v1/openapi.json, metrics at /metrics)`,
    ],
    ports: { http: port },
    async close() {
      await app.close().catch((e: unknown) => rt.logger.warn({ err: e }, 'error while closing the HTTP API'));
      await unfollow().catch(() => undefined);
    },
  };
};
