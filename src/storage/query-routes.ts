import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { principalOf, requireScope } from '../iam/auth.js';
import type { CredentialVerifier } from '../iam/credentials.js';
import { DataInsightError } from '../platform/errors.js';
import type { Catalog, SeriesFilter, SeriesInfo } from './catalog.js';
import type { AggregateRow, SeriesQueries } from './queries.js';
import { parseRange } from './time-param.js';

export interface QueryRoutesOptions {
  catalog: Catalog;
  queries: SeriesQueries;
  verifier: CredentialVerifier;
}

const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

const selectorSchema = {
  series: { type: 'array', items: { type: 'integer' }, description: 'Series ids' },
  sensor: { type: 'array', items: { type: 'string' }, description: 'location/asset/sensor paths' },
  parameter: { type: 'array', items: { type: 'string' } },
  location: { type: 'string' },
  asset: { type: 'string' },
  assetType: { type: 'string' },
} as const;

type SelectorQuery = {
  series?: number[];
  sensor?: string[];
  parameter?: string[];
  location?: string;
  asset?: string;
  assetType?: string;
};

const filterOf = (q: SelectorQuery): SeriesFilter => ({
  ids: q.series,
  sensors: list(q.sensor),
  parameters: list(q.parameter),
  location: q.location,
  asset: q.asset,
  assetType: q.assetType,
});

const GROUP_BY = ['series', 'sensor', 'asset', 'location'] as const;
type GroupBy = (typeof GROUP_BY)[number];

function groupKey(s: SeriesInfo, by: GroupBy): Record<string, string | number> {
  switch (by) {
    case 'series':
      return {
        seriesId: s.seriesId,
        location: s.location,
        asset: s.asset,
        sensor: s.sensor,
        parameter: s.parameter,
      };
    case 'sensor':
      return { location: s.location, asset: s.asset, sensor: s.sensor, parameter: s.parameter };
    case 'asset':
      return { location: s.location, asset: s.asset, parameter: s.parameter };
    case 'location':
      return { location: s.location, parameter: s.parameter };
  }
}

/** Reading-weighted combination: the average of a group is its total over its count. */
function combine(rows: AggregateRow[]): Omit<AggregateRow, 'seriesId'> {
  const withData = rows.filter((r) => r.count > 0);
  const count = withData.reduce((n, r) => n + r.count, 0);
  const sum = withData.reduce((n, r) => n + (r.sum ?? 0), 0);
  return {
    count,
    sum: count ? sum : null,
    avg: count ? sum / count : null,
    min: count ? Math.min(...withData.map((r) => r.min!)) : null,
    max: count ? Math.max(...withData.map((r) => r.max!)) : null,
  };
}

/** Read side for dashboards, exports and integrations; every route is scoped to the token's tenant. */
export function queryRoutes(opts: QueryRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    const auth = requireScope(opts.verifier, 'read');

    app.get(
      '/series',
      {
        preHandler: auth,
        schema: {
          summary:
            'Time series for Highcharts: [ts, value] lines and [ts, min, max] bands, at most `points` per series',
          querystring: {
            type: 'object',
            properties: {
              ...selectorSchema,
              from: { type: 'string' },
              to: { type: 'string' },
              points: { type: 'integer', minimum: 2, maximum: 20000, default: 1000 },
            },
          },
        },
      },
      async (req) => {
        const q = req.query as SelectorQuery & { from?: string; to?: string; points: number };
        const { tenantId } = principalOf(req);
        const { from, to } = parseRange(q, Date.now(), 86_400_000);
        const f = filterOf(q);
        if (!f.ids?.length && !f.sensors?.length && !f.asset && !f.location) {
          throw new DataInsightError(
            'DI_BAD_REQUEST',
            'choose series with series=<id>, sensor=location/asset/sensor, asset= or location=',
            { field: 'series' },
          );
        }
        const infos = await opts.catalog.series(tenantId, f);
        if (infos.length > 100)
          throw new DataInsightError(
            'DI_BAD_REQUEST',
            `${infos.length} series selected; a chart takes at most 100`,
            { field: 'series' },
          );
        const data = await opts.queries.series(infos, from, to, q.points);
        const byId = new Map(data.map((d) => [d.seriesId, d]));
        return { from, to, series: infos.map((i) => ({ ...i, ...byId.get(i.seriesId)! })) };
      },
    );

    app.get(
      '/aggregate',
      {
        preHandler: auth,
        schema: {
          summary: 'Exact min/max/avg/sum/count over a window, grouped by series, sensor, asset or location',
          querystring: {
            type: 'object',
            properties: {
              ...selectorSchema,
              from: { type: 'string' },
              to: { type: 'string' },
              groupBy: { type: 'string', enum: [...GROUP_BY], default: 'series' },
            },
          },
        },
      },
      async (req) => {
        const q = req.query as SelectorQuery & { from?: string; to?: string; groupBy: GroupBy };
        const { tenantId } = principalOf(req);
        const { from, to } = parseRange(q, Date.now(), 7 * 86_400_000);
        const infos = await opts.catalog.series(tenantId, filterOf(q));
        const rows = await opts.queries.aggregate(infos, from, to);
        const groups = new Map<string, { key: Record<string, string | number>; rows: AggregateRow[] }>();
        rows.forEach((r, i) => {
          const key = groupKey(infos[i]!, q.groupBy);
          const k = JSON.stringify(key);
          const g = groups.get(k) ?? { key, rows: [] };
          g.rows.push(r);
          groups.set(k, g);
        });
        return {
          from,
          to,
          groupBy: q.groupBy,
          groups: [...groups.values()].map((g) => ({ ...g.key, series: g.rows.length, ...combine(g.rows) })),
        };
      },
    );

    app.get(
      '/latest',
      {
        preHandler: auth,
        schema: {
          summary: 'Latest value of each selected series',
          querystring: { type: 'object', properties: selectorSchema },
        },
      },
      async (req) => ({
        latest: await opts.catalog.latest(principalOf(req).tenantId, filterOf(req.query as SelectorQuery)),
      }),
    );

    app.get(
      '/locations',
      { preHandler: auth, schema: { summary: 'Locations of the tenant' } },
      async (req) => ({
        locations: await opts.catalog.locations(principalOf(req).tenantId),
      }),
    );

    app.get(
      '/assets',
      {
        preHandler: auth,
        schema: {
          summary: 'Assets of the tenant',
          querystring: { type: 'object', properties: { location: { type: 'string' } } },
        },
      },
      async (req) => ({
        assets: await opts.catalog.assets(
          principalOf(req).tenantId,
          (req.query as { location?: string }).location,
        ),
      }),
    );

    app.get(
      '/ingest/rejections',
      {
        preHandler: auth,
        schema: {
          summary: 'Records rejected at ingest (MQTT and HTTP), newest first, with the reason',
          querystring: {
            type: 'object',
            properties: {
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
              before: { type: 'integer' },
            },
          },
        },
      },
      async (req) => {
        const q = req.query as { limit: number; before?: number };
        return { rejections: await opts.catalog.rejections(principalOf(req).tenantId, q.limit, q.before) };
      },
    );
  };
}
