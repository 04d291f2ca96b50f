import type { Values } from '../../sdk/wire.js';
import type { Climate } from '../climate.js';

export type AssetKind = 'chiller' | 'ac-unit' | 'energy-meter' | 'cold-room';

export interface StepInput {
  ts: number;
  /** Since this asset's previous sample, ms; 0 on the first, when the model starts in steady state. */
  dtMs: number;
  climate: Climate;
  /** Electrical demand of the site's other assets, kW (what an energy meter measures). */
  siteKw: number;
  /** The chiller-ignores-commands fault is active. */
  ignoresCommands: boolean;
}

/**
 * One piece of equipment with its physical state. Each step draws the same number of random numbers
 * whatever branch it takes, so a fault changes only what it is meant to change and a faulted run can
 * be compared sample by sample with a clean one.
 */
export interface AssetModel {
  readonly kind: AssetKind;
  readonly parameters: readonly string[];
  /** The parameter stuck-sensor, spike and drift affect unless told otherwise. */
  readonly mainParameter: string;
  /** Electrical draw at the last step, kW. */
  readonly powerKw: number;
  /** Upper bound of powerKw. */
  readonly maxKw: number;
  step(input: StepInput): Values;
}

/** First-order lag: where a quantity with time constant `tauMs` is after `dtMs` heading for `target`. */
export function approach(current: number, target: number, dtMs: number, tauMs: number): number {
  return target + (current - target) * Math.exp(-dtMs / tauMs);
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Line current of a three-phase load, A (power factor 0.9). */
export function threePhaseAmps(kw: number, volts: number): number {
  return (kw * 1000) / (Math.sqrt(3) * volts * 0.9);
}

export const MINUTE_MS = 60_000;
