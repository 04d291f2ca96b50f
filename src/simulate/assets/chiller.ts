import { coolingLoad, clamp, isOccupied, outdoorTemp } from '../climate.js';
import { between, gaussian, pick, type Rng } from '../prng.js';
import { approach, MINUTE_MS, round, threePhaseAmps, type AssetModel, type StepInput } from './asset.js';

export const CHILLER_PARAMETERS = [
  'on',
  'status',
  'supply_temp',
  'return_temp',
  'current',
  'voltage',
  'power_kw',
  'cooling_tons',
  'efficiency',
] as const;

/**
 * A water-cooled chiller under a BMS schedule. `on` is the command, `status` what the machine does:
 * they differ only under the chiller-ignores-commands fault, the case the brief's alert describes
 * ("automation commands are not working on the chiller"). `index` (1-based) stages the plant:
 * chiller-1 runs whenever the building is occupied, later ones only as the load climbs.
 */
export function createChiller(rng: Rng, index: number): AssetModel {
  const capacityTons = pick(rng, [150, 200, 250, 300, 400]);
  const designKwPerTon = between(rng, 0.55, 0.7);
  const chilledWaterSetpoint = between(rng, 6.5, 7.5);
  const stageAtLoad = index === 1 ? 0 : 1 - 0.45 / (index - 1);
  const maxKw = capacityTons * designKwPerTon * 1.5;
  let supply: number | undefined;
  let returnTemp: number | undefined;
  let powerKw = 0;

  return {
    kind: 'chiller',
    parameters: CHILLER_PARAMETERS,
    mainParameter: 'supply_temp',
    maxKw,
    get powerKw() {
      return powerKw;
    },
    step({ ts, dtMs, climate, ignoresCommands }: StepInput) {
      const g = {
        load: gaussian(rng),
        eff: gaussian(rng),
        volt: gaussian(rng),
        amps: gaussian(rng),
        supply: gaussian(rng),
        ret: gaussian(rng),
      };
      const load = coolingLoad(ts, climate);
      const outdoor = outdoorTemp(ts, climate);
      const on = isOccupied(ts, climate) && load > stageAtLoad ? 1 : 0;
      const running = on === 1 && !ignoresCommands;

      const plr = running ? clamp(0.35 + 0.65 * load + 0.03 * g.load, 0.3, 1) : 0;
      // Chillers are most efficient near 75% part load and lose ground on hot days (condenser side).
      const kwPerTon =
        designKwPerTon * (1 + 0.8 * (plr - 0.75) ** 2) * (1 + 0.015 * (outdoor - 30)) * (1 + 0.01 * g.eff);
      const tons = round(capacityTons * plr, 1);
      const power = running ? Math.min(maxKw, round(tons * kwPerTon, 1)) : 0;
      powerKw = power;

      // With no chiller cooling it, the chilled-water loop warms toward the building's temperature.
      const idleLoop = 12 + 0.25 * (outdoor - 25);
      const supplyTarget = running ? chilledWaterSetpoint : idleLoop;
      supply = supply === undefined ? supplyTarget : approach(supply, supplyTarget, dtMs, 10 * MINUTE_MS);
      const returnTarget = supply + (running ? 5.5 * plr : 0.5);
      returnTemp =
        returnTemp === undefined ? returnTarget : approach(returnTemp, returnTarget, dtMs, 5 * MINUTE_MS);

      const voltage = 415 * (1 + 0.01 * g.volt);
      // Stopped, a current transformer still reads a little noise, well under 1 A.
      const current = running
        ? threePhaseAmps(power, voltage) * (1 + 0.005 * g.amps)
        : Math.min(0.5, Math.abs(g.amps) * 0.1);
      return {
        on,
        status: running ? 1 : 0,
        supply_temp: round(supply + 0.05 * g.supply, 2),
        return_temp: round(returnTemp + 0.05 * g.ret, 2),
        current: round(current, 1),
        voltage: round(voltage, 1),
        power_kw: power,
        cooling_tons: tons,
        efficiency: tons > 0 ? round(power / tons, 3) : 0,
      };
    },
  };
}
