/**
 * The web app in a real browser (Debian's chromium driven by playwright-core) against a real api role:
 * sign in with a token, explore, chart an asset, change the range, list and acknowledge alerts, at a
 * desktop and a phone size. Screenshots go to test-results/screenshots/ (UPDATE_SCREENSHOT=1 also
 * copies the desktop chart to docs/screenshot.png for the README).
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertLog } from '../../src/alerting/engine/alert-log.js';
import { toTransition, type AlertSubject } from '../../src/alerting/engine/transition.js';
import { createApiToken } from '../../src/iam/tenants.js';
import { ROOT, SHOTS, ensureWebBuild, hasChromium, launchBrowser } from '../support/browser.js';
import { seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';

describe.skipIf(!hasChromium)('web app in a browser', () => {
  let p: TestPlatform;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let tenant: Awaited<ReturnType<typeof seedTenant>>;
  let ops: string;

  const post = async (token: string, path: string, body: unknown) => {
    const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status, `${path}: ${await r.clone().text()}`).toBeLessThan(300);
    return r.json();
  };

  /** A firing alert, as the evaluator would have stored it. */
  const fire = async (asset: string, firedAt: number) => {
    const subject: AlertSubject = {
      tenantId: tenant.tenantId,
      tenant: tenant.tenant,
      ruleId: 'hot',
      priority: 'high',
      fingerprint: `${tenant.tenant}/hot/plant/${asset}/ch1`,
      location: 'plant',
      asset,
      sensor: 'ch1',
      parameter: 'supply_temp',
    };
    const state = {
      status: 'firing' as const,
      since: firedAt,
      activeSince: firedAt,
      firedAt,
      watermark: firedAt,
      lastSeenTs: firedAt,
      lastValue: 12,
      notifiedAt: firedAt,
      changes: [],
    };
    const log = new AlertLog();
    await log.saveState(p.db, subject, state, undefined, firedAt);
    const text = { title: `Supply temperature high on ${asset}`, action: 'Check the chiller valve.' };
    await log.record(p.db, [
      toTransition(subject, { kind: 'firing', ts: firedAt, value: 12, activeSince: firedAt }, text)!,
    ]);
  };

  beforeAll(async () => {
    ensureWebBuild();
    p = await startTestPlatform('embedded', { roles: ['storage', 'api'] });
    tenant = await seedTenant(p.db);
    ops = await createApiToken(p.db, tenant.tenantId, 'ops', ['read', 'operate']);
    const admin = await createApiToken(p.db, tenant.tenantId, 'admin', ['admin']);

    const now = Date.now();
    const readings = [];
    for (let i = 180; i >= 0; i--) {
      const ts = now - i * 60_000;
      const wave = Math.sin(i / 15);
      readings.push(
        {
          location: 'plant',
          asset: 'chiller-1',
          sensor: 'ch1',
          ts,
          values: { supply_temp: 7 + wave, power_kw: 40 + 5 * wave },
        },
        { location: 'plant', asset: 'ahu-1', sensor: 'a1', ts, values: { air_temp: 21 + wave / 2 } },
        { location: 'office', asset: 'meter-1', sensor: 'm1', ts, values: { energy_kwh: 1000 + 180 - i } },
      );
    }
    await post(tenant.token, '/ingest', { readings });
    // Stored once the storage role has consumed them.
    for (let t = 0; ; t++) {
      const r = await fetch(`${p.httpUrl}/api/v1/latest?location=plant`, {
        headers: { authorization: `Bearer ${tenant.token}` },
      });
      const { latest } = (await r.json()) as { latest: { value: number | null }[] };
      if (latest.length === 3 && latest.every((x) => x.value !== null)) break;
      if (t > 100) throw new Error('readings were not stored in 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await post(admin, '/rules', {
      id: 'hot',
      name: 'Supply too warm',
      title: 'Supply temperature high on {{asset}}',
      priority: 'high',
      condition: { type: 'threshold', parameter: 'supply_temp', op: '>', value: 10 },
    });
    await fire('chiller-1', now - 10 * 60_000);
    await fire('ahu-1', now - 5 * 60_000);

    ({ browser, close: closeBrowser } = await launchBrowser());
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
    await p?.destroy();
  });

  it('serves the app with SPA fallback and cache headers, and keeps API 404s as JSON', async () => {
    const deep = await fetch(`${p.httpUrl}/locations/plant/assets/chiller-1`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    const html = await deep.text();
    expect(html).toContain('<div id="root">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(p.httpUrl + script);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${p.httpUrl}/assets/missing-123.js`)).status).toBe(404);
    const escape = await fetch(`${p.httpUrl}/x/..%2f..%2f..%2fpackage.json`);
    expect(escape.headers.get('content-type')).toMatch(/html/);
    const api404 = await fetch(`${p.httpUrl}/api/v1/nope`);
    expect(api404.status).toBe(404);
    expect(await api404.json()).toMatchObject({ code: 'DI_NOT_FOUND' });
    expect((await fetch(`${p.httpUrl}/healthz`)).status).toBe(200);
  });

  const signIn = async (page: Page, token: string) => {
    await page.goto(p.httpUrl + '/');
    await page.getByLabel('API token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Continue with token' }).click();
    await page.getByRole('heading', { name: 'Locations' }).waitFor();
  };

  const openChart = async (page: Page) => {
    await page.getByRole('button', { name: /^plant/ }).click();
    await page.getByRole('link', { name: 'chiller-1' }).click();
    await page
      .locator('.highcharts-series path')
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(async (e) => {
        await page.screenshot({ path: join(SHOTS, 'failure-chart.png') });
        throw e;
      });
    await expect.poll(() => page.locator('.highcharts-series path').count()).toBeGreaterThan(1);
    await page.getByText(/\d+ points · tier/).waitFor();
  };

  const switchTo10y = async (page: Page) => {
    const asked = page.waitForResponse(
      (r) => r.url().includes('/api/v1/series') && r.url().includes('now-10y'),
    );
    await page.getByRole('button', { name: '10 y' }).click();
    expect((await asked).status()).toBe(200);
    expect(await page.getByRole('button', { name: '10 y' }).getAttribute('aria-pressed')).toBe('true');
  };

  it('desktop 1440x900: token sign-in, explorer, chart, 10 y range, alerts and acknowledge', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.setViewportSize({ width: 1440, height: 900 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(p.httpUrl + '/');
    await page.getByRole('heading', { name: 'Use an API token' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'desktop-login.png') });

    // A wrong token is refused on the login screen, not with a blank page.
    await page.getByLabel('API token', { exact: true }).fill('not-a-token');
    await page.getByRole('button', { name: 'Continue with token' }).click();
    await page.getByRole('alert').filter({ hasText: 'Not signed in' }).waitFor();

    await signIn(page, ops);
    await page.getByRole('button', { name: /^plant/ }).click();
    await page.getByText('supply_temp').first().waitFor();
    // Each asset card says its status: both plant assets have a firing high alert.
    await expect.poll(() => page.getByRole('link', { name: '1 firing · high' }).count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'desktop-explorer.png') });

    await openChart(page);
    await page.screenshot({ path: join(SHOTS, 'desktop-asset.png') });
    if (process.env.UPDATE_SCREENSHOT)
      copyFileSync(join(SHOTS, 'desktop-asset.png'), join(ROOT, 'docs', 'screenshot.png'));
    await switchTo10y(page);
    await page.screenshot({ path: join(SHOTS, 'desktop-asset-10y.png') });

    // A reload on a client-side route comes back to the same page (SPA fallback, token in the tab).
    await page.reload();
    await page.locator('.highcharts-series path').first().waitFor();

    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Supply temperature high on chiller-1' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'desktop-alerts.png') });
    const chiller = page.getByRole('listitem').filter({ hasText: 'plant/chiller-1' });
    await chiller.getByRole('button', { name: 'Acknowledge' }).click();
    await chiller.getByText(/acknowledged by/).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('phone 375x812: same flow with a read-only token; acknowledging shows the 403', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(p.httpUrl + '/');
    await page.getByRole('heading', { name: 'Use an API token' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'mobile-login.png') });
    await signIn(page, tenant.token);
    await page.getByRole('button', { name: /^plant/ }).click();
    await page.getByText('supply_temp').first().waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(SHOTS, 'mobile-explorer.png'), fullPage: true });
    await openChart(page);
    await switchTo10y(page);
    await page.screenshot({ path: join(SHOTS, 'mobile-asset.png'), fullPage: true });

    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('heading', { name: 'Supply temperature high on chiller-1' }).waitFor();
    await page.getByLabel('Priority').selectOption('critical');
    await page.getByText('No alerts of priority critical').waitFor();
    await page.getByLabel('Priority').selectOption('');
    await page.getByLabel('Status').selectOption('firing');
    await page.getByRole('heading', { name: 'Supply temperature high on chiller-1' }).waitFor();
    const ahu = page.getByRole('listitem').filter({ hasText: 'plant/ahu-1' });
    await ahu.getByRole('button', { name: 'Acknowledge' }).click();
    await ahu
      .getByRole('alert')
      .filter({ hasText: /Not allowed: .*operate/ })
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'mobile-alerts.png'), fullPage: true });
    await page.close();
  }, 90_000);
});
