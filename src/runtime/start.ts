import type { Config } from '../config/config.js';
import { startAlerting } from '../alerting/alerting-role.js';
import { startAnalytics } from '../analytics/analytics-role.js';
import { startApi } from '../api/api-role.js';
import { startConnectors } from '../connectors/connector-role.js';
import { startExporter } from '../exports/exporter-role.js';
import { startBridge } from '../ingest/bridge-role.js';
import { startNotifier } from '../notify/notifier-role.js';
import { DataInsightError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { startScheduler } from '../storage/scheduler-role.js';
import { startStorage } from '../storage/storage-role.js';
import type { RoleStarter, RunningRole, SharedServices } from './role.js';
import { ROLE_INFO, START_ORDER, type RoleName } from './roles.js';
import { createRuntime, type Runtime } from './runtime.js';

const STARTERS: Partial<Record<RoleName, RoleStarter>> = {
  storage: startStorage,
  alerting: startAlerting,
  notifier: startNotifier,
  scheduler: startScheduler,
  exporter: startExporter,
  bridge: startBridge,
  connector: startConnectors,
  analytics: startAnalytics,
  api: startApi,
};

export interface Platform {
  runtime: Runtime;
  roles: RoleName[];
  ports: { http?: number; mqtt?: number };
  /** Graceful stop: intake first, then consumers drain and ack, then adapters. Safe to call twice. */
  close(): Promise<void>;
}

/** Distributed roles share state only through PostgreSQL and Redis: refuse a setup that would not. */
export function checkRoles(config: Config, roles: RoleName[], distributed: boolean): void {
  for (const r of roles) {
    const why = ROLE_INFO[r].unavailable;
    if (why)
      throw new DataInsightError('DI_CONFIG_INVALID', `role "${r}" cannot run: ${why}`, { field: 'role' });
  }
  if (distributed) {
    const missing = [!config.databaseUrl && 'DATABASE_URL', !config.redisUrl && 'REDIS_URL'].filter(Boolean);
    if (missing.length) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `--role ${roles.join(',')} runs in distributed mode and needs ${missing.join(' and ')}: processes share data only through PostgreSQL and Redis (or run "datainsight start" without --role for the embedded mode)`,
        { field: String(missing[0]) },
      );
    }
  }
}

export async function startPlatform(
  config: Config,
  opts: { logger: Logger; roles: RoleName[]; metrics?: Metrics; shared?: SharedServices },
): Promise<Platform> {
  const runtime = await createRuntime(config, opts.logger, opts.metrics);
  const shared: SharedServices = opts.shared ?? { apiPlugins: [] };
  const started: { name: RoleName; role: RunningRole }[] = [];
  const stopRoles = async (): Promise<void> => {
    for (const { name, role } of started.splice(0).reverse()) {
      await role
        .close()
        .catch((e: unknown) => opts.logger.warn({ err: e, role: name }, 'error while stopping a role'));
    }
  };
  try {
    for (const name of START_ORDER.filter((r) => opts.roles.includes(r))) {
      const starter = STARTERS[name];
      if (!starter) continue;
      started.push({ name, role: await starter(runtime, shared) });
    }
  } catch (e) {
    await stopRoles();
    await runtime.close();
    throw e;
  }
  const ports = Object.assign({}, ...started.map((s) => s.role.ports ?? {})) as Platform['ports'];
  for (const { role } of started) for (const line of role.describe()) opts.logger.info(line);
  let closing: Promise<void> | undefined;
  return {
    runtime,
    roles: started.map((s) => s.name),
    ports,
    close() {
      closing ??= (async () => {
        runtime.health.markDraining();
        await stopRoles();
        await runtime.close();
      })();
      return closing;
    },
  };
}
