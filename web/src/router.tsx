/** A few routes on the History API (the server answers index.html for any non-API path). */
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route =
  | { page: 'explorer'; location?: string }
  | { page: 'asset'; location: string; asset: string }
  | { page: 'alerts' }
  | { page: 'alert'; id: number }
  | { page: 'dashboards' }
  | { page: 'dashboard'; id: number }
  | { page: 'rules' }
  | { page: 'rule'; id: string | null }
  | { page: 'notifications' }
  | { page: 'exports' }
  | { page: 'access' }
  | { page: 'connectors' }
  | { page: 'diagnosis'; series?: number }
  | { page: 'login' }
  | { page: 'not-found' };

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0)
    return { page: 'explorer', location: new URLSearchParams(search).get('location') ?? undefined };
  // Not /assets/...: that is where the build puts its hashed files.
  if (parts[0] === 'locations' && parts[2] === 'assets' && parts.length === 4)
    return { page: 'asset', location: parts[1]!, asset: parts[3]! };
  const id = (x: string | undefined) => (x && /^\d+$/.test(x) ? Number(x) : undefined);
  if (parts[0] === 'alerts' && parts.length === 1) return { page: 'alerts' };
  if (parts[0] === 'alerts' && parts.length === 2 && id(parts[1]))
    return { page: 'alert', id: id(parts[1])! };
  if (parts[0] === 'dashboards' && parts.length === 1) return { page: 'dashboards' };
  if (parts[0] === 'dashboards' && parts.length === 2 && id(parts[1]))
    return { page: 'dashboard', id: id(parts[1])! };
  if (parts[0] === 'rules' && parts.length === 1) return { page: 'rules' };
  if (parts[0] === 'rules' && parts.length === 2)
    return { page: 'rule', id: parts[1] === 'new' ? null : parts[1]! };
  if (parts[0] === 'me' && parts[1] === 'notifications' && parts.length === 2)
    return { page: 'notifications' };
  if (parts[0] === 'exports' && parts.length === 1) return { page: 'exports' };
  if (parts[0] === 'access' && parts.length === 1) return { page: 'access' };
  if (parts[0] === 'connectors' && parts.length === 1) return { page: 'connectors' };
  if (parts[0] === 'analytics' && parts.length === 1)
    return { page: 'diagnosis', series: id(new URLSearchParams(search).get('series') ?? undefined) };
  if (parts[0] === 'login' && parts.length === 1) return { page: 'login' };
  return { page: 'not-found' };
}

export const paths = {
  explorer: (location?: string) => (location ? `/?location=${encodeURIComponent(location)}` : '/'),
  asset: (location: string, asset: string) =>
    `/locations/${encodeURIComponent(location)}/assets/${encodeURIComponent(asset)}`,
  alerts: () => '/alerts',
  alert: (id: number) => `/alerts/${id}`,
  dashboards: () => '/dashboards',
  dashboard: (id: number) => `/dashboards/${id}`,
  rules: () => '/rules',
  rule: (id: string | null) => `/rules/${id === null ? 'new' : encodeURIComponent(id)}`,
  notifications: () => '/me/notifications',
  exports: () => '/exports',
  access: () => '/access',
  connectors: () => '/connectors',
  diagnosis: (series?: number) => (series ? `/analytics?series=${series}` : '/analytics'),
};

const EVENT = 'di:navigate';

export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

export function useRoute(): Route {
  const read = () => parseRoute(location.pathname, location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('popstate', on);
    window.addEventListener(EVENT, on);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener(EVENT, on);
    };
  }, []);
  return route;
}

/** A real link (open in new tab works) that navigates in place on a plain click. */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}
