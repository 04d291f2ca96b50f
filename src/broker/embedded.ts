import { createServer, type Server } from 'node:net';
import { Aedes, type Client } from 'aedes';
import type { Logger } from '../platform/logger.js';
import { listen } from '../platform/listen.js';
import { InFlight } from './inflight.js';
import type { Broker, DeviceAuth, DevicePrincipal, InboundHandler } from './port.js';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Device authentication and topic ACL; undefined accepts anonymous clients (tests, local trials). */
  auth: DeviceAuth | undefined;
  /** Topics the handler receives (others are plain MQTT traffic between clients). */
  accepts(topic: string): boolean;
  drainTimeoutMs: number;
}

type AuthedClient = Client & { principal?: DevicePrincipal };

/**
 * Aedes inside this process. The inbound handler runs in Aedes' authorizePublish hook, which Aedes
 * completes before it writes the QoS 1 PUBACK: the device is acknowledged only once the handler
 * (append to the telemetry stream) resolved. A handler that rejects closes the client's connection
 * without an acknowledgement (MQTT 3.1.1 has no negative PUBACK), so the device sends it again.
 */
export class EmbeddedBroker implements Broker {
  readonly kind = 'embedded' as const;
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private port = 0;
  private closing: Promise<void> | undefined;
  private readonly inflight = new InFlight();

  constructor(private readonly opts: EmbeddedBrokerOptions) {}

  get listeningPort(): number {
    return this.port;
  }

  async start(handler: InboundHandler): Promise<void> {
    const { auth, logger } = this.opts;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        if (!auth) return done(null, true);
        auth.authenticate(username, password).then(
          (principal) => {
            if (!principal) {
              logger.warn(
                { clientId: client.id, username },
                'mqtt client rejected: bad username or password',
              );
              const err = Object.assign(new Error('bad username or password'), { returnCode: 4 as const });
              return done(err, false);
            }
            (client as AuthedClient).principal = principal;
            done(null, true);
          },
          (e: unknown) => {
            logger.error({ err: e }, 'mqtt authentication failed');
            done(Object.assign(new Error('server unavailable'), { returnCode: 3 as const }), false);
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        const principal = (client as AuthedClient | null)?.principal;
        if (auth && client && (!principal || !auth.mayPublish(principal, packet.topic))) {
          logger.warn(
            { clientId: client.id, device: principal?.device, topic: packet.topic },
            'mqtt publish refused by ACL',
          );
          return done(new Error(`not authorized to publish on ${packet.topic}`));
        }
        if (!client || !this.opts.accepts(packet.topic)) return done(null);
        this.inflight
          .run(() =>
            handler({ topic: packet.topic, payload: packet.payload as Buffer, qos: packet.qos, principal }),
          )
          .then(
            () => done(null),
            (e: unknown) => {
              logger.error(
                { err: e, topic: packet.topic },
                'mqtt message not accepted; the client will resend it',
              );
              done(e as Error);
            },
          );
      },
      authorizeSubscribe: (client, sub, done) => {
        const principal = (client as AuthedClient).principal;
        if (auth && (!principal || !auth.maySubscribe(principal, sub.topic))) {
          logger.warn({ clientId: client.id, topic: sub.topic }, 'mqtt subscription refused by ACL');
          return done(new Error(`not authorized to subscribe to ${sub.topic}`));
        }
        done(null, sub);
      },
    });
    aedes.on('clientError', (client, err) =>
      logger.debug({ clientId: client.id, err: err.message }, 'mqtt client error'),
    );
    this.aedes = aedes;
    this.server = createServer(aedes.handle);
    this.port = await listen(this.server, this.opts.host, this.opts.port, 'MQTT_PORT');
  }

  describe(): string {
    return `mqtt://${this.opts.host}:${this.port} (embedded Aedes)`;
  }

  async ping(): Promise<void> {
    if (!this.server?.listening || this.aedes?.closed)
      throw new Error('embedded MQTT broker is not listening');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Stop new connections first, let acknowledgements under way finish, then drop clients.
      const serverClosed = new Promise<void>((r) =>
        this.server?.listening ? this.server.close(() => r()) : r(),
      );
      await this.inflight.drained(this.opts.drainTimeoutMs);
      await new Promise<void>((r) => (this.aedes ? this.aedes.close(() => r()) : r()));
      await serverClosed;
    })();
    return this.closing;
  }
}
