/** The shell: session check, header and navigation, and the page for the current route. */
import { Component, useEffect, type ReactNode } from 'react';
import { Loading } from './components/states';
import { AlertsPage } from './views/alerts';
import { AssetPage } from './views/asset';
import { Explorer } from './views/explorer';
import { Login } from './views/login';
import { Link, navigate, paths, useRoute, type Route } from './router';
import { useSession } from './session';

export function App() {
  const { session, signOut, recheck } = useSession();
  const route = useRoute();
  const signedIn = session.state === 'signed-in';
  useEffect(() => {
    if (signedIn && route.page === 'login') navigate(paths.explorer(), true);
  }, [signedIn, route.page]);

  if (session.state === 'checking')
    return (
      <main className="center" id="main">
        <Loading what="DataInsight" />
      </main>
    );
  if (session.state === 'error')
    return (
      <main className="center" id="main">
        <div className="state state-error" role="alert">
          <p>
            <strong>DataInsight cannot be reached.</strong> {session.message}
          </p>
          <button type="button" onClick={recheck}>
            Try again
          </button>
        </div>
      </main>
    );
  if (session.state === 'signed-out') return <Login notice={session.notice} />;

  const who =
    session.via === 'cookie'
      ? `${session.me.user.email} · ${session.me.tenant} (${session.me.role})`
      : 'API token';

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          DataInsight
        </Link>
        <nav aria-label="Main">
          <Link
            href={paths.explorer()}
            aria-current={route.page === 'explorer' || route.page === 'asset' ? 'page' : undefined}
          >
            Explorer
          </Link>
          <Link href={paths.alerts()} aria-current={route.page === 'alerts' ? 'page' : undefined}>
            Alerts
          </Link>
        </nav>
        <span className="who muted">{who}</span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Boundary key={JSON.stringify(route)}>
          <Page route={route} />
        </Boundary>
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'login':
    case 'explorer':
      return <Explorer location={route.page === 'explorer' ? route.location : undefined} />;
    case 'asset':
      return <AssetPage location={route.location} asset={route.asset} />;
    case 'alerts':
      return <AlertsPage />;
    default:
      return (
        <div className="state state-empty">
          <p>
            No such page. <Link href="/">Go to the explorer</Link>
          </p>
        </div>
      );
  }
}

/** A bug in one page shows a message, never a blank screen. */
class Boundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state = { error: null as unknown };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <div className="state state-error" role="alert">
        <p>
          <strong>This page failed.</strong> {String(this.state.error)}
        </p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
