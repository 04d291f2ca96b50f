import { between, gaussian, type Rng } from '../prng.js';
import { round, threePhaseAmps, type AssetModel, type StepInput } from './asset.js';

export const METER_PARAMETERS = ['energy_kwh', 'power_kw', 'voltage', 'current'] as const;

const REFERENCE_EPOCH = Date.UTC(2020, 0, 1);

/**
 * A three-phase energy meter measuring its share of the site (the other assets' draw split over the
 * site's meters, plus lighting, pumps and sockets). `siteShareMaxKw` bounds that share of the other assets' draw.
 */
export function createEnergyMeter(rng: Rng, siteShareMaxKw: number): AssetModel {
  const baseKw = between(rng, 20, 80);
  const maxKw = baseKw * 1.5 + siteShareMaxKw;
  let energy: number | undefined;
  let powerKw = 0;

  return {
    kind: 'energy-meter',
    parameters: METER_PARAMETERS,
    mainParameter: 'power_kw',
    maxKw,
    get powerKw() {
      return powerKw;
    },
    step({ ts, dtMs, siteKw }: StepInput) {
      const g = { power: gaussian(rng), volt: gaussian(rng) };
      powerKw = Math.min(maxKw, Math.max(0, baseKw * (1 + 0.1 * g.power) + siteKw));
      // The counter starts at what the meter could at most have counted since a fixed date, so a
      // restarted simulation (or live mode after a backfill) never shows it running backwards: within
      // a run it grows by at most maxKw per hour, exactly as fast as this starting value does.
      energy =
        energy === undefined
          ? (maxKw * (ts - REFERENCE_EPOCH)) / 3_600_000
          : energy + (powerKw * dtMs) / 3_600_000;
      const voltage = 415 * (1 + 0.008 * g.volt);
      return {
        energy_kwh: round(energy, 2),
        power_kw: round(powerKw, 2),
        voltage: round(voltage, 1),
        current: round(threePhaseAmps(powerKw, voltage), 1),
      };
    },
  };
}
