/**
 * A local Twilio Messages API on an ephemeral port, for the SMS channel's tests and the end-to-end
 * tests. It speaks the documented contract: POST /2010-04-01/Accounts/{AccountSid}/Messages.json with
 * a form body and HTTP Basic AccountSid:AuthToken; 201 with a Message resource; errors as
 * {code, message, more_info, status} (20003 for bad credentials, 20404 for an unknown path, 21211 for
 * a bad 'To', 2160x for missing parameters). Every request is recorded; responses can be scripted
 * (500 twice, then 429 with Retry-After, then 21610...). It can also post correctly signed status
 * callbacks to the StatusCallback a message asked for. The signature code here is written from
 * Twilio's documentation, independently of the adapter's, so each checks the other.
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
  /** The form fields (a repeated name keeps its last value). */
  body: Record<string, string>;
  rawBody: string;
  receivedAt: number;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Return a response to answer with it, or undefined to let the fake behave like Twilio. */
export type Responder = (req: RecordedRequest, index: number) => FakeResponse | undefined;

export interface FakeTwilioMessage {
  sid: string;
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
  statusCallback: string | undefined;
}

export interface FakeTwilio {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Messages accepted (201), by SID. */
  messages: Map<string, FakeTwilioMessage>;
  /** Script the answers; the responder runs after the auth check, on every request. */
  respondWith(fn: Responder | undefined): void;
  /** Forget recorded requests, messages and the script. */
  reset(): void;
  /** POST a signed status callback for an accepted message to its StatusCallback, as Twilio does. */
  sendStatusCallback(sid: string, status: string, opts?: { errorCode?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** Twilio's documented error body. */
export function twilioError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): FakeResponse {
  return {
    status,
    ...(headers ? { headers } : {}),
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  };
}

/** Answer with each response in turn, then fall back to the fake's normal behaviour. */
export function inSequence(...responses: FakeResponse[]): Responder {
  const queue = [...responses];
  return () => queue.shift();
}

/** X-Twilio-Signature per Twilio's docs: base64 HMAC-SHA1(authToken, url + sorted name+value pairs). */
export function signTwilio(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

/** A status callback as the webhook route would hand it to the adapter, correctly signed. */
export function signedTwilioCallback(
  authToken: string,
  url: string,
  params: Record<string, string>,
): WebhookRequest {
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signTwilio(authToken, url, params),
    },
    rawBody: Buffer.from(new URLSearchParams(params).toString()),
    query: {},
  };
}

const sid = (prefix: string): string => prefix + randomBytes(16).toString('hex');

export async function startFakeTwilio(opts: { accountSid: string; authToken: string }): Promise<FakeTwilio> {
  const requests: RecordedRequest[] = [];
  const messages = new Map<string, FakeTwilioMessage>();
  let responder: Responder | undefined;
  const expectedAuth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  const messagesPath = `/2010-04-01/Accounts/${opts.accountSid}/Messages.json`;

  const behave = (req: RecordedRequest): FakeResponse => {
    if (req.path !== messagesPath || req.method !== 'POST') {
      return twilioError(404, 20404, `The requested resource ${req.path} was not found`);
    }
    const f = req.body;
    if (!f.To) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!f.From && !f.MessagingServiceSid)
      return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!f.Body) return twilioError(400, 21602, 'Message body is required.');
    if (!/^\+[1-9]\d{6,14}$/.test(f.To)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${f.To}`);
    const vp = f.ValidityPeriod === undefined ? undefined : Number(f.ValidityPeriod);
    if (vp !== undefined && !(Number.isInteger(vp) && vp >= 1 && vp <= 36000)) {
      return twilioError(400, 90007, 'Invalid validity period value');
    }
    const message: FakeTwilioMessage = {
      sid: sid('SM'),
      to: f.To,
      from: f.From,
      messagingServiceSid: f.MessagingServiceSid,
      body: f.Body,
      statusCallback: f.StatusCallback,
    };
    messages.set(message.sid, message);
    const now = new Date().toUTCString().replace('GMT', '+0000');
    return {
      status: 201,
      body: {
        account_sid: opts.accountSid,
        api_version: '2010-04-01',
        body: f.Body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: f.From ?? null,
        messaging_service_sid: f.MessagingServiceSid ?? null,
        num_media: '0',
        num_segments: '1',
        price: null,
        price_unit: 'USD',
        sid: message.sid,
        status: f.MessagingServiceSid ? 'accepted' : 'queued',
        subresource_uris: {
          media: `/2010-04-01/Accounts/${opts.accountSid}/Messages/${message.sid}/Media.json`,
        },
        to: f.To,
        uri: `/2010-04-01/Accounts/${opts.accountSid}/Messages/${message.sid}.json`,
      },
    };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Object.fromEntries(new URLSearchParams(rawBody)),
        rawBody,
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      const answer =
        req.headers.authorization !== expectedAuth
          ? twilioError(401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' })
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
    async sendStatusCallback(messageSid, status, o = {}) {
      const m = messages.get(messageSid);
      if (!m?.statusCallback) throw new Error(`fake twilio: no StatusCallback for ${messageSid}`);
      const params: Record<string, string> = {
        AccountSid: opts.accountSid,
        ApiVersion: '2010-04-01',
        MessageSid: m.sid,
        MessageStatus: status,
        SmsSid: m.sid,
        SmsStatus: status,
        To: m.to,
        ...(m.from ? { From: m.from } : {}),
        ...(m.messagingServiceSid ? { MessagingServiceSid: m.messagingServiceSid } : {}),
        ...(o.errorCode ? { ErrorCode: o.errorCode } : {}),
      };
      const signed = signedTwilioCallback(opts.authToken, m.statusCallback, params);
      return fetch(m.statusCallback, {
        method: 'POST',
        headers: signed.headers as Record<string, string>,
        body: signed.rawBody.toString(),
      });
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
