import type { BusRecord } from '../bus/port.js';
import type { Reading, Rejection } from './reading.js';

/**
 * What the telemetry stream carries. Readings of one sensor travel together in one entry keyed by
 * tenant/location/asset/sensor, so a sensor stays on one partition and keeps its order. Rejections
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

export const sensorKey = (r: Pick<Reading, 'tenant' | 'location' | 'asset' | 'sensor'>): string =>
  `${r.tenant}/${r.location}/${r.asset}/${r.sensor}`;

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
  return [...bySensor].map(([key, env]) => ({ key, payload: JSON.stringify(env) }));
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
