-- The platforms' app-wide limits, shared by every process that calls them (the fetch cron, each Cloud
-- Tasks worker, trend detection): a limit held in one process's memory bounds nothing once the work fans
-- out. Written and read by the service role only (shared/services/quota_ledger.py).

-- Rate limits as the platforms count them, a sliding window: a request may start once the start `limit`
-- places before it is a window old. One row per limit key serialises the takers (row lock); the starts
-- of the last window are kept (older ones are pruned as new ones are taken).
create table public.platform_rate_limits (
  key text primary key                  -- e.g. 'tiktok:/v2/video/list/'
);

create table public.platform_rate_starts (
  key text not null references public.platform_rate_limits (key) on delete cascade,
  started_at timestamptz not null       -- when a request was allowed to start (may be ahead of now: queued)
);
create index platform_rate_starts_key_started_at on public.platform_rate_starts (key, started_at desc);

-- Counted quotas per period: YouTube Data API units per Pacific day.
create table public.platform_quota_usage (
  key text not null,                    -- e.g. 'youtube:data_api_units'
  period_start timestamptz not null,    -- the period's first instant (a Pacific midnight for a day)
  used bigint not null check (used >= 0),
  primary key (key, period_start)
);

alter table public.platform_rate_limits enable row level security;
alter table public.platform_rate_starts enable row level security;
alter table public.platform_quota_usage enable row level security;
revoke all on public.platform_rate_limits, public.platform_rate_starts, public.platform_quota_usage
  from anon, authenticated;
