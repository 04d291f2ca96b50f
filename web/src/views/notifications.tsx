/**
 * My notifications: how and when I am told. Contact points (with a test message), subscriptions (which
 * alerts, from which priority, on which channels in order of preference), quiet hours, time zone and
 * digest time, and browser push through our service worker (VAPID).
 */
import { useState, type FormEvent } from 'react';
import { PRIORITIES, type Priority } from '../api/types';
import { Empty, ErrorBox, Loading } from '../components/states';
import { useAction } from '../components/use-action';
import { useSession } from '../session';
import { useApi } from '../use-api';

const KINDS = ['email', 'sms', 'whatsapp', 'telegram', 'push', 'webhook'] as const;
type Kind = (typeof KINDS)[number];

interface ContactPoint {
  id: number;
  kind: Kind;
  address: Record<string, unknown>;
  label: string;
  verified: boolean;
  invalidReason: string | null;
}
interface Subscription {
  id: number;
  scope: { locations?: string[]; assets?: string[] };
  minPriority: Priority;
  channels: Partial<Record<Priority, number[]>>;
}
interface Person {
  id: number;
  email: string;
  timezone: string;
  quietHours: { start: string; end: string } | null;
  digest: { every: 'day' | 'week'; at: string };
}

const addressOf = (cp: ContactPoint): string => {
  const a = cp.address;
  if (typeof a.email === 'string') return a.email;
  if (typeof a.phone === 'string') return a.phone;
  if (typeof a.chatId === 'string') return `chat ${a.chatId}`;
  if (typeof a.url === 'string') return a.url;
  if (a.subscription) return 'this or another browser';
  return '';
};

export function NotificationsPage() {
  const { session } = useSession();
  if (session.state !== 'signed-in' || session.via !== 'cookie')
    return (
      <Empty>
        <p>
          Notification preferences belong to a person: sign in with your e-mail and password to manage yours.
        </p>
      </Empty>
    );
  return <MyNotifications userId={session.me.user.id} />;
}

function MyNotifications({ userId }: { userId: number }) {
  const { api } = useSession();
  const contacts = useApi(
    (signal) => api.get<{ contactPoints: ContactPoint[] }>('/users/me/contact-points', undefined, { signal }),
    [],
  );
  const subs = useApi(
    (signal) => api.get<{ subscriptions: Subscription[] }>('/users/me/subscriptions', undefined, { signal }),
    [],
  );
  const people = useApi((signal) => api.get<{ users: Person[] }>('/users', undefined, { signal }), []);
  const me = people.status === 'ok' ? people.data.users.find((u) => u.id === userId) : undefined;
  const cps = contacts.status === 'ok' ? contacts.data.contactPoints : [];

  return (
    <div className="notifications-page">
      <h2>My notifications</h2>
      <section className="card" aria-labelledby="cp-title">
        <h3 id="cp-title">Where to reach me</h3>
        {contacts.status === 'loading' && <Loading what="your contact points" />}
        {contacts.status === 'error' && <ErrorBox error={contacts.error} retry={contacts.reload} />}
        {contacts.status === 'ok' &&
          (cps.length === 0 ? (
            <Empty>No contact points yet: add one below, then subscribe it to alerts.</Empty>
          ) : (
            <ul className="plain-list">
              {cps.map((cp) => (
                <ContactRow key={cp.id} cp={cp} onChanged={contacts.reload} />
              ))}
            </ul>
          ))}
        <AddContact onAdded={contacts.reload} />
        <EnablePush onAdded={contacts.reload} />
      </section>

      <section className="card" aria-labelledby="subs-title">
        <h3 id="subs-title">What to tell me</h3>
        {subs.status === 'loading' && <Loading what="your subscriptions" />}
        {subs.status === 'error' && <ErrorBox error={subs.error} retry={subs.reload} />}
        {subs.status === 'ok' &&
          (subs.data.subscriptions.length === 0 ? (
            <Empty>You are subscribed to nothing: you get no alerts.</Empty>
          ) : (
            <ul className="plain-list">
              {subs.data.subscriptions.map((s) => (
                <SubscriptionRow key={s.id} sub={s} cps={cps} onChanged={subs.reload} />
              ))}
            </ul>
          ))}
        {cps.length > 0 && <AddSubscription cps={cps} onAdded={subs.reload} />}
      </section>

      <section className="card" aria-labelledby="when-title">
        <h3 id="when-title">When</h3>
        {people.status === 'loading' && <Loading what="your settings" />}
        {people.status === 'error' && <ErrorBox error={people.error} retry={people.reload} />}
        {people.status === 'ok' && me && <WhenForm me={me} onSaved={people.reload} />}
      </section>
    </div>
  );
}

function ContactRow({ cp, onChanged }: { cp: ContactPoint; onChanged(): void }) {
  const { api } = useSession();
  const act = useAction();
  return (
    <li>
      <strong>{cp.kind}</strong> {addressOf(cp)} {cp.label && <span className="muted">({cp.label})</span>}{' '}
      {cp.invalidReason ? (
        <span className="badge badge-critical" title={cp.invalidReason}>
          invalid
        </span>
      ) : cp.verified ? (
        <span className="badge badge-resolved">verified</span>
      ) : null}{' '}
      <button
        type="button"
        className="secondary"
        disabled={act.busy}
        onClick={() =>
          void act.run(async () => {
            const r = await api.post<{ sent: boolean; reason?: string }>(
              `/users/me/contact-points/${cp.id}/test`,
            );
            onChanged();
            if (!r.sent) throw new Error(`The test message failed: ${r.reason ?? 'unknown reason'}`);
            return 'Test message sent.';
          })
        }
      >
        Send test
      </button>{' '}
      <button
        type="button"
        className="secondary"
        disabled={act.busy}
        onClick={() =>
          void act.run(async () => {
            await api.delete(`/users/me/contact-points/${cp.id}`);
            onChanged();
          })
        }
      >
        Remove
      </button>
      {act.feedback}
    </li>
  );
}

function AddContact({ onAdded }: { onAdded(): void }) {
  const { api } = useSession();
  const [kind, setKind] = useState<Exclude<Kind, 'push'>>('email');
  const [value, setValue] = useState('');
  const [secret, setSecret] = useState('');
  const [label, setLabel] = useState('');
  const act = useAction();
  const address = (): Record<string, string> => {
    switch (kind) {
      case 'email':
        return { email: value.trim() };
      case 'sms':
      case 'whatsapp':
        return { phone: value.trim() };
      case 'telegram':
        return { chatId: value.trim() };
      case 'webhook':
        return { url: value.trim(), secret };
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api.post('/users/me/contact-points', { kind, address: address(), label });
      setValue('');
      setSecret('');
      onAdded();
      return 'Added.';
    });
  };
  const placeholder = {
    email: 'me@example.com',
    sms: '+4915112345678',
    whatsapp: '+4915112345678',
    telegram: '123456789',
    webhook: 'https://…',
  }[kind];
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Add a contact point">
      <label>
        Channel
        <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
          {KINDS.filter((k) => k !== 'push').map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      <label>
        {kind === 'email' ? 'E-mail' : kind === 'telegram' ? 'Chat id' : kind === 'webhook' ? 'URL' : 'Phone'}
        <input value={value} onChange={(e) => setValue(e.target.value)} placeholder={placeholder} required />
      </label>
      {kind === 'webhook' && (
        <label>
          Signing secret
          <input value={secret} onChange={(e) => setSecret(e.target.value)} minLength={16} required />
        </label>
      )}
      <label>
        Label
        <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder="work, night shift…" />
      </label>
      <button type="submit" disabled={act.busy}>
        Add
      </button>
      {act.feedback}
    </form>
  );
}

const b64ToBytes = (b64: string): Uint8Array<ArrayBuffer> => {
  const s = atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
};

function EnablePush({ onAdded }: { onAdded(): void }) {
  const { api } = useSession();
  const act = useAction();
  const supported =
    typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined';
  if (!supported)
    return (
      <p className="muted">
        This browser cannot receive push notifications (or the page is not served over https).
      </p>
    );
  return (
    <p>
      <button
        type="button"
        className="secondary"
        disabled={act.busy}
        onClick={() =>
          void act.run(async () => {
            const { publicKey } = await api.get<{ publicKey: string }>('/push/public-key');
            if ((await Notification.requestPermission()) !== 'granted')
              throw new Error('Notifications are blocked for this site: allow them in the browser settings.');
            const reg = await navigator.serviceWorker.register('/sw.js');
            await navigator.serviceWorker.ready;
            const sub = await reg.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: b64ToBytes(publicKey),
            });
            const json = sub.toJSON();
            await api.post('/users/me/contact-points', {
              kind: 'push',
              address: {
                subscription: {
                  endpoint: json.endpoint,
                  expirationTime: json.expirationTime ?? null,
                  keys: json.keys,
                },
              },
              label: navigator.userAgent.includes('Mobile') ? 'phone browser' : 'desktop browser',
            });
            onAdded();
            return 'This browser now receives push notifications.';
          })
        }
      >
        Enable push in this browser
      </button>
      {act.feedback}
    </p>
  );
}

function SubscriptionRow({
  sub,
  cps,
  onChanged,
}: {
  sub: Subscription;
  cps: ContactPoint[];
  onChanged(): void;
}) {
  const { api } = useSession();
  const act = useAction();
  const name = (id: number) => {
    const cp = cps.find((c) => c.id === id);
    return cp ? `${cp.kind} ${addressOf(cp)}` : `#${id}`;
  };
  const scope = [...(sub.scope.locations ?? []), ...(sub.scope.assets ?? [])].join(', ') || 'everything';
  return (
    <li>
      <strong>{scope}</strong>, from{' '}
      <span className={`badge badge-${sub.minPriority}`}>{sub.minPriority}</span> up:{' '}
      {PRIORITIES.filter((p) => sub.channels[p]?.length)
        .map((p) => `${p} → ${sub.channels[p]!.map(name).join(', then ')}`)
        .join('; ')}{' '}
      <button
        type="button"
        className="secondary"
        disabled={act.busy}
        onClick={() =>
          void act.run(async () => {
            await api.delete(`/users/me/subscriptions/${sub.id}`);
            onChanged();
          })
        }
      >
        Remove
      </button>
      {act.feedback}
    </li>
  );
}

function AddSubscription({ cps, onAdded }: { cps: ContactPoint[]; onAdded(): void }) {
  const { api } = useSession();
  const [locations, setLocations] = useState('');
  const [minPriority, setMinPriority] = useState<Priority>('high');
  const [primary, setPrimary] = useState<Record<Priority, string>>({
    critical: String(cps[0]!.id),
    high: String(cps[0]!.id),
    medium: String(cps[0]!.id),
    low: String(cps[0]!.id),
  });
  const [fallback, setFallback] = useState<Record<Priority, string>>({
    critical: '',
    high: '',
    medium: '',
    low: '',
  });
  const act = useAction();
  const wanted = PRIORITIES.slice(0, PRIORITIES.indexOf(minPriority) + 1);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      const locs = locations
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const channels = Object.fromEntries(
        wanted.map((p) => [
          p,
          [Number(primary[p]), ...(fallback[p] && fallback[p] !== primary[p] ? [Number(fallback[p])] : [])],
        ]),
      );
      await api.post('/users/me/subscriptions', {
        scope: locs.length ? { locations: locs } : {},
        minPriority,
        channels,
      });
      onAdded();
      return 'Subscribed.';
    });
  };
  const options = cps.map((cp) => (
    <option key={cp.id} value={cp.id}>
      {cp.kind} {addressOf(cp)}
    </option>
  ));
  return (
    <form className="subscription-form" onSubmit={submit} aria-label="Add a subscription">
      <div className="inline-form">
        <label>
          Locations
          <input
            value={locations}
            onChange={(e) => setLocations(e.target.value)}
            placeholder="all (or hq, plant-2)"
          />
        </label>
        <label>
          From priority
          <select value={minPriority} onChange={(e) => setMinPriority(e.target.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Priority</th>
              <th scope="col">Channel</th>
              <th scope="col">If that fails</th>
            </tr>
          </thead>
          <tbody>
            {wanted.map((p) => (
              <tr key={p}>
                <th scope="row">{p}</th>
                <td>
                  <select
                    aria-label={`${p}: channel`}
                    value={primary[p]}
                    onChange={(e) => setPrimary({ ...primary, [p]: e.target.value })}
                  >
                    {options}
                  </select>
                </td>
                <td>
                  <select
                    aria-label={`${p}: fallback`}
                    value={fallback[p]}
                    onChange={(e) => setFallback({ ...fallback, [p]: e.target.value })}
                  >
                    <option value="">none</option>
                    {options}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="submit" disabled={act.busy}>
        Subscribe
      </button>
      {act.feedback}
    </form>
  );
}

function WhenForm({ me, onSaved }: { me: Person; onSaved(): void }) {
  const { api } = useSession();
  const [timezone, setTimezone] = useState(me.timezone);
  const [quiet, setQuiet] = useState(me.quietHours !== null);
  const [start, setStart] = useState(me.quietHours?.start ?? '22:00');
  const [end, setEnd] = useState(me.quietHours?.end ?? '06:00');
  const [digestAt, setDigestAt] = useState(me.digest.at);
  const [every, setEvery] = useState(me.digest.every);
  const act = useAction();
  const zones =
    typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [me.timezone];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(async () => {
      await api.patch('/users/me', {
        timezone,
        quietHours: quiet ? { start, end } : null,
        digest: { every, at: digestAt },
      });
      onSaved();
      return 'Saved.';
    });
  };
  return (
    <form className="form-grid" onSubmit={submit} aria-label="When to notify me">
      <label className="field">
        <span>Time zone</span>
        <select value={timezone} onChange={(e) => setTimezone(e.target.value)}>
          {[...new Set(['UTC', timezone, ...zones])].map((z) => (
            <option key={z}>{z}</option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={quiet} onChange={(e) => setQuiet(e.target.checked)} /> Quiet hours
        (everything but critical waits until they end)
      </label>
      {quiet && (
        <div className="inline-form">
          <label>
            From
            <input type="time" value={start} onChange={(e) => setStart(e.target.value)} required />
          </label>
          <label>
            To
            <input type="time" value={end} onChange={(e) => setEnd(e.target.value)} required />
          </label>
        </div>
      )}
      <div className="inline-form">
        <label>
          Low-priority digest
          <select value={every} onChange={(e) => setEvery(e.target.value as 'day' | 'week')}>
            <option value="day">daily</option>
            <option value="week">weekly</option>
          </select>
        </label>
        <label>
          at
          <input type="time" value={digestAt} onChange={(e) => setDigestAt(e.target.value)} required />
        </label>
      </div>
      <div className="actions">
        <button type="submit" disabled={act.busy}>
          Save
        </button>
        {act.feedback}
      </div>
    </form>
  );
}
