/**
 * One connector at work, in the process that holds its lease: read a batch after the committed
 * position, map it, append the readings to the telemetry stream (the normal ingest path: the store and
 * alerting both see them), and only then commit the new position with the batch's dead letters and
 * reconciliation counts. A crash between append and commit reads the batch again; the store's
 * idempotent writes (one value per series and timestamp) keep it from counting twice.
 *
 * A failing source is retried with exponential backoff and shown as degraded; a mapped column that has
 * gone pauses the connector with a message saying which; so does a definition that cannot work.
 */
import type { Bus } from '../bus/port.js';
import type { Db } from '../db/port.js';
import type { Intake } from '../ingest/intake.js';
import type { Logger } from '../platform/logger.js';
import { systemClock, type Clock } from '../simulate/progress.js';
import { compileMapping, type CompiledMapping } from './mapping.js';
import type { ConnectorMetrics } from './metrics.js';
import type { ConnectorRecord, ConnectorRepo, ConnectorState } from './repo.js';
import { openSource as defaultOpenSource, type SourceContext } from './sources/index.js';
import { SourceConfigError, type ConnectorSource, type Offset } from './source.js';
import { keyColumns, mappedColumns, parseBackfillFrom, type ConnectorSpec } from './spec.js';
import { epochToWall, formatWall } from './timezone.js';

export interface RunnerDeps {
  db: Db;
  repo: ConnectorRepo;
  intake: Intake;
  logger: Logger;
  metrics: ConnectorMetrics;
  owner: string;
  filesRoot: string;
  clock?: Clock;
  /** Backoff bounds for a failing source. */
  backoffMaxMs?: number;
  openSource?: typeof defaultOpenSource;
  /**
   * Backpressure: while backfilling, no new batch is read while the storage group has more than
   * `maxLagEntries` telemetry entries not yet acknowledged, so a fast source cannot pile the stream
   * up faster than the store drains it (stream memory, trimming). Unset: no check.
   */
  backpressure?: { bus: Bus; stream: string; group: string; maxLagEntries: number };
}

/** The sensor types' units of the mapped parameters (the tenant's own catalogue first). */
export async function targetUnits(
  db: Db,
  tenantId: number,
  model: string | undefined,
): Promise<Map<string, string>> {
  if (!model) return new Map();
  const r = await db.query<{ parameter: string; unit: string }>(
    `select parameter, unit from sensor_types where model = $1 and (tenant_id = $2 or tenant_id is null) and unit <> ''
     order by tenant_id nulls first`,
    [model, tenantId],
  );
  return new Map(r.rows.map((x) => [x.parameter, x.unit]));
}

/** The backfill start as a naive wall-clock time in the mapping's zone (how SQL sources compare). */
export function backfillStart(spec: ConnectorSpec): string | undefined {
  if (spec.backfillFrom === undefined) return undefined;
  return formatWall(epochToWall(parseBackfillFrom(spec.backfillFrom), spec.mapping.timestamp.zone));
}

/** The mapping ready to run, or the reason it cannot (with the field at fault). */
export async function prepareMapping(
  db: Db,
  tenantId: number,
  spec: ConnectorSpec,
): Promise<CompiledMapping> {
  const keys = spec.source.kind === 'file' ? ['_file', '_line'] : keyColumns(spec);
  return compileMapping(spec.mapping, keys, await targetUnits(db, tenantId, spec.mapping.model));
}

/** Mapped columns the source no longer has; empty when it has them all (or cannot tell). */
export function missingColumns(spec: ConnectorSpec, columns: readonly string[] | undefined): string[] {
  if (!columns) return [];
  const have = new Set(columns);
  return mappedColumns(spec).filter((c) => !have.has(c));
}

const driftMessage = (missing: string[]) =>
  `schema drift: mapped column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} no longer in the source; fix the mapping or the source, then start the connector again`;

export class ConnectorRunner {
  private readonly stopper = new AbortController();
  private readonly clock: Clock;
  private running: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly record: ConnectorRecord,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.logger.child({ component: 'connector', connector: record.id, tenant: record.tenant });
  }

  get id(): number {
    return this.record.id;
  }

  start(): Promise<void> {
    this.running ??= this.run().catch((e: unknown) => this.log.error({ err: e }, 'connector runner failed'));
    return this.running;
  }

  /** Stops after the batch in hand is committed (or abandoned before its append). Safe to call twice. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  private async waitForStorage(): Promise<void> {
    const bp = this.deps.backpressure;
    if (!bp) return;
    for (let waited = 0; !this.stopped; waited++) {
      const lag = await bp.bus
        .lag(bp.stream, bp.group)
        .then((parts) => parts.reduce((n, p) => n + p.undelivered + p.pending, 0))
        .catch(() => 0); // no storage group yet (distributed, storage not started): nothing to wait for
      if (lag <= bp.maxLagEntries) return;
      if (waited === 0)
        await this.deps.repo.setState(this.record.id, this.deps.owner, 'backfilling', {
          message: `waiting for the storage role: ${lag} stream entries not yet stored`,
          now: this.clock.now(),
        });
      await this.clock.sleep(100, this.stopper.signal);
    }
  }

  private get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async run(): Promise<void> {
    const { repo, owner } = this.deps;
    const c = this.record;
    const spec = c.spec;
    const now = () => this.clock.now();
    let mapping: CompiledMapping;
    let source: ConnectorSource;
    const secret = await repo.secret(c.id);
    const scrub = (msg: string) => (secret ? msg.split(secret).join('***') : msg);
    const open = () =>
      (this.deps.openSource ?? defaultOpenSource)(
        spec,
        secret,
        { filesRoot: this.deps.filesRoot, connectorId: c.id } satisfies SourceContext,
        backfillStart(spec),
      );
    try {
      mapping = await prepareMapping(this.deps.db, c.tenantId, spec);
      source = open();
    } catch (e) {
      const field = (e as { field?: string }).field;
      await repo.pause(
        c.id,
        owner,
        `cannot start: ${field ? `${field}: ` : ''}${scrub((e as Error).message)}`,
        now(),
      );
      return;
    }
    const label = { connector: `${c.tenant}/${c.name}` };
    let offset: Offset = c.position;
    let backfillDone = c.backfillDone;
    let estimated = false;
    let columnsChecked = false;
    let failures = 0;
    let state: ConnectorState = backfillDone ? 'running' : 'backfilling';
    await repo.setState(c.id, owner, state, { now: now() });
    try {
      while (!this.stopped) {
        try {
          if (!columnsChecked) {
            const missing = missingColumns(spec, await source.columns(offset));
            if (missing.length) return void (await repo.pause(c.id, owner, driftMessage(missing), now()));
            columnsChecked = true;
          }
          if (!backfillDone && !estimated) {
            const remaining = await source.remaining(offset);
            await repo.setEstimate(c.id, owner, remaining === undefined ? null : c.rowsDone + remaining);
            estimated = true;
          }
          if (!backfillDone) await this.waitForStorage();
          if (this.stopped) return;
          const startedAt = now();
          const batch = await source.next(offset, spec.batchSize);
          if (this.stopped) return;
          const first = batch.rows[0];
          if (first && spec.source.kind !== 'file') {
            // SELECT * simply stops returning a dropped column: catch it before the values read as empty.
            const missing = missingColumns(spec, Object.keys(first));
            if (missing.length) return void (await repo.pause(c.id, owner, driftMessage(missing), now()));
          }
          const mapped = mapping.map(c.tenant, batch.rows);
          if (mapped.readings.length > 0)
            await this.deps.intake.accept(
              c.tenant,
              { readings: mapped.readings, rejections: [] },
              'connector',
              `connector:${c.name}`,
              '',
            );
          const caughtUp = !batch.full;
          state = caughtUp || backfillDone ? 'running' : 'backfilling';
          let lastTs: number | null = null;
          for (const r of mapped.readings) if (lastTs === null || r.ts > lastTs) lastTs = r.ts;
          const deadLetters = [...batch.deadLetters, ...mapped.deadLetters];
          const committed = await repo.commitBatch(c.id, c.tenantId, owner, {
            position: batch.offset,
            rowsRead: batch.rows.length + batch.deadLetters.length,
            readingsWritten: mapped.readings.length,
            deadLetters,
            lastSourceTs: lastTs,
            state,
            backfillDone: caughtUp,
            now: now(),
          });
          if (!committed) {
            this.log.info('connector paused or taken over: stopping');
            return;
          }
          this.deps.metrics.rowsRead.inc(label, batch.rows.length + batch.deadLetters.length);
          this.deps.metrics.readingsWritten.inc(label, mapped.readings.length);
          if (deadLetters.length) this.deps.metrics.rejected.inc(label, deadLetters.length);
          offset = batch.offset;
          if (caughtUp) {
            backfillDone = true;
            columnsChecked = false; // idle: look for schema drift once per polling interval
          }
          failures = 0;
          let wait = caughtUp ? spec.pollIntervalMs : 0;
          if (spec.maxRowsPerSecond && batch.rows.length > 0) {
            const minMs = (batch.rows.length / spec.maxRowsPerSecond) * 1000;
            wait = Math.max(wait, minMs - (now() - startedAt));
          }
          if (wait > 0) await this.clock.sleep(wait, this.stopper.signal);
        } catch (e) {
          if (this.stopped) return;
          const message = scrub((e as Error).message || String(e));
          if (e instanceof SourceConfigError) return void (await repo.pause(c.id, owner, message, now()));
          failures++;
          this.deps.metrics.sourceErrors.inc(label);
          // A query that fails because a column went away is drift, not an outage.
          const missing = await source
            .columns(offset)
            .then((cols) => missingColumns(spec, cols))
            .catch(() => []);
          if (missing.length) return void (await repo.pause(c.id, owner, driftMessage(missing), now()));
          const base = Math.min(
            this.deps.backoffMaxMs ?? 300_000,
            Math.max(1000, spec.pollIntervalMs) * 2 ** Math.min(failures - 1, 16),
          );
          const delay = Math.round(base * (0.75 + Math.random() * 0.5));
          this.log.warn(
            { err: message, failures, retryInMs: delay },
            'connector source failed: retrying with backoff',
          );
          await repo
            .setState(c.id, owner, 'degraded', {
              message: `retrying in ${Math.round(delay / 1000)} s (attempt ${failures})`,
              error: message,
              now: now(),
            })
            .catch(() => undefined);
          await source.close().catch(() => undefined);
          await this.clock.sleep(delay, this.stopper.signal);
          source = open();
          columnsChecked = false;
        }
      }
    } finally {
      await source.close().catch(() => undefined);
    }
  }
}
