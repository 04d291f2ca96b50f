import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Command, InvalidArgumentError } from 'commander';
import { EXPORT_FORMATS, RESOLUTIONS } from '../exports/spec.js';

/** `datainsight export`: request an export through the API, show its progress, download the file. */

export interface ExportCliOptions {
  url: string;
  token: string;
  series: number[];
  sensor: string[];
  parameter: string[];
  location?: string;
  asset?: string;
  assetType?: string;
  from: string;
  to: string;
  resolution: string;
  format: string;
  out: string;
  pollMs: number;
}

interface JobView {
  id: number;
  status: string;
  rowsDone: number;
  rowsEstimated: number | null;
  progress: number | null;
  bytes: number | null;
  error: string | null;
  downloadPath: string | null;
}

const count = new Intl.NumberFormat('en-US');

/** One terminal line: `[##########----------]  50.0%  200,000 / 400,000 rows  running`. */
export function progressLine(
  j: Pick<JobView, 'status' | 'rowsDone' | 'rowsEstimated' | 'progress'>,
  width = 30,
): string {
  const f = j.progress ?? 0;
  const filled = Math.round(f * width);
  const rows =
    j.rowsEstimated === null
      ? `${count.format(j.rowsDone)} rows`
      : `${count.format(j.rowsDone)} / ${count.format(j.rowsEstimated)} rows`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(f * 100).toFixed(1).padStart(5)}%  ${rows}  ${j.status}`;
}

async function api<T>(
  o: ExportCliOptions,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const r = await fetch(new URL(path, o.url), {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${o.token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await r.json().catch(() => ({}))) as Record<string, unknown>;
  if (!r.ok) {
    const field = body.field ? ` (${String(body.field)})` : '';
    throw new Error(
      `${path}: HTTP ${r.status} ${String(body.code ?? '')}: ${String(body.message ?? '')}${field}`,
    );
  }
  return body as T;
}

/**
 * Create the export, poll it until it ends (a progress line on `progress`, rewritten in place on a
 * terminal), and download the file to `out` (through `out.part`, renamed when complete). Ctrl-C
 * (signal) cancels the export on the server. Returns the finished job.
 */
export async function runExportCli(
  o: ExportCliOptions,
  progress: { write(s: string): unknown; isTTY?: boolean } = process.stderr,
  signal?: AbortSignal,
): Promise<JobView> {
  const scope = {
    ...(o.series.length ? { series: o.series } : {}),
    ...(o.sensor.length ? { sensor: o.sensor } : {}),
    ...(o.parameter.length ? { parameter: o.parameter } : {}),
    ...(o.location ? { location: o.location } : {}),
    ...(o.asset ? { asset: o.asset } : {}),
    ...(o.assetType ? { assetType: o.assetType } : {}),
  };
  const from = /^\d+$/.test(o.from) ? Number(o.from) : o.from;
  const to = /^\d+$/.test(o.to) ? Number(o.to) : o.to;
  let job = await api<JobView>(o, '/api/v1/exports', {
    body: { scope, from, to, resolution: o.resolution, format: o.format },
  });
  progress.write(`export ${job.id} queued\n`);
  let last = '';
  while (!['succeeded', 'failed', 'cancelled', 'expired'].includes(job.status)) {
    if (signal?.aborted) {
      await api(o, `/api/v1/exports/${job.id}/cancel`, { method: 'POST' }).catch(() => undefined);
      throw new Error(`export ${job.id} cancelled`);
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
    job = await api<JobView>(o, `/api/v1/exports/${job.id}`);
    const line = progressLine(job);
    if (line !== last) progress.write(progress.isTTY ? `\r${line}` : `${line}\n`);
    last = line;
  }
  if (progress.isTTY) progress.write('\n');
  if (job.status !== 'succeeded' || !job.downloadPath) {
    throw new Error(`export ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
  }
  const r = await fetch(new URL(job.downloadPath, o.url));
  if (!r.ok || !r.body) throw new Error(`download of export ${job.id}: HTTP ${r.status} ${await r.text()}`);
  const part = `${o.out}.part`;
  try {
    await pipeline(Readable.fromWeb(r.body as WebReadableStream<Uint8Array>), createWriteStream(part));
    await rename(part, o.out);
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
  progress.write(progressLine(job) + '\n');
  progress.write(`${count.format(job.bytes ?? 0)} bytes written to ${o.out}\n`);
  return job;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const collectInt = (v: string, prev: number[] = []): number[] => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('--series takes a series id');
  return [...prev, n];
};
const oneOf = (name: string, values: readonly string[]) => (v: string) => {
  if (!values.includes(v)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}`);
  return v;
};

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'export readings or roll-ups to a file through the API: queued, with progress, then downloaded',
    )
    .option('--url <url>', 'DataInsight base URL', 'http://localhost:8080')
    .option('--token <token>', 'API token with the read scope (or DATAINSIGHT_TOKEN)')
    .option('--series <id>', 'series id (repeatable)', collectInt, [])
    .option('--sensor <path>', 'location/asset/sensor (repeatable)', collect, [])
    .option('--parameter <name>', 'only this parameter (repeatable)', collect, [])
    .option('--location <slug>', 'every sensor of a location')
    .option('--asset <slug>', 'every sensor of an asset')
    .option('--asset-type <type>', 'every asset of a type')
    .option('--from <time>', 'start: epoch ms, ISO-8601 with a zone, or now-7d', 'now-1d')
    .option('--to <time>', 'end (exclusive)', 'now')
    .option('--resolution <r>', `${RESOLUTIONS.join(', ')}`, oneOf('--resolution', RESOLUTIONS), 'raw')
    .option('--format <f>', `${EXPORT_FORMATS.join(', ')}`, oneOf('--format', EXPORT_FORMATS), 'csv')
    .requiredOption('--out <file>', 'where to write the file')
    .option('--poll-ms <ms>', 'how often to ask for progress', (v) => Number(v), 500)
    .action(async (o: Omit<ExportCliOptions, 'token'> & { token?: string }) => {
      const token = o.token ?? process.env.DATAINSIGHT_TOKEN;
      if (!token) throw new InvalidArgumentError('--token <token> (or DATAINSIGHT_TOKEN) is required');
      const ctl = new AbortController();
      const onInt = () => ctl.abort();
      process.once('SIGINT', onInt);
      try {
        await runExportCli({ ...o, token }, process.stderr, ctl.signal);
      } finally {
        process.off('SIGINT', onInt);
      }
    });
}
