"""Cross-platform summary of a period against the previous period of equal length, on equal windows.

The comparison itself (shared/engines/overview.py): each platform's windows end on its last complete day,
metrics are compared on the days both periods report (paired day by day), coverage is reported, and
with less than 80 % coverage the change is null rather than a misleading percent.
- engagements of a day = the platform's own total, else likes + comments + saves + shares (those
  reported); the engagement base is reach where reported, else views.
- A metric is null (not 0) when no snapshot of the platform reports it (TikTok/YouTube saves...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.models.common import PLATFORMS
from shared.models.overview import (
    PERIOD_DAYS,
    OverviewPeriod,
    OverviewQuery,
    OverviewResponse,
    PlatformOverview,
    TotalMetrics,
)

# Days read before the period, so a platform whose data lags still has two full windows.
LAG_SLACK_DAYS = 10
DEFINITIONS = {
    "period": "Calendar days in UTC. Each platform's current window is the period's length ending on its last "
    "complete day (`window.end`: yesterday, or earlier where the platform reports late), the previous "
    "window the same number of days just before it. `current`/`previous` are the nominal period "
    "ending today.",
    "comparison": "A metric is compared on the days both windows report, paired day by day (days_compared, "
    "coverage = days_compared / period days). Below 80 % coverage there is no fair comparison: "
    "value and previous are the sums over what each window has, change and change_pct are null.",
    "followers": "Latest reported count; previous = the count reported one period earlier (within 3 days).",
    "reach": "Sum of daily reach (unique accounts per day, Instagram only; not de-duplicated across days).",
    "views": "Sum of daily views (Pinterest: impressions).",
    "engagement_rate": "Sum of engagements / sum of reach where the platform reports reach, else / sum of "
    "views, over days reporting both. Engagements = the platform's total interactions, "
    "else likes + comments + saves + shares as reported.",
    "saves": "Sum of daily saves; null where the platform has no saves metric (YouTube, TikTok).",
    "shares": "Sum of daily shares; null where the platform has no shares metric (Pinterest).",
    "watch_hours": "Sum of daily watch time in hours.",
    "change_pct": "(value - previous) / previous * 100 on the compared days; null when previous is 0 or there "
    "is no fair comparison.",
    "total": "Sum over the platforms reporting the metric (`platforms`), each on its own windows; compared only "
    "when every one of them is, else no previous value and no change (`not_compared` names why).",
}

_SQL = """
select platform::text as platform, snapshot_date as day, followers, reach, views, saves, shares,
       watch_time_hrs as watch_hours,
       coalesce(engagements, case when num_nonnulls(likes, comments, saves, shares) > 0
                then coalesce(likes, 0) + coalesce(comments, 0) + coalesce(saves, 0) + coalesce(shares, 0)
                end) as engagements,
       coalesce(reach, views) as engagement_base
from analytics_snapshots
where user_id = (select auth.uid()) and snapshot_date between %(first)s and %(today)s
"""


def overview(conn: Any, query: OverviewQuery, today: dt.date | None = None) -> OverviewResponse:
    """Read the caller's snapshots and connections (RLS-scoped connection) and compare equal windows."""
    import polars as pl

    from shared import clock
    from shared.engines.overview import compare_platform, totals

    days = PERIOD_DAYS[query.period]
    end = today or clock.today()
    start = end - dt.timedelta(days=days - 1)
    first = end - dt.timedelta(days=2 * days + LAG_SLACK_DAYS)
    rows = conn.execute(_SQL, {"first": first, "today": end}).fetchall()
    connections = {
        r["platform"]: r
        for r in conn.execute(
            """select platform::text as platform, status::text as status, last_fetched_at
           from platform_connections where user_id = (select auth.uid())"""
        )
    }
    by_platform: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_platform.setdefault(row["platform"], []).append(
            {k: _number(v) if k not in ("platform", "day") else v for k, v in row.items()}
        )
    shown = [p for p in PLATFORMS if p in connections or p in by_platform]
    schema = {
        "day": pl.Date,
        "followers": pl.Float64,
        **{
            m: pl.Float64
            for m in ("reach", "views", "saves", "shares", "watch_hours", "engagements", "engagement_base")
        },
    }
    compared: dict[str, dict[str, Any]] = {
        p: compare_platform(
            pl.DataFrame([{k: r[k] for k in schema} for r in by_platform.get(p, [])], schema=schema), end, days
        )
        for p in shown
    }
    platforms = []
    for p in shown:
        connection, result = connections.get(p), compared[p]
        window = result["window"]
        platforms.append(
            PlatformOverview(
                platform=p,
                connection_status=connection["status"] if connection else "not_connected",
                last_fetched_at=connection["last_fetched_at"] if connection else None,
                snapshot_days=sum(
                    1 for r in by_platform.get(p, []) if window and window["start"] <= r["day"] <= window["end"]
                ),
                window=window,
                metrics={name: _integral(name, c) for name, c in result["metrics"].items()},
            )
        )
    return OverviewResponse(
        period=query.period,
        current=OverviewPeriod(start=start, end=end),
        previous=OverviewPeriod(start=start - dt.timedelta(days=days), end=start - dt.timedelta(days=1)),
        platforms=platforms,
        total=TotalMetrics(**{n: _integral(n, c) for n, c in totals(compared, days).items()}),
        definitions=DEFINITIONS,
    )


def _number(value: Any) -> int | float | None:
    # Postgres bigints and numerics come back as int / Decimal.
    return None if value is None else float(value)


def _integral(name: str, comparison: dict[str, Any]) -> dict[str, Any]:
    """Counts as integers (sums of integer columns), rates and hours as floats."""
    if name in ("engagement_rate", "watch_hours"):
        return comparison
    out = dict(comparison)
    for key in ("value", "previous", "change"):
        if out[key] is not None and float(out[key]).is_integer():
            out[key] = int(out[key])
    return out
