/**
 * Notifications: who gets what (contact points, subscriptions with channels per priority, quiet hours
 * and digest time per user), the outbox of deliveries (one chain per alert transition x person,
 * unique by key: a redelivered transition never makes a second one), and the delivery log.
 */
export const sql = `
alter table users add column quiet_hours jsonb;
alter table users add column digest jsonb not null default '{"every": "day", "at": "08:00"}'::jsonb;

create table contact_points (
  id             serial primary key,
  tenant_id      integer not null references tenants(id) on delete cascade,
  user_id        integer not null references users(id) on delete cascade,
  kind           text not null check (kind in ('email', 'sms', 'whatsapp', 'telegram', 'push', 'webhook')),
  -- The ContactAddress of src/notify/port.ts (email, phone, chat id, push subscription, url + secret).
  address        jsonb not null,
  label          text not null default '',
  verified       boolean not null default false,
  invalid_reason text,
  invalid_at     bigint,
  created_at     bigint not null default (extract(epoch from now()) * 1000)::bigint
);
create index contact_points_user on contact_points (user_id);

create table subscriptions (
  id              serial primary key,
  tenant_id       integer not null references tenants(id) on delete cascade,
  user_id         integer not null references users(id) on delete cascade,
  -- What alerts: { locations?, assets?, rules?, labels? } (empty: all of the tenant).
  scope           jsonb not null default '{}'::jsonb,
  min_priority    text not null check (min_priority in ('critical', 'high', 'medium', 'low')),
  -- Per priority, contact point ids in order of preference: the first is tried, the rest are fallbacks.
  channels        jsonb not null,
  fire_and_forget boolean not null default false,
  -- Critical alerts still unacknowledged after afterMs go to these contact points (the next
  -- channel, or another person's): { afterMs, contactPoints: [ids] }.
  escalation      jsonb,
  created_at      bigint not null default (extract(epoch from now()) * 1000)::bigint
);
create index subscriptions_tenant on subscriptions (tenant_id);

create table deliveries (
  id               bigserial primary key,
  tenant_id        integer not null references tenants(id) on delete cascade,
  -- transition key | user id: one delivery chain per person per transition, whatever the redeliveries.
  key              text not null unique,
  user_id          integer not null references users(id) on delete cascade,
  subscription_id  integer,
  transition       jsonb not null,
  priority         text not null,
  fingerprint      text not null,
  fired_at         bigint not null,
  kind             text not null,
  status           text not null check (status in ('scheduled', 'sending', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'cancelled', 'dead')),
  due_at           bigint not null,
  -- The latest moment this priority promises; retries stop there.
  deadline_at      bigint not null,
  -- Contact point ids to try in order (from the subscription when the delivery was planned).
  chain            jsonb not null default '[]'::jsonb,
  -- The person's zone, for rendering times.
  time_zone        text not null default 'UTC',
  channel_index    integer not null default 0,
  contact_point_id integer,
  provider         text,
  provider_id      text,
  attempts         integer not null default 0,
  last_error       text,
  fire_and_forget  boolean not null default false,
  -- Deliveries sent together as one message (batches, digests) share it.
  message_id       text,
  created_at       bigint not null,
  updated_at       bigint not null,
  sent_at          bigint
);
create index deliveries_due on deliveries (due_at) where status = 'scheduled';
create index deliveries_provider on deliveries (provider, provider_id);
create index deliveries_alert on deliveries (fingerprint, fired_at);
create index deliveries_tenant on deliveries (tenant_id, created_at desc);

create table delivery_events (
  id          bigserial primary key,
  delivery_id bigint not null references deliveries(id) on delete cascade,
  ts          bigint not null,
  status      text not null,
  detail      jsonb not null default '{}'::jsonb
);
create index delivery_events_delivery on delivery_events (delivery_id, ts);
`;
