/**
 * A facility manager's day in a real browser (Debian's Chromium, playwright-core) against a whole
 * embedded platform: sign in with a password, watch a value change live after an MQTT publish, open
 * ten years of history, write a rule (with the API's validation message and a dry run), see its alert
 * fire and acknowledge it, choose how to be notified, build a dashboard; then the same on a phone.
 * Screenshots of each view at both widths go to test-results/screenshots/.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUser, setMembership, setPassword } from '../../src/iam/users.js';
import { SHOTS, ensureWebBuild, hasChromium, launchBrowser } from '../support/browser.js';
import { seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';

const PASSWORD = 'control room 42 pass';

describe.skipIf(!hasChromium)(
  'web app: a signed-in person, live data, rules, notifications, dashboards',
  () => {
    let p: TestPlatform;
    let t: Awaited<ReturnType<typeof seedTenant>>;
    let device: mqtt.MqttClient;
    let browser: BrowserContext;
    let closeBrowser: (() => Promise<void>) | undefined;
    const email = 'manager@plant.test';

    const publish = (values: Record<string, number>, asset = 'chiller-1', sensor = 'ch1') =>
      device.publishAsync(
        `di/${t.tenant}/plant/${asset}/${sensor}`,
        JSON.stringify({ ts: Date.now(), values }),
        {
          qos: 1,
        },
      );

    const api = async (path: string) => {
      const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
        headers: { authorization: `Bearer ${t.token}` },
      });
      return (await r.json()) as Record<string, unknown>;
    };

    const signIn = async (page: Page) => {
      await page.goto(p.httpUrl + '/');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Locations' }).waitFor();
    };

    const openChiller = async (page: Page) => {
      await page.getByRole('button', { name: /^plant/ }).click();
      await page.getByRole('link', { name: 'chiller-1' }).click();
      await page.locator('.highcharts-series path').first().waitFor({ timeout: 15_000 });
    };

    /** The asset page's latest supply temperature follows an MQTT publish without a reload. */
    const seeLiveValue = async (page: Page, value: number) => {
      const cell = page.getByTestId('latest-ch1-supply_temp');
      await expect.poll(() => cell.textContent(), { timeout: 5_000 }).not.toContain(String(value));
      await publish({ supply_temp: value });
      await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toContain(String(value));
    };

    beforeAll(async () => {
      ensureWebBuild();
      p = await startTestPlatform('embedded', { overrides: { liveHeartbeatMs: 1000 } });
      t = await seedTenant(p.db);
      const u = await ensureUser(p.db, { email });
      await setMembership(p.db, u.id, t.tenantId, 'admin');
      await setPassword(p.db, { id: u.id, email }, PASSWORD);
      device = await mqtt.connectAsync(p.mqttUrl, {
        username: t.device,
        password: t.password,
        clientId: `${t.device}-web`,
      });
      // Two hours of history (so charts have lines), then the devices' current values over MQTT.
      const now = Date.now();
      const history = [];
      for (let i = 120; i > 0; i--) {
        const ts = now - i * 60_000;
        const wave = Math.sin(i / 15);
        history.push(
          {
            location: 'plant',
            asset: 'chiller-1',
            sensor: 'ch1',
            ts,
            values: { supply_temp: 7 + wave, power_kw: 40 + 5 * wave },
          },
          { location: 'plant', asset: 'ahu-1', sensor: 'a1', ts, values: { air_temp: 21 + wave } },
        );
      }
      const seeded = await fetch(`${p.httpUrl}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ readings: history }),
      });
      expect(seeded.status).toBe(202);
      await publish({ supply_temp: 7, power_kw: 40 });
      await publish({ air_temp: 21 }, 'ahu-1', 'a1');
      for (let i = 0; ; i++) {
        const latest = (await api('/latest?location=plant')).latest as unknown[];
        if (latest?.length === 3) break;
        if (i > 100) throw new Error('readings were not stored in 10 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      ({ browser, close: closeBrowser } = await launchBrowser());
    }, 120_000);

    afterAll(async () => {
      await closeBrowser?.();
      await device?.endAsync();
      await p?.destroy();
    });

    it('desktop 1440x900: live value, 10-year chart, rule with dry run, its alert acknowledged, a subscription, a dashboard', async () => {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      await page.setViewportSize({ width: 1440, height: 900 });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await signIn(page);
      await openChiller(page);
      await seeLiveValue(page, 8.25);
      await page.getByText('Live (streaming)').waitFor();
      const tenYears = page.waitForResponse(
        (r) => r.url().includes('/api/v1/series') && r.url().includes('now-10y'),
      );
      await page.getByRole('button', { name: '10 y' }).click();
      expect((await tenYears).status()).toBe(200);
      await page.getByText(/\d+ points · tier/).waitFor();
      await page.screenshot({ path: join(SHOTS, 'desktop-asset-live.png') });

      // A rule: the API's validation message lands beside the field; the dry run previews; then it saves.
      await page.getByRole('link', { name: 'Rules' }).click();
      await page.getByText('No rules yet').waitFor();
      await page.getByRole('link', { name: 'New rule' }).click();
      await page.getByLabel('Id').fill('bad id!');
      await page.getByLabel('Name').fill('Supply too warm');
      await page.getByLabel('Priority').selectOption('critical');
      await page.getByLabel('Alert title').fill('Supply too warm on {{asset}}');
      await page.getByLabel('Suggested action').fill('Check the chiller valve.');
      await page.getByLabel('Parameter').fill('supply_temp');
      await page.getByLabel('Operator').selectOption('>');
      await page.getByLabel('Value', { exact: true }).fill('12');
      await page.getByRole('button', { name: 'Create rule' }).click();
      await page.locator('.field-invalid').filter({ hasText: 'Id' }).getByRole('alert').waitFor();
      await page.getByLabel('Id').fill('too-warm');
      await page.getByRole('button', { name: 'Dry run' }).click();
      await page.getByText(/Would have fired 0 times/).waitFor();
      await page.getByRole('button', { name: 'Create rule' }).click();
      await page.waitForURL(/\/rules\/too-warm$/);
      await page.screenshot({ path: join(SHOTS, 'desktop-rule.png'), fullPage: true });

      // Its alert: the list is live (no reload), acknowledge, then the detail's timeline says so.
      await page.getByRole('link', { name: 'Alerts' }).click();
      await page.getByText('No firing alerts').waitFor();
      await publish({ supply_temp: 14.5 });
      const item = page.getByRole('listitem').filter({ hasText: 'Supply too warm on chiller-1' });
      await item.waitFor({ timeout: 15_000 });
      await item.getByRole('button', { name: 'Acknowledge' }).click();
      await item.getByText(/acknowledged by user:manager@plant.test/).waitFor();
      await item.getByRole('link', { name: 'Supply too warm on chiller-1' }).click();
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      await page.locator('.timeline').getByText('acknowledged').waitFor();
      await page.screenshot({ path: join(SHOTS, 'desktop-alert-detail.png'), fullPage: true });

      // How I am told: an e-mail contact point, subscribed from high up, quiet hours at night.
      await page.getByRole('link', { name: 'My notifications' }).click();
      await page.getByText('No contact points yet').waitFor();
      const add = page.getByRole('form', { name: 'Add a contact point' });
      await add.getByLabel('E-mail').fill(email);
      await add.getByRole('button', { name: 'Add' }).click();
      await page
        .getByRole('listitem')
        .filter({ hasText: `email ${email}` })
        .waitFor();
      const sub = page.getByRole('form', { name: 'Add a subscription' });
      await sub.getByLabel('From priority').selectOption('high');
      await sub.getByRole('button', { name: 'Subscribe' }).click();
      await page.getByRole('listitem').filter({ hasText: 'everything, from high up' }).waitFor();
      await page.getByLabel(/Quiet hours/).check();
      await page
        .getByRole('form', { name: 'When to notify me' })
        .getByRole('button', { name: 'Save' })
        .click();
      await page.getByRole('form', { name: 'When to notify me' }).getByText('Saved.').waitFor();
      await page.screenshot({ path: join(SHOTS, 'desktop-notifications.png'), fullPage: true });
      const users = (await api('/users')).users as { email: string; quietHours: unknown }[];
      expect(users.find((x) => x.email === email)?.quietHours).toEqual({ start: '22:00', end: '06:00' });

      // A dashboard with a live value widget, saved on the server.
      await page.getByRole('link', { name: 'Dashboards' }).click();
      await page.getByRole('textbox', { name: 'New dashboard' }).fill('Plant room');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByText('This dashboard is empty').waitFor();
      await page.getByRole('button', { name: 'Edit' }).click();
      const widget = page.getByRole('form', { name: 'Add a widget' });
      await widget.getByLabel('Kind').selectOption('value');
      await widget.getByLabel('Title').fill('Supply now');
      await widget.getByLabel('Location').selectOption('plant');
      await widget.getByLabel('Asset').selectOption('chiller-1');
      await widget.getByRole('checkbox', { name: /ch1\/supply_temp/ }).check();
      await widget.getByRole('button', { name: 'Add widget' }).click();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'Plant room' }).waitFor();
      const shown = page.getByTestId('widget-value-w1');
      await expect.poll(() => shown.textContent()).toContain('14.5');
      await publish({ supply_temp: 9.5 });
      await expect.poll(() => shown.textContent(), { timeout: 10_000 }).toContain('9.5');
      await page.screenshot({ path: join(SHOTS, 'desktop-dashboard.png') });
      const saved = (await api('/dashboards')).dashboards as { title: string; widgets: { kind: string }[] }[];
      // The token is not the owner and the dashboard is private: it sees nothing.
      expect(saved).toEqual([]);

      // An export of the plant's readings: requested on the downloads page, downloaded when ready.
      await page.getByRole('link', { name: 'Exports' }).click();
      const request = page.getByRole('form', { name: 'Request an export' });
      await request.getByRole('textbox', { name: 'Location' }).fill('plant');
      await request.getByRole('button', { name: 'Request export' }).click();
      const download = page.getByRole('link', { name: /^Download export \d+$/ });
      await download.waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'desktop-exports.png'), fullPage: true });
      const csv = await (await page.request.get(p.httpUrl + (await download.getAttribute('href'))!)).text();
      const lines = csv.trim().split('\n');
      expect(lines[0]).toMatch(/time/);
      // 120 minutes of history of three series, plus the live values published above.
      expect(lines.length).toBeGreaterThan(3 * 120);

      // The diagnosis of the supply temperature, and the (empty) connectors page.
      await page.getByRole('link', { name: 'Analytics' }).click();
      const option = page.locator('option', { hasText: 'plant/chiller-1/ch1 supply_temp' });
      await page.getByLabel('Series', { exact: true }).selectOption((await option.getAttribute('value'))!);
      await page.getByRole('heading', { name: 'Verdict' }).waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'desktop-diagnosis.png'), fullPage: true });
      await page.getByRole('link', { name: 'Connectors' }).click();
      await page.getByRole('heading', { name: 'Connectors' }).waitFor();

      // Access: an API token for an integration, shown once, then listed without its secret.
      await page.getByRole('link', { name: 'Access' }).click();
      const tokenForm = page.getByRole('form', { name: 'Create an API token' });
      await tokenForm.getByLabel('Name').fill('bms-export');
      await tokenForm.getByRole('button', { name: 'Create token' }).click();
      const secret = await page.locator('code.secret').textContent();
      expect(secret).toMatch(/^dit_/);
      const viaToken = await fetch(`${p.httpUrl}/api/v1/latest?location=plant`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(viaToken.status).toBe(200);
      await page.screenshot({ path: join(SHOTS, 'desktop-access.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    }, 180_000);

    it('phone 375x812: the same person, live value, alert list, dashboard and notifications fit the screen', async () => {
      await browser.clearCookies();
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      await page.setViewportSize({ width: 375, height: 812 });
      await signIn(page);
      await openChiller(page);
      await seeLiveValue(page, 6.75);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await page.screenshot({ path: join(SHOTS, 'mobile-asset-live.png'), fullPage: true });
      // 6.75 is back under the rule's 12: the alert resolved; the list moves it without a reload.
      await page.getByRole('link', { name: 'Alerts', exact: true }).click();
      await page.getByText('No firing alerts').waitFor();
      await page.getByLabel('Status').selectOption('resolved');
      await page.getByRole('heading', { name: 'Supply too warm on chiller-1' }).waitFor();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await page.screenshot({ path: join(SHOTS, 'mobile-alerts.png'), fullPage: true });

      // On the plant floor: a rule written on the phone, its alert acknowledged there.
      await page.getByRole('link', { name: 'Rules', exact: true }).click();
      await page.getByRole('link', { name: 'New rule' }).click();
      await page.getByLabel('Id').fill('air-hot');
      await page.getByLabel('Name').fill('Air too warm');
      await page.getByLabel('Alert title').fill('Air too warm on {{asset}}');
      await page.getByLabel('Parameter').fill('air_temp');
      await page.getByLabel('Value', { exact: true }).fill('30');
      await page.getByRole('button', { name: 'Create rule' }).click();
      await page.waitForURL(/\/rules\/air-hot$/);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await page.screenshot({ path: join(SHOTS, 'mobile-rule.png'), fullPage: true });
      await page.getByRole('link', { name: 'Alerts', exact: true }).click();
      await publish({ air_temp: 33 }, 'ahu-1', 'a1');
      const air = page.getByRole('listitem').filter({ hasText: 'Air too warm on ahu-1' });
      await air.waitFor({ timeout: 15_000 });
      await air.getByRole('button', { name: 'Acknowledge' }).click();
      await air.getByText(/acknowledged by/).waitFor();

      // And a subscription changed: critical only, from now on.
      await page.getByRole('link', { name: 'My notifications', exact: true }).click();
      const old = page.getByRole('listitem').filter({ hasText: 'everything, from high up' });
      await old.getByRole('button', { name: 'Remove' }).click();
      await old.waitFor({ state: 'detached' });
      const sub = page.getByRole('form', { name: 'Add a subscription' });
      await sub.getByLabel('From priority').selectOption('critical');
      await sub.getByRole('button', { name: 'Subscribe' }).click();
      await page.getByRole('listitem').filter({ hasText: 'everything, from critical up' }).waitFor();

      for (const [link, ready, shot] of [
        ['Dashboards', page.getByRole('link', { name: 'Plant room' }), 'mobile-dashboards.png'],
        ['Rules', page.getByRole('link', { name: 'Supply too warm' }), 'mobile-rules.png'],
        [
          'My notifications',
          page.getByRole('listitem').filter({ hasText: 'everything, from critical up' }),
          'mobile-notifications.png',
        ],
      ] as const) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await ready.waitFor();
        expect(await page.evaluate<number>('document.documentElement.scrollWidth'), link).toBeLessThanOrEqual(
          375,
        );
        await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
      }
      await page.getByRole('link', { name: 'Dashboards' }).click();
      await page.getByRole('link', { name: 'Plant room' }).click();
      await expect.poll(() => page.getByTestId('widget-value-w1').textContent()).toContain('6.75');
      await page.screenshot({ path: join(SHOTS, 'mobile-dashboard.png'), fullPage: true });
      await page.close();
    }, 180_000);
  },
);
