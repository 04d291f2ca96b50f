/**
 * Outgoing webhooks: POST JSON to the contact point's URL, signed so the receiver can check it came from
 * us and is fresh:
 *
 *   X-DataInsight-Timestamp: <unix ms>
 *   X-DataInsight-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
 *   Idempotency-Key: <idempotencyKey>   (the same on every retry of a delivery: receivers dedupe on it)
 *
 * 2xx -> sent; 410 Gone -> the endpoint is retired (contact invalid); 429 -> Retry-After; 408 and 5xx,
 * timeouts and network errors -> transient; 3xx (redirects are not followed: the signature names one
 * URL) and other 4xx -> permanent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage, SendResult } from '../../port.js';
import { parseRetryAfter } from '../../retry-after.js';

export interface WebhookChannelOptions {
  /** Whole-request timeout, connect to response headers. */
  timeoutMs: number;
  /** Clock for the timestamp header (tests). */
  now?: () => number;
}

const DEFAULT_RATE_LIMIT_MS = 60_000;

/** The JSON sent when the rendered message has no `json` of its own. */
export function defaultWebhookBody(msg: OutgoingMessage): Record<string, unknown> {
  const { subject, text, url } = msg.message;
  return {
    subject,
    text,
    ...(url !== undefined ? { url } : {}),
    priority: msg.priority,
    idempotencyKey: msg.idempotencyKey,
  };
}

/** `sha256=<hex>` over `${timestamp}.${body}`, body as the exact bytes sent. */
export function signWebhookBody(secret: string, timestamp: string | number, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * For receivers: true when `signature` is ours for this timestamp and raw body, and the timestamp is
 * within `toleranceMs` of `now` (replay protection). Compare in constant time; pass the raw body bytes,
 * not re-serialised JSON.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Buffer,
  signature: string | undefined,
  toleranceMs: number,
  now: number = Date.now(),
): boolean {
  const ts = String(timestamp ?? '');
  if (!/^\d{1,16}$/.test(ts) || Math.abs(now - Number(ts)) > toleranceMs) return false;
  if (!signature || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = Buffer.from(signWebhookBody(secret, ts, body));
  return timingSafeEqual(expected, Buffer.from(signature.toLowerCase()));
}

export function classifyWebhookResponse(status: number, headers: Headers, detail: string): Error {
  const message = `webhook: receiver answered ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 410) return new PermanentDeliveryError(message, true, '410');
  if (status === 429) {
    return new RateLimitedError(
      message,
      parseRetryAfter(headers.get('retry-after')) ?? DEFAULT_RATE_LIMIT_MS,
    );
  }
  if (status === 408 || status >= 500) return new Error(message);
  if (status >= 300 && status < 400) {
    return new PermanentDeliveryError(
      `${message} (redirect to ${headers.get('location') ?? '?'} not followed)`,
      false,
      String(status),
    );
  }
  return new PermanentDeliveryError(message, false, String(status));
}

export function createWebhookChannel(opts: WebhookChannelOptions): Channel {
  const now = opts.now ?? Date.now;
  return {
    kind: 'webhook',
    provider: 'webhook',
    async send(msg: OutgoingMessage): Promise<SendResult> {
      if (msg.to.kind !== 'webhook')
        throw new PermanentDeliveryError(`webhook: cannot send to ${msg.to.kind}`);
      const { url, secret } = msg.to;
      if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
        throw new PermanentDeliveryError('webhook: the contact point URL is not http(s)', true);
      }
      const body = JSON.stringify(msg.message.json ?? defaultWebhookBody(msg));
      const timestamp = String(now());
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-DataInsight-Timestamp': timestamp,
            'X-DataInsight-Signature': signWebhookBody(secret, timestamp, body),
            'Idempotency-Key': msg.idempotencyKey,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (err) {
        throw new Error(`webhook: request failed: ${(err as Error).name}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel();
        return { status: 'sent' };
      }
      const detail = (await res.text().catch(() => '')).slice(0, 200);
      throw classifyWebhookResponse(res.status, res.headers, detail);
    },
  };
}
