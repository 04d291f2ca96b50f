/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291), through the
 * web-push library. The payload is what our service worker shows: { title, body, url, priority, tag }.
 *
 * Push service answers: 201 Created (Location names the message) -> sent; 404/410 -> the subscription
 * is gone (contact invalid: remove it); 413 -> payload too large; other 4xx (400 malformed, 401/403
 * VAPID rejected) -> permanent; 429 -> rate limited (Retry-After); 5xx and network errors -> transient.
 */
import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import webpush from 'web-push';
import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage, SendResult } from '../../port.js';
import { parseRetryAfter } from '../../retry-after.js';

export interface WebPushChannelOptions {
  /** VAPID: subject is a mailto: or https: URL; keys as `web-push generate-vapid-keys` prints them. */
  vapid: { subject: string; publicKey: string; privateKey: string };
  /** Socket idle timeout per request (default 10 s). */
  timeoutMs?: number;
  /** TLS agent for the push service connection (tests: one that trusts a local certificate). */
  agent?: Agent;
}

type PushSubscription = { endpoint: string; keys: { p256dh: string; auth: string } };

/** RFC 8291 §4: push services must accept 4096-byte bodies; minus header (86), tag (16), delimiter (1). */
export const MAX_PAYLOAD_BYTES = 3993;
const DEFAULT_RATE_LIMIT_MS = 60_000;

const URGENCY: Record<OutgoingMessage['priority'], webpush.Urgency> = {
  critical: 'high',
  high: 'high',
  medium: 'normal',
  low: 'low',
};

/** RFC 8030 §5.4 Topic: ≤ 32 base64url chars. A resend of the same delivery replaces a queued copy. */
export function topicFor(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 32);
}

/** The JSON our service worker receives, with `body` shortened until it fits one push message. */
export function pushPayload(msg: OutgoingMessage): string {
  const { subject, text, url } = msg.message;
  const build = (body: string) =>
    JSON.stringify({ title: subject, body, url, priority: msg.priority, tag: msg.idempotencyKey });
  let body = text;
  let json = build(body);
  while (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES && body.length > 0) {
    const chars = Array.from(body);
    const excess = Buffer.byteLength(json) - MAX_PAYLOAD_BYTES;
    body = `${chars.slice(0, Math.max(0, chars.length - Math.ceil(excess / 4) - 1)).join('')}…`;
    if (body === '…') body = '';
    json = build(body);
  }
  return json;
}

function checkSubscription(sub: PushSubscription): void {
  const bad = (why: string) => new PermanentDeliveryError(`webpush: invalid subscription: ${why}`, true);
  let endpoint: URL;
  try {
    endpoint = new URL(sub.endpoint);
  } catch {
    throw bad('endpoint is not a URL');
  }
  if (endpoint.protocol !== 'https:') throw bad('endpoint is not https');
  const p256dh = Buffer.from(sub.keys.p256dh, 'base64url');
  if (p256dh.length !== 65 || p256dh[0] !== 4) throw bad('p256dh is not an uncompressed P-256 point');
  if (Buffer.from(sub.keys.auth, 'base64url').length < 16) throw bad('auth secret shorter than 16 bytes');
}

export function classifyWebPushError(err: unknown): Error {
  if (!(err instanceof webpush.WebPushError)) return err instanceof Error ? err : new Error(String(err));
  const status = err.statusCode;
  const detail = `webpush: push service answered ${status}${err.body ? `: ${err.body.slice(0, 200)}` : ''}`;
  if (status === 404 || status === 410) return new PermanentDeliveryError(detail, true, String(status));
  if (status === 429) {
    return new RateLimitedError(detail, parseRetryAfter(err.headers['retry-after']) ?? DEFAULT_RATE_LIMIT_MS);
  }
  if (status >= 400 && status < 500) return new PermanentDeliveryError(detail, false, String(status));
  return new Error(detail);
}

export function createWebPushChannel(opts: WebPushChannelOptions): Channel {
  // Reject a malformed VAPID subject or key at start-up rather than at the first critical alert.
  const { subject, publicKey, privateKey } = opts.vapid;
  webpush.getVapidHeaders('https://push.invalid', subject, publicKey, privateKey, 'aes128gcm');
  return {
    kind: 'push',
    provider: 'webpush',
    async send(msg: OutgoingMessage): Promise<SendResult> {
      if (msg.to.kind !== 'push') throw new PermanentDeliveryError(`webpush: cannot send to ${msg.to.kind}`);
      checkSubscription(msg.to.subscription);
      try {
        const res = await webpush.sendNotification(msg.to.subscription, pushPayload(msg), {
          TTL: Math.max(0, Math.floor(msg.ttlSeconds)),
          urgency: URGENCY[msg.priority],
          topic: topicFor(msg.idempotencyKey),
          contentEncoding: 'aes128gcm',
          vapidDetails: opts.vapid,
          timeout: opts.timeoutMs ?? 10_000,
          ...(opts.agent ? { agent: opts.agent } : {}),
        });
        const location = res.headers['location'];
        return { ...(location ? { providerId: location } : {}), status: 'sent' };
      } catch (err) {
        throw classifyWebPushError(err);
      }
    },
  };
}
