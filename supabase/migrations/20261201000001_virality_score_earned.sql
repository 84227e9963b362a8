-- A brief's virality score is shown only when her model beats her base rate on posts it had not seen;
-- otherwise the score is null and score_details.statement says the estimate is no better than the base rate.
alter table public.content_recommendations alter column virality_score drop not null;
