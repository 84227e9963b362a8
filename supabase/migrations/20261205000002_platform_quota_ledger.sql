-- The platforms' app-wide limits, shared by every process that calls them (the fetch cron, each Cloud
-- Tasks worker, trend detection): a limit held in one process's memory bounds nothing once the work fans
-- out. Written and read by the service role only (shared/services/quota_ledger.py).

-- Rate limits as slots (GCRA): a request may start at the slot it takes, and each taken slot moves the
-- next one `interval` later, so across all processes requests start at most one per interval.
create table public.platform_rate_slots (
  key text primary key,                 -- e.g. 'tiktok:/v2/video/list/'
  next_at timestamptz not null
);

-- Counted quotas per period: YouTube Data API units per Pacific day.
create table public.platform_quota_usage (
  key text not null,                    -- e.g. 'youtube:data_api_units'
  period_start timestamptz not null,    -- the period's first instant (a Pacific midnight for a day)
  used bigint not null check (used >= 0),
  primary key (key, period_start)
);

alter table public.platform_rate_slots enable row level security;
alter table public.platform_quota_usage enable row level security;
revoke all on public.platform_rate_slots, public.platform_quota_usage from anon, authenticated;
