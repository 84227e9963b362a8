"""Read side of trends for the calling creator: her niche's topics, rising keywords and trending creators.

Trends are computed by the cron per niche (niche_key of her profile keywords). A niche the cron has
not computed yet answers `status: "pending_first_run"` with an empty list rather than computing on
request: observations are service-only data, and a request must stay fast. The next run (every 6 h)
picks her niche up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared import cursors
from shared.services.niche import NOT_COVERED, my_niche, niche_creators

if TYPE_CHECKING:
    from shared.models.trends import (
        CreatorsQuery,
        CreatorsResponse,
        KeywordsQuery,
        KeywordsResponse,
        TopicsQuery,
        TopicsResponse,
    )

# Sources of each platform (see trend_detection.source_platform).
PLATFORM_SOURCES = {
    "pinterest": ["pinterest_trends"],
    "youtube": ["youtube_suggest"],
    "instagram": ["instagram_hashtag"],
    "tiktok": [],
}
SERIES_KINDS = (
    ("pinterest_trends", "interest_index"),
    ("youtube_suggest", "suggest_score"),
    ("instagram_hashtag", "media_count"),
)
_TOPICS_CURSOR, _KEYWORDS_CURSOR = b"trends-topics-cursor:v1", b"trends-keywords-cursor:v1"
_CREATORS_CURSOR = b"creators-trending-cursor:v1"


def _growth(row: dict[str, Any]) -> dict[str, Any]:
    return {"d7": row["growth_7d"], "d14": row["growth_14d"], "d30": row["growth_30d"]}


def _sql_page(
    conn: Any, sql: Any, params: dict[str, Any], query: Any, user_id: str, label: bytes, filters: list[Any], score: str
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of trends ranked by `score` desc, topic (unique in a niche), after the cursor's (score, topic)."""
    after = None
    if query.cursor:
        after = cursors.verify_key(label, user_id, query.cursor, filters, ((float,), (str,)))
    params = {
        **params,
        "after": after is not None,
        "s": after[0] if after else None,
        "t": after[1] if after else None,
        "limit": query.limit + 1,
    }
    rows = conn.execute(sql, params).fetchall()
    next_cursor = None
    if len(rows) > query.limit:
        last = rows[query.limit - 1]
        next_cursor = cursors.sign_key(label, user_id, filters, (float(last[score]), last["topic"]))
    return rows[: query.limit], next_cursor


_AFTER = "(not %(after)s or {score} < %(s)s or ({score} = %(s)s and topic > %(t)s))"


def trending_topics(conn: Any, query: TopicsQuery, user_id: str) -> TopicsResponse:
    from shared import clock
    from shared.models.trends import TopicsResponse

    keywords, key, computed_at = my_niche(conn)
    sources = PLATFORM_SOURCES[query.platform] if query.platform else None
    # Topics are what is heating up: a topic with no heat (flat, falling, not recent) is not listed.
    rows, next_cursor = _sql_page(
        conn,
        """select * from trends where niche_key = %(key)s and expires_at > %(now)s
             and heat_score > 0 and (%(category)s::text is null or category = %(category)s)
             and (%(sources)s::text[] is null or sources && %(sources)s::text[])
             and """
        + _AFTER.format(score="heat_score")
        + " order by heat_score desc, topic limit %(limit)s",
        {"key": key, "now": clock.now(), "category": query.category, "sources": sources},
        query,
        user_id,
        _TOPICS_CURSOR,
        [query.platform, query.category],
        "heat_score",
    )
    topics = [
        {
            "topic": r["topic"],
            "category": r["category"],
            "heat_score": r["heat_score"],
            "growth": _growth(r),
            "blended_growth": r["growth_rate"],
            "velocity_score": r["velocity_score"],
            "relevance": r["relevance"],
            "recency": r["recency"],
            "sources": r["sources"],
            "platform": r["platform"],
            "interest_index": r["interest_index"],
            "volumes": r["volumes"],
            "detected_at": r["detected_at"],
            "expires_at": r["expires_at"],
        }
        for r in rows
    ]
    return TopicsResponse(
        status="ok" if computed_at else "pending_first_run",
        niche_keywords=keywords,
        computed_at=computed_at,
        items=topics,
        next_cursor=next_cursor,
    )


def series_kind(sources: list[str]) -> str:
    """The kind of the sparkline: the engine draws it from the most readable source a topic has."""
    for prefix, kind in SERIES_KINDS:
        if any(s.startswith(prefix) for s in sources):
            return kind
    return "value"


def rising_keywords(conn: Any, query: KeywordsQuery, user_id: str) -> KeywordsResponse:
    from psycopg import sql

    from shared import clock
    from shared.models.trends import KeywordsResponse

    keywords, key, computed_at = my_niche(conn)
    growth = f"growth_{query.window}"
    statement = sql.SQL(
        """select * from trends where niche_key = %(key)s and expires_at > %(now)s and {growth} > %(min)s and """
        + _AFTER.format(score="{growth}")
        + " order by {growth} desc, topic limit %(limit)s"
    ).format(growth=sql.Identifier(growth))
    rows, next_cursor = _sql_page(
        conn,
        statement,
        {"key": key, "now": clock.now(), "min": query.min_growth},
        query,
        user_id,
        _KEYWORDS_CURSOR,
        [query.window, query.min_growth],
        growth,
    )
    items = [
        {
            "keyword": r["topic"],
            "category": r["category"],
            "relevance": r["relevance"],
            "growth": _growth(r),
            "interest_index": r["interest_index"],
            "volumes": r["volumes"],
            "series_kind": series_kind(r["sources"]),
            "series": r["series"],
            "detected_at": r["detected_at"],
        }
        for r in rows
    ]
    return KeywordsResponse(
        status="ok" if computed_at else "pending_first_run",
        niche_keywords=keywords,
        window=query.window,
        items=items,
        next_cursor=next_cursor,
    )


def why_listed(creator: dict[str, Any], keyword: str | None, rank: int, ranked: int) -> str:
    """One sentence: the growth that ranks the creator, the niche match, how it was found."""
    if creator["trend_score"] is None:
        growth = f"Listed for its niche; growth not known yet (one check of {creator['followers']:,} followers)"
    else:
        gained = creator["followers_gained"] or 0
        growth = (
            f"#{rank} of {ranked} by size-aware growth: {'+' if gained >= 0 else '-'}{abs(gained):,} followers "
            f"in 30 days ({creator['growth_rate']:+.1%}) at {creator['followers']:,}"
        )
    niche = f"posts about {creator['niche']}" + (f', like your "{keyword}"' if keyword else "")
    if creator["origin"] == "seed":
        found = "on the tracked list"
    else:
        found = f"found via {creator['discovered_via']}" if creator["discovered_via"] else "found by the trend cron"
    return f"{growth}; {niche}; {found}."


def _creator_rank(creator: dict[str, Any]) -> tuple[bool, float, int, str, str]:
    # Size-aware growth, unknown growth last; then size, handle and id make the order total.
    return (
        creator["trend_score"] is None,
        -float(creator["trend_score"] or 0),
        -(creator["followers"] or 0),
        creator["handle"],
        str(creator["id"]),
    )


def trending_creators(conn: Any, query: CreatorsQuery, user_id: str) -> CreatorsResponse:
    from shared.engines.creators import MIN_FOLLOWERS
    from shared.engines.relevance import matching_keyword
    from shared.models.trends import CreatorsResponse

    keywords, _, _ = my_niche(conn)
    found = [c for c in niche_creators(conn, keywords, query.platform) if (c["followers"] or 0) >= MIN_FOLLOWERS]
    found.sort(key=_creator_rank)
    ranked = sum(1 for c in found if c["trend_score"] is not None)
    position = {str(c["id"]): i + 1 for i, c in enumerate(found)}
    after = None
    if query.cursor:
        after = cursors.verify_key(
            _CREATORS_CURSOR, user_id, query.cursor, [query.platform], ((bool,), (float,), (int,), (str,), (str,))
        )
    page, next_cursor = cursors.page_ranked(
        found,
        _creator_rank,
        query.limit,
        after,
        lambda key: cursors.sign_key(_CREATORS_CURSOR, user_id, [query.platform], key),
    )
    creators = [
        {
            **{k: v for k, v in r.items() if k != "id"},
            "why_listed": why_listed(r, matching_keyword(r["niche"], keywords), position[str(r["id"])], ranked),
        }
        for r in page
    ]
    not_covered = {p: why for p, why in NOT_COVERED.items() if query.platform in (None, p)}
    return CreatorsResponse(
        niche_keywords=keywords,
        min_followers=MIN_FOLLOWERS,
        not_covered=not_covered,
        items=creators,
        next_cursor=next_cursor,
    )
