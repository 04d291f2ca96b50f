import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage, SendResult, WebhookRequest } from '../../port.js';
import { truncateToSegments } from './segments.js';
import { CONTACT_INVALID_CODES, parseTwilioStatusCallback, verifyTwilioRequest } from './webhook.js';
import { parseRetryAfter } from '../../retry-after.js';

/**
 * Twilio Programmable Messaging: POST /2010-04-01/Accounts/{AccountSid}/Messages.json (form body,
 * HTTP Basic AccountSid:AuthToken), errors as {code, message, more_info, status}.
 */

export interface TwilioSmsOptions {
  accountSid: string;
  authToken: string;
  /** Sender number (E.164) or alphanumeric ID; or send through a Messaging Service instead. */
  from?: string;
  messagingServiceSid?: string;
  baseUrl?: string;
  /** Resolves a relative `statusCallbackUrl` (a path) against the public base URL Twilio can reach. */
  statusCallbackBaseUrl?: string;
  /** Longest message, in SMS segments; longer text is cut with an ellipsis. */
  maxSegments?: number;
  timeoutMs?: number;
  /** Wait after a 429 that carries no Retry-After. */
  defaultRetryAfterMs?: number;
}

/**
 * Account-side problems: credentials, unknown account, region not enabled (geo permissions), sender
 * not SMS-capable or not reaching that carrier, trial limits. Not the contact's fault.
 */
const CONFIG_CODES = new Set(['20003', '20404', '21408', '21606', '21608', '21612', '21659', '21660']);
/** 21611: the sender's queue is full; it drains. */
const QUEUE_FULL = '21611';

export function classifyTwilioError(
  status: number,
  body: { code?: unknown; message?: unknown },
  retryAfter: string | null,
  defaultRetryAfterMs: number,
): Error {
  const code = body.code === undefined || body.code === null ? undefined : String(body.code);
  const text = `twilio: HTTP ${status}${code ? ` error ${code}` : ''}: ${typeof body.message === 'string' ? body.message : 'no message'}`;
  if (status === 429 || code === '20429')
    return new RateLimitedError(text, parseRetryAfter(retryAfter) ?? defaultRetryAfterMs);
  if (code === QUEUE_FULL)
    return new RateLimitedError(text, parseRetryAfter(retryAfter) ?? defaultRetryAfterMs);
  if (code && CONTACT_INVALID_CODES.has(code)) return new PermanentDeliveryError(text, true, code);
  if ((code && CONFIG_CODES.has(code)) || status === 401 || status === 403)
    return new PermanentDeliveryError(text, false, code);
  if (status >= 500) return new Error(text);
  // Any other 4xx: Twilio rejected this request as such, and sending it again changes nothing.
  if (status >= 400) return new PermanentDeliveryError(text, false, code);
  return new Error(text);
}

export function createTwilioSmsChannel(opts: TwilioSmsOptions): Channel {
  const { accountSid, authToken, from, messagingServiceSid } = opts;
  if (!accountSid || !authToken) throw new Error('twilio: accountSid and authToken are required');
  if (!from === !messagingServiceSid)
    throw new Error('twilio: set exactly one of from or messagingServiceSid');
  const baseUrl = (opts.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
  const endpoint = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const maxSegments = opts.maxSegments ?? 3;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const defaultRetryAfterMs = opts.defaultRetryAfterMs ?? 5_000;

  const callbackUrl = (url: string | undefined): string | undefined =>
    url === undefined
      ? undefined
      : opts.statusCallbackBaseUrl
        ? new URL(url, opts.statusCallbackBaseUrl).toString()
        : url;

  async function send(msg: OutgoingMessage): Promise<SendResult> {
    if (msg.to.kind !== 'sms')
      throw new PermanentDeliveryError(`twilio: cannot send to a ${msg.to.kind} address`);
    const form = new URLSearchParams({ To: msg.to.phone });
    if (from) form.set('From', from);
    else form.set('MessagingServiceSid', messagingServiceSid ?? '');
    form.set('Body', truncateToSegments(msg.message.text, maxSegments));
    const statusCallback = callbackUrl(msg.statusCallbackUrl);
    if (statusCallback) form.set('StatusCallback', statusCallback);
    form.set('ValidityPeriod', String(Math.min(36_000, Math.max(1, Math.floor(msg.ttlSeconds)))));

    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'i-twilio-idempotency-token': msg.idempotencyKey,
        },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Error(`twilio: request failed: ${(err as Error).message}`, { cause: err });
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    // Accepted is accepted: never retry a 2xx, even one whose body we cannot read.
    if (res.ok) return { ...(typeof body.sid === 'string' ? { providerId: body.sid } : {}), status: 'sent' };
    throw classifyTwilioError(res.status, body, res.headers.get('retry-after'), defaultRetryAfterMs);
  }

  function handleWebhook(req: WebhookRequest): ReturnType<NonNullable<Channel['handleWebhook']>> {
    if (req.method.toUpperCase() !== 'POST')
      return { updates: [], response: { status: 405, body: 'POST only' } };
    const params = new URLSearchParams(req.rawBody.toString('utf8'));
    verifyTwilioRequest(authToken, req, params);
    return { updates: parseTwilioStatusCallback(params) };
  }

  return { kind: 'sms', provider: 'twilio', send, handleWebhook };
}

export {
  countSegments,
  isGsm7,
  truncateToSegments,
  type SegmentCount,
  type SmsEncoding,
} from './segments.js';
export { CONTACT_INVALID_CODES, parseTwilioStatusCallback, twilioSignature } from './webhook.js';
