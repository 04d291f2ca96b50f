/**
 * What the API and the CLI both do with a definition: validate it (mapping compiled against the sensor
 * types, file directory inside the files root), keep the password apart, test the source and dry-run
 * the mapping on the first rows a backfill would read (nothing is written).
 */
import type { Db } from '../db/port.js';
import { parseWith } from '../api/http-schema.js';
import type { Reading } from '../ingest/reading.js';
import { DataInsightError } from '../platform/errors.js';
import type { DeadLetter } from './mapping.js';
import { backfillStart, missingColumns, prepareMapping } from './runner.js';
import { fileDirectory, openSource, type SourceContext } from './sources/index.js';
import { ConnectorSpecSchema, SECRET_MASK, type ConnectorSpec } from './spec.js';

/** Validate a definition; returns it without its password, and the password (undefined: keep the old one). */
export async function validateDefinition(
  db: Db,
  tenantId: number,
  input: unknown,
  ctx: SourceContext,
): Promise<{ spec: ConnectorSpec; secret: string | undefined }> {
  const parsed = parseWith(ConnectorSpecSchema, input);
  let secret: string | undefined;
  let spec: ConnectorSpec = parsed;
  if (parsed.source.kind !== 'file') {
    const { password, ...rest } = parsed.source;
    secret = password === SECRET_MASK ? undefined : password;
    spec = { ...parsed, source: rest } as ConnectorSpec;
  }
  try {
    await prepareMapping(db, tenantId, spec);
    if (spec.source.kind === 'file') fileDirectory(spec, ctx);
  } catch (e) {
    const field = (e as { field?: string }).field ?? 'mapping';
    throw new DataInsightError('DI_VALIDATION', `${field}: ${(e as Error).message}`, { field });
  }
  return { spec, secret };
}

const scrub = (msg: string, secret: string | undefined) => (secret ? msg.split(secret).join('***') : msg);

export interface TestResult {
  ok: boolean;
  description?: string;
  error?: string;
  missingColumns?: string[];
}

export async function testSource(
  spec: ConnectorSpec,
  secret: string | undefined,
  ctx: SourceContext,
): Promise<TestResult> {
  const source = openSource(spec, secret, ctx, backfillStart(spec));
  try {
    const description = await source.test();
    const missing = missingColumns(spec, await source.columns({}));
    return missing.length
      ? {
          ok: false,
          description,
          missingColumns: missing,
          error: `mapped columns not in the source: ${missing.join(', ')}`,
        }
      : { ok: true, description };
  } catch (e) {
    return { ok: false, error: scrub((e as Error).message || String(e), secret) };
  } finally {
    await source.close().catch(() => undefined);
  }
}

export interface DryRun {
  rowsRead: number;
  readings: Reading[];
  rejected: DeadLetter[];
  missingColumns: string[];
}

/** Map the first rows a backfill would read; nothing is written anywhere. */
export async function dryRun(
  db: Db,
  tenantId: number,
  tenant: string,
  spec: ConnectorSpec,
  secret: string | undefined,
  ctx: SourceContext,
  limit: number,
): Promise<DryRun> {
  const mapping = await prepareMapping(db, tenantId, spec);
  const source = openSource(spec, secret, ctx, backfillStart(spec));
  try {
    const missing = missingColumns(spec, await source.columns({}));
    const perRow = Math.max(1, spec.mapping.readings.length);
    const batch = await source.next({}, Math.min(spec.batchSize, Math.max(100, Math.ceil(limit / perRow))));
    const mapped = mapping.map(tenant, batch.rows);
    return {
      rowsRead: batch.rows.length + batch.deadLetters.length,
      readings: mapped.readings.slice(0, limit),
      rejected: [...batch.deadLetters, ...mapped.deadLetters],
      missingColumns: missing,
    };
  } catch (e) {
    throw new DataInsightError(
      'DI_SOURCE_UNAVAILABLE',
      `the source could not be read: ${scrub((e as Error).message, secret)}`,
      {
        field: 'source',
      },
    );
  } finally {
    await source.close().catch(() => undefined);
  }
}
