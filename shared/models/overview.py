"""GET /api/analytics/overview: parameters and response."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from shared.models.common import Platform, QueryModel, ResponseModel

PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90}


class OverviewQuery(QueryModel):
    """The period ends today (UTC), inclusive; the previous period is the same length just before it."""

    period: Literal["7d", "30d", "90d"] = "30d"


class Comparison(ResponseModel):
    value: int | float | None = Field(description="This period; null when the platform has no such metric")
    previous: int | float | None = Field(description="The previous period of equal length")
    change: int | float | None = Field(description="value - previous; null unless both are known")
    change_pct: float | None = Field(description="change / previous * 100; null when previous is 0 or unknown")


class TotalComparison(Comparison):
    platforms: list[Platform] = Field(description="Platforms whose value contributed to this total")


class PlatformMetrics(ResponseModel):
    followers: Comparison
    reach: Comparison
    views: Comparison
    engagement_rate: Comparison
    saves: Comparison
    shares: Comparison
    watch_hours: Comparison


class TotalMetrics(ResponseModel):
    followers: TotalComparison
    reach: TotalComparison
    views: TotalComparison
    engagement_rate: TotalComparison
    saves: TotalComparison
    shares: TotalComparison
    watch_hours: TotalComparison


class PlatformOverview(ResponseModel):
    platform: Platform
    connection_status: Literal["active", "needs_reauth", "revoked", "not_connected"]
    last_fetched_at: dt.datetime | None = Field(description="Last successful fetch; null when never fetched")
    snapshot_days: int = Field(description="Days with a snapshot in this period")
    metrics: PlatformMetrics


class OverviewPeriod(ResponseModel):
    start: dt.date
    end: dt.date


class OverviewResponse(ResponseModel):
    period: Literal["7d", "30d", "90d"]
    current: OverviewPeriod
    previous: OverviewPeriod
    platforms: list[PlatformOverview]
    total: TotalMetrics
    definitions: dict[str, str]
