import type { Logger } from '../platform/logger.js';
import type { ExportJob, ExportJobs } from './jobs.js';
import type { ExportMetrics } from './metrics.js';
import { runExport, type RunnerOptions, type RunOutcome } from './runner.js';

export interface PoolOptions extends Omit<RunnerOptions, 'logger'> {
  jobs: ExportJobs;
  /** Jobs this process runs at once. */
  slots: number;
  /** Jobs of one tenant running at once over every worker. */
  perTenant: number;
  /** How often an idle pool looks for work (it is also woken by `wake()`). */
  pollMs: number;
  logger: Logger;
  metrics?: ExportMetrics;
  /** Called after a job succeeded (the ready e-mail). Errors are logged, never fail the job. */
  onSucceeded?(job: ExportJob): Promise<void>;
}

/**
 * A pool of export workers in one process: fills its free slots by claiming jobs from the database
 * queue (fair across tenants, capped per tenant), sleeps when there is nothing to claim. Any number of
 * processes may run a pool against the same database.
 */
export class ExportWorkerPool {
  private readonly running = new Map<number, Promise<RunOutcome>>();
  private readonly shutdown = new AbortController();
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: PoolOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Look for work now (a job was just queued). */
  wake(): void {
    this.wakeUp?.();
  }

  get active(): number {
    return this.running.size;
  }

  private async run(): Promise<void> {
    const now = this.o.now ?? Date.now;
    while (!this.shutdown.signal.aborted) {
      let claimed = false;
      if (this.running.size < this.o.slots) {
        try {
          const job = await this.o.jobs.claim({
            owner: this.o.owner,
            leaseMs: this.o.leaseMs,
            perTenant: this.o.perTenant,
            now: now(),
          });
          if (job && !this.shutdown.signal.aborted) {
            claimed = true;
            this.launch(job);
          } else if (job) {
            await this.o.jobs.release(job.id, this.o.owner);
          }
        } catch (e) {
          this.o.logger.warn({ err: e }, 'claiming an export failed; retrying');
        }
      }
      if (!claimed || this.running.size >= this.o.slots) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.shutdown.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.o.pollMs);
      this.wakeUp = done;
      this.shutdown.signal.addEventListener('abort', done, { once: true });
    });
  }

  private launch(job: ExportJob): void {
    this.o.metrics?.running.inc();
    const p = runExport(job, this.o, this.shutdown.signal)
      .catch((e: unknown) => {
        this.o.logger.error({ err: e, exportId: job.id }, 'export worker crashed');
        return 'failed' as const;
      })
      .then(async (outcome) => {
        this.o.metrics?.finished.inc({ status: outcome });
        if (outcome === 'succeeded' && this.o.onSucceeded) {
          await this.o
            .onSucceeded(job)
            .catch((e: unknown) =>
              this.o.logger.warn({ err: e, exportId: job.id }, 'export ready notification failed'),
            );
        }
        return outcome;
      })
      .finally(() => {
        this.o.metrics?.running.dec();
        this.running.delete(job.id);
        this.wake();
      });
    this.running.set(job.id, p);
  }

  /** Stop claiming, give running jobs back to the queue, wait for them. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.shutdown.abort();
      await this.loop;
      await Promise.allSettled([...this.running.values()]);
    })();
    return this.closing;
  }
}
