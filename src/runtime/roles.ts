/**
 * Process roles. `datainsight start` runs every available role in one process (embedded mode);
 * `datainsight start --role <role>` runs one, and any number of processes may run each role.
 */
export const ROLE_NAMES = [
  'bridge',
  'storage',
  'alerting',
  'notifier',
  'api',
  'scheduler',
  'exporter',
  'connector',
  'analytics',
] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export interface RoleInfo {
  what: string;
  /** Undefined when the role runs in this version; otherwise why not yet. */
  unavailable?: string;
}

export const ROLE_INFO: Record<RoleName, RoleInfo> = {
  analytics: {
    what: 'forecast models refitted per series on a schedule (backtest, fallback to seasonal naive)',
  },
  bridge: { what: 'MQTT (embedded Aedes or external broker) -> telemetry stream' },
  storage: { what: 'telemetry stream (group "storage") -> time-series store and roll-ups' },
  alerting: {
    what: 'telemetry stream (group "alerting") -> rule evaluation -> alert streams',
  },
  notifier: {
    what: 'alert streams -> subscriptions -> outbox -> channel adapters (email, SMS, WhatsApp, Telegram, push, webhook)',
  },
  api: { what: 'HTTP API: ingest, queries, management, /healthz /readyz /metrics' },
  scheduler: { what: 'periodic jobs: partition upkeep and retention' },
  exporter: {
    what: 'export queue -> workers streaming files (CSV, CSV.gz, JSON Lines, Parquet), ready e-mails, file retention',
  },
  connector: {
    what: 'legacy sources (PostgreSQL, MySQL/MariaDB, SQL Server tables, CSV/JSON Lines files) polled -> telemetry stream',
  },
};

/** Start order: consumers before intake, so shutdown (reverse order) stops intake first and drains. */
export const START_ORDER: readonly RoleName[] = [
  'storage',
  'alerting',
  'notifier',
  'scheduler',
  'exporter',
  'bridge',
  'connector',
  'analytics',
  'api',
];

export function availableRoles(): RoleName[] {
  return START_ORDER.filter((r) => !ROLE_INFO[r].unavailable);
}
