import fc from 'fast-check';
import webpush from 'web-push';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decryptAes128gcm,
  startPushService,
  type TestPushService,
  type TestSubscription,
} from '../../../../test/support/providers/push.js';
import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage } from '../../port.js';
import { createWebPushChannel, MAX_PAYLOAD_BYTES, pushPayload, topicFor } from './web-push.js';
import { failure } from '../testing/failure.js';

const VAPID = { subject: 'mailto:ops@datainsight.test', ...webpush.generateVAPIDKeys() };

function outgoing(sub: TestSubscription | null, over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    to: {
      kind: 'push',
      subscription: sub?.subscription ?? {
        endpoint: 'https://127.0.0.1:9/push/none',
        keys: { p256dh: 'x', auth: 'y' },
      },
    },
    message: {
      subject: 'CRITICAL: Boiler 3 at 97 °C',
      text: 'Limit 90 °C, rising 2 °C/min.',
      url: 'https://app.test/alerts/42',
    },
    priority: 'critical',
    idempotencyKey: 'dlv_42',
    ttlSeconds: 900,
    ...over,
  };
}

describe('web push channel', () => {
  let push: TestPushService;
  let channel: Channel;
  let sub: TestSubscription;

  beforeEach(async () => {
    push = await startPushService();
    channel = createWebPushChannel({ vapid: VAPID, agent: push.agent });
    sub = push.subscribe();
  });
  afterEach(() => push.close());

  it('POSTs an aes128gcm body with TTL, Urgency, Topic and VAPID headers; the payload decrypts', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await channel.send(outgoing(sub));

    expect(channel).toMatchObject({ kind: 'push', provider: 'webpush' });
    expect(result).toEqual({ providerId: `${push.origin}/message/1`, status: 'sent' });
    expect(push.received).toHaveLength(1);
    const [req] = push.received;
    expect(req).toMatchObject({ subscriptionId: sub.id, method: 'POST' });
    expect(req?.headers).toMatchObject({
      ttl: '900',
      urgency: 'high',
      topic: topicFor('dlv_42'),
      'content-encoding': 'aes128gcm',
      'content-type': 'application/octet-stream',
      'content-length': String(req?.body.length),
    });
    // RFC 8188 header: salt(16) | rs(4) | idlen(1) = 65 | the sender's ephemeral public key
    expect(req?.body.readUInt32BE(16)).toBe(4096);
    expect(req?.body[20]).toBe(65);
    expect(req?.body[21]).toBe(0x04);
    expect(req?.decryptError).toBeUndefined();
    expect(JSON.parse(req?.payload ?? 'null')).toEqual({
      title: 'CRITICAL: Boiler 3 at 97 °C',
      body: 'Limit 90 °C, rising 2 °C/min.',
      url: 'https://app.test/alerts/42',
      priority: 'critical',
      tag: 'dlv_42',
    });
    // RFC 8292: vapid t=<ES256 JWT for the push service origin>, k=<our public key>
    expect(req?.vapid).toMatchObject({ publicKey: VAPID.publicKey, signatureValid: true });
    expect(req?.vapid?.header).toEqual({ typ: 'JWT', alg: 'ES256' });
    expect(req?.vapid?.claims).toMatchObject({ aud: push.origin, sub: VAPID.subject });
    expect(req?.vapid?.claims.exp).toBeGreaterThan(before);
    expect(req?.vapid?.claims.exp).toBeLessThanOrEqual(before + 24 * 3600 + 1);
  });

  it.each([
    ['critical', 'high'],
    ['high', 'high'],
    ['medium', 'normal'],
    ['low', 'low'],
  ] as const)('maps priority %s to Urgency: %s', async (priority, urgency) => {
    await channel.send(outgoing(sub, { priority, ttlSeconds: 60 }));
    expect(push.received[0]?.headers).toMatchObject({ urgency, ttl: '60' });
    expect(JSON.parse(push.received[0]?.payload ?? '{}')).toMatchObject({ priority });
  });

  it('is sent without a providerId when the service gives no Location', async () => {
    push.replyNext({ status: 201 });
    await expect(channel.send(outgoing(sub))).resolves.toEqual({ status: 'sent' });
  });

  it.each([
    [410, 'push subscription has unsubscribed or expired.'],
    [404, 'Not Found'],
  ])('a %i means the subscription is gone: permanent, contact invalid', async (status, body) => {
    push.replyNext({ status, body });
    const err = await failure(channel.send(outgoing(sub)));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: true, providerCode: String(status) });
    expect((err as Error).message).toContain(body);
  });

  it('an expired subscription stays gone on the next send', async () => {
    push.expire(sub.id);
    const err = await failure(channel.send(outgoing(sub)));
    expect(err).toMatchObject({ name: 'PermanentDeliveryError', contactInvalid: true, providerCode: '410' });
  });

  it.each([
    [413, 'Payload Too Large'],
    [400, 'Bad Request'],
    [403, 'invalid JWT provided'],
  ])('a %i is permanent, not the subscription’s fault', async (status, body) => {
    push.replyNext({ status, body });
    const err = await failure(channel.send(outgoing(sub)));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: false, providerCode: String(status) });
  });

  it('a 429 honours Retry-After in seconds, as an HTTP-date, or waits a minute', async () => {
    push.replyNext({ status: 429, headers: { 'Retry-After': '120' } });
    push.replyNext({ status: 429, headers: { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() } });
    push.replyNext({ status: 429 });
    const [seconds, date, none] = [
      await failure(channel.send(outgoing(sub))),
      await failure(channel.send(outgoing(sub))),
      await failure(channel.send(outgoing(sub))),
    ];
    expect(seconds).toBeInstanceOf(RateLimitedError);
    expect(seconds).toMatchObject({ retryAfterMs: 120_000 });
    expect((date as RateLimitedError).retryAfterMs).toBeGreaterThan(25_000);
    expect((date as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(none).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 60_000 });
  });

  it.each([500, 502, 503])('a %i is transient', async (status) => {
    push.replyNext({ status, body: 'upstream trouble' });
    const err = await failure(channel.send(outgoing(sub)));
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err).not.toBeInstanceOf(RateLimitedError);
  });

  it('a push service that is down is transient', async () => {
    await push.close();
    const err = await failure(channel.send(outgoing(sub)));
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err).not.toBeInstanceOf(RateLimitedError);
    push = await startPushService(); // for afterEach
  });

  it('refuses a malformed subscription as an invalid contact, without a request', async () => {
    const http = outgoing(sub);
    if (http.to.kind === 'push') http.to.subscription = { ...sub.subscription, endpoint: 'http://x.test/p' };
    for (const msg of [outgoing(null), http]) {
      const err = await failure(channel.send(msg));
      expect(err).toMatchObject({ name: 'PermanentDeliveryError', contactInvalid: true });
    }
    const wrongKind = await failure(
      channel.send({ ...outgoing(sub), to: { kind: 'email', email: 'a@b.c' } }),
    );
    expect(wrongKind).toBeInstanceOf(PermanentDeliveryError);
    expect(push.received).toHaveLength(0);
  });

  it('shortens a long body so the message fits, and it still decrypts', async () => {
    await channel.send(outgoing(sub, { message: { subject: 'Long', text: 'é'.repeat(5000) } }));
    const payload = JSON.parse(push.received[0]?.payload ?? '{}') as { body: string };
    expect(Buffer.byteLength(push.received[0]?.payload ?? '')).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(payload.body).toMatch(/^é+…$/);
    expect(push.received[0]?.body.length).toBeLessThanOrEqual(4096);
  });
});

describe('createWebPushChannel', () => {
  it('rejects a malformed VAPID configuration at construction', () => {
    expect(() => createWebPushChannel({ vapid: { ...VAPID, subject: 'ops@datainsight.test' } })).toThrow(
      /subject/,
    );
    expect(() => createWebPushChannel({ vapid: { ...VAPID, publicKey: 'short' } })).toThrow(/public key/i);
    expect(() => createWebPushChannel({ vapid: { ...VAPID, privateKey: 'short' } })).toThrow(/private key/i);
  });
});

describe('pushPayload', () => {
  it('always fits one push message and keeps a prefix of the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 6000 }), (text) => {
        const json = pushPayload(outgoing(null, { message: { subject: 'S', text } }));
        expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
        const body = (JSON.parse(json) as { body: string }).body;
        if (body !== text) expect(text.startsWith(body.replace(/…$/, ''))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('topicFor', () => {
  it('is a stable Topic of at most 32 base64url characters', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        expect(topicFor(key)).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
        expect(topicFor(key)).toBe(topicFor(key));
      }),
    );
  });
});

describe('decryptAes128gcm (test push service)', () => {
  it('opens the RFC 8291 Appendix A example', () => {
    const body = Buffer.from(
      'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6Tlz' +
        'AC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
      'base64url',
    );
    const uaPrivate = Buffer.from('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94', 'base64url');
    const auth = Buffer.from('BTBZMqHH6r4Tts7J_aSIgg', 'base64url');
    expect(decryptAes128gcm(body, uaPrivate, auth).toString()).toBe(
      'When I grow up, I want to be a watermelon',
    );
    const tampered = Buffer.from(body);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x40;
    expect(() => decryptAes128gcm(tampered, uaPrivate, auth)).toThrow();
  });
});
