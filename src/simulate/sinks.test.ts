import { describe, expect, it } from 'vitest';
import type { HttpProducer, HttpRecord } from '../sdk/http-producer.js';
import type { MqttProducer } from '../sdk/mqtt-producer.js';
import type { SensorBatch } from './batch.js';
import { httpSink, mqttSink } from './sinks.js';

const batch: SensorBatch[] = [
  {
    tenant: 'acme',
    location: 'hq',
    asset: 'ac-1',
    sensor: 'ac-1-main',
    samples: [
      { ts: 1, values: { room_temp: 24 } },
      { ts: 2, values: { room_temp: 23.9 } },
    ],
  },
  {
    tenant: 'globex',
    location: 'plant',
    asset: 'meter-1',
    sensor: 'meter-1-main',
    samples: [{ ts: 1, values: { power_kw: 80 } }],
  },
];

describe('sinks', () => {
  it('mqttSink publishes one message per sensor through its tenant producer', async () => {
    const sent: string[] = [];
    const producer = (tenant: string): MqttProducer => ({
      send: async (location, asset, sensor, samples) =>
        void sent.push(`${tenant}/${location}/${asset}/${sensor} x${samples.length}`),
      close: async () => {},
    });
    await mqttSink(producer)(batch);
    expect(sent.sort()).toEqual(['acme/hq/ac-1/ac-1-main x2', 'globex/plant/meter-1/meter-1-main x1']);
  });

  it('httpSink sends each tenant its records and fails the batch on a rejected record', async () => {
    const got = new Map<string, HttpRecord[]>();
    const producer = (tenant: string): HttpProducer => ({
      send: async (records) => {
        got.set(tenant, [...records]);
        return tenant === 'globex'
          ? { accepted: 0, rejected: [{ index: 0, field: 'values.power_kw', reason: 'unknown parameter' }] }
          : { accepted: records.length, rejected: [] };
      },
    });
    await expect(httpSink(producer)(batch)).rejects.toThrow(
      'tenant globex: the server rejected 1 of 1 readings; first: plant/meter-1/meter-1-main values.power_kw: unknown parameter',
    );
    expect(got.get('acme')).toEqual([
      { location: 'hq', asset: 'ac-1', sensor: 'ac-1-main', ts: 1, values: { room_temp: 24 } },
      { location: 'hq', asset: 'ac-1', sensor: 'ac-1-main', ts: 2, values: { room_temp: 23.9 } },
    ]);
  });
});
