"""POST /api/ai/patterns, POST /api/ai/recommend and the weekly patterns cron: bodies and responses."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from shared.models.common import BodyModel, Platform, ResponseModel

IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{8,128}$"


class PatternsBody(BodyModel):
    window_days: int = Field(default=365, ge=30, le=730, description="Posts published in the last N days")
    min_posts_per_level: int = Field(default=15, ge=5, le=100,
                                     description="A level (and the rest) needs this many posts to be tested")


class PatternInsight(ResponseModel):
    id: str
    insight: str
    impact: Literal["high", "medium", "low"]
    category: str = Field(description="The attribute the finding is about")
    data_points: dict[str, Any] = Field(
        description="attribute, level, metric, ratio, ci_low, ci_high, n_level, n_rest, p_value, q_value, "
                    "top_share, base_share")


class NotEnoughData(ResponseModel):
    attribute: str
    level: str
    metric: str
    n: int = Field(description="Posts at this level with the metric measured")


class ViralitySummary(ResponseModel):
    status: Literal["ok", "insufficient_history"]
    label_rule: str
    n_posts: int
    n_train: int
    n_test: int
    base_rate: float
    brier: float | None
    brier_base_rate: float | None
    skill: float | None = Field(
        description="1 - brier / brier_base_rate on the held-out latest 25 % of posts")
    calibration: list[dict[str, Any]]


class PatternsResponse(ResponseModel):
    insights: list[PatternInsight]
    not_enough_data: list[NotEnoughData]
    tested: int = Field(description="(attribute, level, metric) tests run; the FDR is controlled across them")
    fdr: float
    virality_model: ViralitySummary
    posts_analyzed: int


class RecommendBody(BodyModel):
    count: int = Field(default=3, ge=1, le=10)
    platform: Platform | None = None
    idempotency_key: str | None = Field(default=None, pattern=IDEMPOTENCY_KEY_PATTERN,
                                        description="Or the Idempotency-Key header; equal when both are sent")


class ShotOut(ResponseModel):
    order: int
    description: str
    duration_s: float


class Recommendation(ResponseModel):
    id: str
    rank: int
    virality_score: float = Field(ge=0, le=1,
                                  description="P(top quartile of her posts) from her virality model")
    score_details: dict[str, Any]
    concept: str
    hook: str
    video_length_s: int | None
    shot_list: list[ShotOut]
    editing_style: str | None
    music: str | None
    caption: str | None
    hashtags: list[str]
    platform: Platform | None
    attributes: dict[str, str]
    rationale: str | None
    trend_topic: str | None


class RecommendResponse(ResponseModel):
    request_id: str
    provider: str
    offline: bool
    replayed: bool = Field(description="True when this idempotency key was answered before")
    generated_at: dt.datetime
    recommendations: list[Recommendation]


class WeeklyPatternsResponse(ResponseModel):
    run_id: str
    candidates: int = Field(description="Creators with posts newer than their last pattern run")
    succeeded: int
    failed: int
    deferred: int = Field(description="Left for the next run: the time budget ran out")
    errors: dict[str, str] = Field(description="user id -> error kind")
