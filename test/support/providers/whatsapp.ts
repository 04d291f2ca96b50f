/**
 * A local WhatsApp Business Cloud API (Graph API) on an ephemeral port, for the WhatsApp channel's
 * tests and the end-to-end tests. It speaks the documented contract: POST /{version}/{phoneNumberId}/
 * messages with `Authorization: Bearer`, a JSON body with messaging_product 'whatsapp'; 200 with
 * {messaging_product, contacts, messages: [{id: 'wamid...'}]}; errors as Graph API bodies
 * {error: {message: '(#code) title', type, code, error_data, error_subcode?, fbtrace_id}} (190 with
 * HTTP 401 for a bad token, 100 for a bad parameter or unknown phone number ID). Requests are recorded
 * and responses can be scripted. Helpers build the webhook calls Meta makes (the GET handshake and
 * status notifications signed with X-Hub-Signature-256), written from Meta's documentation
 * independently of the adapter.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '../../../src/notify/port.js';

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  rawBody: string;
  receivedAt: number;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Return a response to answer with it, or undefined to let the fake behave like the Cloud API. */
export type Responder = (req: RecordedRequest, index: number) => FakeResponse | undefined;

export interface FakeWhatsApp {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Messages accepted, by wamid, with the JSON that was sent. */
  messages: Map<string, Record<string, unknown>>;
  respondWith(fn: Responder | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

/** A Graph API error body, as the Cloud API documents it. */
export function graphError(
  status: number,
  code: number,
  title: string,
  o: { type?: string; subcode?: number; details?: string; headers?: Record<string, string> } = {},
): FakeResponse {
  return {
    status,
    ...(o.headers ? { headers: o.headers } : {}),
    body: {
      error: {
        message: `(#${code}) ${title}`,
        type: o.type ?? 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: o.details ?? title },
        ...(o.subcode === undefined ? {} : { error_subcode: o.subcode }),
        fbtrace_id: randomBytes(8).toString('base64url'),
      },
    },
  };
}

/** What Graph answers a missing or wrong access token (no "(#190)" prefix, no error_data). */
const INVALID_TOKEN = (): FakeResponse => ({
  status: 401,
  headers: {
    'www-authenticate':
      'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"',
  },
  body: {
    error: {
      message: 'Invalid OAuth access token - Cannot parse access token',
      type: 'OAuthException',
      code: 190,
      fbtrace_id: randomBytes(8).toString('base64url'),
    },
  },
});

export function inSequence(...responses: FakeResponse[]): Responder {
  const queue = [...responses];
  return () => queue.shift();
}

export interface FakeStatus {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | string;
  /** Unix seconds; now when omitted. */
  timestamp?: number;
  recipientId?: string;
  errors?: Array<{ code: number; title: string; details?: string }>;
}

/** A status notification payload as Meta posts it to the webhook. */
export function whatsappStatusPayload(
  phoneNumberId: string,
  statuses: FakeStatus[],
): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              statuses: statuses.map((s) => ({
                id: s.id,
                status: s.status,
                timestamp: String(s.timestamp ?? Math.floor(Date.now() / 1000)),
                recipient_id: s.recipientId ?? '16505551234',
                ...(s.errors
                  ? {
                      errors: s.errors.map((e) => ({
                        code: e.code,
                        title: e.title,
                        message: e.title,
                        error_data: { details: e.details ?? e.title },
                        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
                      })),
                    }
                  : {}),
              })),
            },
          },
        ],
      },
    ],
  };
}

/** X-Hub-Signature-256 per Meta's docs: sha256= hex HMAC-SHA256(app secret, raw body). */
export function signMeta(appSecret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** A signed webhook POST as the route would hand it to the adapter. */
export function signedWhatsAppWebhook(appSecret: string, url: string, payload: unknown): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(payload));
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(appSecret, rawBody) },
    rawBody,
    query: {},
  };
}

/** The GET handshake Meta makes when the webhook is configured. */
export function whatsappVerification(
  url: string,
  verifyToken: string,
  challenge: string,
  mode = 'subscribe',
): WebhookRequest {
  const query = { 'hub.mode': mode, 'hub.verify_token': verifyToken, 'hub.challenge': challenge };
  return {
    method: 'GET',
    url: `${url}?${new URLSearchParams(query)}`,
    headers: {},
    rawBody: Buffer.alloc(0),
    query,
  };
}

/** POST a signed status notification to a real URL (end-to-end tests). */
export function postWhatsAppStatuses(
  url: string,
  appSecret: string,
  phoneNumberId: string,
  statuses: FakeStatus[],
): Promise<Response> {
  const req = signedWhatsAppWebhook(appSecret, url, whatsappStatusPayload(phoneNumberId, statuses));
  return fetch(url, {
    method: 'POST',
    headers: req.headers as Record<string, string>,
    body: req.rawBody.toString(),
  });
}

export async function startFakeWhatsApp(opts: {
  phoneNumberId: string;
  accessToken: string;
}): Promise<FakeWhatsApp> {
  const requests: RecordedRequest[] = [];
  const messages = new Map<string, Record<string, unknown>>();
  let responder: Responder | undefined;
  const messagesPath = new RegExp(`^/v\\d+\\.\\d+/${opts.phoneNumberId}/messages$`);

  const behave = (req: RecordedRequest): FakeResponse => {
    if (req.method !== 'POST' || !/^\/v\d+\.\d+\/[^/]+\/messages$/.test(req.path)) {
      return graphError(400, 100, 'Unknown path components', { type: 'OAuthException' });
    }
    if (!messagesPath.test(req.path)) {
      return graphError(
        400,
        100,
        'Unsupported post request. Object does not exist, cannot be loaded due to missing permissions, or does not support this operation',
        { type: 'GraphMethodException', subcode: 33 },
      );
    }
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (b.messaging_product !== 'whatsapp')
      return graphError(400, 100, 'The parameter messaging_product is required.');
    if (typeof b.to !== 'string' || !b.to) return graphError(400, 100, 'The parameter to is required.');
    const text = b.text as { body?: unknown } | undefined;
    const template = b.template as { name?: unknown; language?: { code?: unknown } } | undefined;
    if (b.type === 'text' && typeof text?.body !== 'string')
      return graphError(400, 131008, 'Required parameter is missing', { details: 'text.body' });
    if (
      b.type === 'template' &&
      (typeof template?.name !== 'string' || typeof template.language?.code !== 'string')
    ) {
      return graphError(400, 131008, 'Required parameter is missing', {
        details: 'template.name and template.language.code',
      });
    }
    if (b.type !== 'text' && b.type !== 'template')
      return graphError(400, 131051, 'Unsupported message type');
    const id = `wamid.${randomBytes(24).toString('base64')}`;
    messages.set(id, b);
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: b.to, wa_id: b.to.replace(/\D/g, '') }],
        messages: [{ id, ...(b.type === 'template' ? { message_status: 'accepted' } : {}) }],
      },
    };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        rawBody,
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      const answer =
        req.headers.authorization !== `Bearer ${opts.accessToken}`
          ? INVALID_TOKEN()
          : (responder?.(recorded, requests.length - 1) ?? behave(recorded));
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    messages,
    respondWith(fn) {
      responder = fn;
    },
    reset() {
      requests.length = 0;
      messages.clear();
      responder = undefined;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
