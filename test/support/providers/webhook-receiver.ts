/**
 * A webhook receiver on an ephemeral port, for the webhook channel's tests and the end-to-end tests:
 * records every request (headers, raw body, parsed JSON) and answers 200, or what it is told to (a
 * status, headers, a delay to provoke timeouts).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface WebhookReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface TestWebhookReceiver {
  /** http://127.0.0.1:port */
  origin: string;
  /** A URL on this receiver, e.g. url('/hooks/ops'). */
  url(path?: string): string;
  received: ReceivedWebhook[];
  /** Answer the next request with this. */
  replyNext(reply: WebhookReply): void;
  /** Answer every request to this path with this, from now on (e.g. 410 for a retired endpoint). */
  replyAlways(path: string, reply: WebhookReply): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<TestWebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const once: WebhookReply[] = [];
  const always = new Map<string, WebhookReply>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let json: unknown;
      try {
        json = JSON.parse(rawBody.toString('utf8'));
      } catch {
        json = undefined;
      }
      const path = req.url ?? '/';
      received.push({ method: req.method ?? '', path, headers: req.headers, rawBody, json });
      const reply = once.shift() ?? always.get(path) ?? { status: 200, body: '{"ok":true}' };
      const timer = setTimeout(() => {
        if (!res.destroyed) res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
      }, reply.delayMs ?? 0);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    url: (path = '/hook') => `${origin}${path}`,
    received,
    replyNext(reply) {
      once.push(reply);
    },
    replyAlways(path, reply) {
      always.set(path, reply);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
