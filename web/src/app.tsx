/** The shell: session check, header and navigation, and the page for the current route. */
import { Component, Suspense, lazy, useEffect, useState, type ReactNode } from 'react';
import { Loading } from './components/states';
import { describeError } from './api/client';
import { AlertsPage } from './views/alerts';
import { AssetPage } from './views/asset';
import { Explorer } from './views/explorer';
import { Login } from './views/login';

// Pages beyond the first screens load on first visit, keeping the first page's JavaScript small.
const AlertDetailPage = lazy(() =>
  import('./views/alert-detail').then((m) => ({ default: m.AlertDetailPage })),
);
const DashboardsPage = lazy(() => import('./views/dashboards').then((m) => ({ default: m.DashboardsPage })));
const DashboardPage = lazy(() => import('./views/dashboards').then((m) => ({ default: m.DashboardPage })));
const RulesPage = lazy(() => import('./views/rules').then((m) => ({ default: m.RulesPage })));
const RuleEditorPage = lazy(() => import('./views/rules').then((m) => ({ default: m.RuleEditorPage })));
const ExportsPage = lazy(() => import('./views/exports-page').then((m) => ({ default: m.ExportsPage })));
const ConnectorsPage = lazy(() =>
  import('./views/connectors-page').then((m) => ({ default: m.ConnectorsPage })),
);
const DiagnosisPage = lazy(() =>
  import('./views/diagnosis-page').then((m) => ({ default: m.DiagnosisPage })),
);
const AccessPage = lazy(() => import('./views/access').then((m) => ({ default: m.AccessPage })));
const NotificationsPage = lazy(() =>
  import('./views/notifications').then((m) => ({ default: m.NotificationsPage })),
);
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

  const who = session.via === 'cookie' ? `${session.me.user.email} (${session.me.role})` : 'API token';
  const section = (pages: Route['page'][]) => (pages.includes(route.page) ? ('page' as const) : undefined);

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
          <Link href={paths.explorer()} aria-current={section(['explorer', 'asset'])}>
            Explorer
          </Link>
          <Link href={paths.dashboards()} aria-current={section(['dashboards', 'dashboard'])}>
            Dashboards
          </Link>
          <Link href={paths.alerts()} aria-current={section(['alerts', 'alert'])}>
            Alerts
          </Link>
          <Link href={paths.rules()} aria-current={section(['rules', 'rule'])}>
            Rules
          </Link>
          <Link href={paths.exports()} aria-current={section(['exports'])}>
            Exports
          </Link>
          <Link href={paths.diagnosis()} aria-current={section(['diagnosis'])}>
            Analytics
          </Link>
          <Link href={paths.connectors()} aria-current={section(['connectors'])}>
            Connectors
          </Link>
          <Link href={paths.notifications()} aria-current={section(['notifications'])}>
            My notifications
          </Link>
          {(session.via === 'token' || session.me.role === 'admin') && (
            <Link href={paths.access()} aria-current={section(['access'])}>
              Access
            </Link>
          )}
        </nav>
        {session.via === 'cookie' && <TenantSwitcher />}
        <span className="who muted">{who}</span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Boundary key={`${session.via === 'cookie' ? session.me.tenant : ''}|${JSON.stringify(route)}`}>
          <Suspense fallback={<Loading what="the page" />}>
            <Page route={route} />
          </Suspense>
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
    case 'alert':
      return <AlertDetailPage id={route.id} />;
    case 'dashboards':
      return <DashboardsPage />;
    case 'dashboard':
      return <DashboardPage id={route.id} />;
    case 'rules':
      return <RulesPage />;
    case 'rule':
      return <RuleEditorPage id={route.id} />;
    case 'notifications':
      return <NotificationsPage />;
    case 'exports':
      return <ExportsPage />;
    case 'access':
      return <AccessPage />;
    case 'connectors':
      return <ConnectorsPage />;
    case 'diagnosis':
      return <DiagnosisPage seriesId={route.series} />;
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
/** For people in several tenants (and platform admins): act in another one. */
function TenantSwitcher() {
  const { session, switchTenant } = useSession();
  const [error, setError] = useState<string | null>(null);
  if (session.state !== 'signed-in' || session.via !== 'cookie') return null;
  const { tenant, tenants } = session.me;
  if (tenants.length < 2) return <span className="tenant">{tenant}</span>;
  return (
    <label className="tenant">
      <span className="visually-hidden">Tenant</span>
      <select
        value={tenant}
        onChange={(e) => {
          setError(null);
          switchTenant(e.target.value).then(
            () => navigate(paths.explorer(), true),
            (err: unknown) => setError(describeError(err)),
          );
        }}
      >
        {tenants.map((t) => (
          <option key={t.tenant} value={t.tenant}>
            {t.tenant} ({t.role})
          </option>
        ))}
      </select>
      {error && (
        <span className="form-error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

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
