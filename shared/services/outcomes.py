"""Closing the loop: which post followed which brief, how it did, and how good the predictions were.

- Links: she names the post (services/recommendations.py, as herself under RLS; explicit links win and are
  never touched by the matcher); the post may not be fetched yet, and its id is filled in when it arrives.
  The matcher (engines/brief_matching.py) links the rest after every fetch and in the weekly cron: her
  briefs of the last WINDOW_DAYS + LATE_DAYS without an explicit link or an outcome, against her posts
  published in their windows that no explicit link, outcome or removed pair holds. Auto links of unmeasured
  briefs are decided again each run, so a better match arriving later wins.
- Outcomes: once a linked post has OUTCOME_DAYS of data (her connection's last fetch, on the injectable
  clock, at least OUTCOME_DAYS after the post was published, plus the platform's reporting lag): its rates
  against her baseline, the virality label and what the brief predicted (engines/outcomes.py), written once.
  YouTube's shares come from Analytics, whose daily reports lag ANALYTICS_LAG_DAYS: its share rate is over
  Analytics' views of the same days (raw_metrics.views), and it is measured ANALYTICS_LAG_DAYS later.
- Calibration: the measured briefs' predictions against their labels (engines/virality.realised_calibration).
Every function takes an open connection (the service role's for the matcher and the measurements; hers
for what RLS lets her read).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared import clock
from shared.logging import get_logger

if TYPE_CHECKING:
    import polars as pl

    from shared.engines.virality import RealisedCalibration

log = get_logger(__name__)

LATE_DAYS = 7  # a post fetched this long after its brief's window closed can still be matched
OUTCOME_DAYS = 7
BASELINE_DAYS = 365
ANALYTICS_LAG_DAYS = 3
REPORTING_LAG_DAYS = {"youtube": ANALYTICS_LAG_DAYS}


@dataclass
class LoopTally:
    """What one pass over a creator did."""

    resolved: int = 0
    linked: int = 0
    unlinked: int = 0
    measured: int = 0

    def add(self, other: LoopTally) -> None:
        for name in ("resolved", "linked", "unlinked", "measured"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def close_the_loop(conn: Any, user_id: str) -> LoopTally:
    """Resolve links to posts that arrived, link new posts to briefs, measure what has 7 days of data."""
    # One pass per creator at a time: a fetch run's connections finish together and each one's hook runs this.
    conn.execute("select pg_advisory_xact_lock(hashtextextended('outcomes:' || %s, 0))", (user_id,))
    now = clock.now()
    tally = LoopTally(resolved=resolve_links(conn, user_id))
    tally.linked, tally.unlinked = auto_link(conn, user_id, now)
    tally.measured = measure_due(conn, user_id, now)
    return tally


def after_fetch(conn: Any, user_id: str, platform: str) -> None:
    """The fetch hook (one call per fetched connection): never fails the fetch it follows."""
    try:
        with conn.transaction():
            tally = close_the_loop(conn, user_id)
        if tally.linked or tally.measured or tally.resolved:
            log.info(
                "briefs linked and measured after a fetch",
                extra={"fields": {"user_id": user_id, "platform": platform, **tally.__dict__}},
            )
    except Exception:  # noqa: BLE001 - the fetch stored her posts; the next fetch or the weekly cron retries
        log.exception("closing the loop failed after a fetch", extra={"fields": {"user_id": user_id}})


# Links --------------------------------------------------------------------------------------------------


def resolve_links(conn: Any, user_id: str) -> int:
    """Fill in the post of links whose post has arrived since."""
    return conn.execute(
        """update recommendation_links l set post_id = p.id from posts p
           where l.user_id = %s and l.post_id is null and p.user_id = l.user_id and p.platform = l.platform
             and p.platform_post_id = l.platform_post_id""",
        (user_id,),
    ).rowcount


_POOL_SQL = """
select c.id::text as recommendation_id, c.platform::text as platform, c.generated_at,
       concat_ws(' ', c.concept, c.hook, c.caption, array_to_string(c.hashtags, ' '), c.trend_topic) as text,
       c.attributes, l.platform::text as linked_platform, l.platform_post_id as linked_post
from content_recommendations c
left join recommendation_links l on l.recommendation_id = c.id
where c.user_id = %(u)s and c.generated_at > %(since)s and c.generated_at <= %(now)s
  and (l.source is null or l.source = 'auto')
  and not exists (select 1 from recommendation_outcomes o where o.recommendation_id = c.id)
"""
_CANDIDATES_SQL = """
select p.id, p.platform::text as platform, p.platform_post_id, p.type::text as type, p.title, p.caption,
       p.duration_s, p.views, p.saves, p.shares, p.skip_rate, p.retention_early, p.posted_at
from posts p
where p.user_id = %(u)s and p.posted_at > %(since)s and p.posted_at <= %(now)s
  and not exists (select 1 from recommendation_links l
                  where l.user_id = p.user_id and l.platform = p.platform and l.platform_post_id = p.platform_post_id
                    and (l.source = 'explicit'
                         or exists (select 1 from recommendation_outcomes o
                                    where o.recommendation_id = l.recommendation_id)))
order by p.posted_at, p.id
"""


def auto_link(conn: Any, user_id: str, now: dt.datetime) -> tuple[int, int]:
    """(links made, auto links withdrawn): the matcher's assignment for her open briefs, applied."""
    from shared.engines.brief_matching import WINDOW_DAYS

    since = now - dt.timedelta(days=WINDOW_DAYS + LATE_DAYS)
    pool = conn.execute(_POOL_SQL, {"u": user_id, "since": since, "now": now}).fetchall()
    if not pool:
        return 0, 0
    start = min(b["generated_at"] for b in pool)
    posts = conn.execute(_CANDIDATES_SQL, {"u": user_id, "since": start, "now": now}).fetchall()
    chosen = _assignment(conn, user_id, pool, posts) if posts else {}
    current = {b["recommendation_id"]: (b["linked_platform"], b["linked_post"]) for b in pool if b["linked_post"]}
    by_id = {str(p["id"]): p for p in posts}
    changed = [
        b
        for b in current
        if b not in chosen
        or (by_id[chosen[b]["post_id"]]["platform"], by_id[chosen[b]["post_id"]]["platform_post_id"]) != current[b]
    ]
    if changed:
        conn.execute(
            "delete from recommendation_links where user_id = %s and source = 'auto'"
            " and recommendation_id = any(%s::uuid[])",
            (user_id, changed),
        )
    made = 0
    for brief_id, match in chosen.items():
        if brief_id in current and brief_id not in changed:
            continue
        post = by_id[match["post_id"]]
        conn.execute(
            """insert into recommendation_links (recommendation_id, user_id, platform, platform_post_id, post_id,
                 source, confidence, match, linked_at)
               values (%s, %s, %s, %s, %s, 'auto', %s, %s, %s)""",
            (
                brief_id,
                user_id,
                post["platform"],
                post["platform_post_id"],
                post["id"],
                round(match["confidence"], 4),
                json.dumps(
                    {
                        "text": round(match["text"], 4),
                        "attributes": round(match["attributes"], 4),
                        "compared": match["compared"],
                        "agreeing": match["agreeing"],
                        "days_after": round(match["days_after"], 2),
                    }
                ),
                now,
            ),
        )
        made += 1
    return made, len(changed)


def _assignment(
    conn: Any, user_id: str, pool: list[dict[str, Any]], posts: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """brief id -> the match the engine assigns it, removed pairs excluded."""
    import polars as pl

    from shared.engines.attribute_rules import extract_attributes
    from shared.engines.brief_matching import assign, match_candidates
    from shared.services.patterns import posts_frame, profile_timezone, stored_attributes

    briefs = pl.DataFrame(
        [{k: b[k] for k in ("recommendation_id", "platform", "generated_at", "text")} for b in pool],
        schema={
            "recommendation_id": pl.Utf8,
            "platform": pl.Utf8,
            "generated_at": pl.Datetime("us", "UTC"),
            "text": pl.Utf8,
        },
    )
    brief_levels = pl.DataFrame(
        [
            (b["recommendation_id"], a, str(lv))
            for b in pool
            for a, lv in (b["attributes"] or {}).items()
            if lv is not None
        ],
        schema={"recommendation_id": pl.Utf8, "attribute": pl.Utf8, "level": pl.Utf8},
        orient="row",
    )
    frame = posts_frame(posts)
    rules = extract_attributes(frame, profile_timezone(conn, user_id)).select("post_id", "attribute", "level")
    stored = stored_attributes(conn, user_id, [int(p["id"]) for p in posts]).select("post_id", "attribute", "level")
    post_levels = pl.concat([rules, stored])  # stored (model-read) levels come last and win
    candidates = frame.select(
        "post_id",
        "platform",
        "posted_at",
        pl.concat_str([pl.col("title").fill_null(""), pl.col("caption").fill_null("")], separator=" ").alias("text"),
    )
    corpus = [
        r["text"]
        for r in conn.execute(
            "select concat_ws(' ', title, caption) as text from posts where user_id = %s and posted_at > %s",
            (user_id, clock.now() - dt.timedelta(days=BASELINE_DAYS)),
        ).fetchall()
    ]
    matches = match_candidates(briefs, candidates, brief_levels, post_levels, corpus)
    rejected = {
        (r["recommendation_id"], r["platform"], r["platform_post_id"])
        for r in conn.execute(
            "select recommendation_id::text as recommendation_id, platform::text as platform, platform_post_id"
            " from recommendation_link_rejections where user_id = %s",
            (user_id,),
        ).fetchall()
    }
    if rejected:
        keys = {str(p["id"]): (p["platform"], p["platform_post_id"]) for p in posts}
        keep = [(b, *keys[p]) not in rejected for b, p in matches.select("recommendation_id", "post_id").iter_rows()]
        matches = matches.filter(pl.Series(keep, dtype=pl.Boolean))
    return {r["recommendation_id"]: r for r in assign(matches).iter_rows(named=True)}


# Outcomes -----------------------------------------------------------------------------------------------

_DUE_SQL = """
select l.recommendation_id::text as recommendation_id, l.platform::text as platform, l.platform_post_id,
       l.post_id, p.posted_at, pc.last_fetched_at, c.virality_score, c.score_details
from recommendation_links l
join posts p on p.id = l.post_id and p.user_id = l.user_id
join content_recommendations c on c.id = l.recommendation_id and c.user_id = l.user_id
join platform_connections pc on pc.user_id = l.user_id and pc.platform = l.platform
where l.user_id = %s and pc.last_fetched_at is not null
  and not exists (select 1 from recommendation_outcomes o where o.recommendation_id = l.recommendation_id)
"""
_PLATFORM_POSTS_SQL = """
select id::text as post_id, platform::text as platform, type::text as type, views, saves, shares, posted_at,
       (raw_metrics ->> 'views')::bigint as analytics_views
from posts where user_id = %s and platform = %s and posted_at >= %s and posted_at <= %s
"""


def data_days(platform: str, posted_at: dt.datetime, data_as_of: dt.datetime) -> float:
    """Days of data her stored metrics of a post cover: her last fetch minus its publication and the lag."""
    return (data_as_of - posted_at).total_seconds() / 86_400 - REPORTING_LAG_DAYS.get(platform, 0)


def measure_due(conn: Any, user_id: str, now: dt.datetime) -> int:
    """Write the outcome of every linked post with OUTCOME_DAYS of data; returns how many."""
    due = [
        r
        for r in conn.execute(_DUE_SQL, (user_id,)).fetchall()
        if data_days(r["platform"], r["posted_at"], min(r["last_fetched_at"], now)) >= OUTCOME_DAYS
    ]
    for row in due:
        _measure(conn, user_id, row, now)
    return len(due)


def _measure(conn: Any, user_id: str, row: dict[str, Any], now: dt.datetime) -> None:
    import polars as pl

    from shared.engines.outcomes import realised_outcome

    rows = conn.execute(
        _PLATFORM_POSTS_SQL, (user_id, row["platform"], now - dt.timedelta(days=BASELINE_DAYS), now)
    ).fetchall()
    linked = str(row["post_id"])
    for r in rows:  # YouTube: shares over Analytics' own views of the same (lagged) days
        if r["post_id"] == linked and r["platform"] == "youtube" and r["analytics_views"] is not None:
            r["views"] = r["analytics_views"]
    schema: dict[str, Any] = {
        "post_id": pl.Utf8,
        "platform": pl.Utf8,
        "type": pl.Utf8,
        "views": pl.Int64,
        "saves": pl.Int64,
        "shares": pl.Int64,
        "posted_at": pl.Datetime("us", "UTC"),
    }
    posts = pl.DataFrame([{k: r[k] for k in schema} for r in rows], schema=schema, orient="row")
    outcome = realised_outcome(posts, linked)
    details = row["score_details"] or {}
    predicted = details.get("model_probability", row["virality_score"])
    conn.execute(
        """insert into recommendation_outcomes (recommendation_id, user_id, platform, platform_post_id, post_id,
             measured_at, data_days, views, save_rate, share_rate, baseline, save_ratio, share_ratio,
             score_percentile, top_quartile, predicted_probability, predicted_shown, base_rate, details)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           on conflict (recommendation_id) do nothing""",
        (
            row["recommendation_id"],
            user_id,
            row["platform"],
            row["platform_post_id"],
            row["post_id"],
            now,
            round(data_days(row["platform"], row["posted_at"], min(row["last_fetched_at"], now)), 3),
            outcome.views,
            outcome.rates["save_rate"],
            outcome.rates["share_rate"],
            json.dumps(outcome.baseline),
            outcome.ratios["save_rate"],
            outcome.ratios["share_rate"],
            outcome.score_percentile,
            outcome.top_quartile,
            predicted,
            row["virality_score"] is not None,
            details.get("base_rate"),
            json.dumps(
                {
                    "label_posts": posts.height,
                    "views_basis": "analytics" if row["platform"] == "youtube" else "platform",
                }
            ),
        ),
    )


def realised_report(conn: Any, user_id: str) -> RealisedCalibration:
    """The measured briefs' predictions against whether their posts reached her top quartile."""
    import numpy as np

    from shared.engines.virality import realised_calibration

    rows = conn.execute(
        """select predicted_probability, top_quartile, base_rate from recommendation_outcomes
           where user_id = %s and predicted_probability is not null and top_quartile is not null
             and base_rate is not null order by measured_at, recommendation_id""",
        (user_id,),
    ).fetchall()
    return realised_calibration(
        np.array([r["predicted_probability"] for r in rows]),
        np.array([float(r["top_quartile"]) for r in rows]),
        np.array([r["base_rate"] for r in rows]),
    )


def brief_levels_of_linked_posts(conn: Any, user_id: str) -> pl.DataFrame:
    """post_id, attribute, level, source, confidence: the levels of the briefs she said her posts followed
    (explicit links only), for the attributes the pattern run reads from them."""
    import polars as pl

    rows = conn.execute(
        """select l.post_id::text as post_id, a.key as attribute, a.value as level
           from recommendation_links l join content_recommendations c on c.id = l.recommendation_id
           cross join lateral jsonb_each_text(c.attributes) a
           where l.user_id = %s and l.source = 'explicit' and l.post_id is not null
           order by l.post_id, a.key""",
        (user_id,),
    ).fetchall()
    return pl.DataFrame(
        [(r["post_id"], r["attribute"], r["level"], "brief", 1.0) for r in rows],
        schema={
            "post_id": pl.Utf8,
            "attribute": pl.Utf8,
            "level": pl.Utf8,
            "source": pl.Utf8,
            "confidence": pl.Float64,
        },
        orient="row",
    )
