/**
 * Live updates from GET /api/v1/live (Server-Sent Events, ADR 17): the latest values of the watched
 * series as they are stored, and a nudge when the tenant's alerts change. EventSource reconnects by
 * itself; with an API token (which EventSource cannot send) the views keep polling instead.
 */
import { useEffect, useRef, useState } from 'react';
import { queryString, tokenStore, type Query } from './api/client';

export interface LiveValue {
  seriesId: number;
  ts: number;
  value: number;
}

export type LiveState = 'off' | 'connecting' | 'live' | 'reconnecting';

export function useLive(
  query: Query | null,
  handlers: { onLatest?(values: LiveValue[]): void; onAlerts?(): void },
): LiveState {
  const [state, setState] = useState<LiveState>('off');
  const ref = useRef(handlers);
  ref.current = handlers;
  const key = query ? queryString(query) : null;

  useEffect(() => {
    if (key === null || tokenStore.get() || typeof EventSource === 'undefined') {
      setState('off');
      return;
    }
    setState('connecting');
    const source = new EventSource(`/api/v1/live${key}`, { withCredentials: true });
    source.addEventListener('hello', () => setState('live'));
    source.addEventListener('latest', (e) => {
      try {
        ref.current.onLatest?.(JSON.parse((e as MessageEvent<string>).data) as LiveValue[]);
      } catch {
        // A malformed event is skipped; the next one carries the current values again.
      }
    });
    source.addEventListener('alerts', () => ref.current.onAlerts?.());
    source.addEventListener('bye', () => {
      source.close();
      setState('off');
    });
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'off' : 'reconnecting');
    return () => source.close();
  }, [key]);

  return state;
}
