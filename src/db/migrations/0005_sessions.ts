/**
 * Web sessions: one row per signed-in browser. The id is the SHA-256 of the cookie's random token (the
 * token itself is never stored); tenant_id is the tenant the session acts in, switchable among the
 * user's memberships (any tenant for a platform admin). expires_at slides with use (SESSION_TTL_MS),
 * capped at created_at + SESSION_MAX_AGE_MS.
 */
export const sql = `
create table sessions (
  id           text primary key,
  user_id      integer not null references users(id) on delete cascade,
  tenant_id    integer not null references tenants(id) on delete cascade,
  created_at   bigint not null,
  expires_at   bigint not null,
  last_seen_at bigint not null,
  -- Shown in a "where you are signed in" list; never used for authentication.
  ip           text,
  user_agent   text
);
create index sessions_user on sessions (user_id);
create index sessions_expires on sessions (expires_at);

alter table users add column password_changed_at bigint;
`;
