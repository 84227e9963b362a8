-- Idempotent recommendation requests: what was asked (to refuse a key reused for another body),
-- whether the generation was offline (offline generations do not count against the daily LLM quota)
-- and why a failed one failed (the same key may be retried after a failure).
alter table public.recommendation_requests
  add column fingerprint text,
  add column offline boolean not null default false,
  add column error text;
