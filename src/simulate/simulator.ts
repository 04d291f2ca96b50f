import type { Values, WireSample } from '../sdk/wire.js';
import { resolveFaults, type ActiveFault } from './faults.js';
import { buildTopology, type ModelOptions, type PlacedAsset, type SensorInfo } from './topology.js';

/** The building model: every sensor of every asset, each advanced only when it is sampled. */
export interface Simulator {
  readonly sensors: readonly SensorInfo[];
  /**
   * Advance sensor `index` to `ts` (UTC epoch ms, never earlier than its previous sample) and return
   * its reading, or undefined while a silent fault holds. The model is a pure function of the seed,
   * the options and the sequence of calls, so the same calls give the same readings.
   */
  sample(index: number, ts: number): WireSample | undefined;
}

export function createSimulator(opts: ModelOptions): Simulator {
  const placed = buildTopology(opts);
  const targets = placed.map((p) => ({ ...p.info, mainParameter: p.model.mainParameter }));
  const faultsBySensor = new Map<number, ActiveFault[]>();
  for (const f of resolveFaults(opts.faults ?? [], targets, opts.seed)) {
    faultsBySensor.set(f.sensorIndex, [...(faultsBySensor.get(f.sensorIndex) ?? []), f]);
  }
  const lastTs = new Map<number, number>();

  return {
    sensors: placed.map((p) => p.info),
    sample(index, ts) {
      const p = placed[index];
      if (p === undefined) throw new RangeError(`no sensor #${index} (the model has ${placed.length})`);
      const prev = lastTs.get(index);
      if (prev !== undefined && ts < prev) {
        throw new RangeError(`${p.info.sensor}: sample at ${ts} is earlier than the previous one at ${prev}`);
      }
      lastTs.set(index, ts);
      const faults = faultsBySensor.get(index) ?? [];
      // A silent sensor's asset keeps running: only the reports stop, as with a dead gateway.
      let values: Values | undefined = p.model.step({
        ts,
        dtMs: prev === undefined ? 0 : ts - prev,
        climate: p.site.climate,
        siteKw: p.info.kind === 'energy-meter' ? siteDemandKw(p) : 0,
        ignoresCommands: faults.some((f) => f.kind === 'chiller-ignores-commands' && f.isActive(ts)),
      });
      for (const f of faults) values = values && f.apply(values, ts);
      return values && { ts, values };
    },
  };
}

/** A meter's share of what the site's other equipment draws at their latest samples. */
function siteDemandKw(meter: PlacedAsset): number {
  const others = meter.site.assets.filter((a) => a.info.kind !== 'energy-meter');
  return others.reduce((sum, a) => sum + a.model.powerKw, 0) / meter.site.meters;
}
