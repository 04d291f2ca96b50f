/**
 * Batch exports: a durable job queue in the database (one row per requested export, claimed by
 * exporter workers with a lease), and the key that signs download links when EXPORT_LINK_SECRET is
 * not set (generated once, shared by every API process through the database).
 */
export const sql = `
create table export_jobs (
  id                bigserial primary key,
  tenant_id         integer not null references tenants(id) on delete cascade,
  -- The signed-in user who asked (null for an API token); the e-mail goes to their contact point.
  requested_by_user integer references users(id) on delete set null,
  -- "user:<email>" or "token:<name>", for the list and the logs.
  requested_by      text not null,
  -- The validated request with the resolved series: { scope, from, to, resolution, format, series: [...] }.
  spec              jsonb not null,
  format            text not null check (format in ('csv', 'csv.gz', 'jsonl', 'parquet')),
  resolution        text not null check (resolution in ('raw', '1m', '1h', '1d')),
  status            text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired')),
  rows_done         bigint not null default 0,
  rows_estimated    bigint,
  bytes             bigint,
  attempts          integer not null default 0,
  lease_owner       text,
  lease_expires_at  bigint,
  -- Key of the finished file in the export file store.
  file_key          text,
  error             text,
  -- What became of the ready e-mail: "sent to a@b", "skipped: ...", "failed: ...".
  notified          text,
  created_at        bigint not null,
  started_at        bigint,
  finished_at       bigint,
  expires_at        bigint
);
create index export_jobs_queue on export_jobs (created_at, id) where status in ('queued', 'running');
create index export_jobs_tenant on export_jobs (tenant_id, created_at desc);
create index export_jobs_expiry on export_jobs (expires_at) where status = 'succeeded';

create table export_signing_keys (
  id         smallint primary key,
  secret     text not null,
  created_at bigint not null
);
`;
