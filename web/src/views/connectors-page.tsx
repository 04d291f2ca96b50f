/**
 * Legacy-source connectors of the tenant: state (running, backfilling, degraded, paused), backfill
 * progress, lag and last error, start / pause, and per connector its dead letters and daily
 * reconciliation. Polls every 5 s; buttons need the admin role (the API says so otherwise).
 */
import { useState } from 'react';
import { describeError } from '../api/client';
import { Empty, ErrorBox, Loading, formatTime } from '../components/states';
import { useSession } from '../session';
import { useApi } from '../use-api';

export interface ConnectorView {
  id: number;
  name: string;
  kind: string;
  desired: 'running' | 'paused';
  state: 'stopped' | 'starting' | 'backfilling' | 'running' | 'degraded' | 'paused' | 'error';
  stateMessage: string | null;
  lastError: string | null;
  lastErrorAt: number | null;
  backfill: { done: boolean; rowsDone: number; rowsEstimated: number | null; progress: number | null };
  lastPollAt: number | null;
  lastSourceTs: number | null;
  lagMs: number | null;
}

interface DeadLetter {
  id: number;
  at: number;
  key: string;
  field: string;
  reason: string;
}

interface ReconDay {
  day: string;
  rowsRead: number;
  readingsWritten: number;
  rejected: number;
}

const KIND_LABEL: Record<string, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL / MariaDB',
  mssql: 'SQL Server',
  file: 'Files',
};

const count = new Intl.NumberFormat();

function formatLag(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}

export function ConnectorsPage() {
  const { api } = useSession();
  const list = useApi(
    (signal) => api.get<{ connectors: ConnectorView[] }>('/connectors', {}, { signal }),
    [],
    {
      pollMs: 5000,
    },
  );
  return (
    <div className="connectors-page">
      <h2>Connectors</h2>
      <p className="hint">
        Readings pulled from legacy databases (PostgreSQL, MySQL/MariaDB, SQL Server) and CSV / JSON Lines
        files.
      </p>
      {list.status === 'loading' && <Loading what="connectors" />}
      {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} />}
      {list.status === 'ok' && list.refreshError !== undefined && (
        <p className="state state-error" role="status">
          Could not refresh: {describeError(list.refreshError)}
        </p>
      )}
      {list.status === 'ok' &&
        (list.data.connectors.length === 0 ? (
          <Empty>
            <p>No connectors yet.</p>
            <p>
              Add one with <code>datainsight connector add connector.json --tenant …</code> or{' '}
              <code>POST /api/v1/connectors</code>; it starts paused.
            </p>
          </Empty>
        ) : (
          <ul className="plain-list connector-list">
            {list.data.connectors.map((c) => (
              <ConnectorItem key={c.id} connector={c} onChanged={list.reload} />
            ))}
          </ul>
        ))}
    </div>
  );
}

function StateBadge({ c }: { c: ConnectorView }) {
  const tone =
    c.state === 'degraded' || c.state === 'error'
      ? 'badge-critical'
      : c.state === 'paused'
        ? 'badge-high'
        : c.state === 'running' || c.state === 'backfilling'
          ? 'badge-resolved'
          : '';
  return <span className={`badge ${tone}`}>{c.state}</span>;
}

function Progress({ c }: { c: ConnectorView }) {
  const b = c.backfill;
  if (b.done) return <span>backfill done</span>;
  if (b.progress === null) return <span>{count.format(b.rowsDone)} rows read</span>;
  const pct = Math.round(b.progress * 1000) / 10;
  return (
    <span className="connector-progress">
      <progress max={1} value={b.progress} aria-label={`backfill of ${c.name}`}>
        {pct}%
      </progress>{' '}
      {pct}% · {count.format(b.rowsDone)} / {count.format(b.rowsEstimated ?? 0)} rows
    </span>
  );
}

function ConnectorItem({ connector: c, onChanged }: { connector: ConnectorView; onChanged(): void }) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (action: 'start' | 'pause') => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/connectors/${c.id}/${action}`);
      onChanged();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const message = c.stateMessage ?? (c.state === 'degraded' ? c.lastError : null);
  return (
    <li className="connector">
      <div className="actions" style={{ justifyContent: 'space-between' }}>
        <strong>{c.name}</strong>
        <span>
          <StateBadge c={c} /> <span className="hint">{KIND_LABEL[c.kind] ?? c.kind}</span>
        </span>
      </div>
      {message && (
        <p className={c.state === 'degraded' || c.state === 'paused' ? 'state-error' : 'hint'} role="status">
          {message}
        </p>
      )}
      <dl
        className="connector-facts"
        style={{ display: 'flex', flexWrap: 'wrap', gap: '0.25rem 1.25rem', margin: '0.25rem 0' }}
      >
        <div>
          <dt className="hint">Backfill</dt>
          <dd style={{ margin: 0 }}>
            <Progress c={c} />
          </dd>
        </div>
        <div>
          <dt className="hint">Lag</dt>
          <dd style={{ margin: 0 }}>{formatLag(c.lagMs)}</dd>
        </div>
        <div>
          <dt className="hint">Last poll</dt>
          <dd style={{ margin: 0 }}>{formatTime(c.lastPollAt)}</dd>
        </div>
        {c.lastError && c.state !== 'degraded' && (
          <div>
            <dt className="hint">Last error</dt>
            <dd style={{ margin: 0 }}>
              {c.lastError} <span className="hint">({formatTime(c.lastErrorAt)})</span>
            </dd>
          </div>
        )}
      </dl>
      <div className="actions">
        {c.desired === 'paused' ? (
          <button type="button" disabled={busy} onClick={() => void act('start')}>
            {busy ? 'Starting…' : 'Start'}
          </button>
        ) : (
          <button type="button" className="secondary" disabled={busy} onClick={() => void act('pause')}>
            {busy ? 'Pausing…' : 'Pause'}
          </button>
        )}
        {error && (
          <span className="state-error" role="alert">
            {error}
          </span>
        )}
      </div>
      <details>
        <summary>Dead letters</summary>
        <DeadLetters id={c.id} />
      </details>
      <details>
        <summary>Reconciliation</summary>
        <Reconciliation id={c.id} />
      </details>
    </li>
  );
}

function DeadLetters({ id }: { id: number }) {
  const { api } = useSession();
  const dead = useApi(
    (signal) =>
      api.get<{ deadLetters: DeadLetter[] }>(`/connectors/${id}/dead-letters`, { limit: 100 }, { signal }),
    [id],
  );
  if (dead.status === 'loading') return <Loading what="dead letters" />;
  if (dead.status === 'error') return <ErrorBox error={dead.error} retry={dead.reload} />;
  if (dead.data.deadLetters.length === 0) return <Empty>Every row so far could be mapped.</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="hint">Newest first; the source row key says which row to fix.</caption>
        <thead>
          <tr>
            <th scope="col">Source row</th>
            <th scope="col">Field</th>
            <th scope="col">Reason</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {dead.data.deadLetters.map((d) => (
            <tr key={d.id}>
              <td>
                <code>{d.key}</code>
              </td>
              <td>{d.field}</td>
              <td>{d.reason}</td>
              <td>{formatTime(d.at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Reconciliation({ id }: { id: number }) {
  const { api } = useSession();
  const recon = useApi(
    (signal) => api.get<{ days: ReconDay[] }>(`/connectors/${id}/reconciliation`, { days: 31 }, { signal }),
    [id],
  );
  if (recon.status === 'loading') return <Loading what="reconciliation" />;
  if (recon.status === 'error') return <ErrorBox error={recon.error} retry={recon.reload} />;
  if (recon.data.days.length === 0) return <Empty>Nothing read yet.</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="hint">
          Per day (UTC). A row read twice after a restart counts twice here, never in the store.
        </caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Rows read</th>
            <th scope="col">Readings written</th>
            <th scope="col">Rejected</th>
          </tr>
        </thead>
        <tbody>
          {recon.data.days.map((d) => (
            <tr key={d.day}>
              <td>{d.day}</td>
              <td>{count.format(d.rowsRead)}</td>
              <td>{count.format(d.readingsWritten)}</td>
              <td>{count.format(d.rejected)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
