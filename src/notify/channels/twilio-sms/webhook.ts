import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookAuthError } from '../../errors.js';
import type { DeliveryStatus, StatusUpdate, WebhookRequest } from '../../port.js';

/**
 * Twilio's StatusCallback: a form POST signed with X-Twilio-Signature = base64(HMAC-SHA1(authToken,
 * url + each POST parameter's name and value, sorted by name)). The URL is the StatusCallback exactly
 * as we sent it; like twilio-node we also accept it with the default port added or removed, since
 * Twilio's signing is not consistent about it.
 */

/** Twilio MessageStatus -> ours. Unknown statuses (receiving, received...) are not ours to track. */
const STATUS: Record<string, DeliveryStatus> = {
  accepted: 'sending',
  scheduled: 'scheduled',
  queued: 'sending',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'cancelled',
};

/**
 * Error codes that mean the number itself is bad: 21211 invalid 'To', 21610 unsubscribed (STOP),
 * 21614 not a mobile number, 21635 landline, 30005 unknown handset, 30006 landline/unreachable carrier. 30003 (unreachable handset) is left out: Twilio documents it as often
 * temporary (phone off, no signal), and an on-call phone must not be disabled for that.
 */
export const CONTACT_INVALID_CODES = new Set(['21211', '21610', '21614', '21635', '30005', '30006']);

export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  let data = url;
  for (const name of names) {
    for (const value of [...new Set(params.getAll(name))].sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** The URL as given, without its port, and with the scheme's default port made explicit. */
function urlVariants(url: string): string[] {
  const out = new Set([url]);
  try {
    const u = new URL(url);
    const withoutPort = new URL(url);
    withoutPort.port = '';
    out.add(withoutPort.toString());
    if (!u.port) {
      const port = u.protocol === 'https:' ? '443' : '80';
      out.add(
        `${u.protocol}//${u.username}${u.password ? `:${u.password}` : ''}${u.username || u.password ? '@' : ''}${u.host}:${port}${u.pathname}${u.search}`,
      );
    }
  } catch {
    // Not a URL: only the exact string can match.
  }
  return [...out];
}

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function header(req: WebhookRequest, name: string): string | undefined {
  const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : req.headers[key];
  return Array.isArray(v) ? v[0] : v;
}

export function verifyTwilioRequest(authToken: string, req: WebhookRequest, params: URLSearchParams): void {
  const signature = header(req, 'x-twilio-signature');
  if (!signature) throw new WebhookAuthError('twilio: missing X-Twilio-Signature', 403);
  const ok = urlVariants(req.url).some((u) => safeEqual(signature, twilioSignature(authToken, u, params)));
  if (!ok) throw new WebhookAuthError('twilio: bad X-Twilio-Signature', 403);
}

export function parseTwilioStatusCallback(params: URLSearchParams): StatusUpdate[] {
  const providerId = params.get('MessageSid') ?? params.get('SmsSid');
  const status = STATUS[params.get('MessageStatus') ?? params.get('SmsStatus') ?? ''];
  if (!providerId || !status) return [];
  const errorCode = params.get('ErrorCode') || undefined;
  const failed = status === 'failed' || status === 'undelivered';
  return [
    {
      providerId,
      status,
      ...(errorCode ? { reason: errorCode } : {}),
      ...(failed && errorCode && CONTACT_INVALID_CODES.has(errorCode) ? { contactInvalid: true } : {}),
    },
  ];
}
