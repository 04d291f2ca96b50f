/**
 * Legacy source connectors (ADR 14). `connectors` holds each definition (spec without the password,
 * which sits in `secret` and is never returned), what its owner should do (`desired`: running |
 * paused), what it does (`state`), and its position in the source (`position`), committed only after
 * the readings of a batch are in the telemetry stream (at-least-once; the store's idempotent writes
 * absorb a batch read twice). `owner` fences a process that lost its lease: its commits match no row.
 */
export const sql = `
create table connectors (
  id            serial primary key,
  tenant_id     integer not null references tenants(id) on delete cascade,
  name          text not null,
  kind          text not null,
  spec          jsonb not null,
  secret        text,
  desired       text not null default 'paused' check (desired in ('running', 'paused')),
  state         text not null default 'stopped',
  state_message text,
  last_error    text,
  last_error_at bigint,
  position      jsonb not null default '{}',
  backfill_done boolean not null default false,
  rows_done     bigint not null default 0,
  rows_estimated bigint,
  last_poll_at  bigint,
  last_source_ts bigint,
  owner         text,
  created_at    bigint not null,
  updated_at    bigint not null,
  unique (tenant_id, name),
  unique (tenant_id, id)
);
create index connectors_desired on connectors (desired);

create table connector_dead_letters (
  id           bigserial primary key,
  tenant_id    integer not null,
  connector_id integer not null,
  at           bigint not null,
  source_key   text not null,
  field        text not null,
  reason       text not null,
  row_excerpt  jsonb not null,
  foreign key (tenant_id, connector_id) references connectors(tenant_id, id) on delete cascade,
  unique (connector_id, source_key, field)
);
create index connector_dead_letters_list on connector_dead_letters (connector_id, id desc);

create table connector_reconciliation (
  connector_id     integer not null,
  tenant_id        integer not null,
  day              text not null,
  rows_read        bigint not null default 0,
  readings_written bigint not null default 0,
  rejected         bigint not null default 0,
  primary key (connector_id, day),
  foreign key (tenant_id, connector_id) references connectors(tenant_id, id) on delete cascade
);
`;
