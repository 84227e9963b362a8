-- Realtime designed for the dashboard: a handful of events per run, each one a reason to re-render.
--
-- posts and analytics_snapshots leave the publication: one ingest writes thousands of rows, and the
-- dashboard re-reads them through the API anyway. platform_connections leaves it too: leases and token
-- rotation update it several times per run, and its token columns must never be published.
-- sync_status replaces both for the frontend: one row per connected platform (the key a DELETE carries
-- is the platform itself), its connection status mirrored by a trigger, and one update per fetch of the
-- connection saying what the fetch wrote (shared/services/sync_status.py).

create table public.sync_status (
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  status public.connection_status not null,
  status_reason text,
  last_fetched_at timestamptz,
  last_fetch_error text,
  last_outcome text check (last_outcome in ('done', 'failed', 'deferred', 'needs_reauth')),
  posts_written integer not null default 0 check (posts_written >= 0),
  snapshots_written integer not null default 0 check (snapshots_written >= 0),
  updated_at timestamptz not null default now(),
  primary key (user_id, platform)
);
alter table public.sync_status enable row level security;
revoke all on public.sync_status from anon, authenticated;
grant select on public.sync_status to authenticated;  -- every column: select('*') works
create policy sync_status_select_own on public.sync_status for select to authenticated
  using ((select auth.uid()) = user_id);
-- UPDATE events carry the previous row too (was it needs_reauth before?); a DELETE's key is the platform.
alter table public.sync_status replica identity full;

create function public.mirror_connection_status() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'DELETE' then
    delete from public.sync_status where user_id = old.user_id and platform = old.platform;
    return null;
  end if;
  -- An unchanged status writes nothing, so publishes nothing.
  insert into public.sync_status (user_id, platform, status, status_reason, last_fetched_at, last_fetch_error)
  values (new.user_id, new.platform, new.status, new.status_reason, new.last_fetched_at, new.last_fetch_error)
  on conflict (user_id, platform) do update
    set status = excluded.status, status_reason = excluded.status_reason, updated_at = now()
    where (public.sync_status.status, public.sync_status.status_reason)
          is distinct from (excluded.status, excluded.status_reason);
  return null;
end $$;
revoke all on function public.mirror_connection_status() from public, anon, authenticated;

create trigger platform_connections_sync_status
  after insert or delete or update of status, status_reason on public.platform_connections
  for each row execute function public.mirror_connection_status();

insert into public.sync_status (user_id, platform, status, status_reason, last_fetched_at, last_fetch_error)
select user_id, platform, status, status_reason, last_fetched_at, last_fetch_error from public.platform_connections
on conflict do nothing;

alter publication supabase_realtime drop table public.posts, public.analytics_snapshots, public.platform_connections;
alter publication supabase_realtime add table public.sync_status;

-- The other published tables keep the default identity (their primary key): a DELETE's key is enough to
-- drop the item from a list the dashboard holds by that key (insights.id, content_recommendations.id,
-- recommendation_links.recommendation_id), and Realtime gives a DELETE no more than the key under RLS.
