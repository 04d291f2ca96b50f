/**
 * A connector's definition: where to read (source), how far it got (incremental mode), how rows become
 * readings (mapping), and how gently to read (poll interval, batch size, rate limit, query timeout).
 * Validated with zod; every error names its field ("mapping.readings[2].unit").
 */
import { z } from 'zod';
import { KEY_PATTERN, KEY_RULE } from '../ingest/parse/index.js';
import { isKnownUnit } from './units.js';
import { isValidZone } from './timezone.js';

const keyName = z.string().regex(KEY_PATTERN, { error: `must be ${KEY_RULE}` });
const columnName = z.string().min(1, { error: 'must name a column' }).max(128);
const unit = z.string().refine(isKnownUnit, {
  error: 'is not a known unit (e.g. C, F, K, W, kW, Wh, kWh, MWh, A, V, Pa, kPa, bar, psi, m3/h, l/s, %)',
});

/** A name taken from a column of the row, or a constant. */
export const FieldSourceSchema = z.union([
  z.strictObject({ column: columnName }),
  z.strictObject({ value: keyName }),
]);
export type FieldSource = z.output<typeof FieldSourceSchema>;

export const ReadingColumnSchema = z.strictObject({
  column: columnName.describe('The column holding the value'),
  parameter: z.union([keyName, FieldSourceSchema]).describe('Parameter name, or where to find it'),
  sensor: FieldSourceSchema.optional().describe("Overrides the row's sensor for this value"),
  unit: unit.optional().describe('Unit of the value in the source'),
  targetUnit: unit.optional().describe("Unit to store it in; default: the sensor type's unit"),
});
export type ReadingColumn = z.output<typeof ReadingColumnSchema>;

export const MappingSchema = z.strictObject({
  key: z
    .array(columnName)
    .min(1)
    .max(8)
    .optional()
    .describe('Columns that identify a source row in dead letters (default: the incremental columns)'),
  timestamp: z.strictObject({
    column: columnName,
    zone: z
      .string()
      .refine(isValidZone, { error: 'is not an IANA time zone (e.g. Europe/Berlin)' })
      .default('UTC')
      .describe('Zone of naive (zone-less) timestamps'),
    format: z.enum(['auto', 'epoch_ms', 'epoch_s']).default('auto'),
  }),
  location: FieldSourceSchema,
  asset: FieldSourceSchema,
  sensor: FieldSourceSchema,
  model: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Sensor model: picks the sensor type (and its units)'),
  readings: z.array(ReadingColumnSchema).min(1, { error: 'map at least one value column' }).max(500),
});
export type Mapping = z.output<typeof MappingSchema>;

const host = z.string().min(1).max(255);
const sqlCommon = {
  host,
  database: z.string().min(1).max(128),
  user: z.string().min(1).max(128),
  password: z.string().max(1024).optional().describe('Stored apart, never returned or logged'),
  table: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, {
      error: 'must be a table name (schema.table allowed)',
    })
    .optional(),
  query: z
    .string()
    .min(1)
    .max(20_000)
    .optional()
    .describe('Custom query with :last_id, :last_ts, :from and :limit placeholders'),
};

export const SourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('postgres'),
    port: z.number().int().min(1).max(65535).default(5432),
    ssl: z.boolean().default(false),
    ...sqlCommon,
  }),
  z.strictObject({
    kind: z.literal('mysql'),
    port: z.number().int().min(1).max(65535).default(3306),
    ssl: z.boolean().default(false),
    ...sqlCommon,
  }),
  z.strictObject({
    kind: z.literal('mssql'),
    port: z.number().int().min(1).max(65535).default(1433),
    encrypt: z.boolean().default(true),
    trustServerCertificate: z.boolean().default(false),
    ...sqlCommon,
  }),
  z.strictObject({
    kind: z.literal('file'),
    format: z.enum(['csv', 'jsonl']),
    directory: z
      .string()
      .min(1)
      .optional()
      .describe('A watched directory; unset: the connector upload directory (files sent through the API)'),
    delimiter: z.string().length(1).default(','),
    suffix: z.string().max(32).optional().describe('Only files whose name ends with this, e.g. ".csv"'),
  }),
]);
export type SourceSpec = z.output<typeof SourceSchema>;
export type SqlSourceSpec = Exclude<SourceSpec, { kind: 'file' }>;

export const IncrementalSchema = z.strictObject({
  mode: z.enum(['id', 'timestamp', 'timestamp+id']),
  idColumn: columnName.optional(),
  timestampColumn: columnName.optional().describe('Default: mapping.timestamp.column'),
});
export type Incremental = z.output<typeof IncrementalSchema>;

const timeInput = z.union([z.number().int(), z.string().min(1)]);

export const ConnectorSpecSchema = z
  .strictObject({
    name: keyName,
    source: SourceSchema,
    incremental: IncrementalSchema.optional().describe('SQL sources only'),
    mapping: MappingSchema,
    backfillFrom: timeInput.optional().describe('First run reads rows from this time (ISO-8601 or epoch ms)'),
    pollIntervalMs: z.number().int().min(100).max(86_400_000).default(10_000),
    batchSize: z.number().int().min(1).max(50_000).default(1000),
    maxRowsPerSecond: z.number().int().min(1).optional().describe('Rate limit on the source'),
    queryTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
  })
  .superRefine((s, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (s.backfillFrom !== undefined && !Number.isFinite(parseBackfillFrom(s.backfillFrom)))
      issue(['backfillFrom'], 'must be epoch ms or an ISO-8601 time with a zone');
    if (s.source.kind === 'file') {
      if (s.incremental)
        issue(['incremental'], 'file sources read files line by line: leave incremental out');
      return;
    }
    if (!s.incremental)
      return issue(['incremental'], 'SQL sources need an incremental mode (id, timestamp or timestamp+id)');
    const { mode, idColumn } = s.incremental;
    if (mode !== 'timestamp' && !idColumn)
      issue(['incremental', 'idColumn'], `is required in mode "${mode}"`);
    if (!s.source.table === !s.source.query) issue(['source', 'table'], 'give either table or query');
    const q = s.source.query;
    if (q) {
      const need = [
        ':limit',
        ...(mode !== 'timestamp' ? [':last_id'] : []),
        ...(mode !== 'id' ? [':last_ts'] : []),
      ];
      for (const p of need)
        if (!new RegExp(`${p}\\b`).test(q))
          issue(['source', 'query'], `must contain the placeholder ${p} (mode "${mode}")`);
    }
  });
export type ConnectorSpec = z.output<typeof ConnectorSpecSchema>;
export type ConnectorInput = z.input<typeof ConnectorSpecSchema>;

export function parseBackfillFrom(v: number | string): number {
  return typeof v === 'number' ? v : /(?:Z|[+-]\d{2}:?\d{2})$/i.test(v) ? Date.parse(v) : NaN;
}

/** The columns that name a row in dead letters. */
export function keyColumns(s: ConnectorSpec): string[] {
  if (s.mapping.key) return s.mapping.key;
  const inc = s.incremental;
  if (!inc) return [];
  const ts = inc.timestampColumn ?? s.mapping.timestamp.column;
  return inc.mode === 'id' ? [inc.idColumn!] : inc.mode === 'timestamp' ? [ts] : [ts, inc.idColumn!];
}

/** Every column the mapping reads: a source that lost one of them has drifted. */
export function mappedColumns(s: ConnectorSpec): string[] {
  const m = s.mapping;
  const cols = new Set<string>([m.timestamp.column, ...keyColumns(s)]);
  for (const f of [m.location, m.asset, m.sensor]) if ('column' in f) cols.add(f.column);
  for (const r of m.readings) {
    cols.add(r.column);
    if (typeof r.parameter === 'object' && 'column' in r.parameter) cols.add(r.parameter.column);
    if (r.sensor && 'column' in r.sensor) cols.add(r.sensor.column);
  }
  if (s.incremental?.idColumn) cols.add(s.incremental.idColumn);
  if (s.incremental?.timestampColumn) cols.add(s.incremental.timestampColumn);
  return [...cols];
}

export const SECRET_MASK = '********';

/** The definition as shown to people: the password masked. */
export function maskSecrets(s: ConnectorSpec): ConnectorSpec {
  if (s.source.kind === 'file' || s.source.password === undefined) return s;
  return { ...s, source: { ...s.source, password: SECRET_MASK } };
}
