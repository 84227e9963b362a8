"""GET /api/analytics/best-times: parameters and response."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.models.common import Platform, QueryModel, ResponseModel


class BestTimesQuery(QueryModel):
    platform: Platform | None = Field(default=None, description="One platform; all connected ones when omitted")


class TimeEffect(ResponseModel):
    level: str = Field(description="A weekday (monday..sunday) or a time block (morning..night)")
    ratio: float | None = Field(description="Engagement per reach at this level over her average on the platform")
    ci_low: float | None
    ci_high: float | None
    n_posts: int
    status: Literal["ok", "not_enough_data"]


class PostingWindow(ResponseModel):
    weekday: str
    block: str
    ratio: float | None = Field(description="Weekday effect x block effect; null where either is not enough data")
    ci_low: float | None
    ci_high: float | None
    n_posts: int = Field(description="Her posts in this window")


class VersusHabit(ResponseModel):
    best_weekday: str
    best_block: str
    habit_posts: int = Field(description="Her posts of the last 90 days whose windows make up her habit")
    ratio: float = Field(description="The best window's engagement rate over her habit's (her mix of windows)")
    ci_low: float
    ci_high: float


class PlatformBestTimes(ResponseModel):
    platform: Platform
    status: Literal["ok", "not_enough_data"]
    n_posts: int
    weekdays: list[TimeEffect]
    blocks: list[TimeEffect]
    windows: list[PostingWindow] = Field(description="Every weekday x block, in week order")
    best: list[PostingWindow] = Field(description="The highest estimated windows, best first")
    versus_habit: VersusHabit | None


class BestTimesResponse(ResponseModel):
    timezone: str = Field(description="Her time zone: weekdays and blocks are local")
    blocks: dict[str, str] = Field(description="Local hours of each time block")
    metric: str
    method: str
    platforms: list[PlatformBestTimes]
