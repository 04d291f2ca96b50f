import type { Config } from '../../config/config.js';
import type { Logger } from '../../platform/logger.js';
import type { Channel, ChannelKind } from '../port.js';
import { createSmtpEmailChannel } from './smtp-email/smtp-email.js';
import { createTelegramChannel } from './telegram/telegram.js';
import { createTwilioSmsChannel } from './twilio-sms/twilio-sms.js';
import { createWebPushChannel } from './web-push/web-push.js';
import { createWebhookChannel } from './webhook/webhook.js';
import { createWhatsAppChannel } from './whatsapp-cloud/whatsapp-cloud.js';

/**
 * The channels this deployment can use: each provider whose settings are present. Webhooks need no
 * provider account, so they are always on. A partially configured provider is a start-up error naming
 * the missing setting, not a channel that fails at the first critical alert.
 */
export function buildChannels(config: Config, logger: Logger): Map<ChannelKind, Channel> {
  const channels = new Map<ChannelKind, Channel>();
  const need = (provider: string, settings: Record<string, string | undefined>): boolean => {
    const set = Object.entries(settings).filter(([, v]) => v !== undefined);
    if (set.length === 0) return false;
    const missing = Object.entries(settings)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    if (missing.length)
      throw new Error(
        `${provider} is partly configured: set ${missing.join(' and ')} as well (or unset the others)`,
      );
    return true;
  };
  if (config.smtpUrl)
    channels.set('email', createSmtpEmailChannel({ url: config.smtpUrl, from: config.smtpFrom }));
  if (
    need('Twilio SMS', {
      TWILIO_ACCOUNT_SID: config.twilioAccountSid,
      TWILIO_AUTH_TOKEN: config.twilioAuthToken,
      TWILIO_FROM: config.twilioFrom,
    })
  ) {
    const from = config.twilioFrom!;
    channels.set(
      'sms',
      createTwilioSmsChannel({
        accountSid: config.twilioAccountSid!,
        authToken: config.twilioAuthToken!,
        ...(from.startsWith('MG') ? { messagingServiceSid: from } : { from }),
        baseUrl: config.twilioBaseUrl,
      }),
    );
  }
  if (
    need('WhatsApp', {
      WHATSAPP_PHONE_NUMBER_ID: config.whatsappPhoneNumberId,
      WHATSAPP_ACCESS_TOKEN: config.whatsappAccessToken,
      WHATSAPP_APP_SECRET: config.whatsappAppSecret,
      WHATSAPP_VERIFY_TOKEN: config.whatsappVerifyToken,
    })
  ) {
    channels.set(
      'whatsapp',
      createWhatsAppChannel({
        phoneNumberId: config.whatsappPhoneNumberId!,
        accessToken: config.whatsappAccessToken!,
        appSecret: config.whatsappAppSecret!,
        verifyToken: config.whatsappVerifyToken!,
        baseUrl: config.whatsappBaseUrl,
      }),
    );
  }
  if (config.telegramBotToken)
    channels.set(
      'telegram',
      createTelegramChannel({ botToken: config.telegramBotToken, baseUrl: config.telegramBaseUrl }),
    );
  if (
    need('Web Push', { VAPID_PUBLIC_KEY: config.vapidPublicKey, VAPID_PRIVATE_KEY: config.vapidPrivateKey })
  ) {
    channels.set(
      'push',
      createWebPushChannel({
        vapid: {
          subject: config.vapidSubject,
          publicKey: config.vapidPublicKey!,
          privateKey: config.vapidPrivateKey!,
        },
      }),
    );
  }
  channels.set('webhook', createWebhookChannel({ timeoutMs: 10_000 }));
  logger.debug({ channels: [...channels.keys()] }, 'notification channels');
  return channels;
}
