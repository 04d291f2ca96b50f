import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startTelegramApi,
  TELEGRAM_ERRORS,
  type FakeTelegramApi,
  type TelegramReply,
} from '../../../../test/support/providers/telegram.js';
import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage } from '../../port.js';
import { telegramTextLength } from './html.js';
import { createTelegramChannel, escapeTelegramHtml } from './telegram.js';
import { failure } from '../testing/failure.js';

function outgoing(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    to: { kind: 'telegram', chatId: '987654321' },
    message: {
      subject: 'CRITICAL: Boiler 3',
      text: 'Boiler 3 at 97 °C > 90 °C',
      html: `<b>CRITICAL</b>: ${escapeTelegramHtml('Boiler 3 at 97 °C > 90 °C')}\n<a href="https://app.test/a/42">Open</a>`,
    },
    priority: 'critical',
    idempotencyKey: 'dlv_42',
    ttlSeconds: 600,
    ...over,
  };
}

describe('telegram channel', () => {
  let api: FakeTelegramApi;
  let channel: Channel;

  beforeEach(async () => {
    api = await startTelegramApi();
    channel = createTelegramChannel({ botToken: api.token, baseUrl: api.baseUrl });
  });
  afterEach(() => api.close());

  it('POSTs sendMessage with the exact JSON body and maps message_id to the providerId', async () => {
    const result = await channel.send(outgoing());

    expect(channel).toMatchObject({ kind: 'telegram', provider: 'telegram' });
    expect(result).toEqual({ providerId: '987654321:1', status: 'sent' });
    expect(api.calls).toHaveLength(1);
    const [call] = api.calls;
    expect(call).toMatchObject({ method: 'POST', path: `/bot${api.token}/sendMessage` });
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.body).toEqual({
      chat_id: '987654321',
      text: '<b>CRITICAL</b>: Boiler 3 at 97 °C &gt; 90 °C\n<a href="https://app.test/a/42">Open</a>',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      disable_notification: false,
    });
  });

  it('sends low priority silently', async () => {
    await channel.send(outgoing({ priority: 'low' }));
    expect(api.calls[0]?.body.disable_notification).toBe(true);
  });

  it('falls back to the escaped subject and text when there is no html', async () => {
    await channel.send(outgoing({ message: { subject: 'Temp <high>', text: 'a & b' } }));
    expect(api.calls[0]?.body.text).toBe('<b>Temp &lt;high&gt;</b>\na &amp; b');
  });

  it('cuts a long message to 4096 characters without breaking the markup', async () => {
    const html = `<b>Alert</b>\n<pre>${escapeTelegramHtml('x<y & '.repeat(1000))}</pre>`;
    await channel.send(outgoing({ message: { subject: 's', text: 't', html } }));
    const text = String(api.calls[0]?.body.text);
    expect(telegramTextLength(text)).toBe(4096);
    expect(text).toMatch(/…<\/pre>$/);
    expect(text).not.toMatch(/&[a-z]*…/);
  });

  it('accepts a baseUrl with a trailing slash', async () => {
    const slash = createTelegramChannel({ botToken: api.token, baseUrl: `${api.baseUrl}/` });
    await slash.send(outgoing());
    expect(api.calls[0]?.path).toBe(`/bot${api.token}/sendMessage`);
  });

  it.each([
    ['blocked by the user', TELEGRAM_ERRORS.blocked, '403'],
    ['deactivated user', TELEGRAM_ERRORS.deactivated, '403'],
    ['bot kicked from the group', TELEGRAM_ERRORS.kicked, '403'],
    ["bot can't initiate the conversation", TELEGRAM_ERRORS.cantInitiate, '403'],
    ['chat not found', TELEGRAM_ERRORS.chatNotFound, '400'],
    [
      'group upgraded to a supergroup',
      TELEGRAM_ERRORS.migrated(-1001234567890),
      '400:migrated:-1001234567890',
    ],
  ])('%s: permanent, contact invalid', async (_, reply: TelegramReply, code) => {
    api.replyNext(reply);
    const err = await failure(channel.send(outgoing()));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: true, providerCode: code });
    expect((err as Error).message).toContain((reply.body as { description: string }).description);
  });

  it('a chat that blocked the bot stays failed', async () => {
    api.failChat('987654321');
    await expect(channel.send(outgoing())).rejects.toMatchObject({ contactInvalid: true });
    await expect(channel.send(outgoing())).rejects.toMatchObject({ contactInvalid: true });
  });

  it("markup Telegram can't parse is permanent but not the chat's fault", async () => {
    api.replyNext(TELEGRAM_ERRORS.cantParseEntities);
    const err = await failure(channel.send(outgoing()));
    expect(err).toMatchObject({ name: 'PermanentDeliveryError', contactInvalid: false, providerCode: '400' });
  });

  it('a wrong bot token (401) is permanent configuration, and the token is not in the error', async () => {
    const wrong = createTelegramChannel({ botToken: '999:wrong-token', baseUrl: api.baseUrl });
    const err = await failure(wrong.send(outgoing()));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: false, providerCode: '401' });
    expect((err as Error).message).toBe('telegram: 401 Unauthorized');
  });

  it('429 honours parameters.retry_after', async () => {
    api.replyNext(TELEGRAM_ERRORS.tooManyRequests(17));
    const err = await failure(channel.send(outgoing()));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ retryAfterMs: 17_000 });
  });

  it('429 without parameters falls back to the description', async () => {
    api.replyNext({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3' },
    });
    await expect(channel.send(outgoing())).rejects.toMatchObject({
      name: 'RateLimitedError',
      retryAfterMs: 3000,
    });
  });

  it.each([
    ['a 500 from the Bot API', TELEGRAM_ERRORS.internal],
    ['an HTML 502 from a proxy', TELEGRAM_ERRORS.badGateway],
    ['ok:false on a 200', { status: 200, body: { ok: false } } as TelegramReply],
  ])('%s is transient', async (_, reply) => {
    api.replyNext(reply);
    const err = await failure(channel.send(outgoing()));
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err).not.toBeInstanceOf(RateLimitedError);
  });

  it('a timeout is transient', async () => {
    const quick = createTelegramChannel({ botToken: api.token, baseUrl: api.baseUrl, timeoutMs: 100 });
    api.replyNext({ status: 200, body: { ok: true, result: { message_id: 1 } }, delayMs: 1_000 });
    const err = await failure(quick.send(outgoing()));
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect((err as Error).message).toMatch(/^telegram: request failed: TimeoutError/);
    expect((err as Error).message).not.toContain(api.token);
  });

  it('an unreachable API is transient and does not leak the token', async () => {
    await api.close();
    const err = await failure(channel.send(outgoing()));
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect((err as Error).message).toMatch(/^telegram: request failed/);
    expect((err as Error).message).not.toContain(api.token);
    api = await startTelegramApi(); // for afterEach
  });

  it('refuses an address of another kind', async () => {
    await expect(channel.send(outgoing({ to: { kind: 'sms', phone: '+1555' } }))).rejects.toBeInstanceOf(
      PermanentDeliveryError,
    );
    expect(api.calls).toHaveLength(0);
  });
});
