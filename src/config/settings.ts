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
