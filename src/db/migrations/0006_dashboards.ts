/**
 * Dashboards: a person's arrangement of widgets (line chart, latest value, gauge, alert list, on/off
 * state), saved server-side. `shared` makes it visible (read-only) to everyone in the tenant; its owner
 * and the tenant's admins may change it. `version` guards against two tabs overwriting each other.
 */
export const sql = `
create table dashboards (
  id          serial primary key,
  tenant_id   integer not null references tenants(id) on delete cascade,
  owner_id    integer references users(id) on delete set null,
  title       text not null,
  shared      boolean not null default false,
  widgets     jsonb not null default '[]'::jsonb,
  version     integer not null default 1,
  created_at  bigint not null,
  updated_at  bigint not null
);
create index dashboards_tenant on dashboards (tenant_id, owner_id);
`;
