"""Content gaps for the calling creator: demand from her niche's trends and related posts, against the
supply of tracked creators posting on the topic (engine: shared/engines/opportunities.py).

- Candidate topics: her niche's unexpired trends, hottest first (at most CANDIDATES).
- A post is on a topic when it holds at least half of the topic's words (stemmed, stopwords out).
- demand: search_interest = the topic's latest Pinterest index (null when its volume is not an index),
  growth_rate from the trend, engagement_rate = mean over related posts of her own posts'
  engagement_rate and tracked creators' (likes + comments) / views (posts without views are left out).
- supply: active_creators = tracked creators in her niche with a post on the topic in the last
  30 days (their latest check); posts_per_week = those posts / (30 / 7).
- ideas: content_ideas with her best level per attribute (highest mean engagement rate over >= 2 posts).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.models.trends import OpportunitiesQuery, OpportunitiesResponse

CANDIDATES = 50
ACTIVE_DAYS = 30
OWN_POSTS_DAYS = 365
MIN_POSTS_PER_LEVEL = 2


def topic_words(text: str) -> frozenset[str]:
    from shared.engines.relevance import words

    return frozenset(words(text))


def on_topic(post_words: frozenset[str], topic: frozenset[str]) -> bool:
    """At least half of the topic's words appear in the post."""
    return bool(topic) and len(post_words & topic) >= math.ceil(len(topic) / 2)


def creator_strengths(conn: Any) -> dict[str, str]:
    """Her best level per attribute by mean engagement rate (RLS: her posts and attributes)."""
    rows = conn.execute(
        """select a.attribute, a.level, avg(p.engagement_rate) as rate, count(*) as n
           from post_attributes a join posts p on p.id = a.post_id
           where a.user_id = auth.uid() and p.engagement_rate is not null
           group by a.attribute, a.level having count(*) >= %s
           order by a.attribute, rate desc, n desc, a.level""", (MIN_POSTS_PER_LEVEL,)).fetchall()
    best: dict[str, str] = {}
    for row in rows:
        best.setdefault(row["attribute"], row["level"])
    return best


def _related_posts(conn: Any, keywords: list[str], now: dt.datetime) -> tuple[list[dict], list[dict]]:
    """(her recent posts, tracked niche creators' latest posts) as {words, rate, posted_at, creator}."""
    from shared.platforms.models import parse_time
    from shared.services.trend_queries import niche_creators

    own = [{"words": topic_words(f"{r['title'] or ''} {r['caption'] or ''}"), "rate": r["engagement_rate"],
            "posted_at": r["posted_at"], "creator": None}
           for r in conn.execute("""select title, caption, engagement_rate, posted_at from posts
                                    where user_id = auth.uid() and posted_at > %s""",
                                 (now - dt.timedelta(days=OWN_POSTS_DAYS),)).fetchall()]
    ids = [str(c["id"]) for c in niche_creators(conn, keywords)]
    latest = conn.execute(
        """select distinct on (creator_id) creator_id::text as creator_id, recent_posts from creator_observations
           where creator_id = any(%s::uuid[]) order by creator_id, observed_at desc""", (ids,)).fetchall()
    theirs = []
    for row in latest:
        for post in row["recent_posts"] or []:
            views, likes, comments = post.get("views"), post.get("likes"), post.get("comments")
            known = likes is not None or comments is not None
            rate = ((likes or 0) + (comments or 0)) / views if views and known else None
            theirs.append({"words": topic_words(post.get("text") or ""), "rate": rate,
                           "posted_at": parse_time(post.get("posted_at")), "creator": row["creator_id"]})
    return own, theirs


def opportunities(conn: Any, query: OpportunitiesQuery) -> OpportunitiesResponse:
    import polars as pl

    from shared.engines.opportunities import content_ideas, opportunity_gaps
    from shared.models.trends import OpportunitiesResponse
    from shared.services.trend_queries import my_niche

    keywords, key, computed_at = my_niche(conn)
    status = "ok" if computed_at else "pending_first_run"
    strengths = creator_strengths(conn)
    trends = conn.execute(
        """select topic, category, search_volume, search_volume_kind, growth_rate from trends
           where niche_key = %s and expires_at > now() order by heat_score desc, topic limit %s""",
        (key, CANDIDATES)).fetchall()
    if not trends:
        return OpportunitiesResponse(status=status, niche_keywords=keywords, creator_strengths=strengths,
                                     opportunities=[])
    now = dt.datetime.now(dt.timezone.utc)
    own, theirs = _related_posts(conn, keywords, now)
    active_since = now - dt.timedelta(days=ACTIVE_DAYS)
    demand, supply, related = [], [], {}
    for t in trends:
        words = topic_words(t["topic"])
        posts = [p for p in own + theirs if on_topic(p["words"], words)]
        rates = [p["rate"] for p in posts if p["rate"] is not None]
        recent = [p for p in posts if p["creator"] and p["posted_at"] and p["posted_at"] >= active_since]
        related[t["topic"]] = len(posts)
        interest = t["search_volume"] if t["search_volume_kind"] == "index" else None
        demand.append({"topic": t["topic"], "search_interest": interest, "growth_rate": t["growth_rate"],
                       "engagement_rate": sum(rates) / len(rates) if rates else None})
        supply.append({"topic": t["topic"], "active_creators": len({p["creator"] for p in recent}),
                       "posts_per_week": len(recent) / (ACTIVE_DAYS / 7)})
    gaps = opportunity_gaps(pl.DataFrame(demand, schema={"topic": pl.String, "search_interest": pl.Float64,
                                                         "growth_rate": pl.Float64, "engagement_rate": pl.Float64}),
                            pl.DataFrame(supply, schema={"topic": pl.String, "active_creators": pl.Float64,
                                                         "posts_per_week": pl.Float64}))
    categories = {t["topic"]: t["category"] for t in trends}
    items = []
    for g in gaps.head(query.limit).iter_rows(named=True):
        items.append({
            "topic": g["topic"], "category": categories[g["topic"]], "gap_score": g["gap_score"],
            "gap_ratio": g["gap_ratio"],
            "demand": {k: g[k] for k in ("search_interest", "growth_rate", "engagement_rate", "interest_term",
                                         "growth_term", "engagement_term", "demand_index")}
            | {"related_posts": related[g["topic"]]},
            "supply": {"active_creators": int(g["active_creators"]), "posts_per_week": round(g["posts_per_week"], 3),
                       "supply_index": g["supply_index"]},
            "ideas": content_ideas(g["topic"], categories[g["topic"]], strengths),
        })
    return OpportunitiesResponse(status=status, niche_keywords=keywords, creator_strengths=strengths,
                                 opportunities=items)
