-- Closing the loop (issue 17): which post followed which brief, how it did, and the weekly digest.

-- The (id, user_id) pairs the new tables reference: a row may point only at rows of its own owner, for the
-- service role as much as for a signed-in user. The ownership migration (20261202000001) adds the posts key
-- under the same name; whichever runs first creates it.
do $$ begin
  if not exists (select 1 from pg_constraint where conname = 'posts_id_user_id_key') then
    alter table public.posts add constraint posts_id_user_id_key unique (id, user_id);
  end if;
  if not exists (select 1 from pg_constraint where conname = 'content_recommendations_id_user_id_key') then
    alter table public.content_recommendations
      add constraint content_recommendations_id_user_id_key unique (id, user_id);
  end if;
end $$;

-- The post that followed a brief: named by her (explicit) or found by the matcher (auto, with its confidence
-- and what matched). The post may not be fetched yet: post_id is filled in when it arrives. One post follows
-- at most one brief and a brief has at most one post; posting again replaces the link (delete + insert).
create table public.recommendation_links (
  recommendation_id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  platform_post_id text not null check (length(platform_post_id) between 1 and 128),
  post_id bigint,
  source text not null default 'explicit' check (source in ('explicit', 'auto')),
  confidence double precision check (confidence between 0 and 1),
  match jsonb,
  linked_at timestamptz not null default now(),
  check ((source = 'auto') = (confidence is not null)),
  unique (user_id, platform, platform_post_id),
  unique (recommendation_id, user_id, platform, platform_post_id),
  foreign key (recommendation_id, user_id)
    references public.content_recommendations (id, user_id) on delete cascade,
  foreign key (post_id, user_id) references public.posts (id, user_id) on delete set null (post_id)
);
create index recommendation_links_post on public.recommendation_links (post_id, user_id) where post_id is not null;

-- Pairs she removed: the matcher never links them again (naming the post herself still does).
create table public.recommendation_link_rejections (
  recommendation_id uuid not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  platform_post_id text not null check (length(platform_post_id) between 1 and 128),
  rejected_at timestamptz not null default now(),
  -- Owner first: another user's insert can never collide with (and so reveal) her row.
  primary key (user_id, recommendation_id, platform, platform_post_id),
  foreign key (recommendation_id, user_id)
    references public.content_recommendations (id, user_id) on delete cascade
);

-- How the linked post did once it had 7 days of data, and what the brief had predicted. Written by the
-- service only (the realised outcomes feed her virality model); gone with the link it measured.
create table public.recommendation_outcomes (
  recommendation_id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  platform public.platform not null,
  platform_post_id text not null,
  post_id bigint not null,
  measured_at timestamptz not null,
  data_days double precision not null check (data_days >= 0),
  views bigint check (views >= 0),
  save_rate double precision check (save_rate >= 0),
  share_rate double precision check (share_rate >= 0),
  baseline jsonb not null default '{}',
  save_ratio double precision check (save_ratio >= 0),
  share_ratio double precision check (share_ratio >= 0),
  score_percentile double precision check (score_percentile between 0 and 1),
  top_quartile boolean,
  predicted_probability double precision check (predicted_probability between 0 and 1),
  predicted_shown boolean not null default false,
  base_rate double precision check (base_rate between 0 and 1),
  details jsonb not null default '{}',
  foreign key (recommendation_id, user_id, platform, platform_post_id)
    references public.recommendation_links (recommendation_id, user_id, platform, platform_post_id)
    on delete cascade,
  foreign key (post_id, user_id) references public.posts (id, user_id) on delete cascade
);
create index recommendation_outcomes_user on public.recommendation_outcomes (user_id, measured_at desc);
create index recommendation_outcomes_post on public.recommendation_outcomes (post_id, user_id);

-- The weekly digest, email-ready (escaped HTML with inline styles, and plain text); sending is a provider's job.
create table public.weekly_digests (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  period_start date not null,
  period_end date not null,
  subject text not null,
  html text not null,
  text text not null,
  content jsonb not null,
  created_at timestamptz not null default now(),
  check (period_start < period_end),
  unique (user_id, period_end)
);

alter table public.recommendation_links enable row level security;
alter table public.recommendation_link_rejections enable row level security;
alter table public.recommendation_outcomes enable row level security;
alter table public.weekly_digests enable row level security;
revoke all on public.recommendation_links, public.recommendation_link_rejections, public.recommendation_outcomes,
  public.weekly_digests from anon, authenticated;

-- She reads her links, names the post that followed a brief (never the source or a confidence: an insert of
-- hers is an explicit link) and removes a link; the composite keys keep both ends hers.
grant select, delete on public.recommendation_links to authenticated;
grant insert (recommendation_id, user_id, platform, platform_post_id, post_id, linked_at)
  on public.recommendation_links to authenticated;
create policy recommendation_links_select_own on public.recommendation_links for select to authenticated
  using ((select auth.uid()) = user_id);
create policy recommendation_links_insert_own on public.recommendation_links for insert to authenticated
  with check ((select auth.uid()) = user_id and source = 'explicit');
create policy recommendation_links_delete_own on public.recommendation_links for delete to authenticated
  using ((select auth.uid()) = user_id);

grant select, delete on public.recommendation_link_rejections to authenticated;
grant insert (recommendation_id, user_id, platform, platform_post_id, rejected_at)
  on public.recommendation_link_rejections to authenticated;
create policy recommendation_link_rejections_own on public.recommendation_link_rejections for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);

grant select on public.recommendation_outcomes, public.weekly_digests to authenticated;
create policy recommendation_outcomes_select_own on public.recommendation_outcomes for select to authenticated
  using ((select auth.uid()) = user_id);
create policy weekly_digests_select_own on public.weekly_digests for select to authenticated
  using ((select auth.uid()) = user_id);

-- The frontend hears a brief being posted, measured, and the week's digest arriving (RLS applies).
alter publication supabase_realtime add table
  public.recommendation_links, public.recommendation_outcomes, public.weekly_digests;
