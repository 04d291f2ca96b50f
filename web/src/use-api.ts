/** Loading, data and error of one API read, with reload and optional polling that keeps the old data. */
import { useCallback, useEffect, useRef, useState } from 'react';

export type Loaded<T> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'ok'; data: T; error?: undefined; refreshing: boolean; refreshError?: unknown }
  | { status: 'error'; data?: undefined; error: unknown };

export function useApi<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  opts: { pollMs?: number } = {},
): Loaded<T> & { reload(): void } {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [nonce, setNonce] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // A reload (same deps) keeps what is on screen while it refreshes; new deps start from loading.
  const depsKey = JSON.stringify(deps);
  const shownFor = useRef<string | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sameDeps = shownFor.current === depsKey;
    let first = !sameDeps;
    const run = async () => {
      if (!first) setState((s) => (s.status === 'ok' ? { ...s, refreshing: true } : s));
      try {
        const data = await loadRef.current(ctl.signal);
        if (!ctl.signal.aborted) setState({ status: 'ok', data, refreshing: false });
      } catch (error) {
        if (ctl.signal.aborted) return;
        // A failed refresh keeps what is on screen and says so; a failed first load shows the error.
        setState((s) =>
          s.status === 'ok' && !first
            ? { ...s, refreshing: false, refreshError: error }
            : { status: 'error', error },
        );
      }
      first = false;
      if (opts.pollMs && !ctl.signal.aborted) timer = setTimeout(run, opts.pollMs);
    };
    setState((s) => (!sameDeps || s.status === 'error' ? { status: 'loading' } : s));
    shownFor.current = depsKey;
    void run();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [...deps, nonce, opts.pollMs]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}
