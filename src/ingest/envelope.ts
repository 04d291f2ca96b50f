import type { BusRecord } from '../bus/port.js';
import type { Reading, Rejection } from './reading.js';

/**
 * What the telemetry stream carries. Readings of one sensor travel together in one entry; entries are
 * keyed by tenant/location/asset, so every sensor of an asset stays on one partition, in order, and one
 * evaluator sees all of an asset's parameters (rules across parameters, e.g. commanded on but no
 * current, need them together). Rejections
 * travel too, so the storage role records them where an operator (or a device integrator) can see them.
 */
export const TELEMETRY_STREAM = 'telemetry';

export interface ReadingsEnvelope {
  v: 1;
  kind: 'readings';
  tenant: string;
  location: string;
  asset: string;
  sensor: string;
  /** Where it came from: "mqtt:<topic>", "http:/api/v1/ingest", "influx:/write"... */
  src: string;
  /** Received at (epoch ms). */
  rx: number;
  /** [parameter, ts, value] */
  r: [string, number, number][];
}

export interface RejectionsEnvelope {
  v: 1;
  kind: 'rejections';
  tenant: string;
  src: string;
  rx: number;
  x: Rejection[];
  /** The start of the offending payload, for whoever debugs the device. */
  excerpt: string;
}

export type TelemetryEnvelope = ReadingsEnvelope | RejectionsEnvelope;

/** The partitioning key of a reading: its asset. */
export const partitionKey = (r: Pick<Reading, 'tenant' | 'location' | 'asset'>): string =>
  `${r.tenant}/${r.location}/${r.asset}`;

const sensorKey = (r: Pick<Reading, 'tenant' | 'location' | 'asset' | 'sensor'>): string =>
  `${partitionKey(r)}/${r.sensor}`;

/** Group readings per sensor (keeping their order) into bus records. */
export function toRecords(readings: readonly Reading[], src: string, rx: number): BusRecord[] {
  const bySensor = new Map<string, ReadingsEnvelope>();
  for (const r of readings) {
    const key = sensorKey(r);
    let env = bySensor.get(key);
    if (!env) {
      env = {
        v: 1,
        kind: 'readings',
        tenant: r.tenant,
        location: r.location,
        asset: r.asset,
        sensor: r.sensor,
        src,
        rx,
        r: [],
      };
      bySensor.set(key, env);
    }
    env.r.push([r.parameter, r.ts, r.value]);
  }
  return [...bySensor.values()].map((env) => ({ key: partitionKey(env), payload: JSON.stringify(env) }));
}

export function rejectionRecord(
  tenant: string,
  rejections: Rejection[],
  src: string,
  rx: number,
  payload: string | Buffer,
): BusRecord {
  const env: RejectionsEnvelope = {
    v: 1,
    kind: 'rejections',
    tenant,
    src,
    rx,
    x: rejections.slice(0, 100),
    excerpt: payload.toString('utf8', 0, Math.min(payload.length, 256)).slice(0, 256),
  };
  return { key: `${tenant}/rejections`, payload: JSON.stringify(env) };
}

/** Parse an entry; a payload that is not an envelope (a foreign writer, a bug) is reported, not thrown. */
export function parseEnvelope(payload: string): TelemetryEnvelope | { error: string } {
  try {
    const env = JSON.parse(payload) as TelemetryEnvelope;
    if (env?.v !== 1 || (env.kind !== 'readings' && env.kind !== 'rejections'))
      return { error: 'not a telemetry envelope (v1)' };
    return env;
  } catch (e) {
    return { error: `invalid JSON: ${(e as Error).message}` };
  }
}
