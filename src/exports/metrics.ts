import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../platform/metrics.js';

/** The exporter's metrics, on the process registry (made once per registry). */
export interface ExportMetrics {
  finished: Counter<'status'>;
  rows: Counter;
  bytes: Counter;
  running: Gauge;
}

const made = new WeakMap<Metrics, ExportMetrics>();

export function exportMetrics(m: Metrics): ExportMetrics {
  let e = made.get(m);
  if (!e) {
    const registers = [m.registry];
    e = {
      finished: new Counter({
        name: 'datainsight_exports_finished_total',
        help: 'Export jobs finished, by final status',
        labelNames: ['status'] as const,
        registers,
      }),
      rows: new Counter({
        name: 'datainsight_export_rows_total',
        help: 'Rows written to export files',
        registers,
      }),
      bytes: new Counter({
        name: 'datainsight_export_bytes_total',
        help: 'Bytes of finished export files',
        registers,
      }),
      running: new Gauge({
        name: 'datainsight_exports_running',
        help: 'Exports this process is running',
        registers,
      }),
    };
    made.set(m, e);
  }
  return e;
}
