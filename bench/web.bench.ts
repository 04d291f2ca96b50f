/**
 * The web app's weight and first load:
 * - gzip size of the JavaScript the first page loads (entry + preloaded chunks), and of the Highcharts
 *   chunk that is loaded lazily with the first chart;
 * - time to first chart: a cold browser (cache disabled) opening an asset page of a tenant with 1,000
 *   sensors on a local embedded server, until Highcharts has drawn the series; beside it, the same
 *   API reads made from Node (what any client must wait for), as the engine's figure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createApiToken, createTenant } from '../src/iam/tenants.js';
import { silentLogger } from '../src/platform/logger.js';
import { startPlatform } from '../src/runtime/start.js';
import { ROOT, ensureWebBuild, hasChromium, launchBrowser } from '../test/support/browser.js';
import { embeddedBenchConfig, latencies, percentile, waitFor } from './support.js';
import type { BenchRow, BenchSuite } from './table.js';

const LOCATIONS = 10;
const ASSETS = 10;
const SENSORS = 10;
const READINGS_PER_SENSOR = 120;

export const webBench: BenchSuite = async (ctx) => {
  ctx.progress('building the web app');
  ensureWebBuild();
  const dist = join(ROOT, 'dist', 'web');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length / 1024;
  const initialKb = initial.reduce((n, f) => n + gz(f), 0);
  const charts = readdirSync(join(dist, 'assets')).find((f) => /^highcharts-.*\.js$/.test(f));
  const rows: BenchRow[] = [
    {
      suite: 'web',
      metric: `first page JavaScript, gzip (${initial.length} files)`,
      unit: 'kB',
      ours: initialKb,
      target: '<= 150 kB',
      met: initialKb <= 150,
    },
  ];
  if (charts)
    rows.push({
      suite: 'web',
      metric: 'Highcharts chunk, gzip (loaded with the first chart)',
      unit: 'kB',
      ours: gz(join('assets', charts)),
    });
  if (!hasChromium) {
    rows.push({
      suite: 'web',
      metric: 'time to first chart',
      unit: 'ms',
      ours: Number.NaN,
      note: 'no /usr/bin/chromium',
    });
    return rows;
  }

  const config = await embeddedBenchConfig();
  const platform = await startPlatform(config, { logger: silentLogger(), roles: ['storage', 'api'] });
  const { close, browser } = await launchBrowser();
  try {
    const url = `http://127.0.0.1:${platform.ports.http}`;
    const db = platform.runtime.db;
    const tenant = await createTenant(db, 'bench-web');
    const token = await createApiToken(db, tenant.id, 'bench', ['ingest', 'read']);
    const now = Date.now();
    const sensors = LOCATIONS * ASSETS * SENSORS;
    ctx.progress(`seeding ${sensors.toLocaleString()} sensors x ${READINGS_PER_SENSOR} readings`);
    for (let l = 0; l < LOCATIONS; l++) {
      const readings = [];
      for (let a = 0; a < ASSETS; a++)
        for (let s = 0; s < SENSORS; s++)
          for (let i = 0; i < READINGS_PER_SENSOR; i++)
            readings.push({
              location: `site-${l}`,
              asset: `ahu-${a}`,
              sensor: `s${s}`,
              ts: now - (READINGS_PER_SENSOR - i) * 60_000,
              values: { temperature: 20 + Math.sin(i / 10 + s) * 3 },
            });
      const r = await fetch(`${url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ readings }),
      });
      if (r.status !== 202) throw new Error(`seeding failed: ${r.status} ${await r.text()}`);
    }
    await waitFor(async () => {
      const c = await db.query<{ n: number }>('select count(*)::int as n from latest');
      return c.rows[0]!.n >= sensors;
    }, 120_000);

    const location = 'site-4';
    const asset = 'ahu-7';
    const apiReads = async () => {
      const h = { authorization: `Bearer ${token}` };
      const latest = (await (
        await fetch(`${url}/api/v1/latest?location=${location}&asset=${asset}`, { headers: h })
      ).json()) as {
        latest: { seriesId: number }[];
      };
      const ids = latest.latest
        .slice(0, 8)
        .map((s) => `series=${s.seriesId}`)
        .join('&');
      const r = await fetch(`${url}/api/v1/series?${ids}&from=now-24h&to=now&points=1400`, { headers: h });
      await r.json();
    };
    const runs = Math.max(3, Math.round(10 * ctx.scale));
    ctx.progress(`time to first chart: ${runs} cold loads`);
    const times: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const page = await browser.newPage();
      await page.setViewportSize({ width: 1440, height: 900 });
      const cdp = await browser.newCDPSession(page);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await page.addInitScript({ content: `sessionStorage.setItem('di_token', ${JSON.stringify(token)})` });
      const t0 = performance.now();
      await page.goto(`${url}/locations/${location}/assets/${asset}`);
      await page.locator('.highcharts-series path').first().waitFor({ timeout: 30_000 });
      // The first load warms the server's code paths; it is not counted.
      if (i > 0) times.push(performance.now() - t0);
      await page.close();
    }
    times.sort((a, b) => a - b);
    const raw = await latencies(apiReads, runs * 3, 3);
    rows.push({
      suite: 'web',
      metric: `time to first chart, cold cache, ${sensors.toLocaleString()}-sensor tenant, p50 (vs the API reads from Node)`,
      unit: 'ms',
      ours: percentile(times, 50),
      raw: percentile(raw, 50),
      target: '<= 1,000 ms',
      met: percentile(times, 50) <= 1000,
    });
    rows.push({
      suite: 'web',
      metric: 'time to first chart, cold cache, max',
      unit: 'ms',
      ours: times[times.length - 1]!,
      raw: raw[raw.length - 1]!,
    });
  } finally {
    await close();
    await platform.close();
  }
  return rows;
};
