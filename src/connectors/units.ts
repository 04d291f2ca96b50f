/**
 * Unit conversion for connector mappings: a value read in a legacy unit (°F, W, Wh...) is converted to
 * the unit of the sensor type (°C, kW, kWh...). Each unit is a linear map onto its dimension's base
 * unit (value_base = value * factor + offset), so any two units of one dimension convert both ways.
 */

interface UnitDef {
  dimension: string;
  factor: number;
  offset: number;
}

const u = (dimension: string, factor: number, offset = 0): UnitDef => ({ dimension, factor, offset });

/** Accepted spellings, case-sensitive where SI prefixes need it (mW vs MW). */
export const UNITS: Readonly<Record<string, UnitDef>> = {
  // temperature (base °C)
  C: u('temperature', 1),
  '°C': u('temperature', 1),
  degC: u('temperature', 1),
  F: u('temperature', 5 / 9, (-32 * 5) / 9),
  '°F': u('temperature', 5 / 9, (-32 * 5) / 9),
  degF: u('temperature', 5 / 9, (-32 * 5) / 9),
  K: u('temperature', 1, -273.15),
  // power (base W)
  mW: u('power', 1e-3),
  W: u('power', 1),
  kW: u('power', 1e3),
  MW: u('power', 1e6),
  GW: u('power', 1e9),
  hp: u('power', 745.699872),
  // energy (base Wh)
  Wh: u('energy', 1),
  kWh: u('energy', 1e3),
  MWh: u('energy', 1e6),
  GWh: u('energy', 1e9),
  J: u('energy', 1 / 3600),
  kJ: u('energy', 1000 / 3600),
  MJ: u('energy', 1e6 / 3600),
  // electric current (base A), voltage (base V)
  mA: u('current', 1e-3),
  A: u('current', 1),
  kA: u('current', 1e3),
  mV: u('voltage', 1e-3),
  V: u('voltage', 1),
  kV: u('voltage', 1e3),
  // pressure (base Pa)
  Pa: u('pressure', 1),
  hPa: u('pressure', 100),
  kPa: u('pressure', 1e3),
  MPa: u('pressure', 1e6),
  mbar: u('pressure', 100),
  bar: u('pressure', 1e5),
  psi: u('pressure', 6894.757293168),
  // volume flow (base m3/h)
  'm3/h': u('flow', 1),
  'm3/s': u('flow', 3600),
  'l/s': u('flow', 3.6),
  'l/min': u('flow', 0.06),
  'l/h': u('flow', 1e-3),
  gpm: u('flow', 0.227124707),
  // volume (base m3)
  m3: u('volume', 1),
  l: u('volume', 1e-3),
  L: u('volume', 1e-3),
  gal: u('volume', 0.003785411784),
  // ratio (base fraction)
  '%': u('ratio', 0.01),
  ratio: u('ratio', 1),
  // frequency
  Hz: u('frequency', 1),
  kHz: u('frequency', 1e3),
  rpm: u('frequency', 1 / 60),
};

export const isKnownUnit = (unit: string): boolean => Object.hasOwn(UNITS, unit);

/** A converter from `from` to `to`; an error message when they cannot be converted. */
export function converter(from: string, to: string): ((v: number) => number) | { error: string } {
  if (from === to) return (v) => v;
  const a = Object.hasOwn(UNITS, from) ? UNITS[from] : undefined;
  const b = Object.hasOwn(UNITS, to) ? UNITS[to] : undefined;
  if (!a) return { error: `unknown unit "${from}" (known: ${Object.keys(UNITS).join(', ')})` };
  if (!b) return { error: `unknown unit "${to}" (known: ${Object.keys(UNITS).join(', ')})` };
  if (a.dimension !== b.dimension)
    return { error: `cannot convert ${from} (${a.dimension}) to ${to} (${b.dimension})` };
  if (a.factor === b.factor && a.offset === b.offset) return (v) => v;
  return (v) => (v * a.factor + a.offset - b.offset) / b.factor;
}
