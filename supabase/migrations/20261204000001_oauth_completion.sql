-- A connect flow whose callback cannot prove the browser (a frontend on another site than the API never
-- holds the binding cookie) is not completed there: the callback seals the authorization code into the
-- state and hands the browser a one-time completion handle; the signed-in frontend then completes it
-- with the starter's own token (POST /api/auth/complete). Nothing here is ever readable by the API roles.
alter table public.oauth_states
  add column if not exists authorization_code bytea,        -- vault-sealed; null once claimed or discarded
  add column if not exists handle_digest bytea,             -- sha256 of the handle; the handle is never stored
  add column if not exists handle_expires_at timestamptz,
  add column if not exists claimed_at timestamptz;          -- when the handle was presented, whatever the outcome

do $$ begin
  if not exists (select 1 from pg_constraint where conname = 'oauth_states_handle_digest_key') then
    alter table public.oauth_states add constraint oauth_states_handle_digest_key unique (handle_digest);
  end if;
  if not exists (select 1 from pg_constraint where conname = 'oauth_states_handle_digest_length') then
    alter table public.oauth_states add constraint oauth_states_handle_digest_length
      check (handle_digest is null or octet_length(handle_digest) = 32);
  end if;
  -- A sealed code only ever waits on a consumed state, under a handle, until a deadline.
  if not exists (select 1 from pg_constraint where conname = 'oauth_states_pending_code') then
    alter table public.oauth_states add constraint oauth_states_pending_code
      check (authorization_code is null
             or (used_at is not null and handle_digest is not null and handle_expires_at is not null));
  end if;
end $$;

-- The table stays the service role's alone: no API role may read a sealed code, a verifier or a digest.
revoke all on public.oauth_states from anon, authenticated;
