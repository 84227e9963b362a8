"""Follower growth per platform from daily snapshots, bucketed by day, week or month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.models.common import PLATFORMS
from shared.models.growth import Gap, GrowthPoint, GrowthQuery, GrowthResponse, PlatformGrowth


def period_start(day: dt.date, interval: str) -> dt.date:
    """The first day of the day/ISO-week/month bucket holding `day`."""
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _periods(start: dt.date, end: dt.date, interval: str) -> list[dt.date]:
    periods, current = [], period_start(start, interval)
    while current <= end:
        periods.append(current)
        if interval == "day":
            current += dt.timedelta(days=1)
        elif interval == "week":
            current += dt.timedelta(days=7)
        else:
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return periods


def bucket_series(
    rows: list[tuple[dt.date, int | None]], start: dt.date, end: dt.date, interval: str
) -> tuple[list[GrowthPoint], list[Gap]]:
    """Followers at the end of each period (last snapshot in it), change and explicit gaps."""
    last_in_period: dict[dt.date, int] = {}
    for day, followers in sorted(rows):
        if followers is not None:
            last_in_period[period_start(day, interval)] = followers
    points: list[GrowthPoint] = []
    gaps: list[Gap] = []
    previous: int | None = None
    for period in _periods(start, end, interval):
        followers = last_in_period.get(period)
        change = followers - previous if followers is not None and previous is not None else None
        points.append(GrowthPoint(period_start=period, followers=followers, change=change))
        if followers is None:
            if gaps and _next_period(gaps[-1].end, interval) == period:
                gaps[-1] = Gap(start=gaps[-1].start, end=period)
            else:
                gaps.append(Gap(start=period, end=period))
        else:
            previous = followers
    return points, gaps


def _next_period(period: dt.date, interval: str) -> dt.date:
    return _periods(period, period + dt.timedelta(days=32), interval)[1]


def follower_growth(conn: Any, query: GrowthQuery) -> GrowthResponse:
    """Read the caller's snapshots (RLS-scoped connection) and build the growth series."""
    assert query.from_ is not None and query.to is not None
    rows = conn.execute(
        """select platform::text as platform, snapshot_date, followers from analytics_snapshots
           where user_id = (select auth.uid()) and snapshot_date between %s and %s
             and (%s::text[] is null or platform::text = any(%s::text[]))
           order by platform, snapshot_date""",
        (query.from_, query.to, query.platform, query.platform),
    ).fetchall()
    connected = {
        r["platform"]
        for r in conn.execute(
            "select platform::text as platform from platform_connections where user_id = (select auth.uid())"
        )
    }
    by_platform: dict[str, list[tuple[dt.date, int | None]]] = {}
    for row in rows:
        by_platform.setdefault(row["platform"], []).append((row["snapshot_date"], row["followers"]))
    wanted = query.platform or [p for p in PLATFORMS if p in by_platform or p in connected]
    series = []
    for platform in wanted:
        points, gaps = bucket_series(by_platform.get(platform, []), query.from_, query.to, query.interval)
        known = [p.followers for p in points if p.followers is not None]
        series.append(
            PlatformGrowth(
                platform=platform,
                points=points,
                gaps=gaps,
                total_change=known[-1] - known[0] if len(known) >= 2 else None,
            )
        )
    return GrowthResponse.model_validate(
        {"from": query.from_, "to": query.to, "interval": query.interval, "series": series}
    )
