import { KEY_PATTERN } from '../ingest/parse/validate.js';
import { DataInsightError } from '../platform/errors.js';

/**
 * The producer side of the ingest wire formats (MQTT JSON and HTTP JSON). The server is the authority
 * on validation; the client checks only what would otherwise fail silently or corrupt the address
 * of a reading (an MQTT topic has no way to report a bad segment back).
 */

/** Tenant, location, asset and sensor names: the server's own rule. */
export const KEY_SEGMENT = KEY_PATTERN;

/** Parameter name -> value, e.g. `{ temp: 21.5, on: 1 }`. */
export type Values = Record<string, number>;

/** One measurement instant of a sensor. `ts` (UTC epoch ms) defaults to the time of sending. */
export interface Sample {
  ts?: number;
  values: Values;
}

export interface WireSample {
  ts: number;
  values: Values;
}

export function assertKeySegment(field: string, value: string): void {
  if (!KEY_SEGMENT.test(value)) {
    throw new DataInsightError(
      'DI_BAD_REQUEST',
      `${field} "${value}" is not a valid name: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
      { field },
    );
  }
}

/**
 * Stamp and check one sample. Non-finite numbers are refused here because JSON.stringify would turn
 * them into null, and over MQTT QoS 0 nobody would ever hear about the loss.
 */
export function toWireSample(sample: Sample, index: number, now: () => number): WireSample {
  const ts = sample.ts ?? now();
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new DataInsightError(
      'DI_BAD_REQUEST',
      `samples[${index}].ts must be epoch milliseconds, got ${ts}`,
      {
        field: `samples[${index}].ts`,
      },
    );
  }
  const names = Object.keys(sample.values);
  if (names.length === 0) {
    throw new DataInsightError('DI_BAD_REQUEST', `samples[${index}].values is empty`, {
      field: `samples[${index}].values`,
    });
  }
  for (const name of names) {
    const v = sample.values[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DataInsightError(
        'DI_BAD_REQUEST',
        `samples[${index}].values.${name} must be a finite number, got ${String(v)}`,
        {
          field: `samples[${index}].values.${name}`,
        },
      );
    }
  }
  return { ts, values: sample.values };
}
