-- Tables the frontend watches. Realtime applies RLS, so each creator hears only her own rows.
-- The connection table is published without its token columns.
alter publication supabase_realtime add table
  public.analytics_snapshots,
  public.posts,
  public.insights,
  public.content_recommendations,
  public.platform_connections (id, user_id, platform, status, status_reason, token_expires_at,
                               connected_at, last_refreshed_at, last_fetched_at, last_fetch_error, updated_at);
