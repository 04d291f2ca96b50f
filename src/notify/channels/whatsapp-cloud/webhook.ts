import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookAuthError } from '../../errors.js';
import type { DeliveryStatus, StatusUpdate, WebhookRequest } from '../../port.js';

/**
 * Meta webhooks: a GET handshake (hub.mode=subscribe, hub.verify_token, hub.challenge echoed as
 * text), then POSTs signed with X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, raw body)>.
 * Status notifications arrive as entry[].changes[].value.statuses[].
 */

const STATUS: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

/** 131026: undeliverable (not a WhatsApp user, old client, terms not accepted). */
export const CONTACT_INVALID_CODES = new Set([131026]);

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function header(req: WebhookRequest, name: string): string | undefined {
  const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : req.headers[key];
  return Array.isArray(v) ? v[0] : v;
}

function queryParam(req: WebhookRequest, name: string): string | undefined {
  const v = req.query[name];
  if (v !== undefined) return v;
  try {
    return new URL(req.url, 'http://localhost').searchParams.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The GET handshake: the challenge when the verify token matches, else 403. */
export function answerVerification(
  verifyToken: string,
  req: WebhookRequest,
): { status: number; body: string; contentType: string } {
  const mode = queryParam(req, 'hub.mode');
  const token = queryParam(req, 'hub.verify_token') ?? '';
  const challenge = queryParam(req, 'hub.challenge');
  if (mode !== 'subscribe' || challenge === undefined || !safeEqual(token, verifyToken)) {
    throw new WebhookAuthError('whatsapp: webhook verification refused', 403);
  }
  return { status: 200, body: challenge, contentType: 'text/plain' };
}

export function verifyMetaSignature(appSecret: string, req: WebhookRequest): void {
  const signature = header(req, 'x-hub-signature-256');
  if (!signature) throw new WebhookAuthError('whatsapp: missing X-Hub-Signature-256', 401);
  const expected = `sha256=${createHmac('sha256', appSecret).update(req.rawBody).digest('hex')}`;
  if (!safeEqual(signature.toLowerCase(), expected))
    throw new WebhookAuthError('whatsapp: bad X-Hub-Signature-256', 403);
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' ? (v as Record<string, unknown>) : {};

export function parseMetaStatuses(payload: unknown): StatusUpdate[] {
  const updates: StatusUpdate[] = [];
  for (const entry of list(obj(payload).entry)) {
    for (const change of list(obj(entry).changes)) {
      for (const raw of list(obj(obj(change).value).statuses)) {
        const s = obj(raw);
        const status = STATUS[String(s.status)];
        if (typeof s.id !== 'string' || !status) continue;
        const at = Number(s.timestamp) * 1000;
        const error = obj(list(s.errors)[0]);
        const code = typeof error.code === 'number' ? error.code : Number(error.code);
        const reason = Number.isFinite(code)
          ? `${code}${typeof error.title === 'string' ? ` ${error.title}` : ''}`
          : undefined;
        updates.push({
          providerId: s.id,
          status,
          ...(Number.isFinite(at) && at > 0 ? { at } : {}),
          ...(status === 'failed' && reason ? { reason } : {}),
          ...(status === 'failed' && CONTACT_INVALID_CODES.has(code) ? { contactInvalid: true } : {}),
        });
      }
    }
  }
  return updates;
}
