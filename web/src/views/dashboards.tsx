/**
 * Dashboards: a person's own arrangement of widgets (line chart, latest value, gauge, on/off state,
 * alert list), saved on the server and shareable within the tenant. Edit mode adds, removes, resizes
 * and reorders widgets with buttons (keyboard-friendly, and the same on a phone).
 */
import { useMemo, useState, type FormEvent } from 'react';
import { describeError } from '../api/client';
import { PRIORITIES, type Alert, type Asset, type Latest, type Location } from '../api/types';
import { Empty, ErrorBox, Loading, formatTime, formatValue } from '../components/states';
import { useLive } from '../live';
import { Link, navigate, paths } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';
import { RANGES, SeriesChart, type RangeKey } from './asset';

type WidgetKind = 'line' | 'value' | 'gauge' | 'state' | 'alerts';
interface Widget {
  id: string;
  kind: WidgetKind;
  title: string;
  w: number;
  h: number;
  series?: number[];
  range?: RangeKey;
  min?: number;
  max?: number;
  priority?: string[];
  limit?: number;
}
interface Dashboard {
  id: number;
  title: string;
  shared: boolean;
  widgets: Widget[];
  version: number;
  owner: string | null;
  mine: boolean;
  canEdit: boolean;
  updatedAt: number;
}

const KIND_LABEL: Record<WidgetKind, string> = {
  line: 'Line chart',
  value: 'Latest value',
  gauge: 'Gauge',
  state: 'On/off state',
  alerts: 'Alert list',
};

export function DashboardsPage() {
  const { api } = useSession();
  const list = useApi(
    (signal) => api.get<{ dashboards: Dashboard[] }>('/dashboards', undefined, { signal }),
    [],
  );
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const d = await api.post<Dashboard>('/dashboards', { title });
      navigate(paths.dashboard(d.id));
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <div className="dashboards-page">
      <h2>Dashboards</h2>
      <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="New dashboard">
        <label>
          New dashboard
          <input
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            placeholder="Plant room overview"
            required
          />
        </label>
        <button type="submit">Create</button>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
      {list.status === 'loading' && <Loading what="dashboards" />}
      {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} />}
      {list.status === 'ok' &&
        (list.data.dashboards.length === 0 ? (
          <Empty>No dashboards yet: create one above, then add widgets to it.</Empty>
        ) : (
          <ul className="asset-grid">
            {list.data.dashboards.map((d) => (
              <li key={d.id} className="card">
                <h3>
                  <Link href={paths.dashboard(d.id)}>{d.title}</Link>
                </h3>
                <p className="muted">
                  {d.widgets.length} widget{d.widgets.length === 1 ? '' : 's'} ·{' '}
                  {d.mine
                    ? d.shared
                      ? 'yours, shared'
                      : 'yours, private'
                    : `shared by ${d.owner ?? 'an admin'}`}
                </p>
              </li>
            ))}
          </ul>
        ))}
    </div>
  );
}

export function DashboardPage({ id }: { id: number }) {
  const { api } = useSession();
  const loaded = useApi((signal) => api.get<Dashboard>(`/dashboards/${id}`, undefined, { signal }), [id]);
  const [draft, setDraft] = useState<Dashboard | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (loaded.status === 'loading') return <Loading what="the dashboard" />;
  if (loaded.status === 'error') return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  const d = draft ?? loaded.data;
  const editing = draft !== null;

  const save = async () => {
    if (!draft) return;
    setSaving(true);
    setError(null);
    try {
      await api.put<Dashboard>(`/dashboards/${id}`, {
        title: draft.title,
        shared: draft.shared,
        version: draft.version,
        widgets: draft.widgets,
      });
      setDraft(null);
      loaded.reload();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete the dashboard “${d.title}”?`)) return;
    try {
      await api.delete(`/dashboards/${id}`);
      navigate(paths.dashboards());
    } catch (e) {
      setError(describeError(e));
    }
  };
  const setWidgets = (widgets: Widget[]) => setDraft({ ...d, widgets });
  const move = (i: number, by: number) => {
    const ws = [...d.widgets];
    const [w] = ws.splice(i, 1);
    ws.splice(Math.max(0, Math.min(ws.length, i + by)), 0, w!);
    setWidgets(ws);
  };
  const resize = (i: number, dw: number, dh: number) =>
    setWidgets(
      d.widgets.map((w, j) =>
        j === i ? { ...w, w: Math.max(1, Math.min(12, w.w + dw)), h: Math.max(1, Math.min(4, w.h + dh)) } : w,
      ),
    );

  return (
    <div className="dashboard-page">
      <p className="breadcrumb">
        <Link href={paths.dashboards()}>Dashboards</Link> / <span>{d.title}</span>
      </p>
      <div className="page-head">
        {editing ? (
          <label>
            Title <input value={d.title} onChange={(e) => setDraft({ ...d, title: e.target.value })} />
          </label>
        ) : (
          <h2>{d.title}</h2>
        )}
        {d.canEdit && !editing && (
          <button type="button" className="secondary" onClick={() => setDraft(loaded.data)}>
            Edit
          </button>
        )}
        {editing && (
          <>
            <label className="check">
              <input
                type="checkbox"
                checked={d.shared}
                onChange={(e) => setDraft({ ...d, shared: e.target.checked })}
              />{' '}
              Shared with my tenant
            </label>
            <button type="button" onClick={() => void save()} disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="secondary" onClick={() => setDraft(null)}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
          </>
        )}
        {!d.mine && <span className="muted">shared by {d.owner ?? 'an admin'}</span>}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {d.widgets.length === 0 && !editing && (
        <Empty>
          This dashboard is empty.{' '}
          {d.canEdit ? 'Choose Edit to add charts, values, gauges, states and alert lists.' : ''}
        </Empty>
      )}
      <WidgetGrid
        widgets={d.widgets}
        editing={editing}
        onMove={move}
        onResize={resize}
        onRemove={(i) => setWidgets(d.widgets.filter((_, j) => j !== i))}
      />
      {editing && <AddWidget onAdd={(w) => setWidgets([...d.widgets, w])} existing={d.widgets} />}
    </div>
  );
}

function WidgetGrid({
  widgets,
  editing,
  onMove,
  onResize,
  onRemove,
}: {
  widgets: Widget[];
  editing: boolean;
  onMove(i: number, by: number): void;
  onResize(i: number, dw: number, dh: number): void;
  onRemove(i: number): void;
}) {
  const { api } = useSession();
  // One read (and one live stream) for every value, gauge and state widget of the dashboard.
  const ids = useMemo(
    () => [...new Set(widgets.filter((w) => w.kind !== 'line' && w.series).flatMap((w) => w.series!))],
    [widgets],
  );
  const [pushed, setPushed] = useState<Map<number, { ts: number; value: number }>>(new Map());
  const live = useLive(ids.length ? { series: ids } : null, {
    onLatest: (vs) =>
      setPushed((m) => {
        const next = new Map(m);
        for (const v of vs) next.set(v.seriesId, v);
        return next;
      }),
  });
  const latest = useApi(
    (signal) =>
      ids.length
        ? api.get<{ latest: Latest[] }>('/latest', { series: ids }, { signal })
        : Promise.resolve({ latest: [] }),
    [ids.join(',')],
    { pollMs: live === 'live' ? undefined : 10_000 },
  );
  const valueOf = (id: number): (Latest & { ts: number | null }) | undefined => {
    const l = latest.status === 'ok' ? latest.data.latest.find((x) => x.seriesId === id) : undefined;
    const p = pushed.get(id);
    if (!l) return undefined;
    return p && (l.ts === null || p.ts > l.ts) ? { ...l, ...p } : l;
  };

  return (
    <ul className="widget-grid" aria-label="Widgets">
      {widgets.map((w, i) => (
        <li
          key={w.id}
          className={`card widget widget-${w.kind}`}
          style={{ gridColumn: `span ${w.w}`, minHeight: `${w.h * 150}px` }}
        >
          <h3>{w.title || KIND_LABEL[w.kind]}</h3>
          {editing && (
            <div
              className="widget-tools"
              role="group"
              aria-label={`Arrange ${w.title || KIND_LABEL[w.kind]}`}
            >
              <button
                type="button"
                className="secondary"
                onClick={() => onMove(i, -1)}
                disabled={i === 0}
                aria-label="Move earlier"
              >
                ←
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => onMove(i, 1)}
                disabled={i === widgets.length - 1}
                aria-label="Move later"
              >
                →
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => onResize(i, -1, 0)}
                aria-label="Narrower"
              >
                −W
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => onResize(i, 1, 0)}
                aria-label="Wider"
              >
                +W
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => onResize(i, 0, -1)}
                aria-label="Shorter"
              >
                −H
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => onResize(i, 0, 1)}
                aria-label="Taller"
              >
                +H
              </button>
              <button type="button" className="danger" onClick={() => onRemove(i)} aria-label="Remove widget">
                ✕
              </button>
            </div>
          )}
          <WidgetBody widget={w} valueOf={valueOf} loading={latest.status === 'loading'} />
        </li>
      ))}
    </ul>
  );
}

function WidgetBody({
  widget: w,
  valueOf,
  loading,
}: {
  widget: Widget;
  valueOf(id: number): (Latest & { ts: number | null }) | undefined;
  loading: boolean;
}) {
  if (w.kind === 'line')
    return (
      <SeriesChart
        ids={w.series ?? []}
        title={w.title || 'line chart'}
        initialRange={w.range ?? '24h'}
        compact
      />
    );
  if (w.kind === 'alerts') return <AlertsWidget widget={w} />;
  if (loading) return <Loading what="values" />;
  const values = (w.series ?? []).map((id) => ({ id, v: valueOf(id) }));
  if (values.some((x) => !x.v)) return <Empty>A series of this widget no longer exists.</Empty>;
  if (w.kind === 'value') {
    const v = values[0]!.v!;
    return (
      <div className="big-value">
        <span data-testid={`widget-value-${w.id}`}>{formatValue(v.value, v.unit)}</span>
        <small className="muted">
          {v.location}/{v.asset}/{v.sensor} {v.parameter} · {formatTime(v.ts)}
        </small>
      </div>
    );
  }
  if (w.kind === 'gauge') {
    const v = values[0]!.v!;
    const min = w.min ?? 0;
    const max = w.max ?? 100;
    return (
      <div className="gauge">
        <meter min={min} max={max} value={v.value ?? min} aria-label={`${v.parameter} of ${v.asset}`} />
        <span>
          {formatValue(v.value, v.unit)}{' '}
          <small className="muted">
            ({min} – {max})
          </small>
        </span>
      </div>
    );
  }
  return (
    <ul className="states">
      {values.map(({ id, v }) => (
        <li key={id}>
          <span className={`badge ${v!.value ? 'badge-firing' : 'badge-resolved'}`}>
            {v!.value ? 'ON' : 'OFF'}
          </span>{' '}
          {v!.asset}/{v!.sensor} {v!.parameter}
        </li>
      ))}
    </ul>
  );
}

function AlertsWidget({ widget: w }: { widget: Widget }) {
  const { api } = useSession();
  const alerts = useApi(
    (signal) =>
      api.get<{ alerts: Alert[] }>(
        '/alerts',
        { status: 'firing', priority: w.priority?.length ? w.priority : undefined, limit: w.limit ?? 10 },
        { signal },
      ),
    [JSON.stringify(w)],
    { pollMs: 30_000 },
  );
  useLive({ alerts: 'true' }, { onAlerts: alerts.reload });
  if (alerts.status === 'loading') return <Loading what="alerts" />;
  if (alerts.status === 'error') return <ErrorBox error={alerts.error} retry={alerts.reload} />;
  if (!alerts.data.alerts.length) return <Empty>No firing alerts.</Empty>;
  return (
    <ul className="plain-list">
      {alerts.data.alerts.map((a) => (
        <li key={a.id}>
          <span className={`badge badge-${a.priority}`}>{a.priority}</span>{' '}
          <Link href={paths.alert(a.id)}>{a.title}</Link>
        </li>
      ))}
    </ul>
  );
}

/** Pick series: location, then asset, then its series. */
function SeriesPicker({
  selected,
  onChange,
  max,
}: {
  selected: number[];
  onChange(ids: number[]): void;
  max: number;
}) {
  const { api } = useSession();
  const [location, setLocation] = useState('');
  const [asset, setAsset] = useState('');
  const locations = useApi(
    (signal) => api.get<{ locations: Location[] }>('/locations', undefined, { signal }),
    [],
  );
  const assets = useApi(
    (signal) =>
      location
        ? api.get<{ assets: Asset[] }>('/assets', { location }, { signal })
        : Promise.resolve({ assets: [] }),
    [location],
  );
  const series = useApi(
    (signal) =>
      location && asset
        ? api.get<{ latest: Latest[] }>('/latest', { location, asset }, { signal })
        : Promise.resolve({ latest: [] }),
    [location, asset],
  );
  return (
    <fieldset className="series-picker">
      <legend>
        Series ({selected.length} of at most {max})
      </legend>
      <label>
        Location
        <select value={location} onChange={(e) => (setLocation(e.target.value), setAsset(''))}>
          <option value="">choose…</option>
          {locations.status === 'ok' &&
            locations.data.locations.map((l) => <option key={l.slug}>{l.slug}</option>)}
        </select>
      </label>
      <label>
        Asset
        <select value={asset} onChange={(e) => setAsset(e.target.value)} disabled={!location}>
          <option value="">choose…</option>
          {assets.status === 'ok' && assets.data.assets.map((a) => <option key={a.slug}>{a.slug}</option>)}
        </select>
      </label>
      {series.status === 'ok' &&
        series.data.latest.map((s) => (
          <label key={s.seriesId} className="series-option">
            <input
              type="checkbox"
              checked={selected.includes(s.seriesId)}
              disabled={!selected.includes(s.seriesId) && selected.length >= max}
              onChange={(e) =>
                onChange(
                  e.target.checked ? [...selected, s.seriesId] : selected.filter((x) => x !== s.seriesId),
                )
              }
            />
            <span>
              {s.sensor}/{s.parameter}
            </span>
            <span className="value">{formatValue(s.value, s.unit)}</span>
          </label>
        ))}
    </fieldset>
  );
}

function AddWidget({ onAdd, existing }: { onAdd(w: Widget): void; existing: Widget[] }) {
  const [kind, setKind] = useState<WidgetKind>('line');
  const [title, setTitle] = useState('');
  const [series, setSeries] = useState<number[]>([]);
  const [range, setRange] = useState<RangeKey>('24h');
  const [min, setMin] = useState('0');
  const [max, setMax] = useState('100');
  const [priority, setPriority] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const maxSeries = kind === 'line' ? 8 : kind === 'state' ? 16 : 1;
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (kind !== 'alerts' && series.length === 0) return setError('Choose at least one series.');
    if (kind === 'gauge' && !(Number(max) > Number(min)))
      return setError('The gauge maximum must be above its minimum.');
    let n = existing.length + 1;
    while (existing.some((w) => w.id === `w${n}`)) n++;
    const base = { id: `w${n}`, kind, title, w: kind === 'line' ? 8 : 4, h: kind === 'line' ? 2 : 1 };
    onAdd(
      kind === 'alerts'
        ? { ...base, priority }
        : kind === 'gauge'
          ? { ...base, series: series.slice(0, 1), min: Number(min), max: Number(max) }
          : kind === 'line'
            ? { ...base, series, range }
            : { ...base, series: series.slice(0, maxSeries) },
    );
    setTitle('');
    setSeries([]);
    setError(null);
  };
  return (
    <form className="card add-widget" onSubmit={add} aria-label="Add a widget">
      <h3>Add a widget</h3>
      <div className="inline-form">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as WidgetKind)}>
            {(Object.keys(KIND_LABEL) as WidgetKind[]).map((k) => (
              <option key={k} value={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="optional" />
        </label>
        {kind === 'line' && (
          <label>
            Range
            <select value={range} onChange={(e) => setRange(e.target.value as RangeKey)}>
              {RANGES.map((r) => (
                <option key={r.key} value={r.key}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
        )}
        {kind === 'gauge' && (
          <>
            <label>
              Min <input inputMode="decimal" value={min} onChange={(e) => setMin(e.target.value)} size={5} />
            </label>
            <label>
              Max <input inputMode="decimal" value={max} onChange={(e) => setMax(e.target.value)} size={5} />
            </label>
          </>
        )}
      </div>
      {kind === 'alerts' ? (
        <fieldset>
          <legend>Priorities (none: all)</legend>
          {PRIORITIES.map((p) => (
            <label key={p} className="check">
              <input
                type="checkbox"
                checked={priority.includes(p)}
                onChange={(e) =>
                  setPriority(e.target.checked ? [...priority, p] : priority.filter((x) => x !== p))
                }
              />{' '}
              {p}
            </label>
          ))}
        </fieldset>
      ) : (
        <SeriesPicker selected={series} onChange={setSeries} max={maxSeries} />
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit">Add widget</button>
    </form>
  );
}
