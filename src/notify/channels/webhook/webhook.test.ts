import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startWebhookReceiver,
  type TestWebhookReceiver,
} from '../../../../test/support/providers/webhook-receiver.js';
import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage } from '../../port.js';
import { parseRetryAfter } from '../../retry-after.js';
import { createWebhookChannel, signWebhookBody, verifyWebhookSignature } from './webhook.js';
import { failure } from '../testing/failure.js';

const NOW = 1_790_000_000_000;
const SECRET = 'whsec_test_3f9a';

function outgoing(url: string, over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    to: { kind: 'webhook', url, secret: SECRET },
    message: {
      subject: 'CRITICAL: Boiler 3',
      text: 'Boiler 3 at 97 °C',
      url: 'https://app.test/alerts/42',
      json: { alert: { id: 42, rule: 'boiler-temp', value: 97, unit: '°C' }, priority: 'critical' },
    },
    priority: 'critical',
    idempotencyKey: 'dlv_42',
    ttlSeconds: 600,
    ...over,
  };
}

describe('webhook channel', () => {
  let receiver: TestWebhookReceiver;
  let channel: Channel;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    channel = createWebhookChannel({ timeoutMs: 2_000, now: () => NOW });
  });
  afterEach(() => receiver.close());

  it('POSTs the JSON with timestamp, HMAC signature and idempotency key', async () => {
    const result = await channel.send(outgoing(receiver.url('/hooks/ops')));

    expect(channel).toMatchObject({ kind: 'webhook', provider: 'webhook' });
    expect(result).toEqual({ status: 'sent' });
    expect(receiver.received).toHaveLength(1);
    const [req] = receiver.received;
    const body = '{"alert":{"id":42,"rule":"boiler-temp","value":97,"unit":"°C"},"priority":"critical"}';
    const expectedSignature = createHmac('sha256', SECRET).update(`${NOW}.${body}`).digest('hex');
    expect(req).toMatchObject({ method: 'POST', path: '/hooks/ops' });
    expect(req?.rawBody.toString('utf8')).toBe(body);
    expect(req?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-datainsight-timestamp': String(NOW),
      'x-datainsight-signature': `sha256=${expectedSignature}`,
      'idempotency-key': 'dlv_42',
    });
  });

  it('sends a default shape when the message has no json', async () => {
    const msg = outgoing(receiver.url());
    delete msg.message.json;
    await channel.send(msg);
    expect(receiver.received[0]?.json).toEqual({
      subject: 'CRITICAL: Boiler 3',
      text: 'Boiler 3 at 97 °C',
      url: 'https://app.test/alerts/42',
      priority: 'critical',
      idempotencyKey: 'dlv_42',
    });
  });

  it('what the receiver gets verifies with verifyWebhookSignature', async () => {
    const live = createWebhookChannel({ timeoutMs: 2_000 });
    await live.send(outgoing(receiver.url()));
    const [req] = receiver.received;
    const ts = req?.headers['x-datainsight-timestamp'] as string;
    const sig = req?.headers['x-datainsight-signature'] as string;
    expect(verifyWebhookSignature(SECRET, ts, req?.rawBody ?? Buffer.alloc(0), sig, 60_000)).toBe(true);
    expect(verifyWebhookSignature('other-secret', ts, req?.rawBody ?? Buffer.alloc(0), sig, 60_000)).toBe(
      false,
    );
  });

  it.each([200, 201, 202, 204])('a %i is sent', async (status) => {
    receiver.replyNext({ status });
    await expect(channel.send(outgoing(receiver.url()))).resolves.toEqual({ status: 'sent' });
  });

  it('410 Gone retires the endpoint: permanent, contact invalid', async () => {
    receiver.replyAlways('/old', { status: 410, body: 'endpoint removed' });
    const err = await failure(channel.send(outgoing(receiver.url('/old'))));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: true, providerCode: '410' });
    expect((err as Error).message).toContain('endpoint removed');
  });

  it.each([400, 401, 403, 404, 422])('a %i is permanent, contact still valid', async (status) => {
    receiver.replyNext({ status, body: 'nope' });
    const err = await failure(channel.send(outgoing(receiver.url())));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: false, providerCode: String(status) });
  });

  it('does not follow a redirect: permanent, one request', async () => {
    receiver.replyNext({ status: 307, headers: { Location: receiver.url('/elsewhere') } });
    const err = await failure(channel.send(outgoing(receiver.url())));
    expect(err).toMatchObject({ name: 'PermanentDeliveryError', contactInvalid: false, providerCode: '307' });
    expect((err as Error).message).toContain('/elsewhere');
    expect(receiver.received).toHaveLength(1);
  });

  it('a 429 honours Retry-After in seconds, as an HTTP-date, or waits a minute', async () => {
    receiver.replyNext({ status: 429, headers: { 'Retry-After': '7' } });
    receiver.replyNext({
      status: 429,
      headers: { 'Retry-After': new Date(Date.now() + 20_000).toUTCString() },
    });
    receiver.replyNext({ status: 429 });
    const seconds = await failure(channel.send(outgoing(receiver.url())));
    const date = await failure(channel.send(outgoing(receiver.url())));
    const none = await failure(channel.send(outgoing(receiver.url())));
    expect(seconds).toBeInstanceOf(RateLimitedError);
    expect(seconds).toMatchObject({ retryAfterMs: 7_000 });
    expect((date as RateLimitedError).retryAfterMs).toBeGreaterThan(15_000);
    expect((date as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(20_000);
    expect(none).toMatchObject({ name: 'RateLimitedError', retryAfterMs: 60_000 });
  });

  it.each([408, 500, 502, 503])('a %i is transient', async (status) => {
    receiver.replyNext({ status });
    const err = await failure(channel.send(outgoing(receiver.url())));
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err).not.toBeInstanceOf(RateLimitedError);
  });

  it('a receiver slower than timeoutMs is transient', async () => {
    const quick = createWebhookChannel({ timeoutMs: 100 });
    receiver.replyNext({ status: 200, delayMs: 1_000 });
    const started = Date.now();
    const err = await failure(quick.send(outgoing(receiver.url())));
    expect(Date.now() - started).toBeLessThan(900);
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect((err as Error).message).toMatch(/^webhook: request failed: TimeoutError/);
  });

  it('a receiver that is down is transient', async () => {
    await receiver.close();
    const err = await failure(channel.send(outgoing(receiver.url())));
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err).not.toBeInstanceOf(RateLimitedError);
    receiver = await startWebhookReceiver(); // for afterEach
  });

  it('refuses a URL that is not http(s), or an address of another kind, without a request', async () => {
    for (const url of ['ftp://example.test/x', 'not a url', 'file:///etc/passwd']) {
      const err = await failure(channel.send(outgoing(url)));
      expect(err).toMatchObject({ name: 'PermanentDeliveryError', contactInvalid: true });
    }
    const other = await failure(
      channel.send({ ...outgoing(receiver.url()), to: { kind: 'email', email: 'a@b.c' } }),
    );
    expect(other).toBeInstanceOf(PermanentDeliveryError);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"a":1}';
  const sig = signWebhookBody(SECRET, NOW, body);

  it('accepts a fresh, matching signature (string or Buffer body, any hex case)', () => {
    expect(verifyWebhookSignature(SECRET, String(NOW), body, sig, 300_000, NOW + 299_000)).toBe(true);
    expect(
      verifyWebhookSignature(
        SECRET,
        NOW,
        Buffer.from(body),
        sig.toUpperCase().replace('SHA256', 'sha256'),
        0,
        NOW,
      ),
    ).toBe(true);
  });

  it('rejects stale or future timestamps, other bodies, secrets and malformed signatures', () => {
    expect(verifyWebhookSignature(SECRET, NOW, body, sig, 300_000, NOW + 300_001)).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW, body, sig, 300_000, NOW - 300_001)).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW + 1, body, sig, 300_000, NOW)).toBe(false);
    expect(verifyWebhookSignature(SECRET, NOW, '{"a":2}', sig, 300_000, NOW)).toBe(false);
    expect(verifyWebhookSignature('x', NOW, body, sig, 300_000, NOW)).toBe(false);
    for (const bad of [
      undefined,
      '',
      'sha256=',
      sig.slice(0, -1),
      sig.replace('sha256=', 'sha1='),
      `${sig}00`,
    ]) {
      expect(verifyWebhookSignature(SECRET, NOW, body, bad, 300_000, NOW)).toBe(false);
    }
    for (const ts of [undefined, '', 'abc', '1.5e12', '-1']) {
      expect(verifyWebhookSignature(SECRET, ts, body, sig, Number.MAX_SAFE_INTEGER, NOW)).toBe(false);
    }
  });

  it('any body: its own signature verifies, a changed byte does not', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        (secret, bytes, index) => {
          const raw = Buffer.from(bytes);
          const signature = signWebhookBody(secret, NOW, raw);
          expect(verifyWebhookSignature(secret, NOW, raw, signature, 1_000, NOW)).toBe(true);
          const tampered = Buffer.from(raw);
          const i = index % tampered.length;
          tampered[i] = (tampered[i] ?? 0) ^ 0x01;
          expect(verifyWebhookSignature(secret, NOW, tampered, signature, 1_000, NOW)).toBe(false);
        },
      ),
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates, and nothing else', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(['5', '9'], now)).toBe(5_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    for (const v of [undefined, null, '', ' ', 'soon', '-5']) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});
