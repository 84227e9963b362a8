"""Read side of trends for the calling creator: her niche's topics, rising keywords and trending creators.

Trends are computed by the cron per niche (niche_key of her profile keywords). A niche the cron has
not computed yet answers `status: "pending_first_run"` with an empty list rather than computing on
request: observations are service-only data, and a request must stay fast. The next run (every 6 h)
picks her niche up.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.services.niche import niche_key, normalize_keywords

if TYPE_CHECKING:
    from shared.models.trends import (
        CreatorsQuery, CreatorsResponse, KeywordsQuery, KeywordsResponse, TopicsQuery, TopicsResponse,
    )

# Sources of each platform (see trend_detection.source_platform).
PLATFORM_SOURCES = {"pinterest": ["pinterest_trends"], "youtube": ["youtube_suggest"],
                    "instagram": ["instagram_hashtag"], "tiktok": []}
SERIES_KINDS = (("pinterest_trends", "interest_index"), ("youtube_suggest", "suggest_score"),
                ("instagram_hashtag", "media_count"))
MIN_CREATOR_RELEVANCE = 0.5


def my_niche(conn: Any) -> tuple[list[str], str, Any]:
    """(normalized keywords, niche_key, computed_at or None) of the calling creator (RLS: her profile)."""
    row = conn.execute("select niche_keywords from profiles where id = auth.uid()").fetchone()
    keywords = normalize_keywords(row["niche_keywords"] if row else None)
    key = niche_key(keywords)
    computed = conn.execute("select computed_at from trend_niches where niche_key = %s", (key,)).fetchone()
    return keywords, key, computed["computed_at"] if computed else None


def _growth(row: dict[str, Any]) -> dict[str, Any]:
    return {"d7": row["growth_7d"], "d14": row["growth_14d"], "d30": row["growth_30d"]}


def trending_topics(conn: Any, query: TopicsQuery) -> TopicsResponse:
    from shared import clock
    from shared.models.trends import TopicsResponse

    keywords, key, computed_at = my_niche(conn)
    sources = PLATFORM_SOURCES[query.platform] if query.platform else None
    # Topics are what is heating up: a topic with no heat (flat, falling, not recent) is not listed.
    rows = conn.execute(
        """select * from trends where niche_key = %s and expires_at > %s and heat_score > 0
             and (%s::text is null or category = %s) and (%s::text[] is null or sources && %s::text[])
           order by heat_score desc, topic limit %s""",
        (key, clock.now(), query.category, query.category, sources, sources, query.limit)).fetchall()
    topics = [{"topic": r["topic"], "category": r["category"], "heat_score": r["heat_score"], "growth": _growth(r),
               "blended_growth": r["growth_rate"], "velocity_score": r["velocity_score"], "relevance": r["relevance"],
               "recency": r["recency"], "sources": r["sources"], "platform": r["platform"],
               "interest_index": r["interest_index"], "volumes": r["volumes"],
               "detected_at": r["detected_at"], "expires_at": r["expires_at"]} for r in rows]
    return TopicsResponse(status="ok" if computed_at else "pending_first_run", niche_keywords=keywords,
                          computed_at=computed_at, topics=topics)


def series_kind(sources: list[str]) -> str:
    """The kind of the sparkline: the engine draws it from the most readable source a topic has."""
    for prefix, kind in SERIES_KINDS:
        if any(s.startswith(prefix) for s in sources):
            return kind
    return "value"


def rising_keywords(conn: Any, query: KeywordsQuery) -> KeywordsResponse:
    from psycopg import sql

    from shared import clock
    from shared.models.trends import KeywordsResponse

    keywords, key, computed_at = my_niche(conn)
    column = sql.Identifier(f"growth_{query.window}")
    rows = conn.execute(sql.SQL(
        """select * from trends where niche_key = %s and expires_at > %s and {growth} > %s
           order by {growth} desc, topic limit %s""").format(growth=column),
        (key, clock.now(), query.min_growth, query.limit)).fetchall()
    items = [{"keyword": r["topic"], "category": r["category"], "relevance": r["relevance"], "growth": _growth(r),
              "interest_index": r["interest_index"], "volumes": r["volumes"],
              "series_kind": series_kind(r["sources"]), "series": r["series"], "detected_at": r["detected_at"]}
             for r in rows]
    return KeywordsResponse(status="ok" if computed_at else "pending_first_run", niche_keywords=keywords,
                            window=query.window, keywords=items)


def niche_creators(conn: Any, keywords: list[str], platform: str | None = None) -> list[dict[str, Any]]:
    """Tracked creators whose niche is relevant to these keywords, with that relevance."""
    from shared.engines.relevance import relevance_scores

    # Her own accounts are discovered like anyone's; she is not her own competition.
    rows = conn.execute(
        """select t.id, t.handle, t.platform::text as platform, t.followers, t.growth_rate, t.followers_gained,
                  t.trend_score, t.niche, t.format_description, t.origin, t.discovered_via, t.last_checked
           from trending_creators t
           where t.niche is not null and (%s::text is null or t.platform::text = %s)
             and not exists (select 1 from platform_connections c
                             where c.user_id = (select auth.uid()) and c.platform = t.platform
                               and (c.platform_user_id = t.platform_user_id
                                    or lower(ltrim(c.platform_username, '@')) = lower(ltrim(t.handle, '@'))))""",
        (platform, platform)).fetchall()
    scores = relevance_scores({r["niche"] for r in rows}, keywords)
    return [{**r, "relevance": scores[r["niche"]]} for r in rows if scores[r["niche"]] >= MIN_CREATOR_RELEVANCE]


NOT_COVERED = {
    "pinterest": "Pinterest's API has no lookup of other accounts (discovery is Trends only)",
    "tiktok": "TikTok's Display API sees only the signed-in account; other accounts need the Research API, "
              "which is for approved non-commercial research",
}


def why_listed(creator: dict[str, Any], keyword: str | None, rank: int, ranked: int) -> str:
    """One sentence: the growth that ranks the creator, the niche match, how it was found."""
    if creator["trend_score"] is None:
        growth = f"Listed for its niche; growth not known yet (one check of {creator['followers']:,} followers)"
    else:
        gained = creator["followers_gained"] or 0
        growth = (f"#{rank} of {ranked} by size-aware growth: {'+' if gained >= 0 else '-'}{abs(gained):,} followers "
                  f"in 30 days ({creator['growth_rate']:+.1%}) at {creator['followers']:,}")
    niche = f"posts about {creator['niche']}" + (f", like your \"{keyword}\"" if keyword else "")
    if creator["origin"] == "seed":
        found = "on the tracked list"
    else:
        found = f"found via {creator['discovered_via']}" if creator["discovered_via"] else "found by the trend cron"
    return f"{growth}; {niche}; {found}."


def trending_creators(conn: Any, query: CreatorsQuery) -> CreatorsResponse:
    from shared.engines.creators import MIN_FOLLOWERS
    from shared.engines.relevance import matching_keyword
    from shared.models.trends import CreatorsResponse

    keywords, _, _ = my_niche(conn)
    found = [c for c in niche_creators(conn, keywords, query.platform) if (c["followers"] or 0) >= MIN_FOLLOWERS]
    found.sort(key=lambda r: (r["trend_score"] is None, -(r["trend_score"] or 0), -(r["followers"] or 0),
                              r["handle"]))
    ranked = sum(1 for c in found if c["trend_score"] is not None)
    creators = [{**{k: v for k, v in r.items() if k != "id"},
                 "why_listed": why_listed(r, matching_keyword(r["niche"], keywords), i + 1, ranked)}
                for i, r in enumerate(found[:query.limit])]
    not_covered = {p: why for p, why in NOT_COVERED.items() if query.platform in (None, p)}
    return CreatorsResponse(niche_keywords=keywords, min_followers=MIN_FOLLOWERS, not_covered=not_covered,
                            creators=creators)
