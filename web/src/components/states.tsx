/** Loading, empty and error states, the same on every view. */
import type { ReactNode } from 'react';
import { describeError } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorBox({ error, retry, title }: { error: unknown; retry?: () => void; title?: string }) {
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>{title ?? 'Something went wrong.'}</strong> {describeError(error)}
      </p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export const formatTime = (ts: number | null | undefined) =>
  ts == null ? '—' : new Date(ts).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export const formatValue = (v: number | null | undefined, unit?: string) =>
  v == null
    ? '—'
    : `${Number.isInteger(v) ? v : v.toPrecision(4).replace(/\.?0+$/, '')}${unit ? ` ${unit}` : ''}`;
