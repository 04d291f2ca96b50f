/**
 * Email over SMTP with nodemailer. The Message-ID is derived from the idempotency key, so a resend of
 * the same delivery carries the same Message-ID and mail clients and archives can recognise it.
 *
 * Errors (RFC 5321 reply codes, as nodemailer reports them in `responseCode`):
 * - 5xx: permanent. 550/551/553 on RCPT TO also mark the address invalid (mailbox unavailable, user not
 *   local, mailbox name not allowed); a 5xx on MAIL FROM, AUTH or DATA is our configuration or content.
 * - 4xx (421, 450, 451, 452...), connection, socket, DNS and timeout errors: transient.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { PermanentDeliveryError } from '../../errors.js';
import type { Channel, OutgoingMessage, SendResult } from '../../port.js';

export interface SmtpEmailChannelOptions {
  /** `smtp://user:pass@host:port` (`smtps://` for implicit TLS), or nodemailer SMTP transport options. */
  url: string | SMTPTransport.Options;
  /** The From header, e.g. `DataInsight <alerts@example.com>`. Its domain names the Message-IDs. */
  from: string;
}

/**
 * nodemailer waits 2 min to connect and 10 min on an idle socket by default: far past a critical alert's
 * deadline. A slow server fails fast (transient) and the dispatcher retries or falls back instead.
 */
const TIMEOUT_DEFAULTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Reply codes that say the recipient address itself is bad, when given to RCPT TO. */
const INVALID_RECIPIENT_CODES = new Set([550, 551, 553]);
/** nodemailer codes for setup mistakes that no retry will fix. */
const CONFIG_ERROR_CODES = new Set(['ECONFIG', 'ENOAUTH']);

interface SmtpErrorShape {
  message?: string;
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

function domainOf(from: string): string {
  const match = /@([^\s@<>]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'datainsight.invalid';
}

/** `<key@domain>` when the key is a valid dot-atom, else a hash of it: stable for the same key. */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const local = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(idempotencyKey)
    ? idempotencyKey
    : createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
  return `<${local}@${domainOf(from)}>`;
}

function priorityHeaders(priority: OutgoingMessage['priority']): Record<string, string> {
  const headers: Record<string, string> = {
    'X-DataInsight-Priority': priority,
    // RFC 3834: tells auto-responders (out-of-office) not to answer an alert.
    'Auto-Submitted': 'auto-generated',
  };
  if (priority === 'critical') {
    headers['Importance'] = 'high';
    headers['X-Priority'] = '1';
  }
  return headers;
}

/** Map a nodemailer error to ours; anything not recognised is returned as is (transient). */
export function classifySmtpError(err: unknown): Error {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpErrorShape;
  const detail = e.response ?? e.message ?? String(err);
  const rc = e.responseCode;
  if (typeof rc === 'number' && rc >= 500 && rc < 600) {
    // nodemailer says EENVELOPE for a refused MAIL FROM too: only the command tells whose fault it is.
    const atRecipient = (e.command ?? '').toUpperCase().startsWith('RCPT');
    return new PermanentDeliveryError(
      `smtp: ${detail}`,
      atRecipient && INVALID_RECIPIENT_CODES.has(rc),
      String(rc),
    );
  }
  if (e.code && CONFIG_ERROR_CODES.has(e.code)) {
    return new PermanentDeliveryError(`smtp: ${detail}`, false, e.code);
  }
  return err instanceof Error ? err : new Error(`smtp: ${detail}`);
}

export function createSmtpEmailChannel(opts: SmtpEmailChannelOptions): Channel {
  const transport = nodemailer.createTransport(
    typeof opts.url === 'string'
      ? { ...TIMEOUT_DEFAULTS, url: opts.url }
      : { ...TIMEOUT_DEFAULTS, ...opts.url },
  );
  let closed: Promise<void> | undefined;
  return {
    kind: 'email',
    provider: 'smtp',
    async send(msg: OutgoingMessage): Promise<SendResult> {
      if (msg.to.kind !== 'email') throw new PermanentDeliveryError(`smtp: cannot send to ${msg.to.kind}`);
      const messageId = messageIdFor(msg.idempotencyKey, opts.from);
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: msg.to.email,
          subject: msg.message.subject,
          text: msg.message.text,
          ...(msg.message.html !== undefined ? { html: msg.message.html } : {}),
          messageId,
          headers: priorityHeaders(msg.priority),
        });
        return { providerId: info.messageId || messageId, status: 'sent' };
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    close() {
      closed ??= Promise.resolve().then(() => transport.close());
      return closed;
    },
  };
}
