import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDataInsightError } from '../platform/errors.js';
import { createMqttProducer, type MqttProducer } from './mqtt-producer.js';

let broker: Aedes;
let server: Server;
let url: string;
let received: { topic: string; payload: unknown; qos: number }[];
const producers: MqttProducer[] = [];

beforeEach(async () => {
  received = [];
  broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) =>
      done(null, username === 'gw-1' && password?.toString() === 's3cret'),
  });
  broker.on('publish', (packet: AedesPublishPacket, client) => {
    // Only what a producer sent, not the broker's own $SYS heartbeats.
    if (client)
      received.push({ topic: packet.topic, payload: JSON.parse(packet.payload.toString()), qos: packet.qos });
  });
  server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.close()));
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function open(qos: 0 | 1): Promise<MqttProducer> {
  const p = await createMqttProducer({
    url,
    username: 'gw-1',
    password: 's3cret',
    tenant: 'acme',
    qos,
    now: () => 1_700_000_000_000,
  });
  producers.push(p);
  return p;
}

describe('createMqttProducer', () => {
  it('QoS 1: resolves after the broker took the message; one sample is sent as an object', async () => {
    const p = await open(1);
    await p.send('hq', 'chiller-1', 'chiller-1-main', [
      { ts: 1_700_000_000_500, values: { on: 1, status: 0, current: 0.2 } },
    ]);
    expect(received).toEqual([
      {
        topic: 'di/acme/hq/chiller-1/chiller-1-main',
        payload: { ts: 1_700_000_000_500, values: { on: 1, status: 0, current: 0.2 } },
        qos: 1,
      },
    ]);
  });

  it('sends several samples as one JSON array, stamping a missing ts', async () => {
    const p = await open(1);
    await p.send('hq', 'ac-3', 'ac-3-main', [
      { ts: 1_699_999_999_000, values: { room_temp: 24.1 } },
      { values: { room_temp: 24.0 } },
    ]);
    expect(received[0]?.payload).toEqual([
      { ts: 1_699_999_999_000, values: { room_temp: 24.1 } },
      { ts: 1_700_000_000_000, values: { room_temp: 24.0 } },
    ]);
  });

  it('QoS 0 publishes too, and close() is safe to call twice', async () => {
    const p = await open(0);
    await p.send('hq', 'meter-1', 'meter-1-main', [{ values: { energy_kwh: 1234.5 } }]);
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({ topic: 'di/acme/hq/meter-1/meter-1-main', qos: 0 });
    await Promise.all([p.close(), p.close()]);
    await expect(p.send('hq', 'meter-1', 'meter-1-main', [{ values: { x: 1 } }])).rejects.toThrow(
      /after close/,
    );
  });

  it('close() waits a bounded time for PUBACKs, then fails the unacknowledged sends', async () => {
    // A broker that never acknowledges: the message stays in flight.
    broker.authorizePublish = () => {};
    const p = await createMqttProducer({
      url,
      username: 'gw-1',
      password: 's3cret',
      tenant: 'acme',
      qos: 1,
      closeTimeoutMs: 50,
    });
    const outcome = p.send('hq', 'chiller-1', 'chiller-1-main', [{ values: { on: 1 } }]).then(
      () => 'acknowledged',
      (err: unknown) => err,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await p.close();
    expect(await outcome).toMatchObject({ code: 'DI_SHUTTING_DOWN' });
  });

  it('refuses a topic segment or value the server could not take, before publishing', async () => {
    const p = await open(1);
    await expect(p.send('hq', 'chiller/1', 'main', [{ values: { on: 1 } }])).rejects.toThrow(
      /asset "chiller\/1" is not a valid name/,
    );
    await expect(p.send('hq', 'chiller-1', '+', [{ values: { on: 1 } }])).rejects.toMatchObject({
      field: 'sensor',
    });
    await expect(p.send('hq', 'chiller-1', 'main', [{ values: { temp: Number.NaN } }])).rejects.toMatchObject(
      { field: 'samples[0].values.temp' },
    );
    expect(received).toEqual([]);
  });

  it('reports refused credentials as DI_UNAUTHORIZED without leaking the password', async () => {
    const err = await createMqttProducer({
      url,
      username: 'gw-1',
      password: 'wrong',
      tenant: 'acme',
      qos: 1,
    }).catch((e: unknown) => e);
    expect(isDataInsightError(err, 'DI_UNAUTHORIZED')).toBe(true);
    expect(String((err as Error).message)).toContain('as gw-1');
    expect(String((err as Error).message)).not.toContain('wrong');
  });
});
