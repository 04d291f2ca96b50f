import { DataInsightError } from '../platform/errors.js';
import { KEY_SEGMENT } from '../sdk/wire.js';
import { createAcUnit } from './assets/ac-unit.js';
import type { AssetKind, AssetModel } from './assets/asset.js';
import { createChiller } from './assets/chiller.js';
import { createColdRoom } from './assets/cold-room.js';
import { createEnergyMeter } from './assets/energy-meter.js';
import { climateFor, type Climate } from './climate.js';
import type { FaultSpec } from './faults.js';
import { rngFor } from './prng.js';

/** Assets per location. */
export interface AssetMix {
  chillers?: number;
  acUnits?: number;
  energyMeters?: number;
  coldRooms?: number;
}

export interface ModelOptions {
  /** Same seed and options, same readings. */
  seed: number;
  /** How many tenants (named tenant-1, tenant-2, ...) or their names, e.g. the slugs of real tenants. */
  tenants: number | readonly string[];
  /** Locations per tenant, named site-1, site-2, ... */
  locationsPerTenant: number;
  /** Default: 2 chillers, 4 AC units, 1 energy meter, 1 cold room. */
  assets?: AssetMix;
  /** Sites' local time minus UTC, minutes (default 0): working hours and the daily weather follow it. */
  utcOffsetMinutes?: number;
  faults?: readonly FaultSpec[];
}

export const DEFAULT_ASSET_MIX: Required<AssetMix> = {
  chillers: 2,
  acUnits: 4,
  energyMeters: 1,
  coldRooms: 1,
};

/** Where a sensor's readings go. One sensor per asset, named `{asset}-main`, its parameters as values. */
export interface SensorInfo {
  tenant: string;
  location: string;
  asset: string;
  sensor: string;
  kind: AssetKind;
  parameters: readonly string[];
}

export interface PlacedAsset {
  info: SensorInfo;
  model: AssetModel;
  site: Site;
}

/** One location: its weather and its assets, which an energy meter adds up. */
export interface Site {
  climate: Climate;
  assets: PlacedAsset[];
  meters: number;
}

export function buildTopology(opts: ModelOptions): PlacedAsset[] {
  const tenants = tenantNames(opts.tenants);
  positiveInt('locationsPerTenant', opts.locationsPerTenant);
  const mix = { ...DEFAULT_ASSET_MIX, ...opts.assets };
  for (const [k, v] of Object.entries(mix)) nonNegativeInt(`assets.${k}`, v);
  if (mix.chillers + mix.acUnits + mix.energyMeters + mix.coldRooms === 0) {
    throw new DataInsightError('DI_CONFIG_INVALID', 'assets: a location needs at least one asset', {
      field: 'assets',
    });
  }
  const seed = opts.seed;
  const placed: PlacedAsset[] = [];
  for (const tenant of tenants) {
    for (let l = 1; l <= opts.locationsPerTenant; l++) {
      const location = `site-${l}`;
      const site: Site = {
        climate: climateFor(rngFor(seed, tenant, location), opts.utcOffsetMinutes ?? 0),
        assets: [],
        meters: mix.energyMeters,
      };
      const add = (asset: string, model: AssetModel): void => {
        const info = {
          tenant,
          location,
          asset,
          sensor: `${asset}-main`,
          kind: model.kind,
          parameters: model.parameters,
        };
        const p = { info, model, site };
        site.assets.push(p);
        placed.push(p);
      };
      const rng = (asset: string) => rngFor(seed, tenant, location, asset);
      for (let i = 1; i <= mix.chillers; i++) add(`chiller-${i}`, createChiller(rng(`chiller-${i}`), i));
      for (let i = 1; i <= mix.acUnits; i++) add(`ac-${i}`, createAcUnit(rng(`ac-${i}`)));
      for (let i = 1; i <= mix.coldRooms; i++) add(`cold-room-${i}`, createColdRoom(rng(`cold-room-${i}`)));
      // Meters last: each is sized from the equipment it measures.
      const shareMaxKw =
        site.assets.reduce((sum, a) => sum + a.model.maxKw, 0) / Math.max(1, mix.energyMeters);
      for (let i = 1; i <= mix.energyMeters; i++)
        add(`meter-${i}`, createEnergyMeter(rng(`meter-${i}`), shareMaxKw));
    }
  }
  return placed;
}

function tenantNames(tenants: number | readonly string[]): readonly string[] {
  if (typeof tenants === 'number') {
    positiveInt('tenants', tenants);
    return Array.from({ length: tenants }, (_, i) => `tenant-${i + 1}`);
  }
  if (tenants.length === 0)
    throw new DataInsightError('DI_CONFIG_INVALID', 'tenants: give at least one', { field: 'tenants' });
  for (const t of tenants) {
    if (!KEY_SEGMENT.test(t))
      throw new DataInsightError('DI_CONFIG_INVALID', `tenants: "${t}" is not a valid tenant name`, {
        field: 'tenants',
      });
  }
  if (new Set(tenants).size !== tenants.length)
    throw new DataInsightError('DI_CONFIG_INVALID', 'tenants: names repeat', { field: 'tenants' });
  return tenants;
}

function positiveInt(field: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1)
    throw new DataInsightError('DI_CONFIG_INVALID', `${field} must be a positive integer, got ${v}`, {
      field,
    });
}

function nonNegativeInt(field: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new DataInsightError('DI_CONFIG_INVALID', `${field} must be a whole number >= 0, got ${v}`, {
      field,
    });
}
