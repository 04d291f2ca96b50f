/**
 * What a dashboard holds: an ordered list of widgets on a 12-column grid. Pure schema, shared by the
 * API (validation with errors naming the widget and field) and documented in OpenAPI.
 */
import { z } from 'zod';

export const WIDGET_RANGES = ['1h', '24h', '7d', '30d', '1y', '10y'] as const;
const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;

const seriesId = z.number().int().positive();
const base = {
  /** Stable within the dashboard, so the client can reorder and resize without losing identity. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'letters, digits, - and _ (1 to 40)' }),
  title: z.string().max(120).default(''),
  /** Width in columns of a 12-column grid (a phone shows every widget full width). */
  w: z.number().int().min(1).max(12).default(6),
  /** Height in rows of about 150 px. */
  h: z.number().int().min(1).max(4).default(2),
};

export const WidgetSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...base,
    kind: z.literal('line'),
    series: z.array(seriesId).min(1).max(8),
    range: z.enum(WIDGET_RANGES).default('24h'),
  }),
  z.strictObject({ ...base, kind: z.literal('value'), series: z.array(seriesId).length(1) }),
  z
    .strictObject({
      ...base,
      kind: z.literal('gauge'),
      series: z.array(seriesId).length(1),
      min: z.number().default(0),
      max: z.number().default(100),
    })
    .refine((w) => w.max > w.min, { error: 'max must be above min', path: ['max'] }),
  z.strictObject({ ...base, kind: z.literal('state'), series: z.array(seriesId).min(1).max(16) }),
  z.strictObject({
    ...base,
    kind: z.literal('alerts'),
    priority: z.array(z.enum(PRIORITIES)).max(4).default([]),
    location: z.string().max(64).optional(),
    asset: z.string().max(64).optional(),
    limit: z.number().int().min(1).max(50).default(10),
  }),
]);
export type Widget = z.output<typeof WidgetSchema>;

export const WidgetsSchema = z
  .array(WidgetSchema)
  .max(48)
  .superRefine((ws, ctx) => {
    const seen = new Set<string>();
    ws.forEach((w, i) => {
      if (seen.has(w.id))
        ctx.addIssue({ code: 'custom', message: `duplicate widget id "${w.id}"`, path: [i, 'id'] });
      seen.add(w.id);
    });
  });

/** Every series id the widgets name (to check they belong to the tenant). */
export const seriesOfWidgets = (ws: readonly Widget[]): number[] => [
  ...new Set(ws.flatMap((w) => ('series' in w ? w.series : []))),
];
