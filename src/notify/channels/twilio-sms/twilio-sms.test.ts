import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  inSequence,
  signedTwilioCallback,
  startFakeTwilio,
  twilioError,
  type FakeTwilio,
} from '../../../../test/support/providers/twilio.js';
import { PermanentDeliveryError, RateLimitedError, WebhookAuthError } from '../../errors.js';
import type { Channel, OutgoingMessage, StatusUpdate, WebhookRequest } from '../../port.js';
import { countSegments, createTwilioSmsChannel, twilioSignature } from './twilio-sms.js';
import { failure } from '../testing/failure.js';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
const FROM = '+15005550006';
const CALLBACK = 'https://di.example.com/api/v1/webhooks/twilio';

function outgoing(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    to: { kind: 'sms', phone: '+41791234567' },
    message: {
      subject: 'Alert [CRITICAL]: Boiler 3',
      text: 'Alert [CRITICAL]: Boiler 3 at 97 C\nhttps://di.example.com/alerts/a1',
    },
    priority: 'critical',
    idempotencyKey: 'dlv_42:1',
    ttlSeconds: 900,
    statusCallbackUrl: CALLBACK,
    ...over,
  };
}

describe('twilio sms channel: send', () => {
  let twilio: FakeTwilio;
  let channel: Channel;

  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    channel = createTwilioSmsChannel({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      baseUrl: twilio.baseUrl,
    });
  });
  afterAll(() => twilio.close());
  beforeEach(() => twilio.reset());

  it('posts exactly the documented request and maps the 201 to the message SID', async () => {
    const result = await channel.send(outgoing());
    expect(twilio.requests).toHaveLength(1);
    const req = twilio.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(req.headers.authorization).toBe(
      `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
    );
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers['i-twilio-idempotency-token']).toBe('dlv_42:1');
    expect(req.body).toEqual({
      To: '+41791234567',
      From: FROM,
      Body: 'Alert [CRITICAL]: Boiler 3 at 97 C\nhttps://di.example.com/alerts/a1',
      StatusCallback: CALLBACK,
      ValidityPeriod: '900',
    });
    const [sid] = [...twilio.messages.keys()];
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(result).toEqual({ providerId: sid, status: 'sent' });
  });

  it('sends through a Messaging Service instead of a From number, and without a callback when none is asked', async () => {
    const viaService = createTwilioSmsChannel({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      baseUrl: twilio.baseUrl,
    });
    await viaService.send(outgoing({ statusCallbackUrl: undefined }));
    expect(twilio.requests[0]!.body).toEqual({
      To: '+41791234567',
      MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      Body: outgoing().message.text,
      ValidityPeriod: '900',
    });
  });

  it('resolves a relative callback against statusCallbackBaseUrl', async () => {
    const ch = createTwilioSmsChannel({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      baseUrl: twilio.baseUrl,
      statusCallbackBaseUrl: 'https://di.example.com/',
    });
    await ch.send(outgoing({ statusCallbackUrl: '/api/v1/webhooks/twilio' }));
    expect(twilio.requests[0]!.body.StatusCallback).toBe(CALLBACK);
  });

  it.each([
    [0, '1'],
    [0.5, '1'],
    [90.9, '90'],
    [36_000, '36000'],
    [7 * 86_400, '36000'],
  ])('ttl %s s -> ValidityPeriod %s (Twilio allows 1..36000)', async (ttlSeconds, expected) => {
    await channel.send(outgoing({ ttlSeconds }));
    expect(twilio.requests[0]!.body.ValidityPeriod).toBe(expected);
  });

  it('keeps a long text to 3 segments', async () => {
    const text = Array.from({ length: 150 }, (_, i) => `Sensor ${i} over limit`).join('; ');
    await channel.send(outgoing({ message: { subject: 's', text } }));
    const body = twilio.requests[0]!.body.Body!;
    expect(countSegments(body).segments).toBeLessThanOrEqual(3);
    expect(body.endsWith('...')).toBe(true);
    expect(text.startsWith(body.slice(0, -3))).toBe(true);
  });

  it('refuses an address of another kind without calling Twilio', async () => {
    const err = await failure(channel.send(outgoing({ to: { kind: 'email', email: 'x@example.com' } })));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(twilio.requests).toHaveLength(0);
  });

  describe('error classification', () => {
    it('429 with Retry-After -> RateLimitedError with that wait', async () => {
      twilio.respondWith(inSequence(twilioError(429, 20429, 'Too Many Requests', { 'retry-after': '7' })));
      const err = await failure(channel.send(outgoing()));
      expect(err).toBeInstanceOf(RateLimitedError);
      expect((err as RateLimitedError).retryAfterMs).toBe(7000);
    });

    it('429 without Retry-After -> RateLimitedError with the default wait', async () => {
      const ch = createTwilioSmsChannel({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        from: FROM,
        baseUrl: twilio.baseUrl,
        defaultRetryAfterMs: 2500,
      });
      twilio.respondWith(inSequence(twilioError(429, 20429, 'Too Many Requests')));
      const err = await failure(ch.send(outgoing()));
      expect(err).toBeInstanceOf(RateLimitedError);
      expect((err as RateLimitedError).retryAfterMs).toBe(2500);
    });

    it.each([
      [21211, "Invalid 'To' Phone Number", true],
      [21610, 'Attempt to send to unsubscribed recipient', true],
      [21614, "'To' number is not a valid mobile number", true],
      [30005, 'Unknown destination handset', true],
      [30006, 'Landline or unreachable carrier', true],
      [30003, 'Unreachable destination handset', false],
      [
        21408,
        'Permission to send an SMS has not been enabled for the region indicated by the To number',
        false,
      ],
      [21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number", false],
    ])(
      '400 code %i (%s) -> PermanentDeliveryError, contactInvalid %s',
      async (code, message, contactInvalid) => {
        twilio.respondWith(inSequence(twilioError(400, code, message)));
        const err = await failure(channel.send(outgoing()));
        expect(err).toBeInstanceOf(PermanentDeliveryError);
        expect(err).toMatchObject({ contactInvalid, providerCode: String(code) });
      },
    );

    it("the fake's own validation: a malformed number is 21211, contact invalid", async () => {
      const err = await failure(channel.send(outgoing({ to: { kind: 'sms', phone: '0791234567' } })));
      expect(err).toMatchObject({
        name: 'PermanentDeliveryError',
        contactInvalid: true,
        providerCode: '21211',
      });
    });

    it('wrong credentials -> 401 20003 -> PermanentDeliveryError (configuration, not the contact)', async () => {
      const wrong = createTwilioSmsChannel({
        accountSid: ACCOUNT_SID,
        authToken: 'not-the-token',
        from: FROM,
        baseUrl: twilio.baseUrl,
      });
      const err = await failure(wrong.send(outgoing()));
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err).toMatchObject({ contactInvalid: false, providerCode: '20003' });
    });

    it('403 -> PermanentDeliveryError (configuration)', async () => {
      twilio.respondWith(inSequence(twilioError(403, 20403, 'Forbidden')));
      const err = await failure(channel.send(outgoing()));
      expect(err).toMatchObject({ name: 'PermanentDeliveryError', contactInvalid: false });
    });

    it('5xx -> transient (a plain Error)', async () => {
      twilio.respondWith(inSequence(twilioError(503, 20500, 'Service Unavailable')));
      const err = await failure(channel.send(outgoing()));
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(PermanentDeliveryError);
      expect(err).not.toBeInstanceOf(RateLimitedError);
    });

    it('a scripted outage: 500, 500, 429, then accepted - each attempt classified, same idempotency token', async () => {
      twilio.respondWith(
        inSequence(
          twilioError(500, 20500, 'Internal Server Error'),
          { status: 500, body: 'upstream exploded' },
          twilioError(429, 20429, 'Too Many Requests', { 'retry-after': '1' }),
        ),
      );
      const outcomes: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        outcomes.push(
          await channel.send(outgoing()).then(
            (r) => `sent ${r.providerId?.slice(0, 2)}`,
            (e: Error) => e.name,
          ),
        );
      }
      expect(outcomes).toEqual(['Error', 'Error', 'RateLimitedError', 'sent SM']);
      expect(new Set(twilio.requests.map((r) => r.headers['i-twilio-idempotency-token']))).toEqual(
        new Set(['dlv_42:1']),
      );
    });

    it('network failure -> transient', async () => {
      const dead = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
      await dead.close();
      const ch = createTwilioSmsChannel({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        from: FROM,
        baseUrl: dead.baseUrl,
      });
      const err = await failure(ch.send(outgoing()));
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(PermanentDeliveryError);
      expect((err as Error).message).toMatch(/^twilio: request failed/);
    });
  });

  it('rejects a configuration without a sender, or with both kinds', () => {
    expect(() => createTwilioSmsChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN })).toThrow(
      /exactly one/,
    );
    expect(() =>
      createTwilioSmsChannel({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        from: FROM,
        messagingServiceSid: 'MG1',
      }),
    ).toThrow(/exactly one/);
  });
});

describe('twilio sms channel: status callbacks', () => {
  const channel = createTwilioSmsChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM });
  const params = (over: Record<string, string> = {}): Record<string, string> => ({
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    From: FROM,
    MessageSid: 'SM0123456789abcdef0123456789abcdef',
    MessageStatus: 'delivered',
    SmsSid: 'SM0123456789abcdef0123456789abcdef',
    SmsStatus: 'delivered',
    To: '+41791234567',
    ...over,
  });
  const handle = (req: WebhookRequest) => channel.handleWebhook!(req);

  it("reproduces Twilio's published signature example, whatever the order of the form fields", () => {
    const body =
      'To=%2B18005551212&Digits=1234&From=%2B14158675309&CallSid=CA1234567890ABCDE&Caller=%2B14158675309';
    const params = new URLSearchParams(body);
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe(
      'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
    );
  });

  it('accepts a genuine signed callback', () => {
    expect(handle(signedTwilioCallback(AUTH_TOKEN, CALLBACK, params()))).toEqual({
      updates: [{ providerId: 'SM0123456789abcdef0123456789abcdef', status: 'delivered' }],
    });
  });

  it('accepts the URL with the default port made explicit (Twilio signs either way)', () => {
    const req = signedTwilioCallback(AUTH_TOKEN, CALLBACK, params());
    expect(handle({ ...req, url: 'https://di.example.com:443/api/v1/webhooks/twilio' }).updates).toHaveLength(
      1,
    );
  });

  it.each([
    [
      'unsigned',
      (r: WebhookRequest): WebhookRequest => ({
        ...r,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ],
    [
      'signed with another token',
      (): WebhookRequest => signedTwilioCallback('some-other-token', CALLBACK, params()),
    ],
    [
      'tampered body',
      (r: WebhookRequest): WebhookRequest => ({
        ...r,
        rawBody: Buffer.from(r.rawBody.toString().replace('delivered', 'failed')),
      }),
    ],
    [
      'an extra parameter',
      (r: WebhookRequest): WebhookRequest => ({
        ...r,
        rawBody: Buffer.concat([r.rawBody, Buffer.from('&ErrorCode=21610')]),
      }),
    ],
    [
      'another URL',
      (r: WebhookRequest): WebhookRequest => ({ ...r, url: 'https://di.example.com/api/v1/webhooks/other' }),
    ],
  ])('refuses a callback that is %s with 403', (_name, mutate) => {
    const req = mutate(signedTwilioCallback(AUTH_TOKEN, CALLBACK, params()));
    let err: unknown;
    try {
      handle(req);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WebhookAuthError);
    expect((err as WebhookAuthError).status).toBe(403);
  });

  it.each([
    ['accepted', 'sending'],
    ['queued', 'sending'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'cancelled'],
  ])('maps MessageStatus %s to %s', (twilioStatus, ours) => {
    const { updates } = handle(
      signedTwilioCallback(
        AUTH_TOKEN,
        CALLBACK,
        params({ MessageStatus: twilioStatus, SmsStatus: twilioStatus }),
      ),
    );
    expect(updates.map((u) => u.status)).toEqual([ours]);
  });

  it('ignores statuses that are not about outbound delivery', () => {
    expect(
      handle(
        signedTwilioCallback(
          AUTH_TOKEN,
          CALLBACK,
          params({ MessageStatus: 'received', SmsStatus: 'received' }),
        ),
      ).updates,
    ).toEqual([]);
  });

  it.each([
    ['undelivered', '30005', true],
    ['undelivered', '30006', true],
    ['failed', '21610', true],
    ['undelivered', '30003', false],
    ['undelivered', '30007', false],
  ])('%s with ErrorCode %s -> contactInvalid %s', (status, code, contactInvalid) => {
    const [u] = handle(
      signedTwilioCallback(
        AUTH_TOKEN,
        CALLBACK,
        params({ MessageStatus: status, SmsStatus: status, ErrorCode: code }),
      ),
    ).updates;
    expect(u).toEqual({
      providerId: 'SM0123456789abcdef0123456789abcdef',
      status,
      reason: code,
      ...(contactInvalid ? { contactInvalid: true } : {}),
    });
  });

  it('answers other methods with 405', () => {
    expect(
      handle({ method: 'GET', url: CALLBACK, headers: {}, rawBody: Buffer.alloc(0), query: {} }).response
        ?.status,
    ).toBe(405);
  });
});

describe('twilio sms channel: send, then the fake posts the status callback over HTTP', () => {
  let twilio: FakeTwilio;
  let receiver: Server;
  let callbackUrl: string;
  const received: Array<{ updates: StatusUpdate[] } | { error: string }> = [];

  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    // A stand-in for the webhook route: the adapter sees the URL Twilio called and the raw bytes.
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          received.push(
            channel.handleWebhook!({
              method: req.method ?? '',
              url: `${callbackUrl.replace(/\/api.*$/, '')}${req.url}`,
              headers: req.headers,
              rawBody: Buffer.concat(chunks),
              query: {},
            }),
          );
          res.writeHead(200).end();
        } catch (e) {
          received.push({ error: (e as Error).name });
          res.writeHead(403).end();
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/v1/webhooks/twilio`;
    channel = createTwilioSmsChannel({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      baseUrl: twilio.baseUrl,
    });
  });
  afterAll(async () => {
    await twilio.close();
    await new Promise((r) => receiver.close(r));
  });
  let channel: Channel;

  it('the delivered status reaches the adapter signed, for the SID send returned', async () => {
    const { providerId } = await channel.send(outgoing({ statusCallbackUrl: callbackUrl }));
    const res = await twilio.sendStatusCallback(providerId!, 'delivered');
    expect(res.status).toBe(200);
    expect(received).toEqual([{ updates: [{ providerId, status: 'delivered' }] }]);
  });
});
