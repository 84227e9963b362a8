-- Keyset paging indexes for the remaining sorts of GET /api/analytics/posts.
-- Each serves both orders: a forward scan for desc and a backward scan (with `is not null`) for asc;
-- NULL sort values are read separately, by id, from the same index.
create index posts_user_reach on public.posts (user_id, reach desc nulls last, id desc);
create index posts_user_likes on public.posts (user_id, likes desc nulls last, id desc);
create index posts_user_comments on public.posts (user_id, comments desc nulls last, id desc);
create index posts_user_saves on public.posts (user_id, saves desc nulls last, id desc);
create index posts_user_shares on public.posts (user_id, shares desc nulls last, id desc);
create index posts_user_completion on public.posts (user_id, completion_rate desc nulls last, id desc);
create index posts_user_watch_time on public.posts (user_id, watch_time_hrs desc nulls last, id desc);
