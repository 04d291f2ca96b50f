/**
 * Alert rules: the list, and an editor with the API's validation messages beside the fields and a
 * dry-run preview (what the rule would have fired on the last hours' readings) before saving.
 */
import { useEffect, useState } from 'react';
import { ApiError, describeError } from '../api/client';
import { PRIORITIES, type Priority } from '../api/types';
import { Empty, ErrorBox, Loading, formatTime, formatValue } from '../components/states';
import { Link, navigate, paths } from '../router';
import { useSession } from '../session';
import { useApi } from '../use-api';
import { Field } from '../components/field';

type Condition =
  | { type: 'threshold'; parameter: string; op: string; value: number }
  | { type: 'band'; parameter: string; mode: 'outside' | 'inside'; low: number; high: number }
  | { type: 'rate'; parameter: string; windowMs: number; op: string; value: number; abs?: boolean }
  | { type: 'noData'; parameter: string; afterMs: number }
  | { type: 'stateMismatch' | 'expression'; [k: string]: unknown };

interface Rule {
  id: string;
  name: string;
  title: string;
  action: string;
  priority: Priority;
  scope: { locations?: string[]; assets?: string[]; [k: string]: unknown };
  condition: Condition;
  forMs: number;
  enabled: boolean;
  version?: number;
  [k: string]: unknown;
}

const OPS = ['>', '>=', '<', '<=', '=', '!='];
const READ_ONLY = ['tenant', 'version', 'createdAt', 'updatedAt'];

const blank = (): Rule => ({
  id: '',
  name: '',
  title: '{{asset}}: {{parameter}} at {{value}} {{unit}}',
  action: '',
  priority: 'high',
  scope: {},
  condition: { type: 'threshold', parameter: '', op: '>', value: 0 },
  forMs: 0,
  enabled: true,
});

export function RulesPage() {
  const { api } = useSession();
  const rules = useApi((signal) => api.get<{ rules: Rule[] }>('/rules', { limit: 500 }, { signal }), []);
  return (
    <div className="rules-page">
      <div className="page-head">
        <h2>Alert rules</h2>
        <Link href={paths.rule(null)} className="button">
          New rule
        </Link>
      </div>
      {rules.status === 'loading' && <Loading what="rules" />}
      {rules.status === 'error' && <ErrorBox error={rules.error} retry={rules.reload} />}
      {rules.status === 'ok' &&
        (rules.data.rules.length === 0 ? (
          <Empty>
            <p>
              No rules yet. A rule watches readings and raises alerts, e.g. “cold room above 8 °C for 5
              minutes”.
            </p>
          </Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Condition</th>
                  <th scope="col">Scope</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {rules.data.rules.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link href={paths.rule(r.id)}>{r.name}</Link>
                      <div className="muted">{r.id}</div>
                    </td>
                    <td>
                      <span className={`badge badge-${r.priority}`}>{r.priority}</span>
                    </td>
                    <td>{describeCondition(r.condition)}</td>
                    <td>{describeScope(r.scope)}</td>
                    <td>{r.enabled ? 'on' : 'off'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </div>
  );
}

export function describeCondition(c: Condition): string {
  switch (c.type) {
    case 'threshold':
      return `${c.parameter} ${c.op} ${c.value}`;
    case 'band':
      return `${c.parameter} ${c.mode} [${c.low}, ${c.high}]`;
    case 'rate':
      return `change of ${c.parameter} over ${c.windowMs / 60_000} min ${c.op} ${c.value}`;
    case 'noData':
      return `no ${c.parameter} for ${c.afterMs / 60_000} min`;
    default:
      return c.type;
  }
}

const describeScope = (s: Rule['scope']) =>
  [...(s.locations ?? []), ...(s.assets ?? [])].join(', ') ||
  (Object.keys(s).length ? 'custom' : 'whole tenant');

interface DryRun {
  events: {
    location: string;
    asset: string;
    sensor: string;
    kind: 'firing' | 'resolved';
    ts: number;
    value: number | null;
  }[];
  seriesScanned: number;
  readingsScanned: number;
  truncated: boolean;
}

export function RuleEditorPage({ id }: { id: string | null }) {
  const { api } = useSession();
  const existing = useApi(
    (signal) =>
      id
        ? api.get<Rule>(`/rules/${encodeURIComponent(id)}`, undefined, { signal })
        : Promise.resolve(blank()),
    [id],
  );
  const [draft, setDraft] = useState<Rule | null>(null);
  useEffect(() => {
    if (existing.status === 'ok') setDraft(existing.data);
  }, [existing.status, existing.data]);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [saving, setSaving] = useState(false);
  const [preview, setPreview] = useState<{ busy: boolean; result?: DryRun; error?: unknown }>({
    busy: false,
  });
  const [hours, setHours] = useState(24);
  const [json, setJson] = useState<string | null>(null);

  if (existing.status === 'loading' || (existing.status === 'ok' && !draft))
    return <Loading what="the rule" />;
  if (existing.status === 'error') return <ErrorBox error={existing.error} retry={existing.reload} />;
  const r = draft!;
  const set = (patch: Partial<Rule>) => setDraft({ ...r, ...patch });
  const setCond = (patch: Record<string, unknown>) =>
    set({ condition: { ...r.condition, ...patch } as Condition });
  const fieldError = (field: string) =>
    error instanceof ApiError && error.field && (error.field === field || error.field.startsWith(`${field}.`))
      ? error.message
      : undefined;
  const body = () => {
    const b: Record<string, unknown> = { ...r };
    for (const k of READ_ONLY) delete b[k];
    return b;
  };

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const saved = id
        ? await api.put<Rule>(`/rules/${encodeURIComponent(id)}`, { ...body(), version: r.version })
        : await api.post<Rule>('/rules', body());
      setDraft(saved);
      if (!id) navigate(paths.rule(saved.id), true);
    } catch (e) {
      setError(e as Error);
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (!id || !confirm(`Delete rule ${id}? Its alerts stay in the history.`)) return;
    try {
      await api.delete(`/rules/${encodeURIComponent(id)}`);
      navigate(paths.rules());
    } catch (e) {
      setError(e as Error);
    }
  };
  const dryRun = async () => {
    setPreview({ busy: true });
    try {
      const { id: _id, ...rule } = body();
      setPreview({ busy: false, result: await api.post<DryRun>('/rules/dry-run', { rule, hours }) });
    } catch (e) {
      setPreview({ busy: false, error: e });
    }
  };

  const c = r.condition;
  const list = (v: string) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const formCondition = ['threshold', 'band', 'rate', 'noData'].includes(c.type);

  return (
    <div className="rule-editor">
      <p className="breadcrumb">
        <Link href={paths.rules()}>Rules</Link> / <span>{id ?? 'new'}</span>
      </p>
      <h2>{id ? `Edit rule ${id}` : 'New rule'}</h2>
      <form
        className="card form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
        aria-label="Rule"
      >
        {error && (
          <div className="state state-error" role="alert">
            <strong>Not saved.</strong> {describeError(error)}
          </div>
        )}
        <Field label="Id" error={fieldError('id')} hint="letters, digits, - _ . ; fixed once created">
          <input value={r.id} onChange={(e) => set({ id: e.target.value })} disabled={id !== null} required />
        </Field>
        <Field label="Name" error={fieldError('name')}>
          <input value={r.name} onChange={(e) => set({ name: e.target.value })} required />
        </Field>
        <Field label="Priority" error={fieldError('priority')}>
          <select value={r.priority} onChange={(e) => set({ priority: e.target.value as Priority })}>
            {PRIORITIES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </Field>
        <Field
          label="Alert title"
          error={fieldError('title')}
          hint="{{asset}}, {{location}}, {{value}}, {{unit}}…"
        >
          <input value={r.title} onChange={(e) => set({ title: e.target.value })} required />
        </Field>
        <Field label="Suggested action" error={fieldError('action')}>
          <textarea value={r.action} onChange={(e) => set({ action: e.target.value })} rows={2} />
        </Field>
        <Field label="Locations" error={fieldError('scope.locations')} hint="comma-separated; empty: all">
          <input
            value={(r.scope.locations ?? []).join(', ')}
            onChange={(e) => {
              const v = list(e.target.value);
              const { locations: _, ...rest } = r.scope;
              set({ scope: v.length ? { ...rest, locations: v } : rest });
            }}
          />
        </Field>
        <Field
          label="Assets"
          error={fieldError('scope.assets')}
          hint="location/asset, comma-separated; empty: all"
        >
          <input
            value={(r.scope.assets ?? []).join(', ')}
            onChange={(e) => {
              const v = list(e.target.value);
              const { assets: _, ...rest } = r.scope;
              set({ scope: v.length ? { ...rest, assets: v } : rest });
            }}
          />
        </Field>
        <Field label="Condition" error={fieldError('condition.type')}>
          <select
            value={c.type}
            onChange={(e) => {
              const type = e.target.value;
              const parameter = 'parameter' in c ? (c.parameter as string) : '';
              const next: Record<string, Condition> = {
                threshold: { type: 'threshold', parameter, op: '>', value: 0 },
                band: { type: 'band', parameter, mode: 'outside', low: 0, high: 10 },
                rate: { type: 'rate', parameter, windowMs: 600_000, op: '>', value: 1 },
                noData: { type: 'noData', parameter, afterMs: 900_000 },
              };
              set({ condition: next[type] ?? c });
            }}
          >
            <option value="threshold">threshold</option>
            <option value="band">band</option>
            <option value="rate">rate of change</option>
            <option value="noData">no data</option>
            {!formCondition && <option value={c.type}>{c.type} (edit as JSON)</option>}
          </select>
        </Field>
        {formCondition && (
          <Field
            label="Parameter"
            error={fieldError('condition.parameter')}
            hint="e.g. temperature, supply_temp"
          >
            <input
              value={String((c as { parameter: string }).parameter)}
              onChange={(e) => setCond({ parameter: e.target.value })}
              required
            />
          </Field>
        )}
        {(c.type === 'threshold' || c.type === 'rate') && (
          <>
            <Field label="Operator" error={fieldError('condition.op')}>
              <select value={c.op} onChange={(e) => setCond({ op: e.target.value })}>
                {OPS.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            </Field>
            <Field label={c.type === 'rate' ? 'Change' : 'Value'} error={fieldError('condition.value')}>
              <NumberInput value={c.value} onChange={(value) => setCond({ value })} />
            </Field>
          </>
        )}
        {c.type === 'rate' && (
          <Field label="Over (minutes)" error={fieldError('condition.windowMs')}>
            <NumberInput
              value={c.windowMs / 60_000}
              onChange={(v) => setCond({ windowMs: Math.round(v * 60_000) })}
            />
          </Field>
        )}
        {c.type === 'band' && (
          <>
            <Field label="Fires when" error={fieldError('condition.mode')}>
              <select value={c.mode} onChange={(e) => setCond({ mode: e.target.value })}>
                <option value="outside">outside the band</option>
                <option value="inside">inside the band</option>
              </select>
            </Field>
            <Field label="Low" error={fieldError('condition.low')}>
              <NumberInput value={c.low} onChange={(low) => setCond({ low })} />
            </Field>
            <Field label="High" error={fieldError('condition.high')}>
              <NumberInput value={c.high} onChange={(high) => setCond({ high })} />
            </Field>
          </>
        )}
        {c.type === 'noData' && (
          <Field label="After (minutes)" error={fieldError('condition.afterMs')}>
            <NumberInput
              value={c.afterMs / 60_000}
              onChange={(v) => setCond({ afterMs: Math.round(v * 60_000) })}
            />
          </Field>
        )}
        <Field
          label="For (minutes)"
          error={fieldError('forMs')}
          hint="how long the condition must hold before it fires"
        >
          <NumberInput value={r.forMs / 60_000} onChange={(v) => set({ forMs: Math.round(v * 60_000) })} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={r.enabled} onChange={(e) => set({ enabled: e.target.checked })} />{' '}
          Enabled
        </label>
        <details
          className="json-edit"
          onToggle={(e) =>
            setJson((e.target as HTMLDetailsElement).open ? JSON.stringify(body(), null, 2) : null)
          }
        >
          <summary>Edit as JSON (every option: clear, renotify, flapping, labels, other conditions)</summary>
          {json !== null && (
            <>
              <textarea
                aria-label="Rule as JSON"
                rows={14}
                value={json}
                onChange={(e) => setJson(e.target.value)}
              />
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  try {
                    setDraft({ ...(JSON.parse(json) as Rule), version: r.version });
                    setError(null);
                  } catch (e) {
                    setError(new Error(`The JSON does not parse: ${(e as Error).message}`));
                  }
                }}
              >
                Apply JSON
              </button>
            </>
          )}
        </details>
        <div className="actions">
          <button type="submit" disabled={saving}>
            {saving ? 'Saving…' : id ? 'Save' : 'Create rule'}
          </button>
          {id && (
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
          )}
        </div>
      </form>

      <section className="card" aria-labelledby="preview-title">
        <h3 id="preview-title">Preview on past readings</h3>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void dryRun();
          }}
        >
          <label>
            Last{' '}
            <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
              {[1, 6, 24, 72, 168].map((h) => (
                <option key={h} value={h}>
                  {h} h
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="secondary" disabled={preview.busy}>
            {preview.busy ? 'Replaying…' : 'Dry run'}
          </button>
        </form>
        {preview.error !== undefined && <ErrorBox error={preview.error} title="The dry run failed." />}
        {preview.result && <DryRunResult result={preview.result} />}
      </section>
    </div>
  );
}

function DryRunResult({ result }: { result: DryRun }) {
  const fired = result.events.filter((e) => e.kind === 'firing').length;
  return (
    <div className="dry-run" role="status">
      <p>
        <strong>
          Would have fired {fired} time{fired === 1 ? '' : 's'}
        </strong>{' '}
        ({result.events.length - fired} resolved) on {result.readingsScanned.toLocaleString()} readings of{' '}
        {result.seriesScanned} series{result.truncated ? ' (stopped at the reading cap)' : ''}.
      </p>
      {result.events.length > 0 && (
        <ul className="timeline">
          {result.events.slice(0, 50).map((e, i) => (
            <li key={i}>
              <span className={`badge badge-${e.kind}`}>{e.kind}</span> {formatTime(e.ts)} · {e.location}/
              {e.asset}/{e.sensor} = {formatValue(e.value)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A number field that lets people type "-" or "1." on the way to a number. */
function NumberInput({ value, onChange }: { value: number; onChange(v: number): void }) {
  const [text, setText] = useState(String(value));
  useEffect(() => {
    if (Number(text) !== value) setText(String(value));
    // Only an outside change of the value rewrites the text being typed.
  }, [value]);
  return (
    <input
      inputMode="decimal"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const n = Number(e.target.value);
        if (e.target.value.trim() !== '' && Number.isFinite(n)) onChange(n);
      }}
    />
  );
}
