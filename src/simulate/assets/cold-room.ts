import { isOccupied } from '../climate.js';
import { between, gaussian, pick, type Rng } from '../prng.js';
import { approach, MINUTE_MS, round, type AssetModel, type StepInput } from './asset.js';

export const COLD_ROOM_PARAMETERS = ['temp', 'door_open'] as const;

const HOUR_MS = 60 * MINUTE_MS;
/** The loading bay outside the door, °C. */
const AMBIENT_C = 25;

/**
 * A walk-in freezer or chiller room. Staff open the door a few times an hour during working hours
 * (rarely at night); the room warms quickly while it is open and pulls back down once closed.
 */
export function createColdRoom(rng: Rng): AssetModel {
  const setpoint = pick(rng, [-20, -18, 2, 4]);
  const ratedKw = between(rng, 3, 8);
  let temp: number | undefined;
  let doorClosesAt = -Infinity;
  let powerKw = 0;

  return {
    kind: 'cold-room',
    parameters: COLD_ROOM_PARAMETERS,
    mainParameter: 'temp',
    maxKw: ratedKw,
    get powerKw() {
      return powerKw;
    },
    step({ ts, dtMs, climate }: StepInput) {
      const opens = rng();
      const openFor = between(rng, 20_000, 180_000);
      const g = gaussian(rng);
      // Door time within this interval left over from an opening seen at an earlier sample.
      let openMs = Math.max(0, Math.min(ts, doorClosesAt) - (ts - dtMs));
      if (ts >= doorClosesAt) {
        // Openings arrive as a Poisson process; the door is open now if one began within the last
        // `openFor` ms. Asking only that keeps the share of "open" samples right at any sample rate.
        const window = Math.min(dtMs, openFor);
        const p = 1 - Math.exp((-(isOccupied(ts, climate) ? 4 : 0.2) * window) / HOUR_MS);
        if (opens < p) {
          const elapsed = (opens / p) * window; // given an arrival, its time is uniform in the window
          doorClosesAt = ts - elapsed + openFor;
          openMs = elapsed;
        }
      }
      const open = ts < doorClosesAt;
      const warm = (t: number): number => approach(t, AMBIENT_C, openMs, 20 * MINUTE_MS);
      const cool = (t: number): number => approach(t, setpoint, dtMs - openMs, 25 * MINUTE_MS);
      // Open now: it was closed first, then opened; closed now: the open spell came first.
      temp = temp === undefined ? setpoint : open ? warm(cool(temp)) : cool(warm(temp));
      powerKw = ratedKw * (temp > setpoint + 1 ? 1 : 0.4);
      return { temp: round(temp + 0.1 * g, 1), door_open: open ? 1 : 0 };
    },
  };
}
