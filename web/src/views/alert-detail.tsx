/**
 * One alert: what fired where, its timeline (fired, reminded, acknowledged, resolved), who was told on
 * which channel with what status, and the actions: acknowledge, resolve, silence the asset for a while.
 */
import { useState } from 'react';
import { describeError } from '../api/client';
import type { Alert, AlertEvent, Delivery } from '../api/types';
import { Empty, ErrorBox, Loading, formatTime, formatValue } from '../components/states';
import { useLive } from '../live';
import { Link, paths } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';
import { AlertActions, LiveBadge } from './alerts';

const SILENCE_FOR = [
  { label: '1 hour', ms: 3_600_000 },
  { label: '4 hours', ms: 4 * 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
];

export function AlertDetailPage({ id }: { id: number }) {
  const { api } = useSession();
  const alert = useApi(
    (signal) => api.get<Alert & { events: AlertEvent[] }>(`/alerts/${id}`, undefined, { signal }),
    [id],
  );
  const fingerprint = alert.status === 'ok' ? alert.data.fingerprint : undefined;
  const deliveries = useApi(
    (signal) =>
      fingerprint
        ? api.get<{ deliveries: Delivery[] }>('/deliveries', { fingerprint, limit: 100 }, { signal })
        : Promise.resolve({ deliveries: [] }),
    [fingerprint],
  );
  const live = useLive(
    { alerts: 'true' },
    {
      onAlerts: () => {
        alert.reload();
        deliveries.reload();
      },
    },
  );

  if (alert.status === 'loading') return <Loading what={`alert ${id}`} />;
  if (alert.status === 'error') return <ErrorBox error={alert.error} retry={alert.reload} />;
  const a = alert.data;
  return (
    <div className="alert-detail">
      <p className="breadcrumb">
        <Link href={paths.alerts()}>Alerts</Link> / <span>#{a.id}</span>
      </p>
      <section className={`card alert alert-${a.priority}`} aria-labelledby="alert-title">
        <div className="alert-head">
          <span className={`badge badge-${a.priority}`}>{a.priority}</span>
          <span className={`badge badge-${a.status}`}>{a.status}</span>
          {a.flapping && <span className="badge">flapping</span>}
          <LiveBadge state={live} />
        </div>
        <h2 id="alert-title">{a.title}</h2>
        <p>
          <Link href={paths.asset(a.location, a.asset)}>
            {a.location}/{a.asset}
          </Link>{' '}
          · {a.sensor}/{a.parameter} = {formatValue(a.value)} · rule{' '}
          <Link href={paths.rule(a.ruleId)}>{a.ruleId}</Link>
        </p>
        {a.action && (
          <p>
            <strong>Suggested action:</strong> {a.action}
          </p>
        )}
        <AlertActions alert={a} onDone={() => alert.reload()} />
        <SilenceAsset location={a.location} asset={a.asset} />
      </section>

      <section className="card" aria-labelledby="timeline-title">
        <h3 id="timeline-title">Timeline</h3>
        {a.events.length === 0 ? (
          <Empty>No events recorded yet.</Empty>
        ) : (
          <ol className="timeline">
            {a.events.map((e) => (
              <li key={e.id}>
                <span className={`badge badge-${e.kind}`}>{e.kind}</span> {formatTime(e.ts)}
                {e.value !== null && ` · value ${formatValue(e.value)}`}
                {typeof e.detail.by === 'string' && ` · by ${e.detail.by}`}
                {typeof e.detail.comment === 'string' && ` · “${e.detail.comment}”`}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section className="card" aria-labelledby="deliveries-title">
        <h3 id="deliveries-title">Who was told</h3>
        {deliveries.status === 'loading' && <Loading what="deliveries" />}
        {deliveries.status === 'error' && <ErrorBox error={deliveries.error} retry={deliveries.reload} />}
        {deliveries.status === 'ok' &&
          (deliveries.data.deliveries.length === 0 ? (
            <Empty>
              No messages for this alert (nobody subscribed to it, or it is silenced or still batching).
            </Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">What</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Sent</th>
                  </tr>
                </thead>
                <tbody>
                  {deliveries.data.deliveries.map((d) => (
                    <tr key={d.id}>
                      <td>#{d.userId}</td>
                      <td>{d.kind}</td>
                      <td>{d.provider ?? '—'}</td>
                      <td>
                        <span className={`badge delivery-${d.status}`}>{d.status}</span>
                        {d.lastError && <span className="muted"> {d.lastError}</span>}
                      </td>
                      <td>{d.attempts}</td>
                      <td>{formatTime(d.sentAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </section>
    </div>
  );
}

function SilenceAsset({ location, asset }: { location: string; asset: string }) {
  const { api } = useSession();
  const [ms, setMs] = useState(SILENCE_FOR[0]!.ms);
  const [state, setState] = useState<{ busy: boolean; message?: string; error?: string }>({ busy: false });
  const silence = async () => {
    setState({ busy: true });
    try {
      await api.post('/silences', {
        matcher: { assets: [`${location}/${asset}`] },
        durationMs: ms,
        comment: 'silenced from the alert page',
      });
      setState({
        busy: false,
        message: `Alerts of ${location}/${asset} are silenced for ${SILENCE_FOR.find((x) => x.ms === ms)?.label}.`,
      });
    } catch (e) {
      setState({ busy: false, error: describeError(e) });
    }
  };
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void silence();
      }}
    >
      <label>
        Silence this asset for{' '}
        <select value={ms} onChange={(e) => setMs(Number(e.target.value))}>
          {SILENCE_FOR.map((x) => (
            <option key={x.ms} value={x.ms}>
              {x.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="secondary" disabled={state.busy}>
        {state.busy ? 'Silencing…' : 'Silence'}
      </button>
      {state.message && <p role="status">{state.message}</p>}
      {state.error && (
        <p className="form-error" role="alert">
          {state.error}
        </p>
      )}
    </form>
  );
}
