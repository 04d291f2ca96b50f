/**
 * The connector role: every process running it shares the connectors that should run (desired =
 * running, any tenant). Each connector is owned by one process at a time through a lease on the
 * coordinator (scope connectors/connector, "partition" = connector id): renewed every lease/3, taken
 * up to a fair share of the live members, and taken over by another member when its owner dies and the
 * lease lapses. Ownership is also written to the row, which fences the commits of a process that lost
 * its lease. Embedded mode runs the same code with the in-memory coordinator.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { LeaseScope } from '../bus/coordinator.js';
import { Intake } from '../ingest/intake.js';
import type { RoleStarter } from '../runtime/role.js';
import { STORAGE_GROUP } from '../storage/storage-role.js';
import type { Runtime } from '../runtime/runtime.js';
import { connectorMetrics } from './metrics.js';
import { ConnectorRepo } from './repo.js';
import { ConnectorRunner, type RunnerDeps } from './runner.js';

export const CONNECTOR_LEASES: LeaseScope = { stream: 'connectors', group: 'connector' };

export const filesRootOf = (config: Runtime['config']): string =>
  config.connectorFilesDir || join(config.dataDir, 'connector-files');

export class ConnectorSupervisor {
  private readonly runners = new Map<number, { runner: ConnectorRunner; done: boolean; spec: string }>();
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly rt: Pick<Runtime, 'coordinator' | 'logger'>,
    private readonly deps: RunnerDeps,
    private readonly leaseMs: number,
  ) {}

  get owned(): number[] {
    return [...this.runners.keys()];
  }

  start(): void {
    this.loop ??= (async () => {
      const every = Math.max(50, Math.floor(this.leaseMs / 3));
      while (!this.stopper.signal.aborted) {
        try {
          await this.tick();
        } catch (e) {
          this.rt.logger.warn({ err: e, component: 'connector' }, 'connector assignment failed; retrying');
        }
        await sleep(every, undefined, { signal: this.stopper.signal }).catch(() => undefined);
      }
    })();
  }

  private async drop(id: number, release: boolean): Promise<void> {
    const r = this.runners.get(id);
    if (!r) return;
    this.runners.delete(id);
    await r.runner.stop();
    if (release) {
      await this.deps.repo.release(id, this.deps.owner, Date.now()).catch(() => undefined);
      await this.rt.coordinator.release(CONNECTOR_LEASES, this.deps.owner, [id]).catch(() => undefined);
    }
  }

  async tick(): Promise<void> {
    const { coordinator } = this.rt;
    const me = this.deps.owner;
    const members = await coordinator.heartbeat(CONNECTOR_LEASES, me, this.leaseMs);
    const wanted = await this.deps.repo.runnable();
    const wantedIds = new Set(wanted.map((c) => c.id));
    // Paused, deleted, redefined, or finished by itself (drift, fenced off): stop and hand back (a
    // redefined one is taken again, with its new definition, on a later tick).
    const specs = new Map(wanted.map((c) => [c.id, JSON.stringify(c.spec)]));
    for (const [id, r] of [...this.runners])
      if (!wantedIds.has(id) || r.done || specs.get(id) !== r.spec) await this.drop(id, true);
    const held = this.owned;
    if (held.length) {
      const kept = new Set(await coordinator.acquire(CONNECTOR_LEASES, me, held, this.leaseMs));
      for (const id of held) if (!kept.has(id)) await this.drop(id, false); // lapsed: someone else may run it now
    }
    if (this.stopper.signal.aborted) return;
    const share = Math.ceil(wanted.length / Math.max(1, members.length));
    // A member joined: hand back what is beyond our share (its batch in hand is read again by the
    // next owner; the store's idempotent writes absorb it).
    for (const id of this.owned.slice(share)) await this.drop(id, true);
    // Free ones in random order (so members do not all reach for the same), one at a time until
    // our share is reached: a lease held by another member is simply skipped.
    const free = wanted.filter((c) => !this.runners.has(c.id)).sort(() => Math.random() - 0.5);
    for (const c of free) {
      if (this.runners.size >= share || this.stopper.signal.aborted) break;
      const [id] = await coordinator.acquire(CONNECTOR_LEASES, me, [c.id], this.leaseMs);
      if (id === undefined) continue;
      await this.deps.repo.claim(id, me, Date.now());
      const record = await this.deps.repo.byId(id);
      if (!record || record.desired !== 'running') {
        await this.deps.repo.release(id, me, Date.now());
        await coordinator.release(CONNECTOR_LEASES, me, [id]);
        continue;
      }
      const runner = new ConnectorRunner(this.deps, record);
      const entry = { runner, done: false, spec: JSON.stringify(record.spec) };
      this.runners.set(id, entry);
      void runner.start().finally(() => (entry.done = true));
      this.rt.logger.info({ component: 'connector', connector: id, name: record.name }, 'connector taken');
    }
    this.deps.metrics.owned.set(this.runners.size);
  }

  /** Stop every runner (each commits or abandons its batch), hand them back, leave. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopper.abort();
      await this.loop;
      for (const id of this.owned) await this.drop(id, true);
      await this.rt.coordinator.leave(CONNECTOR_LEASES, this.deps.owner).catch(() => undefined);
    })();
    return this.closing;
  }
}

export function runnerDeps(rt: Runtime, owner: string): RunnerDeps {
  const { config } = rt;
  return {
    db: rt.db,
    repo: new ConnectorRepo(rt.db),
    intake: new Intake(rt.bus, rt.metrics, {
      maxPastMs: config.ingestMaxPastMs,
      maxFutureMs: config.ingestMaxFutureMs,
      maxMessageBytes: config.ingestMaxMessageBytes,
    }),
    logger: rt.logger,
    metrics: connectorMetrics(rt.metrics.registry),
    owner,
    filesRoot: filesRootOf(config),
    backpressure: { bus: rt.bus, stream: rt.telemetry.name, group: STORAGE_GROUP, maxLagEntries: 500 },
  };
}

export const startConnectors: RoleStarter = async (rt) => {
  const owner = `${rt.config.instanceId || `${(await import('node:os')).hostname()}-${process.pid}`}:connector`;
  const supervisor = new ConnectorSupervisor(rt, runnerDeps(rt, owner), rt.config.connectorLeaseMs);
  supervisor.start();
  return {
    describe: () => [
      `connectors: legacy sources polled by ${owner} (lease ${rt.config.connectorLeaseMs} ms)`,
    ],
    close: () => supervisor.close(),
  };
};
