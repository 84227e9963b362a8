"""Cross-platform summary of a period against the previous period of equal length.

- Sums run over the daily snapshots in each period; a metric is null (not 0) when no snapshot of
  the platform reports it (TikTok/YouTube saves, Pinterest shares, TikTok reach...).
- followers: the latest snapshot in the period; "previous" is the latest one in the previous period.
- engagement_rate = Σ engagements / Σ coalesce(reach, views) over days reporting both, where a day's
  engagements are the platform's own total or else likes + comments + saves + shares (those reported).
- A total adds the platforms that report the metric and names them; it is null only when none do.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from shared.models.common import PLATFORMS
from shared.models.overview import (
    PERIOD_DAYS, Comparison, OverviewPeriod, OverviewQuery, OverviewResponse, PlatformMetrics, PlatformOverview,
    TotalComparison, TotalMetrics,
)

SUMMED = ("reach", "views", "saves", "shares", "watch_hours")
DEFINITIONS = {
    "period": "Calendar days in UTC; the current period ends today inclusive, the previous one is the "
              "same number of days just before it.",
    "followers": "Followers on the latest snapshot day of the period; change = latest this period - latest "
                 "in the previous period.",
    "reach": "Sum of daily reach (unique accounts per day, Instagram only; not de-duplicated across days).",
    "views": "Sum of daily views (Pinterest: impressions).",
    "engagement_rate": "Sum of engagements / sum of reach where the platform reports reach, else / sum of "
                       "views, over days reporting both. Engagements = the platform's total interactions, "
                       "else likes + comments + saves + shares as reported.",
    "saves": "Sum of daily saves; null where the platform has no saves metric (YouTube, TikTok).",
    "shares": "Sum of daily shares; null where the platform has no shares metric (Pinterest).",
    "watch_hours": "Sum of daily watch time in hours.",
    "change_pct": "(value - previous) / previous * 100; null when previous is 0 or unknown.",
    "total": "Sum over the platforms that report the metric (listed in `platforms`); null only when none do.",
}

_SQL = """
with days as (
  select platform::text as platform, snapshot_date, followers, reach, views, saves, shares,
         watch_time_hrs,
         coalesce(engagements, case when num_nonnulls(likes, comments, saves, shares) > 0
                  then coalesce(likes, 0) + coalesce(comments, 0) + coalesce(saves, 0) + coalesce(shares, 0)
                  end) as engagements,
         coalesce(reach, views) as engagement_base
  from analytics_snapshots
  where user_id = (select auth.uid()) and snapshot_date between %(previous_start)s and %(end)s
)
select platform, snapshot_date >= %(start)s as current, count(*) as snapshot_days,
       (array_agg(followers order by snapshot_date desc) filter (where followers is not null))[1] as followers,
       sum(reach) as reach, sum(views) as views, sum(saves) as saves, sum(shares) as shares,
       sum(watch_time_hrs) as watch_hours,
       sum(engagements) filter (where engagement_base is not null) as engagements,
       sum(engagement_base) filter (where engagements is not null) as engagement_base
from days group by 1, 2
"""


def compare(value: float | None, previous: float | None) -> dict[str, Any]:
    """value, previous, change and change_pct (null when previous is 0 or either side unknown)."""
    change = value - previous if value is not None and previous is not None else None
    pct = round(change / previous * 100, 2) if change is not None and previous else None
    return {"value": value, "previous": previous, "change": change, "change_pct": pct}


def rate(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def _number(value: Any) -> int | float | None:
    # Postgres sums of bigint come back as Decimal.
    if value is None:
        return None
    return int(value) if float(value).is_integer() and not isinstance(value, float) else float(value)


def _metrics(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    values = {name: _number(row.get(name)) for name in ("followers", *SUMMED)}
    values["engagements"] = _number(row.get("engagements"))
    values["engagement_base"] = _number(row.get("engagement_base"))
    values["engagement_rate"] = rate(values["engagements"], values["engagement_base"])
    return values


def _add(values: list[int | float | None]) -> int | float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _total(name: str, current: dict[str, dict], previous: dict[str, dict]) -> TotalComparison:
    platforms = [p for p in current if current[p][name] is not None]
    if name == "engagement_rate":
        def combined(side: dict[str, dict]) -> float | None:
            with_rate = [m for m in side.values() if m["engagement_rate"] is not None]
            return rate(_add([m["engagements"] for m in with_rate]), _add([m["engagement_base"] for m in with_rate]))
        value, before = combined(current), combined(previous)
    else:
        value, before = _add([m[name] for m in current.values()]), _add([m[name] for m in previous.values()])
    return TotalComparison(**compare(value, before), platforms=platforms)


def overview(conn: Any, query: OverviewQuery, today: dt.date | None = None) -> OverviewResponse:
    """Read the caller's snapshots and connections (RLS-scoped connection) and summarize the period."""
    days = PERIOD_DAYS[query.period]
    end = today or dt.datetime.now(dt.timezone.utc).date()
    start = end - dt.timedelta(days=days - 1)
    previous_start, previous_end = start - dt.timedelta(days=days), start - dt.timedelta(days=1)
    rows = conn.execute(_SQL, {"previous_start": previous_start, "start": start, "end": end}).fetchall()
    connections = {r["platform"]: r for r in conn.execute(
        """select platform::text as platform, status::text as status, last_fetched_at
           from platform_connections where user_id = (select auth.uid())""")}
    by_key = {(r["platform"], r["current"]): r for r in rows}
    shown = [p for p in PLATFORMS if p in connections or (p, True) in by_key or (p, False) in by_key]
    current = {p: _metrics(by_key.get((p, True))) for p in shown}
    previous = {p: _metrics(by_key.get((p, False))) for p in shown}
    names = ("followers", *SUMMED[:2], "engagement_rate", *SUMMED[2:])
    platforms = []
    for p in shown:
        connection = connections.get(p)
        platforms.append(PlatformOverview(
            platform=p,
            connection_status=connection["status"] if connection else "not_connected",
            last_fetched_at=connection["last_fetched_at"] if connection else None,
            snapshot_days=by_key[(p, True)]["snapshot_days"] if (p, True) in by_key else 0,
            metrics=PlatformMetrics(**{n: Comparison(**compare(current[p][n], previous[p][n])) for n in names}),
        ))
    return OverviewResponse(
        period=query.period,
        current=OverviewPeriod(start=start, end=end),
        previous=OverviewPeriod(start=previous_start, end=previous_end),
        platforms=platforms,
        total=TotalMetrics(**{n: _total(n, current, previous) for n in names}),
        definitions=DEFINITIONS,
    )
