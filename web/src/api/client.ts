/**
 * The one way the app talks to the API. Two kinds of credentials work side by side: the session
 * cookie (`di_session`, HttpOnly, sent by the browser because requests are same-origin) and an API
 * token pasted on the login screen (kept in sessionStorage, sent as `Authorization: Bearer`).
 */

export type Query = Record<string, string | number | boolean | undefined | (string | number)[]>;

/** An API refusal or a network failure, with the API's error code and a message fit to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'di_token';

export const tokenStore = {
  get: (): string | null => {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === '') continue;
    for (const x of Array.isArray(v) ? v : [v]) p.append(k, String(x));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export interface ApiClientOptions {
  /** Prefix of every path; '/api/v1' by default. */
  base?: string;
  /** The pasted token, if any; read on every call so a sign-in takes effect at once. */
  token?: () => string | null;
  /** Called on a 401 from any call but the sign-in ones, so the app can ask for credentials again. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export class ApiClient {
  private readonly base: string;
  constructor(private readonly opts: ApiClientOptions = {}) {
    this.base = opts.base ?? '/api/v1';
  }

  get<T>(path: string, query?: Query, init?: { token?: string; signal?: AbortSignal }): Promise<T> {
    return this.request<T>('GET', path + queryString(query), undefined, init);
  }

  post<T>(path: string, body?: unknown, init?: { signal?: AbortSignal }): Promise<T> {
    return this.request<T>('POST', path, body ?? {}, init);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete(path: string): Promise<unknown> {
    return this.request<unknown>('DELETE', path, undefined);
  }

  private async request<T>(
    method: string,
    path: string,
    body: unknown,
    init: { token?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const token = init.token ?? this.opts.token?.() ?? null;
    // X-Requested-With: the server's CSRF check for writes made with the session cookie.
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-requested-with': 'datainsight-web',
    };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        signal: init.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK', 'Cannot reach the DataInsight server. Check your connection.');
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const b = (json ?? {}) as { code?: string; message?: string; field?: string };
      if (res.status === 401 && !path.startsWith('/auth/') && init.token === undefined)
        this.opts.onUnauthorized?.();
      throw new ApiError(res.status, b.code ?? `HTTP_${res.status}`, b.message ?? res.statusText, b.field);
    }
    if (json === undefined && text)
      throw new ApiError(res.status, 'BAD_RESPONSE', 'The server answered no JSON.');
    return json as T;
  }
}

/** A sentence for people: the API's message, prefixed by what the status means. */
export function describeError(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  switch (e.status) {
    case 0:
      return e.message;
    case 401:
      return `Not signed in: ${e.message}`;
    case 403:
      return `Not allowed: ${e.message}`;
    case 404:
      return `Not found: ${e.message}`;
    case 409:
      return `Conflict: ${e.message}`;
    default:
      return e.status >= 500 ? `The server failed (${e.status}): ${e.message}` : e.message;
  }
}
