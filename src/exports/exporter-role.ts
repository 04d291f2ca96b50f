import { buildChannels } from '../notify/channels/index.js';
import type { RoleStarter } from '../runtime/role.js';
import { ExportJobs } from './jobs.js';
import { exportMetrics } from './metrics.js';
import { ExportWorkerPool } from './pool.js';
import { ReadyMail } from './ready-mail.js';
import { expireExports } from './retention.js';
import { EXPORTS_CHANNEL } from './routes.js';
import { exportFilesFor, signerFor } from './setup.js';

const RETENTION_TICK_MS = 60_000;

/**
 * The exporter role: a pool of export workers claiming jobs from the database queue, the "ready"
 * e-mail, and retention of finished files (deleted and their jobs marked expired once
 * EXPORT_RETENTION_MS has passed). Any number of exporter processes may run; each job is held by one
 * lease at a time.
 */
export const startExporter: RoleStarter = async (rt) => {
  const { config } = rt;
  const log = rt.logger.child({ role: 'exporter' });
  const files = exportFilesFor(config);
  const jobs = new ExportJobs(rt.db);
  const signer = signerFor(rt.db, config);
  await signer();
  const channels = buildChannels(config, log);
  const metrics = exportMetrics(rt.metrics);
  const pool = new ExportWorkerPool({
    db: rt.db,
    jobs,
    files,
    owner: config.instance,
    leaseMs: config.exportLeaseMs,
    batchRows: config.exportBatchRows,
    retentionMs: config.exportRetentionMs,
    slots: config.exportWorkers,
    perTenant: config.exportTenantConcurrency,
    pollMs: 1000,
    logger: log,
    metrics,
    async onSucceeded(job) {
      const done = await jobs.get(job.tenantId, job.id);
      if (!done || done.status !== 'succeeded') return;
      const mail = new ReadyMail(rt.db, channels.get('email'), await signer(), config.publicUrl);
      const outcome = await mail.send(done).catch((e: unknown) => `failed: ${(e as Error).message}`);
      await jobs.setNotified(job.id, outcome);
      log.info({ exportId: job.id, notified: outcome }, 'export ready notification');
    },
  });
  const offFeed = await rt.feed.subscribe(EXPORTS_CHANNEL, () => pool.wake());
  pool.start();

  let sweeping: Promise<void> = Promise.resolve();
  const sweep = async (): Promise<void> => {
    try {
      const expired = await expireExports(jobs, files, Date.now());
      if (expired.length) log.info({ exports: expired }, 'export files expired and deleted');
    } catch (e) {
      log.warn({ err: e }, 'export retention sweep failed; retrying at the next tick');
    }
  };
  sweeping = sweep();
  const timer = setInterval(() => {
    sweeping = sweeping.then(sweep);
  }, RETENTION_TICK_MS);
  timer.unref();

  return {
    describe: () => [
      `exporter: ${config.exportWorkers} workers, ${config.exportTenantConcurrency} per tenant, files in ${
        config.exportDir ?? 'DATA_DIR/exports'
      }, kept ${Math.round(config.exportRetentionMs / 3_600_000)} h`,
    ],
    async close() {
      clearInterval(timer);
      await offFeed().catch(() => undefined);
      await pool.close();
      await sweeping;
      for (const c of channels.values()) await c.close?.().catch(() => undefined);
    },
  };
};
