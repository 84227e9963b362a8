-- Profiles and platform connections: who the creator is and how we reach her platforms.

create type public.platform as enum ('instagram', 'youtube', 'pinterest', 'tiktok');
create type public.connection_status as enum ('active', 'needs_reauth', 'revoked');

create or replace function public.set_updated_at() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.updated_at := now();
  return new;
end $$;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  name text,
  avatar_url text,
  -- The creator's own words for her niche; trend relevance is scored against them.
  niche_keywords text[] not null default '{}',
  timezone text not null default 'UTC' check (timezone ~ '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger profiles_updated_at before update on public.profiles
  for each row execute function public.set_updated_at();

-- Supabase creates the auth.users row; the profile follows it.
create or replace function public.handle_new_user() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.profiles (id, email, name, avatar_url)
  values (new.id, new.email,
          coalesce(new.raw_user_meta_data ->> 'name', new.raw_user_meta_data ->> 'full_name'),
          new.raw_user_meta_data ->> 'avatar_url')
  on conflict (id) do nothing;
  return new;
end $$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();

alter table public.profiles enable row level security;
create policy profiles_select_own on public.profiles for select to authenticated
  using ((select auth.uid()) = id);
create policy profiles_update_own on public.profiles for update to authenticated
  using ((select auth.uid()) = id) with check ((select auth.uid()) = id);
revoke all on public.profiles from anon, authenticated;
grant select on public.profiles to authenticated;
grant update (name, avatar_url, niche_keywords, timezone) on public.profiles to authenticated;

create table public.platform_connections (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  -- AES-256-GCM ciphertexts (shared/vault.py), bound to (user_id, platform, column).
  access_token bytea not null,
  refresh_token bytea,
  scopes text[] not null default '{}',
  token_expires_at timestamptz,
  refresh_token_expires_at timestamptz,
  platform_user_id text not null,
  platform_username text,
  connected_at timestamptz not null default now(),
  status public.connection_status not null default 'active',
  status_reason text,
  last_refreshed_at timestamptz,
  last_fetched_at timestamptz,
  last_fetch_error text,
  backfilled_at timestamptz,
  next_fetch_at timestamptz not null default now(),
  -- Lease taken by a fetch run (FOR UPDATE SKIP LOCKED + expiry) so overlapping runs never share work.
  lease_owner text,
  lease_expires_at timestamptz,
  updated_at timestamptz not null default now(),
  unique (user_id, platform)
);
create index platform_connections_due on public.platform_connections (next_fetch_at) where status = 'active';
create index platform_connections_expiry on public.platform_connections (token_expires_at) where status = 'active';
create trigger platform_connections_updated_at before update on public.platform_connections
  for each row execute function public.set_updated_at();

alter table public.platform_connections enable row level security;
create policy platform_connections_select_own on public.platform_connections for select to authenticated
  using ((select auth.uid()) = user_id);
-- Column privileges, not policies, keep tokens away from the API roles: a later policy cannot leak them.
revoke all on public.platform_connections from anon, authenticated;
grant select (id, user_id, platform, scopes, token_expires_at, refresh_token_expires_at, platform_user_id,
              platform_username, connected_at, status, status_reason, last_refreshed_at, last_fetched_at,
              last_fetch_error, backfilled_at, updated_at)
  on public.platform_connections to authenticated;

-- One-time OAuth states: bound to a user and platform, expiring, consumed on callback.
create table public.oauth_states (
  nonce text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  redirect_uri text not null,
  code_verifier bytea,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index oauth_states_expires on public.oauth_states (expires_at);
alter table public.oauth_states enable row level security;
revoke all on public.oauth_states from anon, authenticated;
