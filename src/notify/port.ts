/**
 * The channel port: one adapter per provider (src/notify/channels/<kind>/), each ~100-200 lines:
 * render is done before (render.ts), the adapter only speaks its provider's wire contract, maps the
 * provider's statuses to ours and classifies its errors (errors.ts) so the dispatcher knows whether
 * to retry, wait, or give up on this contact point and fall back to the next channel.
 */

export const CHANNEL_KINDS = ['email', 'sms', 'whatsapp', 'telegram', 'push', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Our delivery statuses; providers' own are mapped onto these and never move a delivery backwards. */
export const DELIVERY_STATUSES = [
  'scheduled',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'undelivered',
  'cancelled',
  'dead',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Where a message goes, as the contact point stores it. */
export type ContactAddress =
  | { kind: 'email'; email: string }
  | { kind: 'sms'; phone: string }
  | { kind: 'whatsapp'; phone: string }
  | { kind: 'telegram'; chatId: string }
  | { kind: 'push'; subscription: { endpoint: string; keys: { p256dh: string; auth: string } } }
  | { kind: 'webhook'; url: string; secret: string };

/** A message already rendered for its channel (see render.ts). */
export interface RenderedMessage {
  /** Email subject, push title, first line elsewhere. */
  subject: string;
  /** Plain text: SMS body, email text part, push body. */
  text: string;
  /** Email HTML part; Telegram HTML (its subset). */
  html?: string;
  /** WhatsApp business-initiated messages need an approved template: its name, language and body parameters. */
  whatsappTemplate?: { name: string; language: string; parameters: string[] };
  /** The JSON a webhook receives. */
  json?: Record<string, unknown>;
  /** Link to the alert in the web app. */
  url?: string;
}

export interface OutgoingMessage {
  to: ContactAddress;
  message: RenderedMessage;
  priority: 'critical' | 'high' | 'medium' | 'low';
  /** Stable per delivery attempt chain; sent to providers that support idempotency keys. */
  idempotencyKey: string;
  /** How long the message is worth delivering (push TTL, SMS validity). */
  ttlSeconds: number;
  /** Where the provider should post status updates for this message, if it supports callbacks. */
  statusCallbackUrl?: string;
}

export interface SendResult {
  /** The provider's id for the message (Twilio SID, WhatsApp wamid, SMTP message id...). */
  providerId?: string;
  status: Extract<DeliveryStatus, 'sent' | 'delivered'>;
}

/** A provider's status callback, parsed and verified. */
export interface StatusUpdate {
  providerId: string;
  status: DeliveryStatus;
  /** Provider time of the status (epoch ms), when given. */
  at?: number;
  /** Provider error code or reason, when failed. */
  reason?: string;
  /** The provider says the contact point is bad (unknown number, blocked bot, unsubscribed). */
  contactInvalid?: boolean;
}

/** What a status webhook route hands to an adapter. */
export interface WebhookRequest {
  method: string;
  /** The full public URL the provider called (Twilio signs it). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body, exactly as received (signatures are over the bytes). */
  rawBody: Buffer;
  query: Record<string, string | undefined>;
}

export interface Channel {
  readonly kind: ChannelKind;
  /** Provider name for logs, metrics and the delivery log: "twilio", "meta", "smtp"... */
  readonly provider: string;
  /**
   * Send one message. Resolves when the provider accepted it. Throws PermanentDeliveryError (do not
   * retry; maybe the contact point is invalid), RateLimitedError (retry after), or anything else
   * (transient: retry with backoff).
   */
  send(msg: OutgoingMessage): Promise<SendResult>;
  /**
   * Verify and parse a provider status webhook. Throws WebhookAuthError for a forged or unsigned
   * call. `response` is what to answer the provider (e.g. the WhatsApp GET handshake's challenge).
   */
  handleWebhook?(req: WebhookRequest): {
    updates: StatusUpdate[];
    response?: { status: number; body: string; contentType?: string };
  };
  close?(): Promise<void>;
}
