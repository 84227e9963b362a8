"""GET /api/analytics/overview: parameters and response."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from shared.models.common import Platform, QueryModel, ResponseModel

PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90}


class OverviewQuery(QueryModel):
    """Each platform's period ends on its last complete day; the previous period is as long, just before it."""

    period: Literal["7d", "30d", "90d"] = "30d"


class Comparison(ResponseModel):
    value: int | float | None = Field(description="This period; null when the platform has no such metric")
    previous: int | float | None = Field(description="The previous period of equal length")
    change: int | float | None = Field(
        description="value - previous on equal, covered days; null without a fair comparison (not enough data)"
    )
    change_pct: float | None = Field(
        description="change / previous * 100; null when there is no change or previous is 0"
    )
    days_compared: int | None = Field(default=None, description="Days reported in both periods (paired day by day)")
    coverage: float | None = Field(default=None, description="days_compared / period days; a comparison needs 0.8")


class TotalComparison(Comparison):
    platforms: list[Platform] = Field(description="Platforms reporting the metric: their values are summed")
    not_compared: list[Platform] = Field(
        description="Those without a fair comparison; when any is, the total has no previous value and no change"
    )


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


class PlatformWindow(ResponseModel):
    start: dt.date
    end: dt.date = Field(description="The platform's last complete day (YouTube Analytics lags ~3 days)")
    previous_start: dt.date
    previous_end: dt.date


class PlatformOverview(ResponseModel):
    platform: Platform
    connection_status: Literal["active", "needs_reauth", "revoked", "not_connected"]
    last_fetched_at: dt.datetime | None = Field(description="Last successful fetch; null when never fetched")
    snapshot_days: int = Field(description="Days with a snapshot in this platform's current window")
    window: PlatformWindow | None = Field(description="The equal windows compared; null: no complete day yet")
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
