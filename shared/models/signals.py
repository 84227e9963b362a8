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


class PeerMetric(ResponseModel):
    key: Literal["engagement_rate", "save_rate", "share_rate", "follower_growth"]
    label: str
    status: Literal["ok", "no_peers", "unavailable", "not_enough_data"]
    percentile: int | None = Field(description="0-100: where her value falls among her peers' (mid-rank)")
    ci_low: int | None = Field(
        description="95 % interval of her percentile among all niche creators of her size (the tracked peers are a "
        "sample of them)"
    )
    ci_high: int | None
    value: float | None = Field(
        description="Hers: engagement per view (median of her 12 latest posts) or 30-day follower growth"
    )
    peer_median: float | None
    n_peers: int = Field(description="Peers with this metric")
    explanation: str


class PeerBenchmarks(ResponseModel):
    tier: str | None = Field(
        description="Her follower tier on this platform: starter < 1k, nano < 10k, micro "
        "< 100k, mid < 500k, macro < 1M, mega; null without a follower count"
    )
    tier_range: list[int | None] = Field(description="[lower, upper) followers of the tier; upper null for mega")
    followers: int | None
    n_peers: int = Field(description="Tracked niche creators on this platform in her tier")
    reason: str | None = Field(description="Why there are no peers, when there are none")
    metrics: list[PeerMetric]


class PlatformSignals(ResponseModel):
    platform: Platform
    connection_status: Literal["active", "needs_reauth", "revoked"]
    signals: list[Signal]
    peers: PeerBenchmarks | None = Field(
        default=None,
        description="Her engagement, save, share and follower growth as percentiles among niche creators of her size",
    )


class SignalsResponse(ResponseModel):
    as_of: dt.datetime
    recent_days: int
    baseline_days: int
    method: str
    platforms: list[PlatformSignals]
