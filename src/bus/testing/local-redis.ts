/**
 * Throw-away Redis servers for tests: a standalone one (to kill under a running consumer) and a three-node
 * Cluster joined with `redis-cli --cluster create`. Processes run on free ports in a temp dir; stop() kills
 * them and removes the dir, and they are killed when the test process exits anyway.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

export interface LocalCluster {
  /** redis+cluster://127.0.0.1:p1,127.0.0.1:p2,... */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

/** Why a local cluster cannot run here, or undefined when it can. */
export function clusterUnavailableReason(): string | undefined {
  for (const bin of ['redis-server', 'redis-cli']) {
    if (spawnSync(bin, ['--version']).status !== 0) return `${bin} is not installed`;
  }
  return undefined;
}

const canBind = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const srv = createServer().once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

const anyPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

/** A port that is free, and whose cluster bus port (+10000) is free and valid too. */
async function freePort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    // The kernel's pick first; it is often above 55000 (bus port would overflow), then try the low range.
    const p = i === 0 ? await anyPort() : 20_000 + Math.floor(Math.random() * 25_000);
    if (
      p < 55_000 &&
      !taken.has(p) &&
      !taken.has(p + 10_000) &&
      (await canBind(p)) &&
      (await canBind(p + 10_000))
    )
      return p;
  }
  throw new Error('no free port pair (p, p+10000) found for a Redis Cluster node');
}

async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`local cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ask<T>(port: number, f: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined); // refused while the server starts: the caller polls again
  try {
    await r.connect();
    return await f(r);
  } finally {
    r.disconnect();
  }
}

/** Processes to kill and a temp dir to remove, whatever happens to the test. */
async function sandbox(): Promise<{ dir: string; procs: ChildProcess[]; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'di-redis-'));
  const procs: ChildProcess[] = [];
  // A killed process has a signalCode, not an exitCode.
  const running = (p: ChildProcess): boolean => p.exitCode === null && p.signalCode === null;
  process.once('exit', () => procs.forEach((p) => running(p) && p.kill('SIGKILL')));
  const stop = async (): Promise<void> => {
    await Promise.all(
      procs.map((p) => (running(p) ? new Promise((r) => p.once('exit', r).kill('SIGKILL')) : undefined)),
    );
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, procs, stop };
}

function serverArgs(port: number, dir: string, extra: string[] = []): string[] {
  return [
    '--port',
    `${port}`,
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--dir',
    dir,
    ...extra,
  ];
}

export interface LocalRedis {
  url: string;
  /** Kills the server (SIGKILL) and cleans up; safe to call twice. */
  stop(): Promise<void>;
}

export async function startLocalRedis(): Promise<LocalRedis> {
  const { dir, procs, stop } = await sandbox();
  try {
    const port = await freePort(new Set());
    procs.push(spawn('redis-server', serverArgs(port, dir), { stdio: 'ignore' }));
    await until(`redis on ${port} to answer`, 10_000, () =>
      ask(port, async (r) => (await r.ping()) === 'PONG'),
    );
    return { url: `redis://127.0.0.1:${port}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function startLocalCluster(nodes = 3): Promise<LocalCluster> {
  const { dir, procs, stop } = await sandbox();
  try {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < nodes; i++) {
      const p = await freePort(taken);
      taken.add(p).add(p + 10_000);
      ports.push(p);
    }
    for (const port of ports) {
      const cluster = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)];
      procs.push(spawn('redis-server', serverArgs(port, dir, cluster), { stdio: 'ignore' }));
    }
    for (const port of ports)
      await until(`node ${port} to answer`, 10_000, () =>
        ask(port, async (r) => (await r.ping()) === 'PONG'),
      );
    const hosts = ports.map((p) => `127.0.0.1:${p}`);
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...hosts,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await until(`cluster_state:ok on ${port}`, 20_000, () =>
        ask(port, async (r) => String(await r.cluster('INFO')).includes('cluster_state:ok')),
      );
    }
    return { url: `redis+cluster://${hosts.join(',')}`, ports, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
