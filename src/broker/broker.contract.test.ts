import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { EmbeddedBroker } from './embedded.js';
import { ExternalBroker } from './external.js';
import type { Broker, InboundMessage } from './port.js';

interface Harness {
  broker: Broker;
  /** URL a device connects to. */
  deviceUrl: string;
  prefix: string;
}

type Factory = {
  name: string;
  make(
    prefix: string,
  ): Promise<Omit<Harness, 'prefix'> & { started(h: (m: InboundMessage) => Promise<void>): Promise<void> }>;
};

const FACTORIES: Factory[] = [
  {
    name: 'embedded',
    async make(prefix) {
      const broker = new EmbeddedBroker({
        host: '127.0.0.1',
        port: 0,
        logger: silentLogger(),
        auth: undefined,
        accepts: (t) => t.startsWith(prefix),
        drainTimeoutMs: 2000,
      });
      return {
        broker,
        get deviceUrl() {
          return `mqtt://127.0.0.1:${broker.listeningPort}`;
        },
        started: (h) => broker.start(h),
      };
    },
  },
  ...(process.env.MQTT_URL
    ? [
        {
          name: 'external',
          async make(prefix: string) {
            const broker = new ExternalBroker({
              url: process.env.MQTT_URL!,
              shareGroup: `test-${prefix}`,
              filters: [`${prefix}/#`],
              clientId: `test-bridge-${prefix}`,
              logger: silentLogger(),
              drainTimeoutMs: 2000,
              retryDelayMs: 50,
            });
            return {
              broker,
              deviceUrl: process.env.MQTT_URL!,
              started: (h: (m: InboundMessage) => Promise<void>) => broker.start(h),
            };
          },
        },
      ]
    : []),
];

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

for (const factory of FACTORIES) {
  describe(`broker port: ${factory.name}`, () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    });

    const setup = async (handler: (m: InboundMessage) => Promise<void>) => {
      const prefix = `t${randomBytes(4).toString('hex')}`;
      const h = await factory.make(prefix);
      cleanups.push(() => h.broker.close());
      await h.started(handler);
      const device = await mqtt.connectAsync(h.deviceUrl, {
        clientId: `dev-${prefix}`,
        reconnectPeriod: 100,
      });
      cleanups.push(() => device.endAsync(true));
      return { ...h, prefix, device };
    };

    it('hands a QoS 1 message over and acknowledges the device only after the handler resolved', async () => {
      const gate = deferred();
      const seen: InboundMessage[] = [];
      const { device, prefix, broker } = await setup(async (m) => {
        seen.push(m);
        await gate.promise;
      });
      let acked = false;
      const pub = device.publishAsync(`${prefix}/a/b`, '{"x":1}', { qos: 1 }).then(() => (acked = true));
      await expect.poll(() => seen.length, { timeout: 5000 }).toBe(1);
      await new Promise((r) => setTimeout(r, 150));
      // Behind an external broker the device's PUBACK is the broker's; ours to the broker is held (below).
      if (factory.name === 'embedded') expect(acked).toBe(false);
      gate.resolve();
      await pub;
      expect(acked).toBe(true);
      expect(seen[0]!.topic).toBe(`${prefix}/a/b`);
      expect(seen[0]!.payload.toString()).toBe('{"x":1}');
      await broker.ping();
    });

    it('a message the handler failed on is delivered again, and nothing is lost', async () => {
      let failures = 1;
      const stored: string[] = [];
      const { device, prefix } = await setup(async (m) => {
        if (failures-- > 0) throw new Error('stream unavailable');
        stored.push(m.payload.toString());
      });
      await device.publishAsync(`${prefix}/s`, 'one', { qos: 1 });
      await device.publishAsync(`${prefix}/s`, 'two', { qos: 1 });
      await expect.poll(() => stored, { timeout: 10_000 }).toEqual(['one', 'two']);
    });

    if (factory.name === 'external') {
      it('a bridge that stopped before acknowledging gets the message again when it comes back', async () => {
        const gate = deferred();
        const firstSeen: string[] = [];
        const { device, prefix, broker } = await setup(async (m) => {
          firstSeen.push(m.payload.toString());
          await gate.promise;
        });
        await device.publishAsync(`${prefix}/s`, 'keep-me', { qos: 1 });
        await expect.poll(() => firstSeen.length, { timeout: 5000 }).toBe(1);
        // Crash: the connection drops while the handler has not finished; nothing was acknowledged.
        await Promise.all(
          (broker as unknown as { clients: mqtt.MqttClient[] }).clients.map((c) => c.endAsync(true)),
        );
        const again: string[] = [];
        const h = await FACTORIES.find((f) => f.name === 'external')!.make(prefix);
        cleanups.push(() => h.broker.close());
        await h.started(async (m) => {
          again.push(m.payload.toString());
        });
        await expect.poll(() => again, { timeout: 10_000 }).toEqual(['keep-me']);
        gate.resolve();
      });
    }

    it('close() waits for a handler under way', async () => {
      const gate = deferred();
      let finished = false;
      const { device, prefix, broker } = await setup(async () => {
        await gate.promise;
        finished = true;
      });
      void device.publishAsync(`${prefix}/s`, 'x', { qos: 1 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      const closed = broker.close();
      setTimeout(() => gate.resolve(), 100);
      await closed;
      expect(finished).toBe(true);
    });
  });
}

describe('embedded broker start-up', () => {
  it('a taken port is reported naming MQTT_PORT', async () => {
    const first = new EmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      auth: undefined,
      accepts: () => false,
      drainTimeoutMs: 100,
    });
    await first.start(async () => undefined);
    const second = new EmbeddedBroker({
      host: '127.0.0.1',
      port: first.listeningPort,
      logger: silentLogger(),
      auth: undefined,
      accepts: () => false,
      drainTimeoutMs: 100,
    });
    await expect(second.start(async () => undefined)).rejects.toMatchObject({
      code: 'DI_PORT_IN_USE',
      field: 'MQTT_PORT',
    });
    await second.close();
    await first.close();
  });
});
