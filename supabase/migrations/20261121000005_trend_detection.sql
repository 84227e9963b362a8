-- Trend detection bookkeeping: the per-response scale of relative indices, and which niches were computed.

-- Pinterest scales each keyword's weekly index to its own peak in every response, so readings from
-- two responses are on different scales. `baseline` keeps the response's one-year median of that
-- series; value / baseline puts every reading on one scale (null where the value is absolute).
alter table public.trend_observations add column baseline double precision check (baseline > 0);
create index trend_observations_run on public.trend_observations (run_id);

-- One row per distinct niche keyword set a detection run computed, so an empty topic list can say
-- "nothing is rising" rather than "not computed yet".
create table public.trend_niches (
  niche_key text primary key,
  keywords text[] not null,
  computed_at timestamptz not null,
  topics integer not null check (topics >= 0),
  run_id uuid
);

alter table public.trend_niches enable row level security;
revoke all on public.trend_niches from anon, authenticated;
grant select on public.trend_niches to authenticated;
create policy trend_niches_read on public.trend_niches for select to authenticated using (true);

create index trending_creators_niche on public.trending_creators (niche);
create index creator_observations_time on public.creator_observations (observed_at);
