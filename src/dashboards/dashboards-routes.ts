/**
 * Dashboards through the API. A person's own dashboards, and those shared within the tenant (read-only
 * to others; the owner and the tenant's admins may change or delete them). A dashboard of another
 * tenant, or another person's unshared one, is a 404: its existence is not revealed.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { documented, zodValidatorCompiler } from '../api/http-schema.js';
import type { Db } from '../db/port.js';
import { principalOf, requireScope } from '../iam/auth.js';
import type { CredentialVerifier } from '../iam/credentials.js';
import type { TenantPrincipal } from '../iam/tenants.js';
import { DataInsightError } from '../platform/errors.js';
import { WidgetsSchema, seriesOfWidgets, type Widget } from './widgets.js';

export interface DashboardsRoutesOptions {
  db: Db;
  verifier: CredentialVerifier;
  now?: () => number;
}

const CreateBody = z.strictObject({
  title: z.string().trim().min(1, { error: 'must not be empty' }).max(120),
  shared: z.boolean().default(false),
  widgets: WidgetsSchema.default([]),
});
const UpdateBody = CreateBody.extend({
  version: z.number().int().positive().describe('The version you edited: a newer one on the server is a 409'),
});
const IdParams = z.strictObject({ id: z.coerce.number().int().positive() });

interface Row {
  id: number;
  title: string;
  shared: boolean;
  widgets: Widget[];
  version: number;
  ownerId: number | null;
  owner: string | null;
  createdAt: number;
  updatedAt: number;
}

const SELECT = `select d.id, d.title, d.shared, d.widgets, d.version, d.owner_id as "ownerId", u.email as owner,
  d.created_at as "createdAt", d.updated_at as "updatedAt"
  from dashboards d left join users u on u.id = d.owner_id`;

/** Seen by its owner, or by anyone in the tenant once shared. */
const VISIBLE = `d.tenant_id = $1 and (d.shared or d.owner_id = $2)`;

const canEdit = (p: TenantPrincipal, d: Row): boolean =>
  (p.userId !== undefined && d.ownerId === p.userId) || (d.shared && p.scopes.includes('admin'));

const view = (p: TenantPrincipal, d: Row) => ({
  ...d,
  mine: p.userId !== undefined && d.ownerId === p.userId,
  canEdit: canEdit(p, d),
});

export function dashboardsRoutes(o: DashboardsRoutesOptions): FastifyPluginAsync {
  const now = o.now ?? Date.now;
  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    const read = requireScope(o.verifier, 'read');
    const tags = ['dashboards'];

    const find = async (p: TenantPrincipal, id: number): Promise<Row> => {
      const r = await o.db.query<Row>(`${SELECT} where d.id = $3 and ${VISIBLE}`, [
        p.tenantId,
        p.userId ?? null,
        id,
      ]);
      const d = r.rows[0];
      if (!d) throw new DataInsightError('DI_NOT_FOUND', `no dashboard ${id}`, { field: 'id' });
      return d;
    };

    /** Widgets may only show this tenant's series: name the first that is not. */
    const checkSeries = async (tenantId: number, widgets: Widget[]): Promise<void> => {
      const ids = seriesOfWidgets(widgets);
      if (!ids.length) return;
      const r = await o.db.query<{ id: number }>(
        'select id from series where tenant_id = $1 and id = any($2::integer[])',
        [tenantId, ids],
      );
      const known = new Set(r.rows.map((x) => x.id));
      widgets.forEach((w, i) => {
        if (!('series' in w)) return;
        const j = w.series.findIndex((s) => !known.has(s));
        if (j >= 0) {
          const field = `widgets[${i}].series[${j}]`;
          throw new DataInsightError('DI_VALIDATION', `${field}: no series ${w.series[j]} in this tenant`, {
            field,
          });
        }
      });
    };

    app.get(
      '/dashboards',
      { preHandler: read, schema: { tags, summary: 'Your dashboards and those shared in your tenant' } },
      async (req) => {
        const p = principalOf(req);
        const r = await o.db.query<Row>(`${SELECT} where ${VISIBLE} order by lower(d.title), d.id`, [
          p.tenantId,
          p.userId ?? null,
        ]);
        return { dashboards: r.rows.map((d) => view(p, d)) };
      },
    );

    app.post(
      '/dashboards',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'Create a dashboard (yours; shared when shared is true)',
          body: documented(CreateBody),
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const b = req.body as z.output<typeof CreateBody>;
        // An API token is nobody: what it creates must be shared, or no one could ever see it.
        if (p.userId === undefined && !b.shared)
          throw new DataInsightError(
            'DI_VALIDATION',
            'shared: a dashboard made with an API token must be shared',
            { field: 'shared' },
          );
        if (p.userId === undefined && !p.scopes.includes('admin'))
          throw new DataInsightError(
            'DI_FORBIDDEN',
            'creating shared dashboards with a token needs the admin scope',
          );
        await checkSeries(p.tenantId, b.widgets);
        const t = now();
        const r = await o.db.query<{ id: number }>(
          'insert into dashboards (tenant_id, owner_id, title, shared, widgets, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6) returning id',
          [p.tenantId, p.userId ?? null, b.title, b.shared, JSON.stringify(b.widgets), t],
        );
        return reply.status(201).send(view(p, await find(p, r.rows[0]!.id)));
      },
    );

    app.get(
      '/dashboards/:id',
      {
        preHandler: read,
        schema: { tags, summary: 'One dashboard with its widgets', params: documented(IdParams) },
      },
      async (req) => {
        const p = principalOf(req);
        return view(p, await find(p, (req.params as z.output<typeof IdParams>).id));
      },
    );

    app.put(
      '/dashboards/:id',
      {
        preHandler: read,
        schema: {
          tags,
          summary: 'Replace title, sharing and widgets (add, remove, resize, reorder)',
          params: documented(IdParams),
          body: documented(UpdateBody),
        },
      },
      async (req) => {
        const p = principalOf(req);
        const { id } = req.params as z.output<typeof IdParams>;
        const b = req.body as z.output<typeof UpdateBody>;
        const d = await find(p, id);
        if (!canEdit(p, d))
          throw new DataInsightError(
            'DI_FORBIDDEN',
            `dashboard ${id} is ${d.owner ?? 'someone else'}'s: only its owner or an admin may change it`,
          );
        await checkSeries(p.tenantId, b.widgets);
        const r = await o.db.query(
          'update dashboards set title = $3, shared = $4, widgets = $5, version = version + 1, updated_at = $6 where id = $1 and version = $2',
          [id, b.version, b.title, b.shared, JSON.stringify(b.widgets), now()],
        );
        if (r.rowCount === 0)
          throw new DataInsightError(
            'DI_CONFLICT',
            `dashboard ${id} changed meanwhile (you edited version ${b.version}): reload it and apply your change again`,
            { field: 'version' },
          );
        return view(p, await find(p, id));
      },
    );

    app.delete(
      '/dashboards/:id',
      { preHandler: read, schema: { tags, summary: 'Delete a dashboard', params: documented(IdParams) } },
      async (req, reply) => {
        const p = principalOf(req);
        const { id } = req.params as z.output<typeof IdParams>;
        const d = await find(p, id);
        if (!canEdit(p, d))
          throw new DataInsightError(
            'DI_FORBIDDEN',
            `dashboard ${id} is ${d.owner ?? 'someone else'}'s: only its owner or an admin may delete it`,
          );
        await o.db.query('delete from dashboards where id = $1', [id]);
        return reply.status(204).send();
      },
    );
  };
}
