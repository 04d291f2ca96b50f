/** Alerts of the tenant with status and priority filters, and acknowledgement of firing ones. */
import { useState } from 'react';
import { describeError } from '../api/client';
import { PRIORITIES, type Alert } from '../api/types';
import { Empty, ErrorBox, Loading, formatTime, formatValue } from '../components/states';
import { Link, paths } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';

export function AlertsPage() {
  const { api } = useSession();
  const [status, setStatus] = useState<'' | 'firing' | 'resolved'>('firing');
  const [priority, setPriority] = useState<string>('');
  const alerts = useApi(
    (signal) =>
      api.get<{ alerts: Alert[] }>(
        '/alerts',
        { status: status || undefined, priority: priority || undefined, limit: 200 },
        { signal },
      ),
    [status, priority],
    { pollMs: 10_000 },
  );

  return (
    <div className="alerts-page">
      <h2>Alerts</h2>
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
        <button type="button" onClick={alerts.reload}>
          Refresh
        </button>
      </form>
      {alerts.status === 'loading' && <Loading what="alerts" />}
      {alerts.status === 'error' && <ErrorBox error={alerts.error} retry={alerts.reload} />}
      {alerts.status === 'ok' &&
        (alerts.data.alerts.length === 0 ? (
          <Empty>
            <p>
              No {status || ''} alerts{priority ? ` of priority ${priority}` : ''}.
            </p>
          </Empty>
        ) : (
          <ul className="alert-list">
            {alerts.data.alerts.map((a) => (
              <AlertItem key={a.id} alert={a} onChanged={alerts.reload} />
            ))}
          </ul>
        ))}
    </div>
  );
}

function AlertItem({ alert: a, onChanged }: { alert: Alert; onChanged(): void }) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [acked, setAcked] = useState<Alert | null>(null);
  const shown = acked ?? a;

  const acknowledge = async () => {
    setBusy(true);
    setError(null);
    try {
      setAcked(await api.post<Alert>(`/alerts/${a.id}/acknowledge`));
      onChanged();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`card alert alert-${shown.priority}`} aria-labelledby={`alert-${a.id}`}>
      <div className="alert-head">
        <span className={`badge badge-${shown.priority}`}>{shown.priority}</span>
        <span className={`badge badge-${shown.status}`}>{shown.status}</span>
        {shown.flapping && <span className="badge">flapping</span>}
      </div>
      <h3 id={`alert-${a.id}`}>{shown.title}</h3>
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
      {shown.status === 'firing' && !shown.acknowledgedAt && (
        <button type="button" onClick={acknowledge} disabled={busy}>
          {busy ? 'Acknowledging…' : 'Acknowledge'}
        </button>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
