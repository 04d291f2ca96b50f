/**
 * Alerting: the alert mapping table (rules, master copy), alerts with one open row per fingerprint,
 * their event log (idempotent by alert x kind x ts), the evaluator's state per fingerprint (what
 * survives a crash), and silences (maintenance windows).
 */
export const sql = `
create table alert_rules (
  tenant_id  integer not null references tenants(id) on delete cascade,
  id         text not null check (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  -- The validated rule (src/alerting/domain/rule.ts), as the evaluators load it.
  definition jsonb not null,
  version    integer not null default 1,
  created_at bigint not null default (extract(epoch from now()) * 1000)::bigint,
  updated_at bigint not null default (extract(epoch from now()) * 1000)::bigint,
  -- Deleted rules stay, so their alerts keep a rule to point at.
  deleted_at bigint,
  primary key (tenant_id, id)
);

create table alerts (
  id              bigserial primary key,
  tenant_id       integer not null references tenants(id) on delete cascade,
  rule_id         text not null,
  fingerprint     text not null,
  priority        text not null check (priority in ('critical', 'high', 'medium', 'low')),
  status          text not null check (status in ('firing', 'resolved')),
  location        text not null,
  asset           text not null,
  sensor          text not null,
  parameter       text not null,
  title           text not null,
  action          text not null default '',
  value           double precision,
  started_at      bigint not null,
  fired_at        bigint not null,
  resolved_at     bigint,
  resolved_by     text,
  acknowledged_by text,
  acknowledged_at bigint,
  flapping        boolean not null default false,
  updated_at      bigint not null,
  foreign key (tenant_id, rule_id) references alert_rules(tenant_id, id)
);
-- One open alert per fingerprint, whatever happens.
create unique index alerts_one_open on alerts (fingerprint) where status = 'firing';
create unique index alerts_identity on alerts (fingerprint, fired_at);
create index alerts_tenant_recent on alerts (tenant_id, updated_at desc);

create table alert_events (
  id        bigserial primary key,
  alert_id  bigint not null references alerts(id) on delete cascade,
  tenant_id integer not null,
  kind      text not null check (kind in ('firing', 'resolved', 'renotify', 'flapping', 'acknowledged')),
  ts        bigint not null,
  value     double precision,
  -- The reading that caused it, who acknowledged...
  detail    jsonb not null default '{}'::jsonb,
  unique (alert_id, kind, ts)
);
create index alert_events_tenant on alert_events (tenant_id, ts desc);

create table alert_states (
  fingerprint text primary key,
  tenant_id   integer not null references tenants(id) on delete cascade,
  rule_id     text not null,
  state       jsonb not null,
  -- Optimistic concurrency between evaluators and the API (acknowledge, resolve by hand).
  version     bigint not null default 0,
  updated_at  bigint not null
);
create index alert_states_rule on alert_states (tenant_id, rule_id);

create table silences (
  id         serial primary key,
  tenant_id  integer not null references tenants(id) on delete cascade,
  -- Same shape as a rule scope (locations, assets, sensors...), plus optional rule ids.
  matcher    jsonb not null,
  starts_at  bigint not null,
  ends_at    bigint not null check (ends_at > starts_at),
  comment    text not null default '',
  created_by text not null,
  created_at bigint not null default (extract(epoch from now()) * 1000)::bigint
);
create index silences_tenant on silences (tenant_id, ends_at);
`;
