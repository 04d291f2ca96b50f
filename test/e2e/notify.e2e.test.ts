import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/iam/tenants.js';
import { putRule } from '../support/alerts.js';
import { freePort, MODES, seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { startSmtpServer, type TestSmtpServer } from '../support/providers/smtp.js';
import { startTelegramApi, type FakeTelegramApi } from '../support/providers/telegram.js';
import { startFakeTwilio, twilioError, type FakeTwilio } from '../support/providers/twilio.js';
import { startFakeWhatsApp, type FakeWhatsApp } from '../support/providers/whatsapp.js';

const TWILIO = { accountSid: 'AC00000000000000000000000000000001', authToken: 'twilio-auth-token-for-tests' };
const META = {
  phoneNumberId: '1234567890',
  accessToken: 'meta-access-token',
  appSecret: 'meta-app-secret',
  verifyToken: 'meta-verify',
};

for (const mode of MODES) {
  describe(`notifications end to end (${mode})`, () => {
    let p: TestPlatform;
    let smtp: TestSmtpServer;
    let twilio: FakeTwilio;
    let whatsapp: FakeWhatsApp;
    let telegram: FakeTelegramApi;
    let t: Awaited<ReturnType<typeof seedTenant>>;
    let admin: string;
    let device: mqtt.MqttClient;

    beforeAll(async () => {
      [smtp, twilio, whatsapp, telegram] = await Promise.all([
        startSmtpServer(),
        startFakeTwilio(TWILIO),
        startFakeWhatsApp(META),
        startTelegramApi(),
      ]);
      const port = await freePort();
      p = await startTestPlatform(mode, {
        overrides: {
          httpPort: port,
          publicUrl: `http://127.0.0.1:${port}`,
          smtpUrl: smtp.url,
          smtpFrom: 'DataInsight <alerts@datainsight.test>',
          twilioAccountSid: TWILIO.accountSid,
          twilioAuthToken: TWILIO.authToken,
          twilioFrom: '+15005550006',
          twilioBaseUrl: twilio.baseUrl,
          whatsappPhoneNumberId: META.phoneNumberId,
          whatsappAccessToken: META.accessToken,
          whatsappAppSecret: META.appSecret,
          whatsappVerifyToken: META.verifyToken,
          whatsappBaseUrl: whatsapp.baseUrl,
          telegramBotToken: telegram.token,
          telegramBaseUrl: telegram.baseUrl,
        },
      });
      t = await seedTenant(p.db);
      admin = await createApiToken(p.db, t.tenantId, 'admin', ['admin']);
      device = await mqtt.connectAsync(p.mqttUrl, {
        username: t.device,
        password: t.password,
        clientId: `${t.device}-n`,
      });
    }, 60_000);
    afterAll(async () => {
      await device?.endAsync();
      await p?.destroy();
      await Promise.all([smtp?.close(), twilio?.close(), whatsapp?.close(), telegram?.close()]);
    });

    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${p.httpUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${admin}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await r.text();
      if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${text}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };

    /** A person told about critical alerts on `kind` first, then on each of `fallbacks`. */
    const person = async (
      email: string,
      points: { kind: string; address: Record<string, string> }[],
      timezone = 'Asia/Kolkata',
    ) => {
      const user = (await api('POST', '/users', { email, name: email.split('@')[0], timezone })) as {
        id: number;
      };
      const ids: number[] = [];
      for (const cp of points)
        ids.push(((await api('POST', `/users/${user.id}/contact-points`, cp)) as { id: number }).id);
      await api('POST', `/users/${user.id}/subscriptions`, {
        minPriority: 'critical',
        scope: { assets: ['plant/chiller-1'] },
        channels: { critical: ids },
      });
      return { user: user.id, ids };
    };

    it('a critical reading over MQTT reaches each person once, on their channel, with the brief’s template', async () => {
      await person('sms@x.test', [{ kind: 'sms', address: { phone: '+4915100000001' } }]);
      await person('wa@x.test', [{ kind: 'whatsapp', address: { phone: '+4915100000002' } }]);
      await person('tg@x.test', [{ kind: 'telegram', address: { chatId: '424242' } }]);
      await person('mail@x.test', [{ kind: 'email', address: { email: 'mail@x.test' } }]);
      // A number Twilio refuses for good: the person is reached by the fallback channel.
      const fallback = await person('fb@x.test', [
        { kind: 'sms', address: { phone: '+4915100000009' } },
        { kind: 'email', address: { email: 'fb@x.test' } },
      ]);
      twilio.respondWith((req) =>
        String((req.body as Record<string, string>).To) === '+4915100000009'
          ? twilioError(400, 21211, "The 'To' number +4915100000009 is not a valid phone number.")
          : undefined,
      );
      await putRule(p.db, p.runtime.feed, t.tenantId, {
        id: 'chiller-stuck',
        tenant: t.tenant,
        name: 'Chiller ignores commands',
        title: 'Automation commands not working on {{asset}}',
        action:
          'Please switch the chiller to JouleTrack mode, turn it on, and then return it to recipe mode.',
        priority: 'critical',
        condition: {
          type: 'stateMismatch',
          when: { parameter: 'on', op: '=', value: 1 },
          expect: { parameter: 'current', op: '>', value: 0.5 },
        },
      });
      await new Promise((r) => setTimeout(r, 300));
      const ts = Date.UTC(2026, 10, 27, 6, 30, 0);
      await device.publishAsync(
        `di/${t.tenant}/plant/chiller-1/ch1`,
        JSON.stringify({ ts, values: { on: 1, current: 0.01 } }),
        { qos: 1 },
      );

      await expect.poll(() => twilio.messages.size, { timeout: 15_000 }).toBe(1);
      const sms = [...twilio.messages.values()][0]!;
      expect(sms.to).toBe('+4915100000001');
      expect(sms.body).toContain('CRITICAL');
      expect(sms.body).toContain('Automation commands not working on chiller-1');
      expect(sms.body).toContain('chiller-1 (plant)');
      expect(sms.body).toContain('12:00:00'); // 06:30 UTC in Kolkata
      expect(sms.statusCallback).toBe(`${p.config.publicUrl}/api/v1/webhooks/twilio`);

      await expect.poll(() => whatsapp.messages.size, { timeout: 15_000 }).toBe(1);
      const wa = [...whatsapp.messages.values()][0]! as {
        to: string;
        type: string;
        template: { name: string; components: { parameters: { text: string }[] }[] };
      };
      expect(wa).toMatchObject({
        to: '+4915100000002',
        type: 'template',
        template: { name: 'datainsight_alert' },
      });
      expect(wa.template.components[0]!.parameters.map((x) => x.text)).toEqual(
        expect.arrayContaining(['Automation commands not working on chiller-1', 'chiller-1 (plant)']),
      );

      await expect
        .poll(() => telegram.calls.filter((c) => c.apiMethod === 'sendMessage').length, { timeout: 15_000 })
        .toBe(1);
      const tg = telegram.calls.find((c) => c.apiMethod === 'sendMessage')!.body;
      expect(tg).toMatchObject({ chat_id: '424242', parse_mode: 'HTML' });
      expect(String(tg.text)).toContain('<b>');

      await expect.poll(() => smtp.messages.length, { timeout: 15_000 }).toBe(2);
      const byTo = new Map(smtp.messages.map((m) => [m.envelope.rcptTo[0], m.parsed]));
      const mail = byTo.get('mail@x.test')!;
      expect(mail.subject).toContain('Automation commands not working on chiller-1');
      expect(mail.text).toContain('Please switch the chiller to JouleTrack mode');
      expect(mail.html).toContain('<a href=');
      expect(byTo.has('fb@x.test')).toBe(true);

      // The refused number is marked invalid and shown so.
      const cps = (await api('GET', `/users/${fallback.user}/contact-points`)) as {
        contactPoints: { id: number; invalidReason: string | null }[];
      };
      expect(cps.contactPoints.find((c) => c.id === fallback.ids[0])!.invalidReason).toMatch(
        /21211|not a valid/,
      );

      // Exactly one message each: wait a little for any duplicate.
      await new Promise((r) => setTimeout(r, 1000));
      expect(twilio.messages.size).toBe(1);
      expect(whatsapp.messages.size).toBe(1);
      expect(smtp.messages.length).toBe(2);
    });

    it('a test message reaches the contact point and verifies it', async () => {
      const { user, ids } = await person('test@x.test', [{ kind: 'telegram', address: { chatId: '777' } }]);
      const r = await api('POST', `/users/${user}/contact-points/${ids[0]}/test`);
      expect(r).toMatchObject({ sent: true, provider: 'telegram' });
      expect(
        telegram.calls.some((c) => c.apiMethod === 'sendMessage' && String(c.body.chat_id) === '777'),
      ).toBe(true);
      const cps = (await api('GET', `/users/${user}/contact-points`)) as {
        contactPoints: { verified: boolean }[];
      };
      expect(cps.contactPoints[0]!.verified).toBe(true);
    });

    it('a signed Twilio status callback marks the SMS delivered; a forged one is refused', async () => {
      const sid = [...twilio.messages.keys()][0]!;
      const forged = await fetch(`${p.httpUrl}/api/v1/webhooks/twilio`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'Zm9yZ2Vk' },
        body: new URLSearchParams({ MessageSid: sid, MessageStatus: 'failed' }).toString(),
      });
      expect(forged.status).toBe(403);
      const r = await twilio.sendStatusCallback(sid, 'delivered');
      expect(r.status).toBe(200);
      await twilio.sendStatusCallback(sid, 'sent'); // late and out of order: must not move it back
      const d = (await api('GET', '/deliveries?limit=50')) as {
        deliveries: { providerId: string | null; status: string }[];
      };
      expect(d.deliveries.find((x) => x.providerId === sid)?.status).toBe('delivered');
    });
  });
}
