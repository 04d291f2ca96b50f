/** One printed benchmark row: our figure beside the raw engine's from the same run. */
export interface BenchRow {
  suite: string;
  metric: string;
  unit: string;
  ours: number;
  /** The raw engine doing the same work in the same run (e.g. XADD pipelined), when there is one. */
  raw?: number;
  /** Target from docs (e.g. ">= 0.8 x raw", "<= 10 ms"), printed for the reader. */
  target?: string;
  /** True/false when the target is met/missed; undefined when not judged. */
  met?: boolean;
  note?: string;
}

export interface BenchContext {
  /** Scale factor: 1 = the documented sizes; smaller for a quick run (BENCH_SCALE). */
  scale: number;
  redisUrl: string | undefined;
  databaseUrl: string | undefined;
  mqttUrl: string | undefined;
  progress(msg: string): void;
}

export type BenchSuite = (ctx: BenchContext) => Promise<BenchRow[]>;

const fmt = (n: number | undefined): string =>
  n === undefined || Number.isNaN(n)
    ? '-'
    : Math.abs(n) >= 100
      ? Math.round(n).toLocaleString('en-US')
      : n.toFixed(n >= 10 ? 1 : 2);

export function formatTable(rows: BenchRow[]): string {
  const header = ['suite', 'metric', 'ours', 'raw engine', 'ours/raw', 'unit', 'target', 'met', 'note'];
  const body = rows.map((r) => [
    r.suite,
    r.metric,
    fmt(r.ours),
    fmt(r.raw),
    r.raw ? (r.ours / r.raw).toFixed(2) : '-',
    r.unit,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join(
    '\n',
  );
}
