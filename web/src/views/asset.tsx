/** One asset: its series' latest values, and a chart of the chosen ones over a chosen range. */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { describeError } from '../api/client';
import type { Latest, SeriesResponse } from '../api/types';
import type { TimeChart } from '../charts/highcharts';
import { forecastOverlay, type AnomaliesAnswer, type ForecastAnswer } from '../charts/forecast-overlay';
import { Empty, ErrorBox, Loading, formatTime, formatValue } from '../components/states';
import { useLive, type LiveValue } from '../live';
import { Link, paths } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';

/** The server picks the storage tier (raw, roll-ups) from the span; we only ask for the range. */
export const RANGES = [
  { key: '1h', label: '1 h', from: 'now-1h' },
  { key: '24h', label: '24 h', from: 'now-24h' },
  { key: '7d', label: '7 d', from: 'now-7d' },
  { key: '30d', label: '30 d', from: 'now-30d' },
  { key: '1y', label: '1 y', from: 'now-1y' },
  { key: '10y', label: '10 y', from: 'now-10y' },
] as const;
export type RangeKey = (typeof RANGES)[number]['key'];
/** Ranges short enough that live values are drawn as they arrive. */
const LIVE_RANGES: readonly RangeKey[] = ['1h', '24h'];

const MAX_SELECTED = 8;
const POLL_MS = 10_000;

export function AssetPage({ location, asset }: { location: string; asset: string }) {
  const { api } = useSession();
  const [pushed, setPushed] = useState<Map<number, LiveValue>>(new Map());
  const live = useLive(
    { location, asset },
    {
      onLatest: (values) =>
        setPushed((m) => {
          const next = new Map(m);
          for (const v of values) next.set(v.seriesId, v);
          return next;
        }),
    },
  );
  const latest = useApi(
    (signal) => api.get<{ latest: Latest[] }>('/latest', { location, asset }, { signal }),
    [location, asset],
    // Pushed values keep the list current; the poll is the fallback (API token, stream down).
    { pollMs: live === 'live' ? undefined : POLL_MS },
  );
  const [picked, setPicked] = useState<number[] | null>(null);
  const all = (latest.status === 'ok' ? latest.data.latest : []).map((s) => {
    const p = pushed.get(s.seriesId);
    return p && (s.ts === null || p.ts > s.ts) ? { ...s, ts: p.ts, value: p.value } : s;
  });
  const selected = picked ?? all.slice(0, MAX_SELECTED).map((s) => s.seriesId);

  const toggle = (id: number) =>
    setPicked(selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id]);

  return (
    <div className="asset-page">
      <p className="breadcrumb">
        <Link href={paths.explorer(location)}>{location}</Link> / <span>{asset}</span>
      </p>
      <h2>{asset}</h2>
      {latest.status === 'loading' && <Loading what="the asset's series" />}
      {latest.status === 'error' && <ErrorBox error={latest.error} retry={latest.reload} />}
      {latest.status === 'ok' && all.length === 0 && (
        <Empty>
          <p>
            No series for {location}/{asset}. <Link href={paths.explorer(location)}>Back to {location}</Link>
          </p>
        </Empty>
      )}
      {latest.status === 'ok' && all.length > 0 && (
        <>
          <SeriesChart ids={selected} title={`${location}/${asset}`} />
          <fieldset className="series-picker">
            <legend>Series</legend>
            {all.map((s) => (
              <label key={s.seriesId} className="series-option">
                <input
                  type="checkbox"
                  checked={selected.includes(s.seriesId)}
                  disabled={!selected.includes(s.seriesId) && selected.length >= MAX_SELECTED}
                  onChange={() => toggle(s.seriesId)}
                />
                <span>
                  {s.sensor}/{s.parameter}
                </span>
                <span className="value" data-testid={`latest-${s.sensor}-${s.parameter}`}>
                  {formatValue(s.value, s.unit)}
                </span>
                <span className="muted">{formatTime(s.ts)}</span>
              </label>
            ))}
          </fieldset>
        </>
      )}
    </div>
  );
}

export function SeriesChart({
  ids,
  title,
  initialRange = '24h',
  compact = false,
}: {
  ids: number[];
  title: string;
  initialRange?: RangeKey;
  /** In a dashboard widget: no range buttons or footer. */
  compact?: boolean;
}) {
  const { api } = useSession();
  const [range, setRange] = useState<RangeKey>(initialRange);
  const [live, setLive] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<TimeChart | null>(null);
  const [chartError, setChartError] = useState<unknown>(null);
  const [chartReady, setChartReady] = useState(false);
  const from = RANGES.find((r) => r.key === range)!.from;
  const headingId = useId();

  const [predict, setPredict] = useState(false);
  const liveRange = live && LIVE_RANGES.includes(range);
  const onLatest = useCallback((values: LiveValue[]) => {
    for (const v of values) chart.current?.append(`s${v.seriesId}`, [[v.ts, v.value]]);
  }, []);
  const stream = useLive(liveRange && ids.length ? { series: ids } : null, { onLatest });
  const series = useApi(
    (signal) => {
      const width = box.current?.clientWidth ?? 800;
      const points = Math.max(50, Math.min(2000, Math.round(width)));
      return ids.length
        ? api.get<SeriesResponse>('/series', { series: ids, from, to: 'now', points }, { signal })
        : Promise.resolve<SeriesResponse>({ from: 0, to: 0, series: [] });
    },
    [ids.join(','), from],
    // Streamed values are drawn as they come; a slow poll re-reads the whole range (bands, late data).
    { pollMs: !live ? undefined : stream === 'live' ? 60_000 : POLL_MS },
  );

  // Highcharts is loaded on first use, in its own chunk.
  useEffect(() => {
    let gone = false;
    import('../charts/highcharts')
      .then((m) => {
        if (gone || !box.current) return;
        chart.current = m.createTimeChart(box.current, { title: `Time series of ${title}` });
        setChartReady(true);
      })
      .catch((e: unknown) => setChartError(e));
    return () => {
      gone = true;
      chart.current?.destroy();
      chart.current = null;
    };
  }, [title]);

  const data = series.status === 'ok' ? series.data : undefined;
  useEffect(() => {
    if (!chartReady || !data) return;
    chart.current?.update(
      data.series.map((s) => ({
        id: `s${s.seriesId}`,
        name: `${s.sensor}/${s.parameter}`,
        unit: s.unit,
        line: s.data,
        band: s.band,
      })),
    );
  }, [chartReady, data]);

  // Forecast band and anomaly marks of the first chosen series, on demand (they cost a model fit).
  const first = ids[0];
  const horizon = range === '1h' ? '15m' : range === '24h' ? '6h' : range === '7d' ? '1d' : '7d';
  const prediction = useApi(
    async (signal) => {
      if (!predict || first === undefined) return undefined;
      const [forecast, anomalies] = await Promise.all([
        api.get<ForecastAnswer>(`/analytics/series/${first}/forecast`, { horizon }, { signal }),
        api.get<AnomaliesAnswer>(`/analytics/series/${first}/anomalies`, { from, to: 'now' }, { signal }),
      ]);
      return { forecast, anomalies };
    },
    [predict, first, horizon, from],
  );
  const predicted = prediction.status === 'ok' ? prediction.data : undefined;
  useEffect(() => {
    if (!chartReady || !data) return;
    const s = data.series.find((x) => x.seriesId === first);
    chart.current?.overlay(
      predicted && s
        ? forecastOverlay(
            {
              id: `s${s.seriesId}`,
              name: `${s.sensor}/${s.parameter}`,
              unit: s.unit,
              color: '#8250df',
              yAxis: `axis-${s.unit || 'none'}`,
            },
            predicted.forecast,
            predicted.anomalies,
          )
        : [],
    );
  }, [chartReady, data, predicted, first]);

  const points = data?.series.reduce((n, s) => n + s.data.length, 0) ?? 0;
  const tiers = [...new Set(data?.series.map((s) => s.tier) ?? [])].join(', ');

  return (
    <section className={`card chart-card${compact ? ' compact' : ''}`} aria-labelledby={headingId}>
      <div className="chart-head">
        <h3 id={headingId} className={compact ? 'visually-hidden' : undefined}>
          {compact ? `Chart of ${title}` : 'Chart'}
        </h3>
        {!compact && (
          <div className="range" role="group" aria-label="Time range">
            {RANGES.map((r) => (
              <button
                key={r.key}
                type="button"
                aria-pressed={r.key === range}
                onClick={() => setRange(r.key)}
              >
                {r.label}
              </button>
            ))}
          </div>
        )}
        {!compact && (
          <label className="live">
            <input type="checkbox" checked={predict} onChange={(e) => setPredict(e.target.checked)} />{' '}
            Forecast and anomalies
          </label>
        )}
        {!compact && (
          <label className="live">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
            {live && (stream === 'live' ? ' (streaming)' : ' (every 10 s)')}
          </label>
        )}
      </div>
      <div className="chart-wrap">
        <div ref={box} className="chart" data-testid="chart" />
        {(series.status === 'loading' || (!chartReady && !chartError)) && (
          <div className="chart-overlay">
            <Loading what="the chart" />
          </div>
        )}
        {chartError !== null && (
          <div className="chart-overlay">
            <ErrorBox error={chartError} title="The chart could not load." />
          </div>
        )}
        {series.status === 'error' && (
          <div className="chart-overlay">
            <ErrorBox error={series.error} retry={series.reload} />
          </div>
        )}
        {series.status === 'ok' && ids.length === 0 && (
          <div className="chart-overlay">
            <Empty>Choose at least one series below.</Empty>
          </div>
        )}
        {series.status === 'ok' && ids.length > 0 && points === 0 && (
          <div className="chart-overlay">
            <Empty>No readings in this range.</Empty>
          </div>
        )}
      </div>
      {!compact && (
        <p className="muted chart-foot" aria-live="polite">
          {data &&
            ids.length > 0 &&
            `${points} points · tier ${tiers || '—'} · updated ${formatTime(data.to)}`}
          {series.status === 'ok' &&
            series.refreshError !== undefined &&
            ' · refresh failed, showing older data'}
          {predict && prediction.status === 'loading' && ' · fitting a forecast…'}
          {predict && prediction.status === 'error' && ` · no forecast: ${describeError(prediction.error)}`}
          {predicted &&
            ` · forecast ${horizon} ahead by ${predicted.forecast.model}, ${predicted.anomalies.marks.length} anomal${predicted.anomalies.marks.length === 1 ? 'y' : 'ies'} marked`}
          {predict && first !== undefined && (
            <>
              {' · '}
              <Link href={paths.diagnosis(first)}>why this forecast?</Link>
            </>
          )}
        </p>
      )}
    </section>
  );
}
