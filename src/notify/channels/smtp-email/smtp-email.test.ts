import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../../../test/support/providers/smtp.js';
import { PermanentDeliveryError, RateLimitedError } from '../../errors.js';
import type { Channel, OutgoingMessage } from '../../port.js';
import { classifySmtpError, createSmtpEmailChannel, messageIdFor } from './smtp-email.js';
import { failure } from '../testing/failure.js';

const FROM = 'DataInsight Alerts <alerts@datainsight.test>';

function outgoing(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    to: { kind: 'email', email: 'oncall@example.com' },
    message: {
      subject: 'CRITICAL: Boiler 3 temperature 97 °C',
      text: 'Boiler 3 is at 97 °C (limit 90 °C).\nhttps://app.test/alerts/42',
      html: '<p>Boiler 3 is at <b>97 °C</b> (limit 90 °C).</p>',
    },
    priority: 'high',
    idempotencyKey: 'dlv_42.attempt-chain',
    ttlSeconds: 600,
    ...over,
  };
}

describe('smtp email channel', () => {
  let smtp: TestSmtpServer;
  let channel: Channel;

  beforeEach(async () => {
    smtp = await startSmtpServer();
    channel = createSmtpEmailChannel({ url: smtp.url, from: FROM });
  });
  afterEach(async () => {
    await channel.close?.();
    await smtp.close();
  });

  it('delivers subject, from, to, text and html parts, Message-ID and priority headers', async () => {
    const result = await channel.send(outgoing());
    const mail = await smtp.message(0);

    expect(channel).toMatchObject({ kind: 'email', provider: 'smtp' });
    expect(result).toEqual({ providerId: '<dlv_42.attempt-chain@datainsight.test>', status: 'sent' });
    expect(mail.user).toBe('alerts');
    expect(mail.envelope).toEqual({ mailFrom: 'alerts@datainsight.test', rcptTo: ['oncall@example.com'] });
    expect(mail.parsed.subject).toBe('CRITICAL: Boiler 3 temperature 97 °C');
    expect(mail.parsed.from?.value).toEqual([
      { address: 'alerts@datainsight.test', name: 'DataInsight Alerts' },
    ]);
    expect(mail.parsed.to).toMatchObject({ value: [{ address: 'oncall@example.com', name: '' }] });
    expect(mail.parsed.text?.trim()).toBe('Boiler 3 is at 97 °C (limit 90 °C).\nhttps://app.test/alerts/42');
    expect(mail.parsed.html).toBe('<p>Boiler 3 is at <b>97 °C</b> (limit 90 °C).</p>');
    expect(mail.parsed.messageId).toBe('<dlv_42.attempt-chain@datainsight.test>');
    expect(mail.parsed.headers.get('x-datainsight-priority')).toBe('high');
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.parsed.headers.has('priority')).toBe(false);
    expect(mail.raw.toString()).not.toMatch(/^(Importance|X-Priority):/im);
    expect(mail.raw.toString()).toMatch(/Content-Type: multipart\/alternative/);
  });

  it('marks critical mail Importance: high and X-Priority: 1', async () => {
    await channel.send(outgoing({ priority: 'critical' }));
    const { parsed, raw } = await smtp.message(0);
    // mailparser folds Importance / X-Priority into one `priority` header; the raw lines are checked too.
    expect(parsed.headers.get('priority')).toBe('high');
    expect(raw.toString()).toMatch(/^Importance: high\r$/m);
    expect(raw.toString()).toMatch(/^X-Priority: 1\r$/m);
    expect(parsed.headers.get('x-datainsight-priority')).toBe('critical');
  });

  it('sends a text-only message when there is no html', async () => {
    const msg = outgoing();
    delete msg.message.html;
    await channel.send(msg);
    const mail = await smtp.message(0);
    expect(mail.parsed.html).toBe(false);
    expect(mail.raw.toString()).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(mail.raw.toString()).not.toMatch(/multipart/);
  });

  it('gives a resend of the same delivery the same Message-ID', async () => {
    const first = await channel.send(outgoing({ idempotencyKey: 'delivery:7/attempt' }));
    const second = await channel.send(outgoing({ idempotencyKey: 'delivery:7/attempt' }));
    const other = await channel.send(outgoing({ idempotencyKey: 'delivery:8/attempt' }));
    await smtp.message(2);
    expect(first.providerId).toBe(second.providerId);
    expect(other.providerId).not.toBe(first.providerId);
    expect(smtp.messages.map((m) => m.parsed.messageId)).toEqual([
      first.providerId,
      first.providerId,
      other.providerId,
    ]);
  });

  it.each([
    [550, 'Requested action not taken: mailbox unavailable'],
    [551, 'User not local; please try <forward@example.com>'],
    [553, 'Requested action not taken: mailbox name not allowed'],
  ])('a %i on RCPT TO is permanent and marks the address invalid', async (code, text) => {
    smtp.rejectRecipient('oncall@example.com', code, text);
    const err = await failure(channel.send(outgoing()));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: true, providerCode: String(code) });
    expect((err as Error).message).toContain(text);
  });

  it('a 552 on RCPT TO is permanent but leaves the address valid', async () => {
    smtp.failNext('rcpt', 552, 'Requested mail action aborted: exceeded storage allocation');
    const err = await failure(channel.send(outgoing()));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: false, providerCode: '552' });
  });

  it('a 5xx on MAIL FROM or DATA is permanent, and not the address’s fault', async () => {
    smtp.failNext('mail', 550, 'Sender address rejected');
    const onMail = await failure(channel.send(outgoing()));
    smtp.failNext('data', 554, 'Transaction failed: message looks like spam');
    const onData = await failure(channel.send(outgoing()));
    for (const [err, code] of [
      [onMail, '550'],
      [onData, '554'],
    ] as const) {
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect(err).toMatchObject({ contactInvalid: false, providerCode: code });
    }
  });

  it.each([
    ['mail', 421, 'Service not available, closing transmission channel'],
    ['rcpt', 450, 'Requested mail action not taken: mailbox unavailable'],
    ['rcpt', 452, 'Requested action not taken: insufficient system storage'],
    ['data', 451, 'Requested action aborted: local error in processing'],
  ] as const)('a %s %i is transient', async (stage, code, text) => {
    smtp.failNext(stage, code, text);
    const err = await failure(channel.send(outgoing()));
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err).not.toBeInstanceOf(RateLimitedError);
    // and the next attempt goes through
    await expect(channel.send(outgoing())).resolves.toMatchObject({ status: 'sent' });
  });

  it('wrong credentials (535) are permanent: configuration, not the contact', async () => {
    const wrong = createSmtpEmailChannel({ url: smtp.url.replace(':secret@', ':wrong@'), from: FROM });
    const err = await failure(wrong.send(outgoing()));
    await wrong.close?.();
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ contactInvalid: false, providerCode: '535' });
  });

  it('a dropped connection is transient', async () => {
    smtp.dropNextConnection();
    const err = await failure(channel.send(outgoing()));
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ code: 'ECONNECTION' });
  });

  it('a refused connection is transient', async () => {
    await smtp.close();
    const err = await failure(channel.send(outgoing()));
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err).not.toBeInstanceOf(RateLimitedError);
    smtp = await startSmtpServer(); // for afterEach
  });

  it('accepts transport options instead of a URL', async () => {
    const viaOptions = createSmtpEmailChannel({
      url: { host: smtp.host, port: smtp.port, secure: false, auth: { user: smtp.user, pass: smtp.pass } },
      from: 'alerts@datainsight.test',
    });
    await viaOptions.send(outgoing());
    await viaOptions.close?.();
    expect((await smtp.message(0)).parsed.subject).toBe('CRITICAL: Boiler 3 temperature 97 °C');
  });

  it('refuses an address of another kind without calling the server', async () => {
    const err = await failure(channel.send(outgoing({ to: { kind: 'sms', phone: '+15550100' } })));
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(smtp.messages).toHaveLength(0);
  });

  it('close() can be called twice', async () => {
    await Promise.all([channel.close?.(), channel.close?.()]);
    await channel.close?.();
  });
});

describe('classifySmtpError', () => {
  it('returns unknown errors unchanged (transient)', () => {
    const err = Object.assign(new Error('getaddrinfo ENOTFOUND smtp.nowhere'), { code: 'EDNS' });
    expect(classifySmtpError(err)).toBe(err);
    expect(classifySmtpError('weird')).toBeInstanceOf(Error);
  });

  it('treats configuration errors as permanent', () => {
    const err = Object.assign(new Error('Missing credentials for "PLAIN"'), { code: 'ENOAUTH' });
    expect(classifySmtpError(err)).toMatchObject({ name: 'PermanentDeliveryError', providerCode: 'ENOAUTH' });
  });
});

describe('messageIdFor', () => {
  it('is a valid, stable Message-ID for any key, and distinct keys give distinct ids', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ maxLength: 80 }), (a, b) => {
        const id = messageIdFor(a, FROM);
        expect(id).toMatch(/^<[A-Za-z0-9_.-]+@datainsight\.test>$/);
        expect(messageIdFor(a, FROM)).toBe(id);
        if (a !== b) expect(messageIdFor(b, FROM)).not.toBe(id);
      }),
    );
  });

  it('keeps a dot-atom key readable and falls back to a default domain', () => {
    expect(messageIdFor('dlv_1.a-b', 'alerts@example.com')).toBe('<dlv_1.a-b@example.com>');
    expect(messageIdFor('x', 'no address')).toBe('<x@datainsight.invalid>');
  });
});
