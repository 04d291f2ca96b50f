/**
 * Analytics API, tenant-scoped (read scope): a series' forecast with its interval and chosen model,
 * anomaly marks over a range, and the diagnosis. Another tenant's series id answers 404.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { documented, queryInt, zodValidatorCompiler } from '../api/http-schema.js';
import { principalOf, requireScope } from '../iam/auth.js';
import type { CredentialVerifier } from '../iam/credentials.js';
import { parseRange } from '../storage/time-param.js';
import type { Analytics } from './service.js';

export interface AnalyticsRoutesOptions {
  analytics: Analytics;
  verifier: CredentialVerifier;
  now?: () => number;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_HORIZON = 90 * 86_400_000;

/** "30m", "1h", "7d", "2w" or milliseconds; 1 minute to 90 days. */
export const durationParam = z
  .string()
  .regex(/^(\d+)([mhdw])?$/, { error: 'must be a duration such as 30m, 1h, 7d or milliseconds' })
  .transform((s) => {
    const m = /^(\d+)([mhdw])?$/.exec(s)!;
    return Number(m[1]) * (m[2] ? UNITS[m[2]]! : 1);
  })
  .refine((ms) => ms >= 60_000 && ms <= MAX_HORIZON, { error: 'must be between 1 minute and 90 days' });

const idParams = z.object({ id: queryInt(1, 2_147_483_647) });
const forecastQuery = z.looseObject({
  horizon: durationParam.default('1h' as never).describe('How far ahead: 30m, 1h, 7d...; default 1h'),
  level: z.coerce
    .number({ error: 'must be a number' })
    .min(0.5, { error: 'must be at least 0.5' })
    .max(0.99, { error: 'must be at most 0.99' })
    .default(0.95)
    .describe('Prediction interval level'),
});
const anomaliesQuery = z.looseObject({
  from: z.string().optional().describe('Epoch ms, ISO-8601 with zone, or now-1d; default to - 1 day'),
  to: z.string().optional(),
  threshold: z.coerce
    .number({ error: 'must be a number' })
    .min(0, { error: 'must be at least 0' })
    .max(1, { error: 'must be at most 1' })
    .optional()
    .describe('Score at or above which a reading is marked; default 0.4'),
});
const diagnosisQuery = z.looseObject({
  from: z.string().optional().describe('Default: 30 days before to'),
  to: z.string().optional(),
  horizon: durationParam.optional().describe('Backtest horizon; default one day of steps'),
});

export function analyticsRoutes(opts: AnalyticsRoutesOptions): FastifyPluginAsync {
  const now = opts.now ?? Date.now;
  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    const auth = requireScope(opts.verifier, 'read');

    app.get(
      '/analytics/series/:id/forecast',
      {
        preHandler: auth,
        schema: {
          summary: 'Forecast of a series with a prediction interval, by the model its backtest chose',
          params: documented(idParams),
          querystring: documented(forecastQuery),
        },
      },
      async (req) => {
        const { id } = req.params as z.output<typeof idParams>;
        const q = req.query as z.output<typeof forecastQuery>;
        return opts.analytics.forecast(principalOf(req).tenantId, id, q.horizon, q.level, now());
      },
    );

    app.get(
      '/analytics/series/:id/anomalies',
      {
        preHandler: auth,
        schema: {
          summary:
            'Readings of a series scored by the streaming anomaly detector, those at or above the threshold',
          params: documented(idParams),
          querystring: documented(anomaliesQuery),
        },
      },
      async (req) => {
        const { id } = req.params as z.output<typeof idParams>;
        const q = req.query as z.output<typeof anomaliesQuery>;
        const { from, to } = parseRange(q, now(), 86_400_000);
        return {
          from,
          to,
          ...(await opts.analytics.anomalies(principalOf(req).tenantId, id, from, to, q.threshold, now())),
        };
      },
    );

    app.get(
      '/analytics/series/:id/diagnosis',
      {
        preHandler: auth,
        schema: {
          summary: 'Why forecasts of a series may be poor: data traps, history, backtest table and verdict',
          params: documented(idParams),
          querystring: documented(diagnosisQuery),
        },
      },
      async (req) => {
        const { id } = req.params as z.output<typeof idParams>;
        const q = req.query as z.output<typeof diagnosisQuery>;
        const range = parseRange(q, now(), 30 * 86_400_000);
        return opts.analytics.diagnosis(
          principalOf(req).tenantId,
          id,
          { ...range, horizonMs: q.horizon },
          now(),
        );
      },
    );
  };
}
