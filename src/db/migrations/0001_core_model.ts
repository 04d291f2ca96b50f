/**
 * The core model: tenants (the brief's clients) -> locations (sites, branches) -> assets (equipment)
 * -> sensors; sensor types (sensor model x parameter, with its unit); users and per-tenant roles,
 * API tokens and device credentials (placeholders the IAM work extends). Times are epoch ms (bigint).
 */
export const sql = `
create table tenants (
  id            serial primary key,
  slug          text not null unique check (slug ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name          text not null,
  -- Register sensors, assets and locations on first reading instead of rejecting unknown ones.
  auto_register boolean not null default true,
  settings      jsonb not null default '{}'::jsonb,
  created_at    bigint not null default (extract(epoch from now()) * 1000)::bigint
);

create table locations (
  id         serial primary key,
  tenant_id  integer not null references tenants(id) on delete cascade,
  slug       text not null check (slug ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name       text not null,
  timezone   text not null default 'UTC',
  created_at bigint not null default (extract(epoch from now()) * 1000)::bigint,
  unique (tenant_id, slug),
  unique (tenant_id, id)
);

create table assets (
  id          serial primary key,
  tenant_id   integer not null references tenants(id) on delete cascade,
  location_id integer not null,
  slug        text not null check (slug ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name        text not null,
  -- Equipment kind (chiller, ac-unit, energy-meter...): rules can target every asset of a type.
  asset_type  text,
  created_at  bigint not null default (extract(epoch from now()) * 1000)::bigint,
  -- The composite key keeps an asset inside its tenant's locations.
  foreign key (tenant_id, location_id) references locations(tenant_id, id) on delete cascade,
  unique (tenant_id, location_id, slug),
  unique (tenant_id, id)
);
create index assets_location on assets (location_id);

-- What a sensor model measures: one row per (model, parameter), with its unit. tenant_id null: the
-- shared catalogue; a tenant may add its own models.
create table sensor_types (
  id         serial primary key,
  tenant_id  integer references tenants(id) on delete cascade,
  model      text not null,
  parameter  text not null,
  unit       text not null default '',
  description text not null default ''
);
create unique index sensor_types_model_parameter on sensor_types (coalesce(tenant_id, 0), model, parameter);

create table sensors (
  id         serial primary key,
  tenant_id  integer not null references tenants(id) on delete cascade,
  asset_id   integer not null,
  slug       text not null check (slug ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  model      text,
  name       text not null,
  created_at bigint not null default (extract(epoch from now()) * 1000)::bigint,
  foreign key (tenant_id, asset_id) references assets(tenant_id, id) on delete cascade,
  unique (tenant_id, asset_id, slug),
  unique (tenant_id, id)
);
create index sensors_asset on sensors (asset_id);

create table users (
  id                serial primary key,
  email             text not null unique,
  name              text not null default '',
  password_hash     text,
  is_platform_admin boolean not null default false,
  timezone          text not null default 'UTC',
  created_at        bigint not null default (extract(epoch from now()) * 1000)::bigint
);

create table memberships (
  user_id   integer not null references users(id) on delete cascade,
  tenant_id integer not null references tenants(id) on delete cascade,
  role      text not null check (role in ('admin', 'operator', 'viewer')),
  primary key (user_id, tenant_id)
);

create table api_tokens (
  id          serial primary key,
  tenant_id   integer not null references tenants(id) on delete cascade,
  name        text not null,
  -- Only a hash is stored; the token is shown once when created.
  token_hash  text not null unique,
  scopes      text[] not null default '{}',
  created_at  bigint not null default (extract(epoch from now()) * 1000)::bigint,
  revoked_at  bigint
);

create table device_credentials (
  id          serial primary key,
  tenant_id   integer not null references tenants(id) on delete cascade,
  username    text not null unique,
  secret_hash text not null,
  created_at  bigint not null default (extract(epoch from now()) * 1000)::bigint,
  revoked_at  bigint
);
`;
