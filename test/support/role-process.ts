import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestPlatform } from './platform.js';

const ENTRY = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A `datainsight start --role <role>` child process from source, its output kept for failure messages. */
export class RoleProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly role: string,
    readonly instance: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'start', '--role', role], {
      cwd: ROOT,
      env: { ...process.env, ...env, INSTANCE_ID: instance },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-8000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    await Promise.race([this.exited, sleep(10_000)]);
  }

  /** SIGTERM (graceful drain), then SIGKILL if it does not stop. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    await Promise.race([this.exited, sleep(8_000)]);
    await this.kill('SIGKILL');
  }
}

/** The environment that points a role process at a distributed test platform's database, bus and prefix. */
export function roleEnv(p: TestPlatform, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: p.config.databaseUrl!,
    REDIS_URL: process.env.REDIS_URL!,
    BUS_PREFIX: p.config.busPrefix,
    TELEMETRY_PARTITIONS: String(p.config.telemetryPartitions),
    CONSUMER_LEASE_MS: '1000',
    CONSUMER_CLAIM_IDLE_MS: '1500',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}
