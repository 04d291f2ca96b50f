/**
 * Time series: a series is one parameter of one sensor (the brief's sensor type on a concrete
 * sensor); readings hold one value per (series, ts); roll-ups per minute, hour and day keep min, max,
 * sum, count, first and last exactly; `latest` holds each series' current value.
 *
 * Readings and roll-ups are partitioned first by retention policy (LIST), then by time (RANGE), so
 * retention drops whole partitions. Time partitions are created on demand by the storage role and
 * ahead of time by the scheduler (see src/storage/partitions.ts).
 */
export const sql = `
create table retention_policies (
  id          smallint primary key,
  name        text not null unique,
  -- Days kept per tier.
  raw_days    integer not null check (raw_days > 0),
  minute_days integer not null check (minute_days > 0),
  hour_days   integer not null check (hour_days > 0),
  day_days    integer not null check (day_days > 0)
);
insert into retention_policies values
  (1, 'standard', 90, 730, 3650, 3650),
  (2, 'short', 30, 365, 1825, 1825),
  (3, 'extended', 365, 1825, 7300, 7300);

alter table tenants add column retention_policy_id smallint not null default 1 references retention_policies(id);

create table series (
  id                  serial primary key,
  tenant_id           integer not null references tenants(id) on delete cascade,
  sensor_id           integer not null,
  parameter           text not null check (parameter ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  unit                text not null default '',
  -- Fixed when the series is created, so every row of a series lives under one policy.
  retention_policy_id smallint not null references retention_policies(id),
  created_at          bigint not null default (extract(epoch from now()) * 1000)::bigint,
  foreign key (tenant_id, sensor_id) references sensors(tenant_id, id) on delete cascade,
  unique (sensor_id, parameter),
  unique (tenant_id, id)
);
create index series_tenant on series (tenant_id);

create table readings (
  policy_id smallint not null,
  series_id integer not null,
  ts        bigint not null,
  value     double precision not null,
  primary key (policy_id, series_id, ts)
) partition by list (policy_id);

create table rollup_1m (
  policy_id smallint not null, series_id integer not null, bucket bigint not null,
  min double precision not null, max double precision not null, sum double precision not null, count bigint not null,
  first_ts bigint not null, first double precision not null, last_ts bigint not null, last double precision not null,
  primary key (policy_id, series_id, bucket)
) partition by list (policy_id);
create table rollup_1h (like rollup_1m including all) partition by list (policy_id);
create table rollup_1d (like rollup_1m including all) partition by list (policy_id);

create table latest (
  series_id integer primary key references series(id) on delete cascade,
  ts        bigint not null,
  value     double precision not null
);

-- What could not be stored, with the reason the sender can act on (HTTP callers get it in the reply;
-- MQTT senders only here). Kept for inspection through the API, trimmed by the scheduler.
create table ingest_rejections (
  id          bigserial primary key,
  tenant_id   integer references tenants(id) on delete cascade,
  tenant_slug text not null,
  received_at bigint not null,
  source      text not null,
  record      integer not null,
  field       text not null,
  reason      text not null,
  excerpt     text not null default ''
);
create index ingest_rejections_tenant on ingest_rejections (tenant_id, received_at desc);
`;
