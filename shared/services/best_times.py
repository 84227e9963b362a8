"""Best time to post: her posts' engagement by local weekday and time block, per platform (RLS applies)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared import clock

HISTORY_DAYS = 365
BLOCK_HOURS = {"morning": "06-11", "midday": "11-15", "afternoon": "15-18", "evening": "18-22", "night": "22-06"}
METRIC = "engagement (likes + comments + saves + shares, those the post has) per reach, or per view without reach"
METHOD = (
    "negative-binomial regression of engagements with reach as exposure, weekday and block as additive factors "
    "per platform (robust 95% intervals), each platform pulled toward her all-platform pattern in proportion "
    "to how thin its data is; fewer than 3 posts at a weekday or block: not enough data"
)
_POSTS_SQL = """
select platform::text as platform, type::text as type, posted_at, views, reach, likes, comments, saves, shares
from posts
where user_id = %(user)s and posted_at >= %(since)s and posted_at <= %(now)s
  and (%(platform)s::text is null or platform::text = %(platform)s)
"""


def best_times(conn: Any, user_id: str, platform: str | None) -> Any:
    """GET /api/analytics/best-times for the caller (her posts of the last year)."""
    import polars as pl

    from shared.engines.best_times import best_times as compute
    from shared.models.best_times import BestTimesResponse
    from shared.services.patterns import profile_timezone

    now = clock.now()
    rows = conn.execute(
        _POSTS_SQL, {"user": user_id, "since": now - dt.timedelta(days=HISTORY_DAYS), "now": now, "platform": platform}
    ).fetchall()
    schema: dict[str, Any] = {
        "platform": pl.Utf8,
        "type": pl.Utf8,
        "posted_at": pl.Datetime("us", "UTC"),
        "views": pl.Int64,
        "reach": pl.Int64,
        "likes": pl.Int64,
        "comments": pl.Int64,
        "saves": pl.Int64,
        "shares": pl.Int64,
    }
    posts = pl.DataFrame([{k: r[k] for k in schema} for r in rows], schema=schema, orient="row")
    timezone = profile_timezone(conn, user_id)
    return BestTimesResponse(
        timezone=timezone,
        blocks=BLOCK_HOURS,
        metric=METRIC,
        method=METHOD,
        platforms=[_platform_out(p) for p in compute(posts, timezone, now)],
    )


def _platform_out(result: Any) -> dict[str, Any]:
    import math

    from shared.engines.best_times import Z95

    def effects(levels: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for level, e in levels.items():
            known = e.value is not None
            out.append(
                {
                    "level": level,
                    "n_posts": e.n,
                    "status": "ok" if known else "not_enough_data",
                    "ratio": math.exp(e.value) if known else None,
                    "ci_low": math.exp(e.value - Z95 * e.se) if known else None,
                    "ci_high": math.exp(e.value + Z95 * e.se) if known else None,
                }
            )
        return out

    return {
        "platform": result.platform,
        "status": result.status,
        "n_posts": result.n_posts,
        "weekdays": effects(result.weekdays),
        "blocks": effects(result.blocks),
        "windows": result.windows,
        "best": result.best,
        "versus_habit": result.versus_habit,
    }
