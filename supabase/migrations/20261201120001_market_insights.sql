-- Market insights that say what they measure (issue 12).

-- Pinterest's index scaled across one response's keywords (normalize_against_group), bridged across the
-- run's responses: a relative interest level comparable between keywords of the same run.
alter table public.trend_observations drop constraint trend_observations_value_kind_check;
alter table public.trend_observations add constraint trend_observations_value_kind_check
  check (value_kind in ('index', 'rank', 'count', 'volume', 'group_index'));

-- Per topic: what each source gives as its volume ([{source, kind, value, unit}]), the comparable interest
-- index, and the supply of recent content measured for it ({platform: {...}}; null until measured).
alter table public.trends
  add column interest_index double precision check (interest_index >= 0),
  add column volumes jsonb not null default '[]',
  add column supply jsonb;

-- Why a tracked creator is listed: the size-aware growth it is ranked by, the followers behind it, and how
-- it was found.
alter table public.trending_creators
  add column followers_gained integer,
  add column trend_score double precision,
  add column discovered_via text;
