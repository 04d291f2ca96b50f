/**
 * The only module that knows Highcharts: the app draws time charts through createTimeChart() and
 * nothing else, so the charting library can be swapped here alone. Highcharts is free for
 * non-commercial use only; a commercial deployment needs a Highsoft licence (see the ADR to write).
 * Loaded on demand (dynamic import), so it is not part of the first page's JavaScript.
 */
import Highcharts from 'highcharts/esm/highcharts.js';
import 'highcharts/esm/highcharts-more.js';
import 'highcharts/esm/modules/accessibility.js';

export interface TimeSeries {
  id: string;
  name: string;
  unit: string;
  /** [ts, value] */
  line: [number, number][];
  /** [ts, min, max] */
  band: [number, number, number][];
}

export interface TimeChart {
  update(series: TimeSeries[]): void;
  /** Extra series drawn over the lines (forecast band, anomaly marks); replaces the previous ones. */
  overlay(options: Highcharts.SeriesOptionsType[]): void;
  /** Live values: add points to the end of a line (those not newer than its last point are skipped). */
  append(id: string, points: [number, number][]): void;
  destroy(): void;
}

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7a8a', '#57606a'];

export function createTimeChart(el: HTMLElement, opts: { title: string }): TimeChart {
  const chart = Highcharts.chart(el, {
    chart: { zooming: { type: 'x' }, spacing: [8, 4, 8, 4], animation: false },
    title: { text: undefined },
    credits: { enabled: false },
    time: { timezone: Intl.DateTimeFormat().resolvedOptions().timeZone },
    accessibility: { description: opts.title },
    xAxis: { type: 'datetime' },
    legend: { enabled: true },
    tooltip: { shared: true, valueDecimals: 2 },
    // Markers only where points are sparse (a 10 y range may hold a handful of daily points).
    plotOptions: { series: { animation: false, marker: { enabledThreshold: 4, radius: 3 } } },
    series: [],
  });
  return {
    update(series) {
      const units = [...new Set(series.map((s) => s.unit))];
      const axisId = (u: string) => `axis-${u || 'none'}`;
      while (chart.yAxis.length) chart.yAxis[0]!.remove(false);
      while (chart.series.length) chart.series[0]!.remove(false);
      units.forEach((u, i) =>
        chart.addAxis({ id: axisId(u), title: { text: u || null }, opposite: i % 2 === 1 }, false, false),
      );
      series.forEach((s, i) => {
        const color = COLORS[i % COLORS.length]!;
        const tooltip = { valueSuffix: s.unit ? ` ${s.unit}` : '' };
        chart.addSeries(
          { type: 'line', id: s.id, name: s.name, data: s.line, color, yAxis: axisId(s.unit), tooltip },
          false,
        );
        if (s.band.length)
          chart.addSeries(
            {
              type: 'arearange',
              name: `${s.name} min–max`,
              data: s.band,
              linkedTo: s.id,
              color,
              fillOpacity: 0.2,
              lineWidth: 0,
              yAxis: axisId(s.unit),
              tooltip,
            },
            false,
          );
      });
      chart.redraw(false);
    },
    overlay(options) {
      for (const s of [...chart.series])
        if ((s.options.custom as { overlay?: boolean } | undefined)?.overlay) s.remove(false);
      const axis = chart.yAxis[0]?.options.id;
      for (const o of options)
        chart.addSeries(
          {
            ...o,
            custom: { overlay: true },
            ...(axis && !('yAxis' in o) ? { yAxis: axis } : {}),
          } as Highcharts.SeriesOptionsType,
          false,
        );
      chart.redraw(false);
    },
    append(id, points) {
      const s = chart.get(id) as Highcharts.Series | undefined;
      if (!s) return;
      const xs = (s as unknown as { xData?: number[] }).xData ?? [];
      let last = xs.length ? xs[xs.length - 1]! : -Infinity;
      for (const [ts, v] of points) {
        if (ts <= last) continue;
        s.addPoint([ts, v], false);
        last = ts;
      }
      chart.redraw(false);
    },
    destroy: () => chart.destroy(),
  };
}
