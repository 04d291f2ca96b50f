import { z } from 'zod';
import { timeInput } from '../api/http-schema.js';
import { DataInsightError } from '../platform/errors.js';
import type { SeriesFilter } from '../storage/catalog.js';
import { parseTimeParam } from '../storage/time-param.js';
import type { TierName } from '../storage/tiers.js';

/** What an export request looks like (POST /api/v1/exports), validated with zod. */

export const EXPORT_FORMATS = ['csv', 'csv.gz', 'jsonl', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const RESOLUTIONS = ['raw', '1m', '1h', '1d'] as const satisfies readonly TierName[];
export type Resolution = (typeof RESOLUTIONS)[number];

export const EXPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** The same selector as the query API (`/series`, `/aggregate`), in a JSON body. */
export const ExportScope = z.strictObject({
  series: z.array(z.number().int().positive()).max(10_000).optional(),
  sensor: z
    .array(z.string().regex(/^[^/]+\/[^/]+\/[^/]+$/, { error: 'must be written location/asset/sensor' }))
    .max(10_000)
    .optional(),
  parameter: z.array(z.string().min(1)).max(1000).optional(),
  location: z.string().min(1).optional(),
  asset: z.string().min(1).optional(),
  assetType: z.string().min(1).optional(),
});
export type ExportScope = z.infer<typeof ExportScope>;

export const ExportRequestBody = z.strictObject({
  scope: ExportScope,
  from: timeInput,
  to: timeInput,
  resolution: z.enum(RESOLUTIONS).default('raw'),
  format: z.enum(EXPORT_FORMATS).default('csv'),
});
export type ExportRequestBody = z.infer<typeof ExportRequestBody>;

/** A request checked beyond its shape: times parsed, range ordered, scope not empty. */
export interface ExportRequest {
  scope: ExportScope;
  from: number;
  to: number;
  resolution: Resolution;
  format: ExportFormat;
}

export function checkRequest(body: ExportRequestBody, now: number): ExportRequest {
  const s = body.scope;
  if (!s.series?.length && !s.sensor?.length && !s.location && !s.asset && !s.assetType) {
    throw new DataInsightError(
      'DI_VALIDATION',
      'scope: choose what to export with series, sensor (location/asset/sensor), location, asset or assetType',
      { field: 'scope' },
    );
  }
  const from = parseTimeParam(body.from, 'from', now);
  const to = parseTimeParam(body.to, 'to', now);
  if (from < 0)
    throw new DataInsightError('DI_VALIDATION', 'from: must not be before 1970', { field: 'from' });
  if (from >= to) {
    throw new DataInsightError(
      'DI_VALIDATION',
      `from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`,
      { field: 'from' },
    );
  }
  return { scope: s, from, to, resolution: body.resolution, format: body.format };
}

export const filterOf = (s: ExportScope): SeriesFilter => ({
  ids: s.series,
  sensors: s.sensor,
  parameters: s.parameter,
  location: s.location,
  asset: s.asset,
  assetType: s.assetType,
});

export const FILE_EXTENSIONS: Record<ExportFormat, string> = {
  csv: 'csv',
  'csv.gz': 'csv.gz',
  jsonl: 'jsonl',
  parquet: 'parquet',
};

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  'csv.gz': 'application/gzip',
  jsonl: 'application/x-ndjson; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};
