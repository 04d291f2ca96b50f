/**
 * People and access (tenant admins): people's roles and a first password, API tokens for
 * integrations and MQTT credentials for gateways. New secrets are shown once, right after creation.
 */
import { useState, type FormEvent } from 'react';
import { Empty, ErrorBox, Loading, formatTime } from '../components/states';
import { useAction } from '../components/use-action';
import { useSession } from '../session';
import { useApi } from '../use-api';

const ROLES = ['viewer', 'operator', 'admin'] as const;
const SCOPES = ['read', 'ingest', 'operate', 'admin'] as const;

interface Person {
  id: number;
  email: string;
  name: string;
  role: string;
}
interface Token {
  id: number;
  name: string;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
}
interface Device {
  username: string;
  createdAt: number;
  revokedAt: number | null;
}

/** A secret shown once, with the warning that it will not be shown again. */
function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div className="notice" role="status">
      <p>
        <strong>{label}</strong> (copy it now: it is not shown again)
      </p>
      <code className="secret">{value}</code>
    </div>
  );
}

export function AccessPage() {
  return (
    <div className="access-page">
      <h2>People and access</h2>
      <People />
      <Tokens />
      <Devices />
    </div>
  );
}

function People() {
  const { api, session } = useSession();
  const people = useApi((signal) => api.get<{ users: Person[] }>('/users', undefined, { signal }), []);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const [password, setPassword] = useState('');
  const act = useAction();
  const me = session.state === 'signed-in' && session.via === 'cookie' ? session.me.user.id : undefined;
  const add = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const u = await api.post<{ id: number }>('/users', { email: email.trim() });
      await api.put(`/users/${u.id}/access`, { role, ...(password ? { password } : {}) });
      setEmail('');
      setPassword('');
      people.reload();
    });
  };
  return (
    <section className="card" aria-labelledby="people-title">
      <h3 id="people-title">People</h3>
      {people.status === 'loading' && <Loading what="people" />}
      {people.status === 'error' && <ErrorBox error={people.error} retry={people.reload} />}
      {people.status === 'ok' && (
        <ul className="plain-list">
          {people.data.users.map((p) => (
            <li key={p.id}>
              {p.email}{' '}
              <select
                aria-label={`Role of ${p.email}`}
                value={p.role}
                disabled={p.id === me || act.busy}
                onChange={(e) =>
                  void act.run(async () => {
                    await api.put(`/users/${p.id}/access`, { role: e.target.value });
                    people.reload();
                  })
                }
              >
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>{' '}
              {p.id !== me && (
                <button
                  type="button"
                  className="secondary"
                  disabled={act.busy}
                  onClick={() =>
                    void act.run(async () => {
                      if (!confirm(`Remove ${p.email} from this tenant?`)) return;
                      await api.delete(`/users/${p.id}`);
                      people.reload();
                    })
                  }
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={add} aria-label="Add a person">
        <label>
          E-mail
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          First password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
            placeholder="optional: to sign in"
          />
        </label>
        <button type="submit" disabled={act.busy}>
          Add
        </button>
      </form>
      {act.feedback}
    </section>
  );
}

function Tokens() {
  const { api } = useSession();
  const tokens = useApi((signal) => api.get<{ tokens: Token[] }>('/tokens', undefined, { signal }), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [fresh, setFresh] = useState<string | null>(null);
  const act = useAction();
  const create = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const t = await api.post<{ token: string }>('/tokens', { name, scopes });
      setFresh(t.token);
      setName('');
      tokens.reload();
    });
  };
  return (
    <section className="card" aria-labelledby="tokens-title">
      <h3 id="tokens-title">API tokens</h3>
      {tokens.status === 'loading' && <Loading what="tokens" />}
      {tokens.status === 'error' && <ErrorBox error={tokens.error} retry={tokens.reload} />}
      {tokens.status === 'ok' &&
        (tokens.data.tokens.length === 0 ? (
          <Empty>No API tokens.</Empty>
        ) : (
          <ul className="plain-list">
            {tokens.data.tokens.map((t) => (
              <li key={t.id}>
                <strong>{t.name}</strong> · {t.scopes.join(', ')} · created {formatTime(t.createdAt)}{' '}
                {t.revokedAt ? (
                  <span className="muted">revoked {formatTime(t.revokedAt)}</span>
                ) : (
                  <button
                    type="button"
                    className="secondary"
                    disabled={act.busy}
                    onClick={() =>
                      void act.run(async () => {
                        await api.delete(`/tokens/${t.id}`);
                        tokens.reload();
                      })
                    }
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        ))}
      <form className="inline-form" onSubmit={create} aria-label="Create an API token">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="bms-sync" required />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
              />{' '}
              {s}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={act.busy}>
          Create token
        </button>
      </form>
      {fresh && <Secret label="New API token" value={fresh} />}
      {act.feedback}
    </section>
  );
}

function Devices() {
  const { api } = useSession();
  const devices = useApi((signal) => api.get<{ devices: Device[] }>('/devices', undefined, { signal }), []);
  const [username, setUsername] = useState('');
  const [fresh, setFresh] = useState<{ username: string; password: string } | null>(null);
  const act = useAction();
  const create = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      setFresh(await api.post<{ username: string; password: string }>('/devices', { username }));
      setUsername('');
      devices.reload();
    });
  };
  return (
    <section className="card" aria-labelledby="devices-title">
      <h3 id="devices-title">MQTT devices and gateways</h3>
      {devices.status === 'loading' && <Loading what="devices" />}
      {devices.status === 'error' && <ErrorBox error={devices.error} retry={devices.reload} />}
      {devices.status === 'ok' &&
        (devices.data.devices.length === 0 ? (
          <Empty>No device credentials.</Empty>
        ) : (
          <ul className="plain-list">
            {devices.data.devices.map((d) => (
              <li key={d.username}>
                <strong>{d.username}</strong> · created {formatTime(d.createdAt)}{' '}
                {d.revokedAt ? (
                  <span className="muted">revoked {formatTime(d.revokedAt)}</span>
                ) : (
                  <button
                    type="button"
                    className="secondary"
                    disabled={act.busy}
                    onClick={() =>
                      void act.run(async () => {
                        await api.delete(`/devices/${encodeURIComponent(d.username)}`);
                        devices.reload();
                      })
                    }
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        ))}
      <form className="inline-form" onSubmit={create} aria-label="Create device credentials">
        <label>
          Username
          <input
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            placeholder="plant-gateway-2"
            required
          />
        </label>
        <button type="submit" disabled={act.busy}>
          Create credentials
        </button>
      </form>
      {fresh && <Secret label={`Password of ${fresh.username}`} value={fresh.password} />}
      {act.feedback}
    </section>
  );
}
