"""Content gaps for the calling creator: demand from her niche's trends and related posts, against the
supply of recent content on each topic (engine: shared/engines/opportunities.py).

- Candidate topics: her niche's unexpired trends with an interest index, by relevance x interest (at
  most CANDIDATES); heat does not matter: a steady, underserved topic is a gap too.
- A post is on a topic when it holds at least half of the topic's words (stemmed, stopwords out).
- demand: interest_index and relevance from the trend; engagement_rate = mean over related posts of her
  own posts' engagement_rate and tracked creators' (likes + comments) / views (posts without views are
  left out); niche_engagement = the same mean over every related post of every candidate.
- supply: YouTube and Instagram readings the trend cron stored on the trend (topic_supply.py); tracked
  creators in her niche with a post on the topic in the last 30 days (null when none is tracked).
- ideas: content_ideas in her best level per attribute among significant pattern findings (the
  `insights` rows whose category is an attribute, with ci_low > 1), in the topic's own craft's words.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from shared import cursors
from shared.engines.relevance import on_topic, topic_words

if TYPE_CHECKING:
    from shared.models.trends import OpportunitiesQuery, OpportunitiesResponse

CANDIDATES = 50
ACTIVE_DAYS = 30
OWN_POSTS_DAYS = 365


def pattern_findings(conn: Any) -> list[dict[str, Any]]:
    """Her pattern findings (RLS: her insights): rows whose category is an attribute name, as their data
    points {attribute, level, metric, ratio, ci_low, ci_high}."""
    from shared.attributes import LEVELS

    rows = conn.execute(
        "select data_points from insights where user_id = auth.uid() and category = any(%s)", (list(LEVELS),)
    ).fetchall()
    keys = ("attribute", "level", "metric", "ratio", "ci_low", "ci_high")
    return [{k: (r["data_points"] or {}).get(k) for k in keys} for r in rows]


def _related_posts(conn: Any, keywords: list[str], now: dt.datetime) -> tuple[list[dict], list[dict]]:
    """(her recent posts, tracked niche creators' latest posts) as {words, rate, posted_at, creator}."""
    from shared.platforms.models import parse_time
    from shared.services.niche import niche_creators

    own = [
        {
            "words": topic_words(f"{r['title'] or ''} {r['caption'] or ''}"),
            "rate": r["engagement_rate"],
            "posted_at": r["posted_at"],
            "creator": None,
        }
        for r in conn.execute(
            """select title, caption, engagement_rate, posted_at from posts
                                    where user_id = auth.uid() and posted_at > %s""",
            (now - dt.timedelta(days=OWN_POSTS_DAYS),),
        ).fetchall()
    ]
    ids = [str(c["id"]) for c in niche_creators(conn, keywords)]
    latest = conn.execute(
        """select distinct on (creator_id) creator_id::text as creator_id, recent_posts from creator_observations
           where creator_id = any(%s::uuid[]) order by creator_id, observed_at desc""",
        (ids,),
    ).fetchall()
    theirs = []
    for row in latest:
        for post in row["recent_posts"] or []:
            views, likes, comments = post.get("views"), post.get("likes"), post.get("comments")
            known = likes is not None or comments is not None
            rate = ((likes or 0) + (comments or 0)) / views if views and known else None
            theirs.append(
                {
                    "words": topic_words(post.get("text") or ""),
                    "rate": rate,
                    "posted_at": parse_time(post.get("posted_at")),
                    "creator": row["creator_id"],
                }
            )
    return own, theirs


_CURSOR = b"opportunities-cursor:v1"


def _gap_rank(gap: dict[str, Any]) -> tuple[bool, float, str]:
    # The engine's order: widest gap first, unknown gaps last, topic (unique in a niche) breaks ties.
    return gap["gap_score"] is None, -float(gap["gap_score"] or 0), gap["topic"]


def opportunities(conn: Any, query: OpportunitiesQuery, user_id: str) -> OpportunitiesResponse:
    import polars as pl

    from shared import clock
    from shared.engines.opportunities import content_ideas, opportunity_gaps, significant_strengths
    from shared.engines.relevance import topic_concept
    from shared.models.trends import OpportunitiesResponse
    from shared.services.niche import my_niche

    after = None
    if query.cursor:
        after = cursors.verify_key(_CURSOR, user_id, query.cursor, [], ((bool,), (float,), (str,)))
    keywords, key, computed_at = my_niche(conn)
    status = "ok" if computed_at else "pending_first_run"
    strengths, used = significant_strengths(pattern_findings(conn))
    now = clock.now()
    trends = conn.execute(
        """select topic, category, relevance, interest_index, supply from trends
           where niche_key = %s and expires_at > %s and interest_index is not null and relevance > 0
           order by relevance * interest_index desc, topic limit %s""",
        (key, now, CANDIDATES),
    ).fetchall()
    empty = OpportunitiesResponse(
        status=status,
        niche_keywords=keywords,
        creator_strengths=strengths,
        ideas_based_on=used,
        items=[],
        next_cursor=None,
    )
    if not trends:
        return empty
    own, theirs = _related_posts(conn, keywords, now)
    tracked = len({p["creator"] for p in theirs}) > 0
    active_since = now - dt.timedelta(days=ACTIVE_DAYS)
    related = {t["topic"]: [p for p in own + theirs if on_topic(p["words"], topic_words(t["topic"]))] for t in trends}
    rates = [p["rate"] for posts in related.values() for p in posts if p["rate"] is not None]
    niche_rate = sum(rates) / len(rates) if rates else None
    demand, supply, extra = [], [], {}
    for t in trends:
        posts = related[t["topic"]]
        topic_rates = [p["rate"] for p in posts if p["rate"] is not None]
        recent = [p for p in posts if p["creator"] and p["posted_at"] and p["posted_at"] >= active_since]
        measured = t["supply"] or {}
        youtube, instagram = measured.get("youtube") or {}, measured.get("instagram") or {}
        demand.append(
            {
                "topic": t["topic"],
                "interest_index": t["interest_index"],
                "relevance": t["relevance"],
                "engagement_rate": sum(topic_rates) / len(topic_rates) if topic_rates else None,
                "n_related": len(topic_rates),
                "niche_engagement": niche_rate,
            }
        )
        supply.append(
            {
                "topic": t["topic"],
                "youtube_uploads_30d": youtube.get("uploads_30d"),
                "instagram_posts_24h": instagram.get("posts_24h"),
                "tracked_posts_30d": len(recent) if tracked else None,
            }
        )
        extra[t["topic"]] = {
            "related_posts": len(posts),
            "youtube_channels": youtube.get("channels"),
            "measured_at": youtube.get("observed_at"),
            "tracked_creators_active": len({p["creator"] for p in recent}) if tracked else None,
        }
    gaps = opportunity_gaps(
        pl.DataFrame(demand),
        pl.DataFrame(
            supply,
            schema={
                "topic": pl.String,
                "youtube_uploads_30d": pl.Float64,
                "instagram_posts_24h": pl.Float64,
                "tracked_posts_30d": pl.Float64,
            },
        ),
    )
    categories = {t["topic"]: t["category"] for t in trends}
    page, next_cursor = cursors.page_ranked(
        list(gaps.iter_rows(named=True)),
        _gap_rank,
        query.limit,
        after,
        lambda key: cursors.sign_key(_CURSOR, user_id, [], key),
    )
    items = [
        _item(
            g,
            categories[g["topic"]],
            extra[g["topic"]],
            content_ideas(g["topic"], topic_concept(g["topic"]), strengths),
        )
        for g in page
    ]
    return OpportunitiesResponse(
        status=status,
        niche_keywords=keywords,
        creator_strengths=strengths,
        ideas_based_on=used,
        items=items,
        next_cursor=next_cursor,
    )


def _count(value: float | None) -> int | None:
    return None if value is None else int(round(value))


def _item(g: dict[str, Any], category: str | None, extra: dict[str, Any], ideas: list[str]) -> dict[str, Any]:
    return {
        "topic": g["topic"],
        "category": category,
        "gap_score": g["gap_score"],
        "gap_ratio": g["gap_ratio"],
        "demand": {
            k: g[k]
            for k in (
                "interest_index",
                "relevance",
                "engagement_rate",
                "niche_engagement",
                "engagement_factor",
                "demand_index",
            )
        }
        | {"related_posts": extra["related_posts"]},
        "supply": {
            "youtube_uploads_30d": _count(g["youtube_uploads_30d"]),
            "youtube_channels": _count(extra["youtube_channels"]),
            "instagram_posts_24h": _count(g["instagram_posts_24h"]),
            "tracked_creators_active": extra["tracked_creators_active"],
            "tracked_posts_30d": _count(g["tracked_posts_30d"]),
            "posts_per_week": None if g["posts_per_week"] is None else round(g["posts_per_week"], 3),
            "basis": g["supply_basis"],
            "measured_at": extra["measured_at"],
        },
        "ideas": ideas,
    }
