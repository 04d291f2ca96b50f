import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../platform/logger.js';
import { maskUrl } from '../platform/logger.js';
import { InFlight } from './inflight.js';
import type { Broker, InboundHandler } from './port.js';

export interface ExternalBrokerOptions {
  url: string;
  /** Shared-subscription group: every bridge process in it gets a share of the messages. */
  shareGroup: string;
  /** Topic filters to take, without the $share prefix. */
  filters: string[];
  /** Stable client id: with a persistent session, unacknowledged messages survive a bridge restart. */
  clientId: string;
  /**
   * Connections to open, all in the shared group. mqtt.js handles one QoS 1 message per connection
   * at a time (the next waits for our acknowledgement), so connections are the bridge's parallelism.
   */
  connections?: number;
  logger: Logger;
  drainTimeoutMs: number;
  /** Delay before a failed handler is retried (the message stays unacknowledged meanwhile). */
  retryDelayMs?: number;
}

/**
 * A bridge's connection to Mosquitto/EMQX. MQTT 5 `$share/{group}/{filter}` subscriptions split the
 * load between bridge processes. QoS 1 messages are acknowledged (customHandleAcks) only after the
 * handler resolved, and a failing handler is retried while the message stays unacknowledged, so the
 * broker keeps it until it is durably in the stream.
 */
export class ExternalBroker implements Broker {
  readonly kind = 'external' as const;
  private clients: MqttClient[] = [];
  private closing: Promise<void> | undefined;
  private stopped = false;
  private readonly inflight = new InFlight();

  constructor(private readonly opts: ExternalBrokerOptions) {}

  async start(handler: InboundHandler): Promise<void> {
    const { logger } = this.opts;
    const retryDelay = this.opts.retryDelayMs ?? 500;
    const handleUntilDone = async (topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<boolean> => {
      for (;;) {
        try {
          await handler({ topic, payload, qos, principal: undefined });
          return true;
        } catch (e) {
          if (this.stopped) return false;
          logger.error({ err: e, topic }, 'bridged message not accepted yet; retrying');
          await new Promise((r) => setTimeout(r, retryDelay));
        }
      }
    };
    const connect = (clientId: string): MqttClient => {
      const client = mqtt.connect(this.opts.url, {
        protocolVersion: 5,
        clientId,
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
        reconnectPeriod: 1000,
        customHandleAcks: (topic, message, packet, done) => {
          // A QoS 0 message has no acknowledgement to hold back; it is handled from the 'message' event.
          if (packet.qos === 0) return done(0);
          void this.inflight
            .run(() => handleUntilDone(topic, message, packet.qos))
            .then((ok) => {
              if (ok) done(0);
            });
        },
      });
      client.on('message', (topic, payload, packet) => {
        if (packet.qos !== 0 || this.stopped) return;
        void this.inflight.run(() => handleUntilDone(topic, payload, 0));
      });
      client.on('error', (e) =>
        logger.warn({ err: e.message, broker: maskUrl(this.opts.url) }, 'mqtt bridge connection error'),
      );
      return client;
    };
    const n = this.opts.connections ?? 1;
    this.clients = Array.from({ length: n }, (_, i) =>
      connect(n === 1 ? this.opts.clientId : `${this.opts.clientId}-${i}`),
    );
    const filters = this.opts.filters.map((f) => `$share/${this.opts.shareGroup}/${f}`);
    await Promise.all(
      this.clients.map(async (client) => {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`cannot reach the MQTT broker at ${maskUrl(this.opts.url)} (MQTT_URL)`)),
            10_000,
          );
          client.once('connect', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        await client.subscribeAsync(filters, { qos: 1 });
      }),
    );
  }

  describe(): string {
    return `${maskUrl(this.opts.url)} (external broker, shared subscription "${this.opts.shareGroup}")`;
  }

  async ping(): Promise<void> {
    if (this.clients.length === 0 || !this.clients.every((c) => c.connected))
      throw new Error('not connected to the MQTT broker');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopped = true;
      await this.inflight.drained(this.opts.drainTimeoutMs);
      await Promise.all(this.clients.map((c) => c.endAsync().catch(() => undefined)));
    })();
    return this.closing;
  }
}
