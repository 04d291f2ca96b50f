/**
 * `datainsight analytics diagnose <file.csv>`: the diagnosis of a series in a CSV file (timestamp,value
 * per line, a header allowed; timestamps as epoch ms or ISO-8601, a zone-less one read as UTC), in
 * arrival order, so clock jumps, duplicates and daylight-saving glitches of the file show up before
 * the data is ever ingested. `--json` prints the whole report.
 */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { diagnose, span } from '../analytics/diagnosis/report.js';
import type { Point } from '../analytics/series.js';

export function parseSeriesCsv(text: string): Point[] {
  const out: Point[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    const [a, b] = line.split(',');
    const v = Number(b);
    const t = /^\d+$/.test(a!.trim())
      ? Number(a)
      : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(a!.trim()) ? a!.trim() : a!.trim().replace(' ', 'T') + 'Z');
    if (Number.isNaN(t) || b === undefined || !Number.isFinite(v)) {
      if (i === 0) continue; // the header
      throw new InvalidArgumentError(`line ${i + 1}: expected timestamp,value, got "${line.slice(0, 80)}"`);
    }
    out.push([t, v]);
  }
  return out;
}

export function analyticsCommand(
  program: Command,
  out: (s: string) => void = (s) => process.stdout.write(s),
): void {
  const cmd = program.command('analytics').description('forecast diagnosis and anomaly tools');
  cmd
    .command('diagnose <file>')
    .description('diagnose a timestamp,value CSV: data traps, seasonality, backtest of every model, verdict')
    .option('--json', 'print the whole report as JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const points = parseSeriesCsv(await readFile(file, 'utf8'));
      const d = diagnose(points);
      if (o.json) return out(JSON.stringify(d, null, 2) + '\n');
      const lines = [
        `${file}: ${d.rows} readings over ${span(d.historyMs)}`,
        '',
        'Verdict:',
        ...d.verdict.map((v) => `  - ${v}`),
        '',
        'Findings:',
        ...d.findings.map((f) => `  [${f.severity}] ${f.message}`),
        '',
        `Backtest (${d.backtest.origins.length} origins, ${d.backtest.horizon} steps of ${span(d.modelIntervalMs)}):`,
        `  ${'model'.padEnd(12)} ${'MASE'.padStart(8)} ${'sMAPE'.padStart(8)}`,
        ...d.backtest.scores.map(
          (s) =>
            `  ${(s.model + (s.model === d.backtest.chosen ? ' *' : '')).padEnd(12)} ${fmt(s.mase).padStart(8)} ${fmt(s.smape).padStart(8)}${s.skipped ? `  (${s.skipped})` : ''}`,
        ),
        `  * chosen: ${d.backtest.reason}`,
      ];
      out(lines.join('\n') + '\n');
    });
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
