-- GET /api/analytics/posts reads an index for every sort and filter it offers.
--
-- One B-tree per sort, keyed (user_id, <sort> desc nulls last, id desc, platform, type): a forward scan
-- serves `desc` (values, then the NULLs by id), a backward scan `asc`; keyset cursors start inside it.
-- platform and type are key columns (not INCLUDE) so their filters are index conditions, checked on the
-- index entry before any row is read, whatever the sort. The date index also carries views, for the
-- min_views filter on the default sort. Text search (`q`, a substring of title or caption) runs on a
-- trigram GIN index scoped to the user (btree_gin indexes the uuid beside the trigrams).
-- Until now posted_at was indexed `desc` (NULLs first) while the listing asked for `desc nulls last`,
-- so the default sort read and sorted all of a creator's posts; the listing now orders a NOT NULL column
-- as the index does. The rarer sorts (reach, likes, comments, saves, shares, watch time) had no index.
-- Extensions live in `extensions`, as on Supabase; operator classes are named with that schema.
create extension if not exists pg_trgm with schema extensions;
create extension if not exists btree_gin with schema extensions;

drop index if exists public.posts_user_posted;
drop index if exists public.posts_user_views;
drop index if exists public.posts_user_save_rate;
drop index if exists public.posts_user_share_rate;
drop index if exists public.posts_user_engagement;
drop index if exists public.posts_user_completion;

create index posts_user_posted on public.posts (user_id, posted_at desc, id desc, platform, type, views);
create index posts_user_views on public.posts (user_id, views desc nulls last, id desc, platform, type);
create index posts_user_reach on public.posts (user_id, reach desc nulls last, id desc, platform, type);
create index posts_user_likes on public.posts (user_id, likes desc nulls last, id desc, platform, type);
create index posts_user_comments on public.posts (user_id, comments desc nulls last, id desc, platform, type);
create index posts_user_saves on public.posts (user_id, saves desc nulls last, id desc, platform, type);
create index posts_user_shares on public.posts (user_id, shares desc nulls last, id desc, platform, type);
create index posts_user_save_rate on public.posts (user_id, save_rate desc nulls last, id desc, platform, type);
create index posts_user_share_rate on public.posts (user_id, share_rate desc nulls last, id desc, platform, type);
create index posts_user_engagement on public.posts (user_id, engagement_rate desc nulls last, id desc, platform, type);
create index posts_user_completion on public.posts (user_id, completion_rate desc nulls last, id desc, platform, type);
create index posts_user_watch_time on public.posts (user_id, watch_time_hrs desc nulls last, id desc, platform, type);

-- The expression is the listing's search text: title and caption joined by a newline, which a query
-- cannot contain (control characters are refused), so a match never spans the two.
create index posts_user_text on public.posts
  using gin (user_id, (coalesce(title, '') || E'\n' || coalesce(caption, '')) extensions.gin_trgm_ops);

-- The listing reads her posts through this view, not through the RLS policy on posts. Postgres never
-- turns a condition with a non-leakproof operator into an index condition below a row-level security
-- qual, and withholds column statistics from such operators: under RLS, `platform = 'x'` (enum_eq),
-- `type = 'x'` and the search's ILIKE are filters on every row read, and the trigram index is never
-- used. The view applies the policy's own predicate on the caller's JWT claims (user_id = auth.uid()),
-- as its owner, so the planner sees ordinary conditions. It is not a security barrier: the only SQL that
-- reaches it is the listing's (fixed operators on bound values; the schema is not exposed through the
-- Data API), and no row outside her own is ever returned. posts keeps its RLS policy for everything else.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated;
create view private.my_posts as select * from public.posts where user_id = (select auth.uid());
revoke all on private.my_posts from public, anon;
grant select on private.my_posts to authenticated;
