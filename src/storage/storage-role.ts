import { MAX_ANNOUNCED_SENSORS, STORED_CHANNEL, type StoredMessage } from '../bus/live-channels.js';
import type { BusEntry } from '../bus/port.js';
import { parseEnvelope, type ReadingsEnvelope, type RejectionsEnvelope } from '../ingest/envelope.js';
import { consumeStream } from '../runtime/consume.js';
import type { RoleStarter } from '../runtime/role.js';
import { TimeSeriesStore } from './store.js';

export const STORAGE_GROUP = 'storage';

/**
 * The storage role: consumes the telemetry stream in group "storage" and writes each batch (readings,
 * roll-ups, latest values, rejections) in one transaction; the consumer acknowledges the entries only
 * after that transaction committed.
 */
export const startStorage: RoleStarter = async (rt) => {
  const store = new TimeSeriesStore(rt.db, rt.logger.child({ role: 'storage' }));
  const log = rt.logger.child({ role: 'storage' });
  const handle = async (entries: BusEntry[]): Promise<void> => {
    const readings: ReadingsEnvelope[] = [];
    const rejections: RejectionsEnvelope[] = [];
    for (const e of entries) {
      const env = parseEnvelope(e.payload);
      if ('error' in env)
        log.error(
          { stream: e.stream, id: e.id, reason: env.error },
          'skipping an entry that is not a telemetry envelope',
        );
      else if (env.kind === 'readings') readings.push(env);
      else rejections.push(env);
    }
    const result = await store.write(readings, rejections);
    rt.metrics.roleThroughput.inc({ role: 'storage', item: 'readings_stored' }, result.inserted);
    if (result.rejected) rt.metrics.storageRejected.inc(result.rejected);
    announce(readings);
  };
  /** Tell live views what was stored (committed already; a lost announcement only delays a refresh). */
  const announce = (readings: ReadingsEnvelope[]): void => {
    const byTenant = new Map<string, Set<string>>();
    for (const r of readings) {
      let set = byTenant.get(r.tenant);
      if (!set) byTenant.set(r.tenant, (set = new Set()));
      set.add(`${r.location}/${r.asset}/${r.sensor}`);
    }
    for (const [tenant, sensors] of byTenant) {
      const msg: StoredMessage =
        sensors.size > MAX_ANNOUNCED_SENSORS ? { tenant } : { tenant, sensors: [...sensors] };
      rt.feed
        .publish(STORED_CHANNEL, msg)
        .catch((err: unknown) => log.warn({ err }, 'could not announce stored readings'));
    }
  };
  await rt.bus.ensureGroup(rt.telemetry.name, STORAGE_GROUP);
  const consumer = consumeStream(rt, { stream: rt.telemetry, group: STORAGE_GROUP, handle, logger: log });
  consumer.start();
  return {
    describe: () => [
      `storage: consuming "${rt.telemetry.name}" (${rt.telemetry.partitions} partitions) as group "${STORAGE_GROUP}"`,
    ],
    close: () => consumer.close(),
  };
};
