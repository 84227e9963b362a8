"""GET /api/analytics/signals: parameters and response."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from shared.models.common import Platform, QueryModel, ResponseModel


class SignalsQuery(QueryModel):
    """No parameters: every connected platform is scored."""


class SignalInputs(ResponseModel):
    recent_value: float | None = Field(description="Median over her posts of the last 30 days")
    baseline_median: float | None = Field(description="Median over her posts of the 150 days before those")
    baseline_p25: float | None
    baseline_p75: float | None
    n_recent: int
    n_baseline: int


class NicheBenchmark(ResponseModel):
    value: float = Field(description="Median over the tracked niche creators' recent posts")
    p25: float
    p75: float
    score: float | None = Field(description="0-100: where her recent median falls among the niche posts")
    n_posts: int
    n_creators: int


class Signal(ResponseModel):
    key: str
    label: str
    unit: Literal["ratio", "seconds"]
    higher_is_better: bool
    score: float | None = Field(description="0-100 against her own baseline; null with a reason")
    reason: str | None = None
    explanation: str
    inputs: SignalInputs | None = Field(description="Null when the platform does not expose the signal")
    niche_benchmark: NicheBenchmark | None
    niche_reason: str | None = None


class PlatformSignals(ResponseModel):
    platform: Platform
    connection_status: Literal["active", "needs_reauth", "revoked"]
    signals: list[Signal]


class SignalsResponse(ResponseModel):
    as_of: dt.datetime
    recent_days: int
    baseline_days: int
    method: str
    platforms: list[PlatformSignals]
