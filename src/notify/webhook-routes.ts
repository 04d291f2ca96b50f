import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from '../platform/logger.js';
import { WebhookAuthError } from './errors.js';
import type { Outbox } from './outbox.js';
import type { Channel } from './port.js';
import type { Recipients } from './recipients.js';

export interface WebhookRoutesOptions {
  /** Channels that take status callbacks, by provider name (the path segment). */
  channels: Channel[];
  outbox: Outbox;
  recipients: Recipients;
  publicUrl: string;
  logger: Logger;
}

/**
 * Provider status callbacks: /api/v1/webhooks/{provider} (GET for handshakes such as Meta's, POST for
 * statuses). The adapter verifies the provider's signature over the raw body; a forged or unsigned
 * call gets 401/403 and changes nothing. Statuses never move a delivery backwards.
 */
export function webhookRoutes(o: WebhookRoutesOptions): FastifyPluginAsync {
  const byProvider = new Map(o.channels.filter((c) => c.handleWebhook).map((c) => [c.provider, c]));
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    const handler = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      const provider = (req.params as { provider: string }).provider;
      const channel = byProvider.get(provider);
      if (!channel?.handleWebhook)
        return reply
          .status(404)
          .send({ code: 'DI_NOT_FOUND', message: `no status webhook for "${provider}"` });
      try {
        const { updates, response } = channel.handleWebhook({
          method: req.method,
          url: `${o.publicUrl.replace(/\/$/, '')}${req.url}`,
          headers: req.headers,
          rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          query: req.query as Record<string, string | undefined>,
        });
        const now = Date.now();
        for (const u of updates) {
          const moved = await o.outbox.applyStatus(
            channel.provider,
            u.providerId,
            u.status,
            { reason: u.reason, at: u.at },
            now,
          );
          if (u.contactInvalid)
            for (const m of moved)
              if (m.contact_point_id)
                await o.recipients.markInvalid(m.contact_point_id, u.reason ?? `${provider}: ${u.status}`);
        }
        if (response)
          return reply
            .status(response.status)
            .type(response.contentType ?? 'text/plain')
            .send(response.body);
        return reply.status(200).send({ received: updates.length });
      } catch (e) {
        if (e instanceof WebhookAuthError) {
          o.logger.warn({ provider, reason: e.message }, 'status webhook refused');
          return reply
            .status(e.status)
            .send({ code: e.status === 401 ? 'DI_UNAUTHORIZED' : 'DI_FORBIDDEN', message: e.message });
        }
        throw e;
      }
    };
    app.get('/webhooks/:provider', handler);
    app.post('/webhooks/:provider', handler);
  };
}
