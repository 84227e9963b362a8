-- Ownership holds across references, and a creator's niche and time zone are hers and real.
--
-- A row may point only at rows of its own owner: every reference between two owned tables carries the
-- owner column on both sides (a composite foreign key), so `post_attributes` of user B can never name
-- a post of user A. Keys a signed-in user can write include the owner column, or the user cannot write
-- them at all, so an insert's error (duplicate key, missing key) never tells whether another user's row
-- exists. Written to apply on a fresh database and on one that already holds data (Postgres 15+).

-- The (id, user_id) pairs other tables reference.
alter table public.posts add constraint posts_id_user_id_key unique (id, user_id);
alter table public.recommendation_requests
  add constraint recommendation_requests_id_user_id_key unique (id, user_id);

-- Rows planted across owners before this migration are not their writer's to keep.
delete from public.post_attributes a using public.posts p where p.id = a.post_id and p.user_id <> a.user_id;
update public.content_recommendations c set request_id = null
  from public.recommendation_requests r where r.id = c.request_id and r.user_id <> c.user_id;

-- Attributes: the key starts with the owner (so B's upsert can only ever meet B's rows) and the post
-- must be the same owner's.
alter table public.post_attributes
  drop constraint if exists post_attributes_post_id_fkey,
  drop constraint if exists post_attributes_pkey,
  add constraint post_attributes_pkey primary key (user_id, post_id, attribute),
  add constraint post_attributes_post_owner_fkey foreign key (post_id, user_id)
    references public.posts (id, user_id) on delete cascade;
drop index if exists public.post_attributes_user;  -- the primary key leads with user_id

-- A brief belongs to a request of the same creator; deleting the request keeps the brief.
alter table public.content_recommendations
  drop constraint if exists content_recommendations_request_id_fkey,
  add constraint content_recommendations_request_owner_fkey foreign key (request_id, user_id)
    references public.recommendation_requests (id, user_id) on delete set null (request_id);

-- Insights: she writes her text, never the id (an explicit id would answer "duplicate key" for
-- another creator's insight) and never the owner.
revoke insert, update on public.insights from authenticated;
grant insert (user_id, insight, impact, category, data_points, detected_at),
      update (insight, impact, category, data_points, detected_at) on public.insights to authenticated;

-- trend_niches: a creator reads only the row of her own niche (the cron stores the keyword set
-- normalized by shared/services/niche.py:normalize_keywords; this is the same normalization).
create or replace function public.normalized_niche_keywords(keywords text[]) returns text[]
language sql immutable set search_path = '' as $$
  select coalesce(
    (select array_agg(k order by k collate "C")
       from (select distinct pg_catalog.regexp_replace(
                      pg_catalog.lower(pg_catalog.regexp_replace(x, '^\s+|\s+$', '', 'g')), '\s+', ' ', 'g') as k
               from pg_catalog.unnest(keywords) as x
              where pg_catalog.regexp_replace(x, '\s', '', 'g') <> '') as cleaned),
    array['diy crafts', 'handmade'])
$$;

drop policy if exists trend_niches_read on public.trend_niches;
create policy trend_niches_read_own on public.trend_niches for select to authenticated
  using (keywords = (select public.normalized_niche_keywords(p.niche_keywords) from public.profiles p
                     where p.id = (select auth.uid())));

-- profiles.timezone: a real IANA zone name (Postgres ships the tz database), not just a name-shaped string.
create or replace function public.is_iana_timezone(zone text) returns boolean
language sql stable set search_path = '' as $$
  select zone = 'UTC' or (zone not in ('Factory', 'localtime', 'posixrules')
                          and exists (select 1 from pg_catalog.pg_timezone_names z where z.name = zone))
$$;

create or replace function public.check_profile_timezone() returns trigger
language plpgsql set search_path = '' as $$
begin
  if not public.is_iana_timezone(new.timezone) then
    raise exception 'timezone must be an IANA time zone name such as Europe/Paris'
      using errcode = 'check_violation', column = 'timezone', table = 'profiles';
  end if;
  return new;
end $$;

update public.profiles set timezone = 'UTC' where not public.is_iana_timezone(timezone);
drop trigger if exists profiles_timezone_iana on public.profiles;
create trigger profiles_timezone_iana before insert or update of timezone on public.profiles
  for each row execute function public.check_profile_timezone();
