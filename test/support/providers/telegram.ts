/**
 * A fake Telegram Bot API on an ephemeral port, for the Telegram channel's tests and the end-to-end
 * tests. POST /bot<token>/sendMessage answers like Telegram: `{ ok: true, result: Message }`, 401 for
 * a wrong token, and the documented error bodies (below) for blocked chats or when scripted.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TelegramCall {
  method: string;
  path: string;
  token: string;
  /** The Bot API method, e.g. "sendMessage". */
  apiMethod: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface TelegramReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

const fail = (status: number, description: string, parameters?: Record<string, number>): TelegramReply => ({
  status,
  body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) },
});

/** Error replies as the Bot API sends them. */
export const TELEGRAM_ERRORS = {
  blocked: fail(403, 'Forbidden: bot was blocked by the user'),
  deactivated: fail(403, 'Forbidden: user is deactivated'),
  kicked: fail(403, 'Forbidden: bot was kicked from the group chat'),
  cantInitiate: fail(403, "Forbidden: bot can't initiate conversation with a user"),
  chatNotFound: fail(400, 'Bad Request: chat not found'),
  cantParseEntities: fail(
    400,
    'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 0',
  ),
  migrated: (newChatId: number) =>
    fail(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: newChatId }),
  unauthorized: fail(401, 'Unauthorized'),
  tooManyRequests: (retryAfter: number) =>
    fail(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }),
  internal: fail(500, 'Internal Server Error'),
  badGateway: { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' } as TelegramReply,
};

export interface FakeTelegramApi {
  baseUrl: string;
  token: string;
  calls: TelegramCall[];
  /** Answer the next call with this. */
  replyNext(reply: TelegramReply): void;
  /** Every later message to this chat gets this error (default: blocked by the user). */
  failChat(chatId: string, reply?: TelegramReply): void;
  close(): Promise<void>;
}

export async function startTelegramApi(opts: { token?: string } = {}): Promise<FakeTelegramApi> {
  const token = opts.token ?? '123456:TEST-token_abcdefghijklmnopqrstuvwxyz';
  const calls: TelegramCall[] = [];
  const replies: TelegramReply[] = [];
  const chatErrors = new Map<string, TelegramReply>();
  let nextMessageId = 1;

  const answer = (call: TelegramCall): TelegramReply => {
    const scripted = replies.shift();
    if (scripted) return scripted;
    if (call.token !== token) return TELEGRAM_ERRORS.unauthorized;
    if (call.apiMethod !== 'sendMessage') return fail(404, 'Not Found: method not found');
    const chatError = chatErrors.get(String(call.body.chat_id));
    if (chatError) return chatError;
    const chatId = Number(call.body.chat_id);
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          message_id: nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number.isNaN(chatId) ? call.body.chat_id : chatId, type: 'private' },
          text: call.body.text,
        },
      },
    };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      } catch {
        body = { unparsable: Buffer.concat(chunks).toString() };
      }
      const call: TelegramCall = {
        method: req.method ?? '',
        path: req.url ?? '',
        token: match?.[1] ?? '',
        apiMethod: match?.[2] ?? '',
        headers: req.headers,
        body,
      };
      calls.push(call);
      const reply = answer(call);
      setTimeout(() => {
        if (res.destroyed) return;
        const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        const type = typeof reply.body === 'string' ? 'text/html' : 'application/json';
        res.writeHead(reply.status, { 'Content-Type': type, ...reply.headers }).end(payload);
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    calls,
    replyNext(reply) {
      replies.push(reply);
    },
    failChat(chatId, reply = TELEGRAM_ERRORS.blocked) {
      chatErrors.set(chatId, reply);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
