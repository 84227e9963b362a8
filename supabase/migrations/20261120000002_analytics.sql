-- Ingested analytics: daily account snapshots, posts, the raw archive and run records.

create type public.post_type as enum ('reel', 'short', 'video', 'pin', 'idea_pin', 'image', 'carousel', 'story');

create table public.analytics_snapshots (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  snapshot_date date not null,
  followers integer check (followers >= 0),
  follower_change integer,
  reach bigint check (reach >= 0),
  views bigint check (views >= 0),
  engagements bigint check (engagements >= 0),
  engagement_rate double precision check (engagement_rate >= 0),
  saves bigint check (saves >= 0),
  shares bigint check (shares >= 0),
  comments bigint check (comments >= 0),
  likes bigint check (likes >= 0),
  watch_time_hrs double precision check (watch_time_hrs >= 0),
  profile_visits bigint check (profile_visits >= 0),
  outbound_clicks bigint check (outbound_clicks >= 0),
  fetched_at timestamptz not null default now(),
  unique (user_id, platform, snapshot_date)
);

create table public.posts (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  platform_post_id text not null,
  title text,
  caption text,
  type public.post_type not null,
  url text,
  thumbnail_url text,
  duration_s double precision check (duration_s >= 0),
  views bigint check (views >= 0),
  reach bigint check (reach >= 0),
  likes bigint check (likes >= 0),
  saves bigint check (saves >= 0),
  shares bigint check (shares >= 0),
  comments bigint check (comments >= 0),
  watch_time_hrs double precision check (watch_time_hrs >= 0),
  avg_watch_time_s double precision check (avg_watch_time_s >= 0),
  completion_rate double precision check (completion_rate >= 0),
  skip_rate double precision check (skip_rate between 0 and 1),
  retention_early double precision check (retention_early >= 0),
  outbound_clicks bigint check (outbound_clicks >= 0),
  pin_clicks bigint check (pin_clicks >= 0),
  raw_metrics jsonb not null default '{}',
  posted_at timestamptz not null,
  fetched_at timestamptz not null default now(),
  -- Rates per view; NULL when the platform does not report the numerator (TikTok saves, Pinterest shares).
  save_rate double precision generated always as (saves::double precision / nullif(views, 0)) stored,
  share_rate double precision generated always as (shares::double precision / nullif(views, 0)) stored,
  engagement_rate double precision generated always as (
    (coalesce(likes, 0) + coalesce(comments, 0) + coalesce(saves, 0) + coalesce(shares, 0))::double precision
    / nullif(coalesce(reach, views), 0)) stored,
  unique (user_id, platform, platform_post_id)
);
-- Keyset paging indexes for the sorts GET /api/analytics/posts offers.
create index posts_user_posted on public.posts (user_id, posted_at desc, id desc);
create index posts_user_views on public.posts (user_id, views desc nulls last, id desc);
create index posts_user_save_rate on public.posts (user_id, save_rate desc nulls last, id desc);
create index posts_user_share_rate on public.posts (user_id, share_rate desc nulls last, id desc);
create index posts_user_engagement on public.posts (user_id, engagement_rate desc nulls last, id desc);

-- Attributes of each post (duration bucket, hook speed, camera angle...), with where they came from.
create table public.post_attributes (
  post_id bigint not null references public.posts (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  attribute text not null,
  level text not null,
  source text not null check (source in ('platform', 'rules', 'llm')),
  confidence double precision not null check (confidence between 0 and 1),
  extracted_at timestamptz not null default now(),
  primary key (post_id, attribute)
);
create index post_attributes_user on public.post_attributes (user_id);

-- Every raw platform response, kept before normalization so normalization can be re-run offline.
create table public.raw_payloads (
  id bigint generated always as identity primary key,
  run_id uuid,
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  kind text not null,
  endpoint text not null,
  params jsonb not null default '{}',
  body jsonb not null,
  fetched_at timestamptz not null default now()
);
create index raw_payloads_user_platform on public.raw_payloads (user_id, platform, kind, fetched_at);

create table public.job_runs (
  id uuid primary key default gen_random_uuid(),
  job text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  status text not null default 'running' check (status in ('running', 'succeeded', 'partial', 'failed')),
  stats jsonb not null default '{}',
  errors jsonb not null default '{}'
);
create index job_runs_job_started on public.job_runs (job, started_at desc);

alter table public.analytics_snapshots enable row level security;
alter table public.posts enable row level security;
alter table public.post_attributes enable row level security;
alter table public.raw_payloads enable row level security;
alter table public.job_runs enable row level security;

create policy analytics_snapshots_select_own on public.analytics_snapshots for select to authenticated
  using ((select auth.uid()) = user_id);
create policy posts_select_own on public.posts for select to authenticated
  using ((select auth.uid()) = user_id);
create policy post_attributes_own on public.post_attributes for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);

-- Ingested data is written by the service role only.
revoke all on public.analytics_snapshots, public.posts, public.raw_payloads, public.job_runs from anon, authenticated;
revoke all on public.post_attributes from anon;
grant select on public.analytics_snapshots, public.posts to authenticated;
