import { clamp, coolingLoad, isOccupied, outdoorTemp } from '../climate.js';
import { between, gaussian, pick, type Rng } from '../prng.js';
import { approach, MINUTE_MS, round, type AssetModel, type StepInput } from './asset.js';

export const AC_PARAMETERS = ['on', 'setpoint', 'room_temp', 'humidity', 'current', 'voltage'] as const;

/**
 * A split or packaged AC unit in one room. Scheduled on during working hours (about one in five
 * runs around the clock, like a server room's); when on, the room settles on the setpoint within
 * about half an hour; when off, it drifts toward what the weather and the building's heat make it.
 */
export function createAcUnit(rng: Rng): AssetModel {
  const setpoint = pick(rng, [22, 23, 24, 25]);
  const ratedKw = between(rng, 1.5, 3.5);
  const alwaysOn = rng() < 0.2;
  let room: number | undefined;
  let humidity: number | undefined;
  let powerKw = 0;

  return {
    kind: 'ac-unit',
    parameters: AC_PARAMETERS,
    mainParameter: 'room_temp',
    maxKw: ratedKw,
    get powerKw() {
      return powerKw;
    },
    step({ ts, dtMs, climate }: StepInput) {
      const g = {
        room: gaussian(rng),
        sensor: gaussian(rng),
        humidity: gaussian(rng),
        volt: gaussian(rng),
        amps: gaussian(rng),
      };
      const on = alwaysOn || isOccupied(ts, climate) ? 1 : 0;
      const load = coolingLoad(ts, climate);
      // Thermal mass: an unconditioned room follows only half the day's swing, a little above the mean.
      const freeRunning = climate.meanC + 2 + 0.5 * (outdoorTemp(ts, climate) - climate.meanC) + 2 * load;
      const target = on ? setpoint : freeRunning;
      if (room === undefined) room = target;
      // Small random disturbances (doors, people) scaled so their size does not depend on the sample rate.
      room =
        approach(room, target, dtMs, (on ? 15 : 90) * MINUTE_MS) +
        0.02 * Math.sqrt(dtMs / MINUTE_MS) * g.room;
      const humidityTarget = on ? 50 : 68;
      humidity =
        humidity === undefined ? humidityTarget : approach(humidity, humidityTarget, dtMs, 30 * MINUTE_MS);

      // The compressor works harder when the room is above setpoint and the day is hot.
      const duty = clamp(0.35 + 0.5 * load + 0.5 * (room - setpoint), 0.2, 1);
      powerKw = on ? ratedKw * duty : 0;
      const voltage = 230 * (1 + 0.01 * g.volt);
      const current = on ? (powerKw * 1000) / (voltage * 0.95) : Math.min(0.1, Math.abs(g.amps) * 0.02);
      return {
        on,
        setpoint,
        room_temp: round(room + 0.1 * g.sensor, 1),
        humidity: round(clamp(humidity + 1.5 * g.humidity, 5, 98), 1),
        current: round(current, 2),
        voltage: round(voltage, 1),
      };
    },
  };
}
