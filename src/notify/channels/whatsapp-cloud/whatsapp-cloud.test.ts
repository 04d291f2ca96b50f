import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  graphError,
  inSequence,
  signedWhatsAppWebhook,
  startFakeWhatsApp,
  whatsappStatusPayload,
  whatsappVerification,
  type FakeWhatsApp,
} from '../../../../test/support/providers/whatsapp.js';
import { PermanentDeliveryError, RateLimitedError, WebhookAuthError } from '../../errors.js';
import type { Channel, OutgoingMessage, WebhookRequest } from '../../port.js';
import { createWhatsAppChannel } from './whatsapp-cloud.js';
import { failure } from '../testing/failure.js';

const PHONE_NUMBER_ID = '106540352242922';
const ACCESS_TOKEN = 'EAAGm0PX4ZCpsBAtest';
const APP_SECRET = 'c0ffeec0ffeec0ffeec0ffeec0ffee00';
const VERIFY_TOKEN = 'di-verify-7f3a';
const HOOK = 'https://di.example.com/api/v1/webhooks/meta';

const TEMPLATE = {
  name: 'di_alert',
  language: 'en_US',
  parameters: [
    'Alert CRITICAL',
    'Boiler 3 temperature',
    '12 Mar 2026 14:05:09 CET',
    'Boiler 3 (Plant A)',
    'Check the\ncirculation pump',
  ],
};

function outgoing(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    to: { kind: 'whatsapp', phone: '+41791234567' },
    message: {
      subject: 'Alert [CRITICAL]: Boiler 3',
      text: 'Alert [CRITICAL]: Boiler 3 at 97 °C\nhttps://di.example.com/alerts/a1',
      whatsappTemplate: TEMPLATE,
    },
    priority: 'critical',
    idempotencyKey: 'dlv_42:1',
    ttlSeconds: 900,
    ...over,
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return expect.fail('expected a throw');
}

describe('whatsapp cloud channel: send', () => {
  let meta: FakeWhatsApp;
  let channel: Channel;
  const make = (over: Partial<Parameters<typeof createWhatsAppChannel>[0]> = {}): Channel =>
    createWhatsAppChannel({
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: ACCESS_TOKEN,
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
      baseUrl: meta.baseUrl,
      ...over,
    });

  beforeAll(async () => {
    meta = await startFakeWhatsApp({ phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN });
    channel = make();
  });
  afterAll(() => meta.close());
  beforeEach(() => meta.reset());

  it('posts exactly the documented template request and maps the wamid', async () => {
    const result = await channel.send(outgoing());
    expect(meta.requests).toHaveLength(1);
    const req = meta.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
    expect(req.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+41791234567',
      type: 'template',
      template: {
        name: 'di_alert',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Alert CRITICAL' },
              { type: 'text', text: 'Boiler 3 temperature' },
              { type: 'text', text: '12 Mar 2026 14:05:09 CET' },
              { type: 'text', text: 'Boiler 3 (Plant A)' },
              // Meta refuses newlines, tabs and runs of spaces in template parameters.
              { type: 'text', text: 'Check the circulation pump' },
            ],
          },
        ],
      },
    });
    const [wamid] = [...meta.messages.keys()];
    expect(wamid).toMatch(/^wamid\./);
    expect(result).toEqual({ providerId: wamid, status: 'sent' });
  });

  it('sends free text (no preview) when there is no template, under the configured API version', async () => {
    await make({ apiVersion: 'v20.0' }).send(
      outgoing({ message: { subject: 's', text: 'Boiler 3 at 97 °C' } }),
    );
    const req = meta.requests[0]!;
    expect(req.path).toBe(`/v20.0/${PHONE_NUMBER_ID}/messages`);
    expect(req.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+41791234567',
      type: 'text',
      text: { body: 'Boiler 3 at 97 °C', preview_url: false },
    });
  });

  it('omits components for a template without parameters, and clamps text to 4096 characters', async () => {
    await channel.send(
      outgoing({
        message: {
          subject: 's',
          text: 'x',
          whatsappTemplate: { name: 'hello_world', language: 'en_US', parameters: [] },
        },
      }),
    );
    expect((meta.requests[0]!.body as { template: unknown }).template).toEqual({
      name: 'hello_world',
      language: { code: 'en_US' },
    });
    await channel.send(outgoing({ message: { subject: 's', text: '😀'.repeat(3000) } }));
    const body = (meta.requests[1]!.body as { text: { body: string } }).text.body;
    expect(body.length).toBeLessThanOrEqual(4096);
    expect(body.endsWith('😀…')).toBe(true);
  });

  it('refuses an address of another kind without calling Meta', async () => {
    expect(
      await failure(channel.send(outgoing({ to: { kind: 'sms', phone: '+41791234567' } }))),
    ).toBeInstanceOf(PermanentDeliveryError);
    expect(meta.requests).toHaveLength(0);
  });

  describe('error classification', () => {
    it('an expired or wrong token -> 401 code 190 -> PermanentDeliveryError (configuration)', async () => {
      const err = await failure(make({ accessToken: 'expired' }).send(outgoing()));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err).toMatchObject({ contactInvalid: false, providerCode: '190' });
    });

    it('HTTP 429 with Retry-After -> RateLimitedError with that wait', async () => {
      meta.respondWith(
        inSequence(graphError(429, 130429, 'Rate limit hit', { headers: { 'retry-after': '3' } })),
      );
      const err = await failure(channel.send(outgoing()));
      expect(err).toBeInstanceOf(RateLimitedError);
      expect((err as RateLimitedError).retryAfterMs).toBe(3000);
    });

    it.each([
      [429, 130429, 'Rate limit hit', 1_000],
      [400, 131056, '(Business Account, Consumer Account) pair rate limit hit', 6_000],
      [400, 4, 'Application request limit reached', 60_000],
      [400, 80007, 'Rate limit issues', 60_000],
      [429, 999999, 'Something new', 4_321],
    ])('HTTP %i code %i (%s) -> RateLimitedError after %i ms', async (status, code, title, wait) => {
      meta.respondWith(inSequence(graphError(status, code, title)));
      const err = await failure(make({ defaultRetryAfterMs: 4_321 }).send(outgoing()));
      expect(err).toBeInstanceOf(RateLimitedError);
      expect((err as RateLimitedError).retryAfterMs).toBe(wait);
    });

    it.each([
      [131026, 'Message undeliverable', true],
      [131047, 'Re-engagement message', false],
      [131051, 'Unsupported message type', false],
      [132000, 'Number of parameters does not match the expected number of params', false],
      [132001, 'Template name does not exist in the translation', false],
      [132015, 'Template is paused', false],
      [100, 'Invalid parameter', false],
      [131048, 'Spam rate limit hit', false],
      [10, 'Permission denied', false],
    ])(
      '400 code %i (%s) -> PermanentDeliveryError, contactInvalid %s',
      async (code, title, contactInvalid) => {
        meta.respondWith(inSequence(graphError(400, code, title)));
        const err = await failure(channel.send(outgoing()));
        expect(err).toBeInstanceOf(PermanentDeliveryError);
        expect(err).toMatchObject({ contactInvalid, providerCode: String(code) });
        expect((err as Error).message).toContain(`(#${code})`);
      },
    );

    it.each([
      [500, 131000, 'Something went wrong'],
      [503, 131016, 'Service unavailable'],
      [500, 2, 'API Service'],
      [502, undefined, 'Bad gateway (no Graph body)'],
    ])('HTTP %i code %s (%s) -> transient', async (status, code, title) => {
      meta.respondWith(
        inSequence(
          code === undefined ? { status, body: '<html>bad gateway</html>' } : graphError(status, code, title),
        ),
      );
      const err = await failure(channel.send(outgoing()));
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(PermanentDeliveryError);
      expect(err).not.toBeInstanceOf(RateLimitedError);
    });

    it('a scripted outage: 500, 500, 429 with Retry-After, then a permanent error, then accepted', async () => {
      meta.respondWith(
        inSequence(
          graphError(500, 131000, 'Something went wrong'),
          graphError(500, 1, 'API Unknown'),
          graphError(429, 130429, 'Rate limit hit', { headers: { 'retry-after': '2' } }),
          graphError(400, 131026, 'Message undeliverable'),
        ),
      );
      const outcomes: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        outcomes.push(
          await channel.send(outgoing()).then(
            (r) => `sent ${r.providerId?.slice(0, 6)}`,
            (e: Error) => (e instanceof RateLimitedError ? `${e.name} ${e.retryAfterMs}` : e.name),
          ),
        );
      }
      expect(outcomes).toEqual([
        'Error',
        'Error',
        'RateLimitedError 2000',
        'PermanentDeliveryError',
        'sent wamid.',
      ]);
    });

    it('network failure -> transient', async () => {
      const dead = await startFakeWhatsApp({ phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN });
      await dead.close();
      const err = await failure(make({ baseUrl: dead.baseUrl }).send(outgoing()));
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(PermanentDeliveryError);
      expect((err as Error).message).toMatch(/^whatsapp: request failed/);
    });
  });

  it('rejects an incomplete configuration at creation', () => {
    expect(() =>
      createWhatsAppChannel({
        phoneNumberId: PHONE_NUMBER_ID,
        accessToken: ACCESS_TOKEN,
        appSecret: '',
        verifyToken: VERIFY_TOKEN,
      }),
    ).toThrow(/required/);
  });
});

describe('whatsapp cloud channel: webhooks', () => {
  const channel = createWhatsAppChannel({
    phoneNumberId: PHONE_NUMBER_ID,
    accessToken: ACCESS_TOKEN,
    appSecret: APP_SECRET,
    verifyToken: VERIFY_TOKEN,
  });
  const handle = (req: WebhookRequest) => channel.handleWebhook!(req);
  const WAMID = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA';

  describe('GET verification handshake', () => {
    it('echoes hub.challenge as text/plain when the verify token matches', () => {
      expect(handle(whatsappVerification(HOOK, VERIFY_TOKEN, '1158201444'))).toEqual({
        updates: [],
        response: { status: 200, body: '1158201444', contentType: 'text/plain' },
      });
    });

    it('reads the hub.* parameters from the URL when the route gives no parsed query', () => {
      const req = whatsappVerification(HOOK, VERIFY_TOKEN, 'abc');
      expect(handle({ ...req, query: {} }).response?.body).toBe('abc');
    });

    it.each([
      ['a wrong verify token', whatsappVerification(HOOK, 'guess', '1')],
      ['a mode other than subscribe', whatsappVerification(HOOK, VERIFY_TOKEN, '1', 'unsubscribe')],
      [
        'no challenge',
        {
          ...whatsappVerification(HOOK, VERIFY_TOKEN, '1'),
          url: HOOK,
          query: { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN },
        },
      ],
    ])('refuses %s with 403', (_name, req) => {
      const err = thrown(() => handle(req));
      expect(err).toBeInstanceOf(WebhookAuthError);
      expect((err as WebhookAuthError).status).toBe(403);
    });
  });

  describe('POST status notifications', () => {
    it('checks HMAC-SHA256 over the raw bytes (a published vector: "test" with key "secret")', () => {
      const ch = createWhatsAppChannel({
        phoneNumberId: '1',
        accessToken: 't',
        appSecret: 'secret',
        verifyToken: 'v',
      });
      const req: WebhookRequest = {
        method: 'POST',
        url: HOOK,
        headers: {
          'x-hub-signature-256': 'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914',
        },
        rawBody: Buffer.from('test'),
        query: {},
      };
      // The signature passes; only then does the adapter find that "test" is not JSON.
      expect(() => ch.handleWebhook!(req)).toThrow(/signed webhook body is not JSON/);
      expect(thrown(() => ch.handleWebhook!({ ...req, rawBody: Buffer.from('test ') }))).toBeInstanceOf(
        WebhookAuthError,
      );
    });

    it('parses a genuine signed notification into status updates', () => {
      const payload = whatsappStatusPayload(PHONE_NUMBER_ID, [
        { id: WAMID, status: 'sent', timestamp: 1_750_857_384 },
        { id: WAMID, status: 'delivered', timestamp: 1_750_857_385 },
        { id: WAMID, status: 'read', timestamp: 1_750_857_390 },
      ]);
      expect(handle(signedWhatsAppWebhook(APP_SECRET, HOOK, payload))).toEqual({
        updates: [
          { providerId: WAMID, status: 'sent', at: 1_750_857_384_000 },
          { providerId: WAMID, status: 'delivered', at: 1_750_857_385_000 },
          { providerId: WAMID, status: 'read', at: 1_750_857_390_000 },
        ],
      });
    });

    it.each([
      [131026, 'Message undeliverable', true],
      [131047, 'Re-engagement message', false],
      [131049, 'This message was not delivered to maintain healthy ecosystem engagement.', false],
    ])('failed with error %i -> reason, contactInvalid %s', (code, title, contactInvalid) => {
      const payload = whatsappStatusPayload(PHONE_NUMBER_ID, [
        { id: WAMID, status: 'failed', timestamp: 1_750_857_384, errors: [{ code, title }] },
      ]);
      expect(handle(signedWhatsAppWebhook(APP_SECRET, HOOK, payload)).updates).toEqual([
        {
          providerId: WAMID,
          status: 'failed',
          at: 1_750_857_384_000,
          reason: `${code} ${title}`,
          ...(contactInvalid ? { contactInvalid: true } : {}),
        },
      ]);
    });

    it('walks every entry and change, and skips what is not a status (inbound messages, unknown statuses)', () => {
      const a = whatsappStatusPayload(PHONE_NUMBER_ID, [
        { id: 'wamid.A', status: 'delivered', timestamp: 1 },
      ]);
      const b = whatsappStatusPayload(PHONE_NUMBER_ID, [
        { id: 'wamid.B', status: 'deleted', timestamp: 2 },
        { id: 'wamid.C', status: 'sent', timestamp: 3 },
      ]);
      const inbound = {
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          messages: [{ from: '1', id: 'wamid.IN', type: 'text', text: { body: 'hi' } }],
        },
      };
      const payload = {
        object: 'whatsapp_business_account',
        entry: [...(a.entry as unknown[]), ...(b.entry as unknown[]), { id: '1', changes: [inbound] }],
      };
      expect(
        handle(signedWhatsAppWebhook(APP_SECRET, HOOK, payload)).updates.map(
          (u) => `${u.providerId}:${u.status}`,
        ),
      ).toEqual(['wamid.A:delivered', 'wamid.C:sent']);
    });

    const genuine = (): WebhookRequest =>
      signedWhatsAppWebhook(
        APP_SECRET,
        HOOK,
        whatsappStatusPayload(PHONE_NUMBER_ID, [{ id: WAMID, status: 'delivered', timestamp: 1 }]),
      );

    it('refuses an unsigned notification with 401', () => {
      const err = thrown(() => handle({ ...genuine(), headers: { 'content-type': 'application/json' } }));
      expect(err).toBeInstanceOf(WebhookAuthError);
      expect((err as WebhookAuthError).status).toBe(401);
    });

    it.each([
      [
        'signed with another secret',
        (): WebhookRequest => ({
          ...genuine(),
          headers: signedWhatsAppWebhook('not-the-secret', HOOK, {}).headers,
        }),
      ],
      [
        'tampered after signing',
        (): WebhookRequest => {
          const r = genuine();
          return { ...r, rawBody: Buffer.from(r.rawBody.toString().replace('delivered', 'read')) };
        },
      ],
      [
        'signed with SHA-1 (X-Hub-Signature style)',
        (): WebhookRequest => ({
          ...genuine(),
          headers: { 'x-hub-signature-256': 'sha1=0123456789abcdef0123456789abcdef01234567' },
        }),
      ],
      [
        'a truncated signature',
        (): WebhookRequest => ({
          ...genuine(),
          headers: { 'x-hub-signature-256': String(genuine().headers['x-hub-signature-256']).slice(0, 20) },
        }),
      ],
    ])('refuses a notification %s with 403', (_name, make) => {
      const err = thrown(() => handle(make()));
      expect(err).toBeInstanceOf(WebhookAuthError);
      expect((err as WebhookAuthError).status).toBe(403);
    });

    it('answers other methods with 405', () => {
      expect(handle({ ...genuine(), method: 'PUT' }).response?.status).toBe(405);
    });
  });

  it('a sent message and its delivered status line up by wamid', async () => {
    const meta = await startFakeWhatsApp({ phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN });
    try {
      const ch = createWhatsAppChannel({
        phoneNumberId: PHONE_NUMBER_ID,
        accessToken: ACCESS_TOKEN,
        appSecret: APP_SECRET,
        verifyToken: VERIFY_TOKEN,
        baseUrl: meta.baseUrl,
      });
      const { providerId } = await ch.send(outgoing());
      const { updates } = ch.handleWebhook!(
        signedWhatsAppWebhook(
          APP_SECRET,
          HOOK,
          whatsappStatusPayload(PHONE_NUMBER_ID, [{ id: providerId!, status: 'delivered', timestamp: 5 }]),
        ),
      );
      expect(updates).toEqual([{ providerId, status: 'delivered', at: 5000 }]);
    } finally {
      await meta.close();
    }
  });
});
