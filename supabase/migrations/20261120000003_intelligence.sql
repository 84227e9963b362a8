-- Trends, tracked creators, insights and recommendations.

create table public.trend_observations (
  id bigint generated always as identity primary key,
  run_id uuid,
  keyword text not null,
  source text not null,
  region text not null default 'GLOBAL',
  observed_at timestamptz not null,
  value double precision not null,
  value_kind text not null check (value_kind in ('index', 'rank', 'count', 'volume'))
);
create index trend_observations_time on public.trend_observations (observed_at);
create index trend_observations_keyword on public.trend_observations (keyword, source, observed_at);

create table public.trends (
  id uuid primary key default gen_random_uuid(),
  -- Heat depends on relevance to a niche; rows are computed per distinct niche keyword set.
  niche_key text not null,
  topic text not null,
  platform public.platform,
  sources text[] not null default '{}',
  category text,
  growth_rate double precision,
  growth_7d double precision,
  growth_14d double precision,
  growth_30d double precision,
  velocity_score double precision,
  relevance double precision check (relevance between 0 and 1),
  recency double precision check (recency between 0 and 1),
  heat_score double precision not null check (heat_score between 0 and 100),
  search_volume double precision,
  search_volume_kind text check (search_volume_kind in ('index', 'absolute', 'rank', 'count')),
  series jsonb not null default '[]',
  detected_at timestamptz not null default now(),
  expires_at timestamptz not null,
  unique (niche_key, topic)
);
create index trends_niche_heat on public.trends (niche_key, heat_score desc);
create index trends_expires on public.trends (expires_at);

create table public.trending_creators (
  id uuid primary key default gen_random_uuid(),
  handle text not null,
  platform public.platform not null,
  platform_user_id text,
  followers integer check (followers >= 0),
  growth_rate double precision,
  niche text,
  format_description text,
  origin text not null default 'seed' check (origin in ('seed', 'discovered')),
  last_checked timestamptz,
  created_at timestamptz not null default now(),
  unique (platform, handle)
);
create index trending_creators_growth on public.trending_creators (growth_rate desc nulls last);

create table public.creator_observations (
  creator_id uuid not null references public.trending_creators (id) on delete cascade,
  observed_at timestamptz not null,
  followers integer not null check (followers >= 0),
  media_count integer,
  recent_posts jsonb not null default '[]',
  primary key (creator_id, observed_at)
);

create table public.insights (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  insight text not null,
  impact text not null check (impact in ('high', 'medium', 'low')),
  category text not null,
  data_points jsonb not null default '{}',
  detected_at timestamptz not null default now()
);
create index insights_user_detected on public.insights (user_id, detected_at desc);

create table public.virality_models (
  user_id uuid primary key references auth.users (id) on delete cascade,
  model jsonb not null,
  report jsonb not null,
  fitted_at timestamptz not null default now()
);

create table public.recommendation_requests (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  idempotency_key text not null check (length(idempotency_key) between 8 and 128),
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  provider text,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (user_id, idempotency_key)
);
create index recommendation_requests_user_day on public.recommendation_requests (user_id, created_at);

create table public.content_recommendations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  request_id uuid references public.recommendation_requests (id) on delete set null,
  rank integer not null check (rank >= 1),
  platform public.platform,
  concept text not null,
  hook text not null,
  video_length integer check (video_length > 0),
  shot_list jsonb not null default '[]',
  editing_style text,
  music text,
  caption text,
  hashtags text[] not null default '{}',
  attributes jsonb not null default '{}',
  rationale text,
  trend_topic text,
  virality_score double precision not null check (virality_score between 0 and 1),
  score_details jsonb not null default '{}',
  provider text not null,
  offline boolean not null default false,
  generated_at timestamptz not null default now()
);
create index content_recommendations_user on public.content_recommendations (user_id, generated_at desc, rank);

alter table public.trend_observations enable row level security;
alter table public.trends enable row level security;
alter table public.trending_creators enable row level security;
alter table public.creator_observations enable row level security;
alter table public.insights enable row level security;
alter table public.virality_models enable row level security;
alter table public.recommendation_requests enable row level security;
alter table public.content_recommendations enable row level security;

-- Shared market data: readable by every signed-in creator, written by the service role.
revoke all on public.trend_observations, public.trends, public.trending_creators, public.creator_observations
  from anon, authenticated;
grant select on public.trends, public.trending_creators, public.creator_observations to authenticated;
create policy trends_read on public.trends for select to authenticated using (true);
create policy trending_creators_read on public.trending_creators for select to authenticated using (true);
create policy creator_observations_read on public.creator_observations for select to authenticated using (true);

-- Per-creator results: she reads and writes her own rows only.
revoke all on public.insights, public.virality_models, public.recommendation_requests,
  public.content_recommendations from anon;
create policy insights_own on public.insights for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy virality_models_own on public.virality_models for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy recommendation_requests_own on public.recommendation_requests for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy content_recommendations_own on public.content_recommendations for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
