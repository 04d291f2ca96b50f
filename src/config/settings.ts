import { z } from 'zod';

/**
 * Every setting of DataInsight, in one table: its environment variable, type, default and meaning.
 * `config.ts` builds the typed configuration from it, `datainsight config` prints it, and
 * `settings.test.ts` checks each one is documented in docs/configuration.md.
 */

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .transform((s) => (s === '' ? undefined : s))
    .optional()
    .refine((s) => s === undefined || protocols.some((p) => s.startsWith(p + '://')), {
      message: `must be a URL starting with ${protocols.map((p) => p + '://').join(' or ')}`,
    });

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const baseUrl = (d: string) => z.string().url({ error: 'must be a URL' }).default(d);

interface SettingSpec<S extends z.ZodType> {
  env: string;
  schema: S;
  default: z.input<S> | undefined;
  doc: string;
  secret?: boolean;
}

const setting = <S extends z.ZodType>(spec: SettingSpec<S>) => spec;

export const SETTINGS = {
  httpHost: setting({
    env: 'HTTP_HOST',
    schema: z.string().min(1),
    default: '0.0.0.0',
    doc: 'Address the HTTP API listens on.',
  }),
  httpPort: setting({
    env: 'HTTP_PORT',
    schema: port,
    default: 8080,
    doc: 'HTTP port (API, web app, /metrics). 0 picks a free port.',
  }),
  mqttHost: setting({
    env: 'MQTT_HOST',
    schema: z.string().min(1),
    default: '0.0.0.0',
    doc: 'Address the embedded MQTT broker listens on (embedded mode).',
  }),
  mqttPort: setting({
    env: 'MQTT_PORT',
    schema: port,
    default: 1883,
    doc: 'Port of the embedded MQTT broker (embedded mode). 0 picks a free port.',
  }),
  dataDir: setting({
    env: 'DATA_DIR',
    schema: z.string().min(1),
    default: './data',
    doc: 'Directory of the embedded database (PGlite) and other local files.',
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    schema: optionalUrl(['postgres', 'postgresql']),
    default: undefined,
    secret: true,
    doc: 'PostgreSQL connection URL. Unset: embedded PGlite in DATA_DIR.',
  }),
  redisUrl: setting({
    env: 'REDIS_URL',
    schema: optionalUrl(['redis', 'rediss', 'redis+cluster']),
    default: undefined,
    secret: true,
    doc: 'Redis URL for the streams bus. `redis+cluster://host:port,host:port` for a Redis Cluster. Unset: in-process bus.',
  }),
  mqttUrl: setting({
    env: 'MQTT_URL',
    schema: optionalUrl(['mqtt', 'mqtts', 'tcp', 'ws', 'wss']),
    default: undefined,
    secret: true,
    doc: 'External MQTT broker the bridge role subscribes to. Unset: embedded Aedes broker.',
  }),
  mqttShareGroup: setting({
    env: 'MQTT_SHARE_GROUP',
    schema: z.string().regex(/^[A-Za-z0-9_-]+$/),
    default: 'datainsight-bridge',
    doc: 'MQTT 5 shared-subscription group of the bridge processes (with MQTT_URL); bridges of one deployment share it.',
  }),
  mqttBridgeConnections: setting({
    env: 'MQTT_BRIDGE_CONNECTIONS',
    schema: z.coerce.number().int().min(1).max(64),
    default: 4,
    doc: 'Connections each bridge process opens to the external broker (its parallelism: one QoS 1 message in flight per connection).',
  }),
  databasePoolSize: setting({
    env: 'DATABASE_POOL_SIZE',
    schema: positiveInt,
    default: 10,
    doc: 'PostgreSQL connections per process.',
  }),
  busPrefix: setting({
    env: 'BUS_PREFIX',
    schema: z.string().regex(/^[a-z0-9_-]+$/i),
    default: 'di',
    doc: 'Prefix of every Redis key the bus uses.',
  }),
  telemetryPartitions: setting({
    env: 'TELEMETRY_PARTITIONS',
    schema: z.coerce.number().int().min(1).max(1024),
    default: 16,
    doc: 'Partitions of the telemetry stream (hashed on tenant/sensor). Fixed for the life of a deployment.',
  }),
  streamMaxLen: setting({
    env: 'STREAM_MAX_LEN',
    schema: positiveInt,
    default: 1_000_000,
    doc: 'Approximate entries kept per stream partition before the oldest are trimmed.',
  }),
  consumerBatchSize: setting({
    env: 'CONSUMER_BATCH_SIZE',
    schema: positiveInt,
    default: 500,
    doc: 'Entries a consumer reads per batch.',
  }),
  consumerLeaseMs: setting({
    env: 'CONSUMER_LEASE_MS',
    schema: positiveInt,
    default: 10_000,
    doc: 'How long a partition stays with a member that stopped heartbeating.',
  }),
  consumerClaimIdleMs: setting({
    env: 'CONSUMER_CLAIM_IDLE_MS',
    schema: positiveInt,
    default: 15_000,
    doc: 'Pending entries idle this long are taken over from a dead consumer (>= CONSUMER_LEASE_MS).',
  }),
  consumerMaxDeliveries: setting({
    env: 'CONSUMER_MAX_DELIVERIES',
    schema: positiveInt,
    default: 5,
    doc: 'Deliveries after which a failing entry goes to the dead-letter stream.',
  }),
  shutdownTimeoutMs: setting({
    env: 'SHUTDOWN_TIMEOUT_MS',
    schema: positiveInt,
    default: 15_000,
    doc: 'On SIGTERM, time allowed to drain in-flight work before exiting.',
  }),
  ingestMaxPastMs: setting({
    env: 'INGEST_MAX_PAST_MS',
    schema: positiveInt,
    default: 10 * 365 * 86_400_000,
    doc: 'Oldest reading accepted, as an age in ms (default ten years, for backfills). Older ones are rejected with the accepted window.',
  }),
  ingestMaxFutureMs: setting({
    env: 'INGEST_MAX_FUTURE_MS',
    schema: positiveInt,
    default: 600_000,
    doc: 'How far ahead of the server clock a reading may be (device clock drift).',
  }),
  ingestMaxBodyBytes: setting({
    env: 'INGEST_MAX_BODY_BYTES',
    schema: positiveInt,
    default: 10 * 1024 * 1024,
    doc: 'Largest HTTP ingest body after decompression; larger ones get 413.',
  }),
  ingestMaxMessageBytes: setting({
    env: 'INGEST_MAX_MESSAGE_BYTES',
    schema: positiveInt,
    default: 1024 * 1024,
    doc: 'Largest MQTT message taken; a larger one is rejected to the dead-letter list.',
  }),
  mqttAllowAnonymous: setting({
    env: 'MQTT_ALLOW_ANONYMOUS',
    schema: z.stringbool().or(z.boolean()),
    default: false,
    doc: 'Let MQTT clients connect without device credentials (embedded broker). Only for trials on a closed network.',
  }),
  trustProxy: setting({
    env: 'TRUST_PROXY',
    schema: z.string().trim().default(''),
    default: '',
    doc: 'Proxies whose X-Forwarded-For to believe (comma-separated addresses or CIDRs, e.g. 10.0.0.0/8). Empty: the socket address is the client (login rate limits use it).',
  }),
  publicUrl: setting({
    env: 'PUBLIC_URL',
    schema: z.string().url({ error: 'must be a URL' }),
    default: 'http://localhost:8080',
    doc: 'Address people and providers reach this deployment at: links in messages, provider status callbacks.',
  }),
  sessionTtlMs: setting({
    env: 'SESSION_TTL_MS',
    schema: positiveInt,
    default: 8 * 3_600_000,
    doc: 'A web session ends after this long without a request (idle timeout, default 8 h).',
  }),
  sessionMaxAgeMs: setting({
    env: 'SESSION_MAX_AGE_MS',
    schema: positiveInt,
    default: 7 * 86_400_000,
    doc: 'A web session ends this long after sign-in, however active (default 7 days).',
  }),
  liveHeartbeatMs: setting({
    env: 'LIVE_HEARTBEAT_MS',
    schema: positiveInt,
    default: 15_000,
    doc: "Keep-alive interval of live update streams (/api/v1/live); the credentials are re-checked at the same pace, so a sign-out ends a stream within it. Keep it below your proxies' idle timeout.",
  }),
  loginRateLimit: setting({
    env: 'LOGIN_RATE_LIMIT',
    schema: positiveInt,
    default: 5,
    doc: 'Failed sign-ins allowed per client address and e-mail within LOGIN_RATE_WINDOW_MS; further attempts get 429 (counted per API process).',
  }),
  loginRateWindowMs: setting({
    env: 'LOGIN_RATE_WINDOW_MS',
    schema: positiveInt,
    default: 900_000,
    doc: 'Window of LOGIN_RATE_LIMIT (default 15 min).',
  }),
  initialAdminEmail: setting({
    env: 'INITIAL_ADMIN_EMAIL',
    schema: z.email({ error: 'must be an e-mail address' }),
    default: 'admin@datainsight.local',
    doc: 'E-mail of the platform admin created on the first start of an empty installation.',
  }),
  initialAdminPassword: setting({
    env: 'INITIAL_ADMIN_PASSWORD',
    schema: optionalText.refine((s) => s === undefined || s.length >= 10, {
      message: 'must be at least 10 characters',
    }),
    default: undefined,
    secret: true,
    doc: "Password of that first admin. Unset: a random one, printed once on the first start's terminal.",
  }),
  notifyHighWindowMs: setting({
    env: 'NOTIFY_HIGH_WINDOW_MS',
    schema: positiveInt,
    default: 10_000,
    doc: 'High-priority alerts for one person within this window go out as one message.',
  }),
  notifyMediumDelayMs: setting({
    env: 'NOTIFY_MEDIUM_DELAY_MS',
    schema: positiveInt,
    default: 300_000,
    doc: 'Medium-priority alerts are grouped per person and sent this long after the first (5 min to 6 h).',
  }),
  smtpUrl: setting({
    env: 'SMTP_URL',
    schema: optionalUrl(['smtp', 'smtps']),
    default: undefined,
    secret: true,
    doc: 'SMTP server for e-mail, smtp://user:pass@host:587. Unset: no e-mail channel.',
  }),
  smtpFrom: setting({
    env: 'SMTP_FROM',
    schema: z.string().min(3),
    default: 'DataInsight <alerts@localhost>',
    doc: 'Sender of alert e-mails.',
  }),
  twilioAccountSid: setting({
    env: 'TWILIO_ACCOUNT_SID',
    schema: optionalText,
    default: undefined,
    doc: 'Twilio account for SMS. Unset: no SMS channel.',
  }),
  twilioAuthToken: setting({
    env: 'TWILIO_AUTH_TOKEN',
    schema: optionalText,
    default: undefined,
    secret: true,
    doc: 'Twilio auth token (also verifies X-Twilio-Signature on status callbacks).',
  }),
  twilioFrom: setting({
    env: 'TWILIO_FROM',
    schema: optionalText,
    default: undefined,
    doc: 'Twilio sender number (E.164) or Messaging Service SID (MG...).',
  }),
  twilioBaseUrl: setting({
    env: 'TWILIO_BASE_URL',
    schema: baseUrl('https://api.twilio.com'),
    default: 'https://api.twilio.com',
    doc: 'Twilio API base URL.',
  }),
  whatsappPhoneNumberId: setting({
    env: 'WHATSAPP_PHONE_NUMBER_ID',
    schema: optionalText,
    default: undefined,
    doc: 'WhatsApp Cloud API phone number id. Unset: no WhatsApp channel.',
  }),
  whatsappAccessToken: setting({
    env: 'WHATSAPP_ACCESS_TOKEN',
    schema: optionalText,
    default: undefined,
    secret: true,
    doc: 'WhatsApp Cloud API access token.',
  }),
  whatsappAppSecret: setting({
    env: 'WHATSAPP_APP_SECRET',
    schema: optionalText,
    default: undefined,
    secret: true,
    doc: 'Meta app secret: verifies X-Hub-Signature-256 on status webhooks.',
  }),
  whatsappVerifyToken: setting({
    env: 'WHATSAPP_VERIFY_TOKEN',
    schema: optionalText,
    default: undefined,
    secret: true,
    doc: 'Token Meta echoes in the webhook GET verification handshake.',
  }),
  whatsappTemplate: setting({
    env: 'WHATSAPP_TEMPLATE',
    schema: z
      .string()
      .regex(/^[a-z0-9_]+:[A-Za-z_]+$/, { error: 'must be name:language, e.g. datainsight_alert:en' }),
    default: 'datainsight_alert:en',
    doc: 'Approved WhatsApp template (name:language) for business-initiated alerts; its body takes 5 parameters.',
  }),
  whatsappBaseUrl: setting({
    env: 'WHATSAPP_BASE_URL',
    schema: baseUrl('https://graph.facebook.com'),
    default: 'https://graph.facebook.com',
    doc: 'Graph API base URL.',
  }),
  telegramBotToken: setting({
    env: 'TELEGRAM_BOT_TOKEN',
    schema: optionalText,
    default: undefined,
    secret: true,
    doc: 'Telegram bot token. Unset: no Telegram channel.',
  }),
  telegramBaseUrl: setting({
    env: 'TELEGRAM_BASE_URL',
    schema: baseUrl('https://api.telegram.org'),
    default: 'https://api.telegram.org',
    doc: 'Telegram Bot API base URL.',
  }),
  vapidPublicKey: setting({
    env: 'VAPID_PUBLIC_KEY',
    schema: optionalText,
    default: undefined,
    doc: 'VAPID public key for Web Push. Unset: no push channel (generate with npx web-push generate-vapid-keys).',
  }),
  vapidPrivateKey: setting({
    env: 'VAPID_PRIVATE_KEY',
    schema: optionalText,
    default: undefined,
    secret: true,
    doc: 'VAPID private key.',
  }),
  vapidSubject: setting({
    env: 'VAPID_SUBJECT',
    schema: z.string().min(1),
    default: 'mailto:alerts@example.com',
    doc: 'VAPID subject: a mailto: or https: contact of the sender. Set a real one: push services (Apple) refuse placeholder domains.',
  }),
  exportDir: setting({
    env: 'EXPORT_DIR',
    schema: optionalText,
    default: undefined,
    doc: 'Directory of export files. Unset: DATA_DIR/exports. Distributed: a directory every api and exporter process shares.',
  }),
  exportWorkers: setting({
    env: 'EXPORT_WORKERS',
    schema: positiveInt.max(64),
    default: 2,
    doc: 'Exports one exporter process runs at once.',
  }),
  exportTenantConcurrency: setting({
    env: 'EXPORT_TENANT_CONCURRENCY',
    schema: positiveInt.max(64),
    default: 1,
    doc: "Exports of one tenant running at once over all exporters; the rest wait, so one tenant's big exports never starve the others.",
  }),
  exportRetentionMs: setting({
    env: 'EXPORT_RETENTION_MS',
    schema: positiveInt,
    default: 7 * 86_400_000,
    doc: 'How long a finished export file (and its download link) is kept.',
  }),
  exportLeaseMs: setting({
    env: 'EXPORT_LEASE_MS',
    schema: positiveInt.min(1000),
    default: 30_000,
    doc: 'Lease of a running export: an exporter that stops renewing it for this long is presumed dead and the job restarts elsewhere.',
  }),
  exportBatchRows: setting({
    env: 'EXPORT_BATCH_ROWS',
    schema: positiveInt.max(200_000),
    default: 20_000,
    doc: 'Rows read per keyset query while exporting (memory per running export is about one batch).',
  }),
  exportLinkSecret: setting({
    env: 'EXPORT_LINK_SECRET',
    schema: optionalText,
    default: undefined,
    secret: true,
    doc: 'Key that signs download links. Unset: one is generated once and kept in the database. Change it to revoke every link.',
  }),
  connectorLeaseMs: setting({
    env: 'CONNECTOR_LEASE_MS',
    schema: positiveInt,
    default: 10_000,
    doc: 'How long a legacy-source connector stays with a connector process that stopped renewing its lease before another takes it over.',
  }),
  connectorFilesDir: setting({
    env: 'CONNECTOR_FILES_DIR',
    schema: z.string(),
    default: '',
    doc: 'Root of file connectors: watched directories are relative to it, uploads go to its uploads/<connector id>. Empty: DATA_DIR/connector-files. Distributed: a volume every connector and api process shares.',
  }),
  analyticsRefitIntervalMs: setting({
    env: 'ANALYTICS_REFIT_INTERVAL_MS',
    schema: positiveInt,
    default: 900_000,
    doc: 'How often the analytics role refits forecast models (a bounded round each time).',
  }),
  analyticsHorizonMs: setting({
    env: 'ANALYTICS_HORIZON_MS',
    schema: positiveInt,
    default: 3_600_000,
    doc: 'Forecast horizon the analytics role keeps a backtested model for, per series (other horizons are fitted on first request).',
  }),
  analyticsSeriesPerRound: setting({
    env: 'ANALYTICS_SERIES_PER_ROUND',
    schema: positiveInt,
    default: 500,
    doc: 'Series refitted at most per round of the analytics role (the stalest first).',
  }),
  analyticsMaxPoints: setting({
    env: 'ANALYTICS_MAX_POINTS',
    schema: positiveInt,
    default: 4000,
    doc: 'Points per series a model trains on at most; longer histories are averaged into coarser buckets.',
  }),
  analyticsFitBudgetMs: setting({
    env: 'ANALYTICS_FIT_BUDGET_MS',
    schema: positiveInt,
    default: 2000,
    doc: "Time one series' backtest may take before its remaining candidate models are skipped.",
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: 'pino log level.',
  }),
  instanceId: setting({
    env: 'INSTANCE_ID',
    schema: z.string().regex(/^[A-Za-z0-9._-]*$/),
    default: '',
    doc: 'Name of this process in consumer groups and logs. Empty: hostname-pid.',
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;

/** The settings table of docs/configuration.md (`datainsight config --markdown`). */
export function settingsTable(): string {
  const rows = (Object.entries(SETTINGS) as [string, SettingSpec<z.ZodType>][]).map(
    ([key, s]) =>
      `| \`${s.env}\` | \`${key}\` | ${s.default === undefined ? '(unset)' : `\`${String(s.default)}\``} | ${s.doc}${s.secret ? ' Secret: masked in logs and `datainsight config`.' : ''} |`,
  );
  return [
    '| environment variable | config file key | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
