/**
 * Telegram Bot API sendMessage. Replies are `{ ok: true, result: Message }` or `{ ok: false,
 * error_code, description, parameters?: { retry_after?, migrate_to_chat_id? } }`; the HTTP status
 * equals error_code. Telegram's codes are coarse (one 400 for a missing chat and for bad markup), so
 * the description decides between "contact invalid" and "our message is wrong".
 *
 * The bot token is part of the URL: never log or rethrow the URL.
 */
import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage, SendResult } from '../../port.js';
import { escapeTelegramHtml, truncateTelegramHtml } from './html.js';

export { escapeTelegramHtml, truncateTelegramHtml } from './html.js';

export interface TelegramChannelOptions {
  botToken: string;
  baseUrl?: string;
  /** Whole-request timeout (default 10 s). */
  timeoutMs?: number;
}

interface TelegramReply {
  ok?: boolean;
  result?: { message_id?: number };
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** 400 descriptions that mean the chat itself cannot be reached (vs. a malformed message). */
const CHAT_GONE =
  /chat not found|user not found|chat_id is empty|peer_id_invalid|group chat was (deactivated|upgraded)/i;

/** The text we send: the rendered Telegram HTML, or the plain message escaped, cut to the limit. */
export function telegramText(msg: OutgoingMessage): string {
  const { subject, text, html } = msg.message;
  const body = html ?? `<b>${escapeTelegramHtml(subject)}</b>\n${escapeTelegramHtml(text)}`;
  return truncateTelegramHtml(body);
}

export function classifyTelegramError(httpStatus: number, reply: TelegramReply | undefined): Error {
  const code = reply?.error_code ?? httpStatus;
  const description = reply?.description ?? `HTTP ${httpStatus}`;
  const message = `telegram: ${code} ${description}`;
  if (code === 429) {
    const seconds =
      reply?.parameters?.retry_after ?? Number(/retry after (\d+)/i.exec(description)?.[1] ?? 1);
    return new RateLimitedError(message, seconds * 1000);
  }
  if (reply?.parameters?.migrate_to_chat_id !== undefined) {
    const to = reply.parameters.migrate_to_chat_id;
    return new PermanentDeliveryError(
      `${message} (the group is now chat ${to})`,
      true,
      `${code}:migrated:${to}`,
    );
  }
  // 403: bot blocked by the user, user deactivated, bot kicked, bot can't initiate conversation...
  if (code === 403) return new PermanentDeliveryError(message, true, String(code));
  if (code === 400) return new PermanentDeliveryError(message, CHAT_GONE.test(description), String(code));
  // 401 Unauthorized / 404 Not Found: the bot token is wrong; no retry helps, the chat is fine.
  if (code >= 400 && code < 500) return new PermanentDeliveryError(message, false, String(code));
  return new Error(message);
}

export function createTelegramChannel(opts: TelegramChannelOptions): Channel {
  const endpoint = `${(opts.baseUrl ?? 'https://api.telegram.org').replace(/\/+$/, '')}/bot${opts.botToken}/sendMessage`;
  return {
    kind: 'telegram',
    provider: 'telegram',
    async send(msg: OutgoingMessage): Promise<SendResult> {
      if (msg.to.kind !== 'telegram')
        throw new PermanentDeliveryError(`telegram: cannot send to ${msg.to.kind}`);
      const chatId = msg.to.chatId;
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            chat_id: chatId,
            text: telegramText(msg),
            parse_mode: 'HTML',
            // Bot API 7.0 replaced disable_web_page_preview with link_preview_options.
            link_preview_options: { is_disabled: true },
            disable_notification: msg.priority === 'low',
          }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
      } catch (err) {
        // fetch's errors carry no URL; keep it that way (the token is in it).
        throw new Error(`telegram: request failed: ${(err as Error).name}: ${(err as Error).message}`);
      }
      const raw = await res.text().catch(() => '');
      let reply: TelegramReply | undefined;
      try {
        reply = JSON.parse(raw) as TelegramReply;
      } catch {
        reply = undefined; // a proxy's HTML error page: classified by HTTP status
      }
      if (res.ok && reply?.ok === true && typeof reply.result?.message_id === 'number') {
        return { providerId: `${chatId}:${reply.result.message_id}`, status: 'sent' };
      }
      throw classifyTelegramError(res.status, reply);
    },
  };
}
