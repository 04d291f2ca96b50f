/**
 * Downloads page: the tenant's exports with status, progress, size, expiry and their download link;
 * a form to request a new export; cancel of a queued or running one. Polls every 2 s while an export
 * is in progress (30 s otherwise), keeping what is on screen while it refreshes.
 */
import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../api/client';
import { Empty, ErrorBox, Loading, formatTime } from '../components/states';
import { useSession } from '../session';
import { useApi } from '../use-api';
import { Field } from '../components/field';

type Status = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

interface ExportJob {
  id: number;
  status: Status;
  scope: {
    series?: number[];
    sensor?: string[];
    parameter?: string[];
    location?: string;
    asset?: string;
    assetType?: string;
  };
  from: number;
  to: number;
  resolution: 'raw' | '1m' | '1h' | '1d';
  format: 'csv' | 'csv.gz' | 'jsonl' | 'parquet';
  seriesCount: number | null;
  rowsDone: number;
  rowsEstimated: number | null;
  progress: number | null;
  bytes: number | null;
  error: string | null;
  notified: string | null;
  requestedBy: string;
  createdAt: number;
  finishedAt: number | null;
  expiresAt: number | null;
  downloadPath: string | null;
}

const ACTIVE: Status[] = ['queued', 'running'];
const RESOLUTIONS = [
  ['raw', 'Raw readings'],
  ['1m', '1-minute roll-up'],
  ['1h', 'Hourly roll-up'],
  ['1d', 'Daily roll-up'],
] as const;
const FORMATS = [
  ['csv', 'CSV'],
  ['csv.gz', 'CSV, gzip-compressed'],
  ['jsonl', 'JSON Lines'],
  ['parquet', 'Apache Parquet'],
] as const;
const SCOPE_KINDS = [
  ['location', 'Location'],
  ['asset', 'Asset'],
  ['sensor', 'Sensors (location/asset/sensor, comma-separated)'],
  ['series', 'Series ids (comma-separated)'],
] as const;
type ScopeKind = (typeof SCOPE_KINDS)[number][0];

const count = (n: number) => n.toLocaleString();

export function formatBytes(n: number | null): string {
  if (n == null) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "hq", "hq/ahu-1/t1 +2", "3 series", with the parameter filter. */
function scopeText(j: ExportJob): string {
  const s = j.scope;
  const what = s.sensor?.length
    ? `${s.sensor[0]}${s.sensor.length > 1 ? ` +${s.sensor.length - 1}` : ''}`
    : s.series?.length
      ? `series ${s.series.slice(0, 3).join(', ')}${s.series.length > 3 ? '…' : ''}`
      : [s.location, s.asset, s.assetType && `type ${s.assetType}`].filter(Boolean).join(' / ');
  const params = s.parameter?.length ? ` · ${s.parameter.join(', ')}` : '';
  return `${what || 'everything'}${params}`;
}

/** `datetime-local` value (the browser's zone) <-> epoch ms. */
const toLocalInput = (ts: number) => {
  const d = new Date(ts - new Date(ts).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};
const fromLocalInput = (v: string): number | undefined => {
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : t;
};

export function ExportsPage() {
  const { api } = useSession();
  const [pollMs, setPollMs] = useState(30_000);
  const list = useApi(
    async (signal) => {
      const r = await api.get<{ exports: ExportJob[] }>('/exports', { limit: 100 }, { signal });
      setPollMs(r.exports.some((j) => ACTIVE.includes(j.status)) ? 2_000 : 30_000);
      return r;
    },
    [],
    { pollMs },
  );

  return (
    <div className="exports-page">
      <h2>Exports</h2>
      <p className="muted">
        Large exports run in the background. Leave this page open to watch them, or come back later: when an
        export is ready you also get an e-mail with its link if you have an e-mail contact point.
      </p>
      <RequestForm onCreated={list.reload} />
      <h3>Your exports</h3>
      {list.status === 'loading' && <Loading what="exports" />}
      {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} />}
      {list.status === 'ok' && list.refreshError !== undefined && (
        <p className="form-error" role="alert">
          Could not refresh: {describeError(list.refreshError)}
        </p>
      )}
      {list.status === 'ok' &&
        (list.data.exports.length === 0 ? (
          <Empty>
            <p>
              No exports yet. Request one above: choose what, the time range, the resolution and the format.
            </p>
          </Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="muted">Newest first. Files are deleted when they expire.</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">What</th>
                  <th scope="col">Range</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Size</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.exports.map((j) => (
                  <ExportRow key={`${j.id}-${j.status}`} job={j} onChanged={list.reload} />
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </div>
  );
}

function ExportRow({ job: j, onChanged }: { job: ExportJob; onChanged(): void }) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/exports/${j.id}/cancel`);
      onChanged();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const pct = j.progress == null ? null : Math.round(j.progress * 100);
  return (
    <tr>
      <td>{j.id}</td>
      <td>
        {scopeText(j)}
        <br />
        <small className="muted">
          {RESOLUTIONS.find(([r]) => r === j.resolution)?.[1]} · {j.format}
          {j.seriesCount != null ? ` · ${count(j.seriesCount)} series` : ''}
        </small>
      </td>
      <td>
        <small>
          {formatTime(j.from)} –<br />
          {formatTime(j.to)}
        </small>
      </td>
      <td>
        <span className={`badge badge-${j.status}`}>{j.status}</span>
        {j.error && (
          <>
            <br />
            <small className="form-error">{j.error}</small>
          </>
        )}
        {j.notified && (
          <>
            <br />
            <small className="muted">e-mail: {j.notified}</small>
          </>
        )}
      </td>
      <td>
        {j.status === 'running' || j.status === 'queued' ? (
          <>
            <progress
              max={100}
              value={pct ?? undefined}
              aria-label={`Export ${j.id} progress`}
              aria-valuetext={pct == null ? 'waiting' : `${pct} percent`}
            />
            <br />
            <small className="muted">
              {count(j.rowsDone)}
              {j.rowsEstimated != null ? ` / ${count(j.rowsEstimated)}` : ''} rows
            </small>
          </>
        ) : (
          <small className="muted">{j.status === 'succeeded' ? `${count(j.rowsDone)} rows` : '—'}</small>
        )}
      </td>
      <td>{formatBytes(j.bytes)}</td>
      <td>{j.status === 'succeeded' ? formatTime(j.expiresAt) : '—'}</td>
      <td>
        <div className="actions">
          {j.status === 'succeeded' && j.downloadPath && (
            <a className="button" href={j.downloadPath} download aria-label={`Download export ${j.id}`}>
              Download
            </a>
          )}
          {ACTIVE.includes(j.status) && (
            <button
              type="button"
              className="secondary"
              onClick={() => void cancel()}
              disabled={busy}
              aria-label={`Cancel export ${j.id}`}
            >
              {busy ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}

function RequestForm({ onCreated }: { onCreated(): void }) {
  const { api } = useSession();
  const now = Date.now();
  const [kind, setKind] = useState<ScopeKind>('location');
  const [what, setWhat] = useState('');
  const [parameter, setParameter] = useState('');
  const [from, setFrom] = useState(toLocalInput(now - 7 * 86_400_000));
  const [to, setTo] = useState(toLocalInput(now));
  const [resolution, setResolution] = useState<string>('raw');
  const [format, setFormat] = useState<string>('csv');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const [created, setCreated] = useState<number | null>(null);

  const list = (v: string) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const fieldError = (f: string) =>
    error?.field && (error.field === f || error.field.startsWith(`${f}.`) || error.field.startsWith(`${f}[`))
      ? error.message
      : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    const scope: Record<string, unknown> = {};
    if (kind === 'series') scope.series = list(what).map(Number);
    else if (kind === 'sensor') scope.sensor = list(what);
    else if (what.trim()) scope[kind] = what.trim();
    if (parameter.trim()) scope.parameter = list(parameter);
    const fromTs = fromLocalInput(from);
    const toTs = fromLocalInput(to);
    try {
      const job = await api.post<ExportJob>('/exports', {
        scope,
        from: fromTs ?? from,
        to: toTs ?? to,
        resolution,
        format,
      });
      setCreated(job.id);
      onCreated();
    } catch (err) {
      setError({
        field: err instanceof ApiError ? err.field : undefined,
        message: describeError(err),
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-label="Request an export">
      <Field label="Export by">
        <select value={kind} onChange={(e) => setKind(e.target.value as ScopeKind)}>
          {SCOPE_KINDS.map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      <Field label={SCOPE_KINDS.find(([k]) => k === kind)![1]} error={fieldError('scope')}>
        <input
          value={what}
          onChange={(e) => setWhat(e.target.value)}
          placeholder={kind === 'sensor' ? 'hq/chiller-1/ch1' : kind === 'series' ? '12, 13' : 'hq'}
          required
        />
      </Field>
      <Field label="Parameters" hint="comma-separated; empty: all" error={fieldError('scope.parameter')}>
        <input value={parameter} onChange={(e) => setParameter(e.target.value)} placeholder="temperature" />
      </Field>
      <Field label="From" error={fieldError('from')}>
        <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
      </Field>
      <Field label="To" error={fieldError('to')}>
        <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />
      </Field>
      <Field label="Resolution" error={fieldError('resolution')}>
        <select value={resolution} onChange={(e) => setResolution(e.target.value)}>
          {RESOLUTIONS.map(([r, label]) => (
            <option key={r} value={r}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Format" error={fieldError('format')}>
        <select value={format} onChange={(e) => setFormat(e.target.value)}>
          {FORMATS.map(([f, label]) => (
            <option key={f} value={f}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Requesting…' : 'Request export'}
        </button>
        {created !== null && (
          <p className="notice" role="status">
            Export {created} is queued; it appears below with its progress.
          </p>
        )}
        {error && !['scope', 'from', 'to', 'resolution', 'format'].some((f) => fieldError(f)) && (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        )}
      </div>
    </form>
  );
}
