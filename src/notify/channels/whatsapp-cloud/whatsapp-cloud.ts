import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage, SendResult, WebhookRequest } from '../../port.js';
import { parseRetryAfter } from '../../retry-after.js';
import {
  answerVerification,
  CONTACT_INVALID_CODES,
  parseMetaStatuses,
  verifyMetaSignature,
} from './webhook.js';

/**
 * WhatsApp Business Cloud API: POST /{version}/{phoneNumberId}/messages with a Bearer token; Graph
 * API errors as {error: {message, type, code, error_subcode, error_data, fbtrace_id}}. Business-
 * initiated messages need an approved template; free text only reaches someone who wrote to us in
 * the last 24 hours (else 131047).
 */

export interface WhatsAppOptions {
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  baseUrl?: string;
  apiVersion?: string;
  timeoutMs?: number;
  /** Wait after an HTTP 429 that names no code we know and carries no Retry-After. */
  defaultRetryAfterMs?: number;
}

/** Throttling codes and how long each limit takes to clear when no Retry-After says. */
const RATE_LIMIT_MS = new Map<number, number>([
  [4, 60_000], // app call rate limit
  [80007, 60_000], // WhatsApp Business Account rate limit
  [130429, 1_000], // Cloud API throughput (messages per second)
  [131056, 6_000], // pair rate limit: one message to the same user about every 6 s
]);
/** Transient on Meta's side: unknown, service down, something went wrong, unavailable, maintenance. */
const TRANSIENT = new Set([1, 2, 131000, 131016, 131057]);
/**
 * Permanent for this message but not the contact's fault: auth/permissions (0, 3, 10, 190, 200-299),
 * invalid or missing parameter (100, 131008, 131009), re-engagement window (131047), unsupported
 * type (131051), spam and per-user marketing limits (131048, 131049), account locked, blocked or
 * unpaid (368, 131031, 131042), template problems (132000-132999).
 */
const PERMANENT = new Set([
  0, 3, 10, 100, 190, 368, 131008, 131009, 131021, 131031, 131042, 131047, 131048, 131049, 131051,
]);
const isPermanent = (code: number): boolean =>
  PERMANENT.has(code) || (code >= 200 && code <= 299) || (code >= 132000 && code <= 132999);

export function classifyGraphError(
  status: number,
  body: unknown,
  retryAfter: string | null,
  defaultRetryAfterMs: number,
): Error {
  const error =
    (body && typeof body === 'object' ? (body as { error?: Record<string, unknown> }).error : undefined) ??
    {};
  const code = typeof error.code === 'number' ? error.code : undefined;
  const message = typeof error.message === 'string' ? error.message : 'no message';
  const text = `whatsapp: HTTP ${status}${code === undefined ? '' : ` error ${code}`}: ${message}`;
  const providerCode = code === undefined ? undefined : String(code);
  const waitMs = code === undefined ? undefined : RATE_LIMIT_MS.get(code);
  if (status === 429 || waitMs !== undefined) {
    return new RateLimitedError(text, parseRetryAfter(retryAfter) ?? waitMs ?? defaultRetryAfterMs);
  }
  if (code !== undefined && CONTACT_INVALID_CODES.has(code))
    return new PermanentDeliveryError(text, true, providerCode);
  if (code !== undefined && isPermanent(code)) return new PermanentDeliveryError(text, false, providerCode);
  if ((code !== undefined && TRANSIENT.has(code)) || status >= 500) return new Error(text);
  if (status >= 400) return new PermanentDeliveryError(text, false, providerCode);
  return new Error(text);
}

/** Template parameters may not hold newlines, tabs or more than 4 spaces in a row (Meta rejects them). */
const templateParam = (s: string): string => s.replace(/\s+/gu, ' ').trim() || '-';

/** Text messages are at most 4096 characters. */
function clampText(s: string, max = 4096): string {
  if (s.length <= max) return s;
  let cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(s.charAt(cut - 1))) cut -= 1;
  return `${s.slice(0, cut)}…`;
}

export function whatsappRequestBody(msg: OutgoingMessage, to: string): Record<string, unknown> {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
  const t = msg.message.whatsappTemplate;
  if (!t) return { ...base, type: 'text', text: { body: clampText(msg.message.text), preview_url: false } };
  const components = t.parameters.length
    ? [{ type: 'body', parameters: t.parameters.map((p) => ({ type: 'text', text: templateParam(p) })) }]
    : [];
  return {
    ...base,
    type: 'template',
    template: { name: t.name, language: { code: t.language }, ...(components.length ? { components } : {}) },
  };
}

export function createWhatsAppChannel(opts: WhatsAppOptions): Channel {
  const { phoneNumberId, accessToken, appSecret, verifyToken } = opts;
  if (!phoneNumberId || !accessToken || !appSecret || !verifyToken) {
    throw new Error('whatsapp: phoneNumberId, accessToken, appSecret and verifyToken are required');
  }
  const baseUrl = (opts.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '');
  const endpoint = `${baseUrl}/${opts.apiVersion ?? 'v21.0'}/${encodeURIComponent(phoneNumberId)}/messages`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const defaultRetryAfterMs = opts.defaultRetryAfterMs ?? 5_000;

  async function send(msg: OutgoingMessage): Promise<SendResult> {
    if (msg.to.kind !== 'whatsapp')
      throw new PermanentDeliveryError(`whatsapp: cannot send to a ${msg.to.kind} address`);
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(whatsappRequestBody(msg, msg.to.phone)),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Error(`whatsapp: request failed: ${(err as Error).message}`, { cause: err });
    }
    const body: unknown = await res.json().catch(() => ({}));
    if (res.ok) {
      const id = (body as { messages?: { id?: unknown }[] }).messages?.[0]?.id;
      return { ...(typeof id === 'string' ? { providerId: id } : {}), status: 'sent' };
    }
    throw classifyGraphError(res.status, body, res.headers.get('retry-after'), defaultRetryAfterMs);
  }

  function handleWebhook(req: WebhookRequest): ReturnType<NonNullable<Channel['handleWebhook']>> {
    const method = req.method.toUpperCase();
    if (method === 'GET') return { updates: [], response: answerVerification(verifyToken, req) };
    if (method !== 'POST') return { updates: [], response: { status: 405, body: 'GET or POST only' } };
    verifyMetaSignature(appSecret, req);
    let payload: unknown;
    try {
      payload = JSON.parse(req.rawBody.toString('utf8'));
    } catch (err) {
      throw new Error('whatsapp: signed webhook body is not JSON', { cause: err });
    }
    return { updates: parseMetaStatuses(payload) };
  }

  return { kind: 'whatsapp', provider: 'meta', send, handleWebhook };
}

export { CONTACT_INVALID_CODES, parseMetaStatuses } from './webhook.js';
