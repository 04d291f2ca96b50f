/**
 * A forecast band and anomaly marks for a time chart, as Highcharts series options the asset chart
 * adds beside its own (`chart.addSeries(o, false)` for each, then `chart.redraw()`), from the answers
 * of GET /analytics/series/:id/forecast and /anomalies. Pure: no Highcharts import at run time.
 */
import type Highcharts from 'highcharts/esm/highcharts.js';

type SeriesOptionsType = Highcharts.SeriesOptionsType;

export interface ForecastAnswer {
  model: string;
  level: number;
  /** [ts, mean, lower, upper] */
  points: [number, number, number, number][];
}

export interface AnomaliesAnswer {
  marks: { ts: number; value: number; score: number }[];
}

export function forecastOverlay(
  opts: { id: string; name: string; unit: string; color: string; yAxis?: string },
  forecast: ForecastAnswer | undefined,
  anomalies: AnomaliesAnswer | undefined,
): SeriesOptionsType[] {
  const out: SeriesOptionsType[] = [];
  const tooltip = { valueSuffix: opts.unit ? ` ${opts.unit}` : '' };
  const axis = opts.yAxis !== undefined ? { yAxis: opts.yAxis } : {};
  if (forecast && forecast.points.length) {
    out.push({
      type: 'arearange',
      id: `${opts.id}-forecast-band`,
      name: `${opts.name}: ${Math.round(forecast.level * 100)}% forecast interval (${forecast.model})`,
      data: forecast.points.map(([ts, , lo, hi]) => [ts, lo, hi]),
      color: opts.color,
      fillOpacity: 0.15,
      lineWidth: 0,
      linkedTo: `${opts.id}-forecast`,
      enableMouseTracking: false,
      ...axis,
    });
    out.push({
      type: 'line',
      id: `${opts.id}-forecast`,
      name: `${opts.name}: forecast (${forecast.model})`,
      data: forecast.points.map(([ts, mean]) => [ts, mean]),
      color: opts.color,
      dashStyle: 'ShortDash',
      tooltip,
      ...axis,
    });
  }
  if (anomalies && anomalies.marks.length) {
    out.push({
      type: 'scatter',
      id: `${opts.id}-anomalies`,
      name: `${opts.name}: anomalies`,
      data: anomalies.marks.map((m) => ({ x: m.ts, y: m.value, custom: { score: m.score } })),
      color: '#d1242f',
      marker: { symbol: 'diamond', radius: 5 },
      tooltip: { pointFormat: 'anomaly score {point.custom.score:.2f}<br/>value {point.y}' },
      ...axis,
    });
  }
  return out;
}
