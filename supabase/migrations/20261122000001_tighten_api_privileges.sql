-- TRUNCATE ignores RLS and REFERENCES/TRIGGER sidestep it; the API roles never need them.
revoke truncate, references, trigger on all tables in schema public from anon, authenticated;
alter default privileges in schema public revoke truncate, references, trigger on tables from anon, authenticated;

-- The recommendation requests are the LLM quota's ledger and the briefs carry scores from her model:
-- both are written by the service role (scoped to the verified caller); she reads them, and may
-- dismiss a brief.
revoke insert, update, delete on public.recommendation_requests from authenticated;
revoke insert, update on public.content_recommendations from authenticated;

-- Every distinct niche is computed by the trends cron: keep each creator's keyword set bounded.
alter table public.profiles add constraint profiles_niche_keywords_bounded
  check (cardinality(niche_keywords) <= 20 and length(array_to_string(niche_keywords, ',')) <= 600);
