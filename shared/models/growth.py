"""GET /api/analytics/growth: parameters and response."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from shared import clock
from shared.models.common import IsoDate, Platform, QueryModel, ResponseModel, comma_list

MAX_RANGE_DAYS = 731
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9998, 12, 31)


class GrowthQuery(QueryModel):
    """`from`/`to` are inclusive calendar dates (UTC); default: the last 90 days."""

    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None
    platform: list[Platform] | None = None
    interval: Literal["day", "week", "month"] = "day"

    _split = field_validator("platform", mode="before")(comma_list)

    @model_validator(mode="after")
    def _range(self) -> GrowthQuery:
        today = clock.today()
        self.to = self.to or today
        # Bucketing steps up to a month past `to` and the default `from` 89 days before it: keep both
        # inside what datetime.date can hold, so an extreme date is a 400 and not an OverflowError.
        if (self.from_ or self.to) < EARLIEST or self.to > LATEST:
            raise ValueError(f"dates must be between {EARLIEST} and {LATEST}")
        self.from_ = self.from_ or max(EARLIEST, self.to - dt.timedelta(days=89))
        if self.platform is not None and not self.platform:
            raise ValueError("the platform list must not be empty")
        if self.from_ > self.to:
            raise ValueError("'from' must not be after 'to'")
        if (self.to - self.from_).days >= MAX_RANGE_DAYS:
            raise ValueError(f"range longer than {MAX_RANGE_DAYS} days")
        return self


class GrowthPoint(ResponseModel):
    period_start: dt.date
    followers: int | None = Field(description="Followers at the end of the period; null when no snapshot")
    change: int | None = Field(description="Change from the previous period with data; null when unknown")


class Gap(ResponseModel):
    start: dt.date
    end: dt.date


class PlatformGrowth(ResponseModel):
    platform: Platform
    points: list[GrowthPoint]
    gaps: list[Gap] = Field(description="Periods with no snapshot (the platform was not fetched)")
    total_change: int | None


class GrowthResponse(ResponseModel):
    from_: dt.date = Field(alias="from")
    to: dt.date
    interval: Literal["day", "week", "month"]
    series: list[PlatformGrowth]
