import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
export const unique = (p: string) => `${p}_${Math.random().toString(36).slice(2, 8)}`;

/** Poll until fn returns true or the deadline passes; returns the time it became true. */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return performance.now();
    if (Date.now() > end) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/**
 * Publish `messages` JSON messages over `connections` MQTT connections at QoS 1, keeping up to
 * `window` unacknowledged per connection. Returns when every PUBACK arrived.
 */
export async function publishLoad(opts: {
  url: string;
  connections: number;
  messages: number;
  window: number;
  topic: (i: number) => string;
  payload: (i: number) => string;
  auth?: { username: string; password: string };
  qos?: 0 | 1;
}): Promise<void> {
  const clients: MqttClient[] = await Promise.all(
    Array.from({ length: opts.connections }, (_, c) =>
      mqtt.connectAsync(opts.url, { ...opts.auth, clientId: unique(`bench${c}`), reconnectPeriod: 0 }),
    ),
  );
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      const inflight = new Set<Promise<unknown>>();
      while (next < opts.messages) {
        const i = next++;
        const p = client
          .publishAsync(opts.topic(i), opts.payload(i), { qos: opts.qos ?? 1 })
          .finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= opts.window) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    }),
  );
  await Promise.all(clients.map((c) => c.endAsync()));
}

/** A `datainsight` child process (source through tsx), for the distributed benchmarks. */
export function spawnRole(args: string[], env: Record<string, string>): ChildProcess {
  const entry = fileURLToPath(new URL('../src/cli/run.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env: { ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * A Mosquitto of the benchmark's own on a free port, configured as a bridge deployment needs: the
 * default per-client queue (1,000 QoS 1 messages) silently drops messages when publishers burst
 * faster than a bridge drains, which is exactly what a throughput run does.
 */
export async function startMosquitto(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const { execFileSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  try {
    execFileSync('which', ['mosquitto'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dir = tempDir('di-mosq-');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 0\n`,
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${port}`;
  await waitFor(async () => {
    try {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 });
      await c.endAsync();
      return true;
    } catch {
      return false;
    }
  }, 10_000);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await sleep(200);
    },
  };
}

/** Latencies (ms, sorted ascending) of `runs` sequential calls of fn after `warmups` untimed ones. */
export async function latencies(fn: () => Promise<unknown>, runs: number, warmups = 5): Promise<number[]> {
  for (let i = 0; i < warmups; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

/** Configuration of an embedded platform for a benchmark: free ports, its own data directory, no logs. */
export async function embeddedBenchConfig(overrides: Record<string, unknown> = {}) {
  const { loadConfig } = await import('../src/config/config.js');
  return loadConfig({
    env: {},
    overrides: {
      httpPort: 0,
      mqttPort: 0,
      httpHost: '127.0.0.1',
      mqttHost: '127.0.0.1',
      dataDir: tempDir('di-bench-'),
      logLevel: 'silent',
      ...overrides,
    },
  });
}
