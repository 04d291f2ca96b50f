import type { HttpProducer, HttpRecord } from '../sdk/http-producer.js';
import type { MqttProducer } from '../sdk/mqtt-producer.js';
import type { Sink } from './batch.js';

/**
 * Publish over MQTT: one message per sensor per batch (a JSON array when it holds several samples).
 * MQTT credentials belong to one tenant's device or gateway, hence one producer per tenant. The
 * publishes of a batch go out together; one connection keeps each sensor's messages in order.
 */
export function mqttSink(producerFor: (tenant: string) => MqttProducer): Sink {
  return async (batch) => {
    await Promise.all(batch.map((b) => producerFor(b.tenant).send(b.location, b.asset, b.sensor, b.samples)));
  };
}

/**
 * Post over HTTP, one send() per tenant (tokens are per tenant). The simulator only makes valid
 * readings, so any record the server rejects is a bug worth failing the batch for.
 */
export function httpSink(producerFor: (tenant: string) => HttpProducer): Sink {
  return async (batch) => {
    const byTenant = new Map<string, HttpRecord[]>();
    for (const b of batch) {
      const records = byTenant.get(b.tenant) ?? [];
      for (const s of b.samples)
        records.push({ location: b.location, asset: b.asset, sensor: b.sensor, ts: s.ts, values: s.values });
      byTenant.set(b.tenant, records);
    }
    await Promise.all(
      [...byTenant].map(async ([tenant, records]) => {
        const { rejected } = await producerFor(tenant).send(records);
        const first = rejected[0];
        if (first !== undefined) {
          const r = records[first.index];
          throw new Error(
            `tenant ${tenant}: the server rejected ${rejected.length} of ${records.length} readings; first: ` +
              `${r?.location}/${r?.asset}/${r?.sensor} ${first.field}: ${first.reason}`,
          );
        }
      }),
    );
  };
}
