import { between, type Rng } from './prng.js';

/** What drives every asset at a site: the weather and the working day, both in the site's local time. */
export interface Climate {
  /** Daily mean outdoor temperature, °C. */
  meanC: number;
  /** Half the day's temperature range, °C. */
  swingC: number;
  /** Site local time minus UTC, minutes: schedules follow the clock on the wall, not UTC. */
  utcOffsetMin: number;
}

/** A warm-climate site (the brief's buildings run chillers most of the year). */
export function climateFor(rng: Rng, utcOffsetMin: number): Climate {
  return { meanC: between(rng, 24, 32), swingC: between(rng, 3, 6), utcOffsetMin };
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Local hour of day as a fraction, 0 <= h < 24. */
export function localHour(ts: number, c: Climate): number {
  const local = ts + c.utcOffsetMin * 60_000;
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** Outdoor air temperature: a daily cosine, warmest at 15:00 local. */
export function outdoorTemp(ts: number, c: Climate): number {
  return c.meanC + c.swingC * Math.cos((2 * Math.PI * (localHour(ts, c) - 15)) / 24);
}

/** Working hours, when the building is staffed and HVAC is scheduled on. */
export function isOccupied(ts: number, c: Climate): boolean {
  const h = localHour(ts, c);
  return h >= 8 && h < 20;
}

/**
 * How hard the building's cooling has to work, 0..1: heat coming in from outside (20 °C -> none,
 * 35 °C -> full) plus people, lights and equipment while occupied.
 */
export function coolingLoad(ts: number, c: Climate): number {
  const outside = clamp((outdoorTemp(ts, c) - 20) / 15, 0, 1);
  return clamp(0.6 * outside + (isOccupied(ts, c) ? 0.4 : 0), 0, 1);
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
