/**
 * The session cookie, read and written by hand (a dozen lines instead of a dependency): one name, a
 * token of base64url characters, fixed attributes.
 */
export const SESSION_COOKIE = 'di_session';

/** The value of one cookie of a Cookie header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0 || part.slice(0, i).trim() !== name) continue;
    const v = part.slice(i + 1).trim();
    return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  secure: boolean;
}

/** A Set-Cookie value: HttpOnly (no script reads it), SameSite=Lax, whole site, Secure over https. */
export function sessionCookie(value: string, o: CookieOptions): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`,
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}

export const clearedSessionCookie = (secure: boolean): string =>
  sessionCookie('', { maxAgeSeconds: 0, secure });
