-- Keyset paging index for the completion-rate sort of GET /api/analytics/posts.
-- Each sort index serves both orders: a forward scan for desc and a backward scan (with `is not null`)
-- for asc; NULL sort values are read separately, by id, from the same index.
-- Only the sorts a creator uses most get an index (posted_at, views, save/share/engagement/completion
-- rate). Every index slows the daily upsert of all her posts; the rarer sorts (reach, likes, comments,
-- saves, shares, watch time) sort at most one creator's posts (user_id prefix), a top-N sort of
-- ~10,000 rows that costs a few milliseconds.
create index posts_user_completion on public.posts (user_id, completion_rate desc nulls last, id desc);
