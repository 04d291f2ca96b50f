/** Alerts of the tenant: live list with filters, acknowledgement of firing ones, link to the detail. */
import { useState } from 'react';
import { describeError } from '../api/client';
import { PRIORITIES, type Alert } from '../api/types';
import { Empty, ErrorBox, Loading, formatTime, formatValue } from '../components/states';
import { useLive } from '../live';
import { Link, paths } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';

export function AlertsPage() {
  const { api } = useSession();
  const [status, setStatus] = useState<'' | 'firing' | 'resolved'>('firing');
  const [priority, setPriority] = useState<string>('');
  const [location, setLocation] = useState('');
  const [asset, setAsset] = useState('');
  const alerts = useApi(
    (signal) =>
      api.get<{ alerts: Alert[] }>(
        '/alerts',
        {
          status: status || undefined,
          priority: priority || undefined,
          location: location.trim() || undefined,
          asset: asset.trim() || undefined,
          limit: 200,
        },
        { signal },
      ),
    [status, priority, location, asset],
    { pollMs: 30_000 },
  );
  const live = useLive({ alerts: 'true' }, { onAlerts: alerts.reload });

  return (
    <div className="alerts-page">
      <h2>
        Alerts <LiveBadge state={live} />
      </h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter alerts">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="firing">Firing</option>
            <option value="resolved">Resolved</option>
            <option value="">All</option>
          </select>
        </label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority(e.target.value)}>
            <option value="">All</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Location
          <input value={location} onChange={(e) => setLocation(e.target.value)} placeholder="any" size={10} />
        </label>
        <label>
          Asset
          <input value={asset} onChange={(e) => setAsset(e.target.value)} placeholder="any" size={10} />
        </label>
        <button type="button" className="secondary" onClick={alerts.reload}>
          Refresh
        </button>
      </form>
      {alerts.status === 'loading' && <Loading what="alerts" />}
      {alerts.status === 'error' && <ErrorBox error={alerts.error} retry={alerts.reload} />}
      {alerts.status === 'ok' &&
        (alerts.data.alerts.length === 0 ? (
          <Empty>
            <p>
              No {status || ''} alerts{priority ? ` of priority ${priority}` : ''}
              {location ? ` in ${location}` : ''}
              {asset ? ` on ${asset}` : ''}.
            </p>
          </Empty>
        ) : (
          <ul className="alert-list">
            {alerts.data.alerts.map((a) => (
              <AlertItem
                key={`${a.id}-${a.status}-${a.acknowledgedAt ?? ''}`}
                alert={a}
                onChanged={alerts.reload}
              />
            ))}
          </ul>
        ))}
    </div>
  );
}

export function LiveBadge({ state }: { state: ReturnType<typeof useLive> }) {
  if (state === 'off') return null;
  return (
    <span className={`badge live-${state}`} role="status">
      {state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…'}
    </span>
  );
}

/** Acknowledge / resolve buttons for an alert, with the error beside them. */
export function AlertActions({ alert, onDone }: { alert: Alert; onDone(a: Alert): void }) {
  const { api } = useSession();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (action: 'acknowledge' | 'resolve') => {
    setBusy(action);
    setError(null);
    try {
      onDone(await api.post<Alert>(`/alerts/${alert.id}/${action}`));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  };
  if (alert.status !== 'firing') return null;
  return (
    <div className="actions">
      {!alert.acknowledgedAt && (
        <button type="button" onClick={() => void act('acknowledge')} disabled={busy !== null}>
          {busy === 'acknowledge' ? 'Acknowledging…' : 'Acknowledge'}
        </button>
      )}
      <button
        type="button"
        className="secondary"
        onClick={() => void act('resolve')}
        disabled={busy !== null}
      >
        {busy === 'resolve' ? 'Resolving…' : 'Resolve'}
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function AlertItem({ alert: a, onChanged }: { alert: Alert; onChanged(): void }) {
  const [changed, setChanged] = useState<Alert | null>(null);
  const shown = changed ?? a;
  return (
    <li className={`card alert alert-${shown.priority}`} aria-labelledby={`alert-${a.id}`}>
      <div className="alert-head">
        <span className={`badge badge-${shown.priority}`}>{shown.priority}</span>
        <span className={`badge badge-${shown.status}`}>{shown.status}</span>
        {shown.flapping && <span className="badge">flapping</span>}
      </div>
      <h3 id={`alert-${a.id}`}>
        <Link href={paths.alert(a.id)}>{shown.title}</Link>
      </h3>
      <p>
        <Link href={paths.asset(shown.location, shown.asset)}>
          {shown.location}/{shown.asset}
        </Link>{' '}
        · {shown.sensor}/{shown.parameter} = {formatValue(shown.value)}
      </p>
      {shown.action && <p className="muted">{shown.action}</p>}
      <p className="muted">
        Fired {formatTime(shown.firedAt)}
        {shown.resolvedAt ? ` · resolved ${formatTime(shown.resolvedAt)}` : ''}
        {shown.acknowledgedAt
          ? ` · acknowledged by ${shown.acknowledgedBy ?? 'someone'} ${formatTime(shown.acknowledgedAt)}`
          : ''}
      </p>
      <AlertActions
        alert={shown}
        onDone={(x) => {
          setChanged(x);
          onChanged();
        }}
      />
    </li>
  );
}
