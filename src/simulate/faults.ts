import type { Values } from '../sdk/wire.js';
import { DataInsightError } from '../platform/errors.js';
import type { AssetKind } from './assets/asset.js';
import { pick, rngFor } from './prng.js';

export const FAULT_KINDS = ['chiller-ignores-commands', 'stuck-sensor', 'spike', 'silent', 'drift'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A misbehaviour to inject, so alert rules have something to find. */
export interface FaultSpec {
  /**
   * chiller-ignores-commands: commanded on, the chiller stays off (status 0, about 0 A);
   * stuck-sensor: one parameter freezes at its value; spike: one sample of it jumps by `magnitude`;
   * silent: the sensor stops sending; drift: the parameter creeps away by `magnitude` per hour.
   */
  kind: FaultKind;
  /** UTC epoch ms the fault begins; default: the asset's first sample. */
  startTs?: number;
  /** The asset; parts left out are chosen at random (from the seed) among assets the fault fits. */
  target?: { tenant?: string; location?: string; asset?: string };
  /** stuck-sensor, spike, drift: the parameter affected (default: the asset's main measurement). */
  parameter?: string;
  /** spike: amount added (default 1000); drift: units per hour (default 0.5). */
  magnitude?: number;
}

/** What faults need to know about a sensor to pick and check a target. */
export interface FaultTarget {
  tenant: string;
  location: string;
  asset: string;
  kind: AssetKind;
  parameters: readonly string[];
  mainParameter: string;
}

/** A fault bound to one sensor, with the little state it needs (the frozen value, the spike done). */
export class ActiveFault {
  private startTs: number | undefined;
  private frozen: number | undefined;
  private spiked = false;

  constructor(
    readonly kind: FaultKind,
    readonly sensorIndex: number,
    readonly parameter: string,
    readonly magnitude: number,
    startTs: number | undefined,
  ) {
    this.startTs = startTs;
  }

  isActive(ts: number): boolean {
    this.startTs ??= ts;
    return ts >= this.startTs;
  }

  /** The values as the faulty sensor reports them, or undefined when it says nothing. */
  apply(values: Values, ts: number): Values | undefined {
    if (!this.isActive(ts)) return values;
    const v = values[this.parameter];
    switch (this.kind) {
      case 'silent':
        return undefined;
      case 'chiller-ignores-commands':
        return values; // acted out by the chiller model itself
      case 'stuck-sensor':
        this.frozen ??= v;
        return this.frozen === undefined ? values : { ...values, [this.parameter]: this.frozen };
      case 'spike':
        if (this.spiked || v === undefined) return values;
        this.spiked = true;
        return { ...values, [this.parameter]: v + this.magnitude };
      case 'drift': {
        const hours = (ts - (this.startTs ?? ts)) / 3_600_000;
        return v === undefined ? values : { ...values, [this.parameter]: v + this.magnitude * hours };
      }
    }
  }
}

/** Bind each spec to a sensor. Random choices come from the seed, so a run is reproducible. */
export function resolveFaults(
  specs: readonly FaultSpec[],
  sensors: readonly FaultTarget[],
  seed: number,
): ActiveFault[] {
  return specs.map((spec, i) => {
    const field = `faults[${i}]`;
    if (!FAULT_KINDS.includes(spec.kind)) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `${field}.kind "${String(spec.kind)}" is not one of ${FAULT_KINDS.join(', ')}`,
        {
          field: `${field}.kind`,
        },
      );
    }
    const t = spec.target ?? {};
    const candidates = sensors
      .map((s, index) => ({ s, index }))
      .filter(
        ({ s }) =>
          (spec.kind !== 'chiller-ignores-commands' || s.kind === 'chiller') &&
          (t.tenant === undefined || s.tenant === t.tenant) &&
          (t.location === undefined || s.location === t.location) &&
          (t.asset === undefined || s.asset === t.asset),
      );
    if (candidates.length === 0) {
      const where = [t.tenant, t.location, t.asset].map((p) => p ?? '*').join('/');
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `${field}: no ${spec.kind === 'chiller-ignores-commands' ? 'chiller' : 'asset'} matches ${where}`,
        {
          field: `${field}.target`,
        },
      );
    }
    const { s, index } = pick(rngFor(seed, 'fault', String(i)), candidates);
    const parameter = spec.parameter ?? s.mainParameter;
    if (!s.parameters.includes(parameter)) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `${field}.parameter "${parameter}" is not measured by ${s.asset} (${s.parameters.join(', ')})`,
        {
          field: `${field}.parameter`,
        },
      );
    }
    const magnitude = spec.magnitude ?? (spec.kind === 'drift' ? 0.5 : 1000);
    return new ActiveFault(spec.kind, index, parameter, magnitude, spec.startTs);
  });
}
