import type { RoleStarter } from '../runtime/role.js';
import { PartitionManager } from './partitions.js';
import { DAY } from './tiers.js';

const REJECTIONS_KEPT_MS = 7 * DAY;

/**
 * Periodic upkeep: creates the coming week's partitions ahead of the data (so the first write of a new
 * week does not pay for DDL), drops partitions past retention, and trims the rejection log. Every step
 * is idempotent, so any number of scheduler processes may run.
 */
export const startScheduler: RoleStarter = async (rt) => {
  const log = rt.logger.child({ role: 'scheduler' });
  const partitions = new PartitionManager(rt.db, log);
  const intervalMs = 10 * 60_000;
  let running: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    try {
      const now = Date.now();
      const policies = await rt.db.query<{ id: number }>('select id from retention_policies');
      for (const p of policies.rows) await partitions.ensure(p.id, [now, now + 7 * DAY]);
      await partitions.dropExpired(now);
      await rt.db.query('delete from ingest_rejections where received_at < $1', [now - REJECTIONS_KEPT_MS]);
    } catch (e) {
      log.error({ err: e }, 'scheduled upkeep failed; retrying at the next tick');
    }
  };
  running = tick();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, intervalMs);
  timer.unref();
  return {
    describe: () => [`scheduler: partition upkeep and retention every ${intervalMs / 60_000} min`],
    async close() {
      clearInterval(timer);
      await running;
    },
  };
};
