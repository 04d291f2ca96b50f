import type { Metrics } from './metrics.js';

export interface DependencyStatus {
  name: string;
  ok: boolean;
  /** Why not, when not ok. */
  error?: string;
  latencyMs: number;
}

export type Probe = () => Promise<void>;

/**
 * Readiness of this process: every registered dependency (database, bus, broker) answered a probe.
 * Each probe has its own timeout so one hung dependency cannot hang /readyz.
 */
export class Health {
  private readonly probes = new Map<string, Probe>();
  private draining = false;

  constructor(
    private readonly metrics: Metrics,
    private readonly timeoutMs = 2000,
  ) {}

  register(name: string, probe: Probe): void {
    this.probes.set(name, probe);
  }

  /** Called at the start of shutdown: readiness turns false so load balancers stop sending work. */
  markDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async check(): Promise<{ ready: boolean; draining: boolean; dependencies: DependencyStatus[] }> {
    const dependencies = await Promise.all(
      [...this.probes].map(async ([name, probe]): Promise<DependencyStatus> => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            probe(),
            new Promise(
              (_, reject) =>
                (timer = setTimeout(
                  () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
                  this.timeoutMs,
                )),
            ),
          ]);
          this.metrics.dependencyUp.set({ dependency: name }, 1);
          return { name, ok: true, latencyMs: performance.now() - started };
        } catch (e) {
          this.metrics.dependencyUp.set({ dependency: name }, 0);
          return { name, ok: false, error: (e as Error).message, latencyMs: performance.now() - started };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return {
      ready: !this.draining && dependencies.every((d) => d.ok),
      draining: this.draining,
      dependencies,
    };
  }
}
