/**
 * The alert management API (rules, alerts, silences) as one Fastify plugin. Its routes validate with
 * zod (the schemas that also document them in OpenAPI), so this plugin sets its own validator compiler;
 * it applies to these routes only (Fastify encapsulation).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ChangeFeed } from '../../bus/feed.js';
import type { Bus } from '../../bus/port.js';
import type { Db } from '../../db/port.js';
import type { CredentialVerifier } from '../../iam/credentials.js';
import { alertsRoutes } from './alerts-routes.js';
import { zodValidatorCompiler } from '../../api/http-schema.js';
import { rulesRoutes } from './rules-routes.js';
import { silencesRoutes } from './silences-routes.js';

export interface AlertManagementOptions {
  db: Db;
  bus: Bus;
  feed: ChangeFeed;
  verifier: CredentialVerifier;
  /** Readings a dry run replays at most (default 200 000). */
  dryRunMaxReadings?: number;
  now?: () => number;
}

export function alertManagementRoutes(opts: AlertManagementOptions): FastifyPluginAsync {
  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    await app.register(rulesRoutes(opts));
    await app.register(alertsRoutes(opts));
    await app.register(silencesRoutes(opts));
  };
}
