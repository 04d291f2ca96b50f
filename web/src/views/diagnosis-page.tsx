/**
 * Diagnosis of one series: why its forecasts may be poor. Pick a series; the page shows the verdict,
 * every finding (history, gaps, duplicates, clock jumps, daylight-saving glitches, stuck runs,
 * outliers, level and unit changes) and the backtest table: each candidate model against naive and
 * seasonal naive, MASE and sMAPE per horizon step.
 */
import { useId, useState } from 'react';
import type { Latest } from '../api/types';
import { Empty, ErrorBox, Loading } from '../components/states';
import { useSession } from '../session';
import { useApi } from '../use-api';

export interface ModelScore {
  model: string;
  mase: number | null;
  smape: number | null;
  maseByStep: number[];
  smapeByStep: number[];
  origins: number;
  fitMs: number;
  skipped?: string;
}

export interface Finding {
  kind: string;
  severity: 'info' | 'warning' | 'problem';
  message: string;
}

export interface DiagnosisResponse {
  seriesId: number;
  source: string;
  rows: number;
  from: number;
  to: number;
  intervalMs: number;
  modelIntervalMs: number;
  seasonality: { kind: string; period: number };
  backtest: {
    horizon: number;
    period: number;
    origins: number[];
    scores: ModelScore[];
    chosen: string;
    reason: string;
  };
  findings: Finding[];
  verdict: string[];
}

const HORIZONS = [
  { key: '', label: 'one day (default)' },
  { key: '1h', label: '1 hour' },
  { key: '6h', label: '6 hours' },
  { key: '7d', label: '7 days' },
] as const;

const MODEL_NAMES: Record<string, string> = {
  naive: 'Naive (last value)',
  snaive: 'Seasonal naive',
  ses: 'Exponential smoothing',
  holt: 'Holt (damped trend)',
  holtWinters: 'Holt-Winters (additive)',
  theta: 'Theta',
  arima: 'ARIMA(1,1,1)',
};

const num = (x: number | null | undefined, digits = 3) =>
  x == null || !Number.isFinite(x) ? '—' : x.toFixed(digits);

export function DiagnosisPage({ seriesId: initial }: { seriesId?: number }) {
  const { api } = useSession();
  const [seriesId, setSeriesId] = useState<number | undefined>(initial);
  const [horizon, setHorizon] = useState('');
  const pickId = useId();
  const horizonId = useId();
  const list = useApi((signal) => api.get<{ latest: Latest[] }>('/latest', {}, { signal }), []);
  const diagnosis = useApi(
    (signal) =>
      seriesId === undefined
        ? Promise.resolve(undefined)
        : api.get<DiagnosisResponse>(`/analytics/series/${seriesId}/diagnosis`, horizon ? { horizon } : {}, {
            signal,
          }),
    [seriesId, horizon],
  );

  return (
    <div className="diagnosis-page">
      <h2>Forecast diagnosis</h2>
      <p className="muted">
        Why a forecast may be wrong: the data's traps, the history the seasonality needs, and how each model
        did when backtested against the naive forecasts.
      </p>
      {list.status === 'loading' && <Loading what="the series" />}
      {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} />}
      {list.status === 'ok' && list.data.latest.length === 0 && (
        <Empty>
          <p>No series yet: send some readings first.</p>
        </Empty>
      )}
      {list.status === 'ok' && list.data.latest.length > 0 && (
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Choose a series">
          <label htmlFor={pickId}>Series</label>
          <select
            id={pickId}
            value={seriesId ?? ''}
            onChange={(e) => setSeriesId(e.target.value ? Number(e.target.value) : undefined)}
          >
            <option value="">Choose a series…</option>
            {list.data.latest.map((s) => (
              <option key={s.seriesId} value={s.seriesId}>
                {s.location}/{s.asset}/{s.sensor} {s.parameter}
                {s.unit ? ` (${s.unit})` : ''}
              </option>
            ))}
          </select>
          <label htmlFor={horizonId}>Horizon</label>
          <select id={horizonId} value={horizon} onChange={(e) => setHorizon(e.target.value)}>
            {HORIZONS.map((h) => (
              <option key={h.key} value={h.key}>
                {h.label}
              </option>
            ))}
          </select>
        </form>
      )}
      {seriesId !== undefined && diagnosis.status === 'loading' && (
        <Loading what="the diagnosis (backtesting every model)" />
      )}
      {diagnosis.status === 'error' && <ErrorBox error={diagnosis.error} retry={diagnosis.reload} />}
      {diagnosis.status === 'ok' && diagnosis.data && <Report d={diagnosis.data} />}
    </div>
  );
}

function Report({ d }: { d: DiagnosisResponse }) {
  const steps = d.backtest.horizon;
  const cols = [...new Set([0, Math.floor((steps - 1) / 2), steps - 1])].filter((s) => s >= 0);
  const stepMin = d.modelIntervalMs / 60_000;
  const stepLabel = (s: number) => {
    const m = (s + 1) * stepMin;
    return m >= 1440 ? `${+(m / 1440).toFixed(1)} d` : m >= 60 ? `${+(m / 60).toFixed(1)} h` : `${m} min`;
  };
  return (
    <section aria-label="Diagnosis">
      <h3>Verdict</h3>
      <ul className="verdict">
        {d.verdict.map((v) => (
          <li key={v}>
            <strong>{v}</strong>
          </li>
        ))}
      </ul>
      <h3>Findings</h3>
      <ul className="findings">
        {d.findings.map((f) => (
          <li key={f.message} className={`finding finding-${f.severity}`}>
            <span className="badge">{f.severity}</span> {f.message}
          </li>
        ))}
      </ul>
      <p className="muted">
        Read from {d.source}: {d.rows} readings; models trained every {stepMin} min on{' '}
        {d.backtest.origins.length} backtest origins, horizon {steps} steps.
      </p>
      <h3>Backtest</h3>
      <p>
        Chosen: <strong>{MODEL_NAMES[d.backtest.chosen] ?? d.backtest.chosen}</strong>. {d.backtest.reason}.
      </p>
      <div style={{ overflowX: 'auto' }} tabIndex={0} aria-label="Backtest table, scrolls sideways">
        <table>
          <caption className="muted">
            MASE below 1 beats the in-sample seasonal naive forecast; sMAPE in percent.
          </caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">MASE</th>
              <th scope="col">sMAPE</th>
              {cols.map((c) => (
                <th scope="col" key={c}>
                  MASE at {stepLabel(c)}
                </th>
              ))}
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {d.backtest.scores.map((s) => (
              <tr key={s.model} aria-current={s.model === d.backtest.chosen ? 'true' : undefined}>
                <th scope="row">
                  {MODEL_NAMES[s.model] ?? s.model}
                  {s.model === d.backtest.chosen ? ' ✓' : ''}
                </th>
                <td>{num(s.mase)}</td>
                <td>{num(s.smape, 1)}</td>
                {cols.map((c) => (
                  <td key={c}>{num(s.maseByStep[c])}</td>
                ))}
                <td className="muted">{s.skipped ?? `${s.origins} origins, ${Math.round(s.fitMs)} ms`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
