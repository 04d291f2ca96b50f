/**
 * Locations, then the assets of one location with the latest value of each of their series and their
 * status: the highest priority of their firing alerts, and values that have stopped arriving.
 */
import { PRIORITIES, type Alert, type Asset, type Latest, type Location } from '../api/types';
import { Empty, ErrorBox, Loading, formatTime, formatValue } from '../components/states';
import { Link, navigate, paths } from '../router';
import { useLive } from '../live';
import { useSession } from '../session';
import { useApi } from '../use-api';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export function Explorer({ location }: { location?: string }) {
  const { api } = useSession();
  const locations = useApi((signal) => api.get<{ locations: Location[] }>('/locations', {}, { signal }), []);
  const selected = location ?? (locations.status === 'ok' ? locations.data.locations[0]?.slug : undefined);

  return (
    <div className="explorer">
      <nav className="locations" aria-labelledby="locations-title">
        <h2 id="locations-title">Locations</h2>
        {locations.status === 'loading' && <Loading what="locations" />}
        {locations.status === 'error' && <ErrorBox error={locations.error} retry={locations.reload} />}
        {locations.status === 'ok' &&
          (locations.data.locations.length === 0 ? (
            <Empty>
              <p>No locations yet. Send readings (MQTT or POST /api/v1/ingest) and they appear here.</p>
            </Empty>
          ) : (
            <ul>
              {locations.data.locations.map((l) => (
                <li key={l.slug}>
                  <button
                    type="button"
                    className="location"
                    aria-pressed={l.slug === selected}
                    onClick={() => navigate(paths.explorer(l.slug), true)}
                  >
                    <span>{l.name || l.slug}</span>
                    <span className="muted">{plural(l.assets, 'asset')}</span>
                  </button>
                </li>
              ))}
            </ul>
          ))}
      </nav>
      <section className="assets" aria-labelledby="assets-title">
        {selected ? <Assets location={selected} /> : locations.status === 'ok' && null}
      </section>
    </div>
  );
}

function Assets({ location }: { location: string }) {
  const { api } = useSession();
  const assets = useApi(
    async (signal) => {
      const [a, l, f] = await Promise.all([
        api.get<{ assets: Asset[] }>('/assets', { location }, { signal }),
        api.get<{ latest: Latest[] }>('/latest', { location }, { signal }),
        api.get<{ alerts: Alert[] }>('/alerts', { location, status: 'firing', limit: 1000 }, { signal }),
      ]);
      return { assets: a.assets, latest: l.latest, firing: f.alerts };
    },
    [location],
    { pollMs: 10_000 },
  );
  // Alert changes re-read the cards at once (values follow the 10 s poll).
  useLive({ alerts: 'true' }, { onAlerts: assets.reload });
  const now = Date.now();
  return (
    <>
      <h2 id="assets-title">Assets in {location}</h2>
      {assets.status === 'loading' && <Loading what="assets" />}
      {assets.status === 'error' && <ErrorBox error={assets.error} retry={assets.reload} />}
      {assets.status === 'ok' &&
        (assets.data.assets.length === 0 ? (
          <Empty>
            <p>No assets in {location} yet.</p>
          </Empty>
        ) : (
          <ul className="asset-grid">
            {assets.data.assets.map((a) => {
              const latest = assets.data.latest.filter((x) => x.asset === a.slug);
              const firing = assets.data.firing.filter((x) => x.asset === a.slug);
              const worst = PRIORITIES.find((p) => firing.some((x) => x.priority === p));
              const newest = Math.max(...latest.map((x) => x.ts ?? 0));
              // Silent for an hour: shown, so a dashboard never passes old values off as current.
              const silent = latest.length > 0 && now - newest > 3_600_000;
              return (
                <li key={a.slug} className={`card asset-card${worst ? ` alert-${worst}` : ''}`}>
                  <h3>
                    <Link href={paths.asset(location, a.slug)}>{a.name || a.slug}</Link>
                  </h3>
                  <p className="asset-status">
                    {worst ? (
                      <Link href={paths.alerts()} className={`badge badge-${worst}`}>
                        {firing.length} firing · {worst}
                      </Link>
                    ) : (
                      <span className="badge badge-resolved">OK</span>
                    )}
                    {silent && <span className="badge stale-badge">no data since {formatTime(newest)}</span>}
                  </p>
                  <p className="muted">
                    {a.assetType ?? 'asset'} · {plural(a.sensors, 'sensor')}
                  </p>
                  {latest.length === 0 ? (
                    <p className="muted">No readings yet.</p>
                  ) : (
                    <dl className="latest">
                      {latest.map((x) => (
                        <div key={x.seriesId} title={`${x.sensor}/${x.parameter} at ${formatTime(x.ts)}`}>
                          <dt>
                            {x.parameter} <span className="muted">({x.sensor})</span>
                          </dt>
                          <dd>{formatValue(x.value, x.unit)}</dd>
                        </div>
                      ))}
                    </dl>
                  )}
                </li>
              );
            })}
          </ul>
        ))}
      {assets.status === 'ok' && assets.refreshError !== undefined && (
        <p className="stale" role="status">
          Could not refresh; showing values from before.
        </p>
      )}
    </>
  );
}
