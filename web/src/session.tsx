/**
 * Who is signed in, and how: a session cookie (email and password, then GET /auth/me) or a pasted API
 * token. Both go through the one ApiClient; a 401 anywhere sends the person back to the login screen.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, ApiError, tokenStore } from './api/client';
import type { Me } from './api/types';

export type Session =
  | { state: 'checking' }
  | { state: 'signed-out'; notice?: string }
  | { state: 'error'; message: string }
  | { state: 'signed-in'; via: 'token' }
  | { state: 'signed-in'; via: 'cookie'; me: Me };

interface SessionApi {
  session: Session;
  api: ApiClient;
  signInWithToken(token: string): Promise<void>;
  signInWithPassword(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Act in another of the person's tenants (this session). */
  switchTenant(tenant: string): Promise<void>;
  recheck(): void;
}

const Ctx = createContext<SessionApi | null>(null);

export function useSession(): SessionApi {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const api = useMemo(
    () =>
      new ApiClient({
        token: tokenStore.get,
        onUnauthorized: () => {
          tokenStore.clear();
          setSession({ state: 'signed-out', notice: 'Your session ended. Please sign in again.' });
        },
      }),
    [],
  );

  const check = useCallback(async () => {
    if (tokenStore.get()) return setSession({ state: 'signed-in', via: 'token' });
    try {
      const me = await api.get<Me>('/auth/me');
      setSession({ state: 'signed-in', via: 'cookie', me });
    } catch (e) {
      // 401: no session; 404: this server has no password sign-in yet. Both mean "show the login".
      if (e instanceof ApiError && e.status > 0 && e.status < 500) setSession({ state: 'signed-out' });
      else setSession({ state: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }, [api]);

  useEffect(() => {
    void check();
  }, [check]);

  const value = useMemo<SessionApi>(
    () => ({
      session,
      api,
      recheck: () => {
        setSession({ state: 'checking' });
        void check();
      },
      async signInWithToken(token) {
        // Proves the token (and its read scope) before keeping it.
        await api.get('/locations', undefined, { token });
        tokenStore.set(token);
        setSession({ state: 'signed-in', via: 'token' });
      },
      async signInWithPassword(email, password) {
        try {
          await api.post('/auth/login', { email, password });
        } catch (e) {
          if (e instanceof ApiError && e.status === 404)
            throw new ApiError(404, e.code, 'This server has no password sign-in yet; use an API token.');
          throw e;
        }
        tokenStore.clear();
        const me = await api.get<Me>('/auth/me');
        setSession({ state: 'signed-in', via: 'cookie', me });
      },
      async switchTenant(tenant) {
        const me = await api.post<Me>('/auth/tenant', { tenant });
        setSession({ state: 'signed-in', via: 'cookie', me });
      },
      async signOut() {
        const wasCookie = session.state === 'signed-in' && session.via === 'cookie';
        tokenStore.clear();
        if (wasCookie) await api.post('/auth/logout').catch(() => undefined);
        setSession({ state: 'signed-out' });
      },
    }),
    [session, api, check],
  );

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
