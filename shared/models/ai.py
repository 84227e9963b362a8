"""POST /api/ai/patterns, POST /api/ai/recommend and the weekly patterns cron: bodies and responses."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from shared.models.common import BodyModel, Platform, ResponseModel

IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{8,128}$"


class PatternsBody(BodyModel):
    window_days: int = Field(default=365, ge=30, le=730, description="Posts published in the last N days")
    min_posts_per_level: int = Field(default=15, ge=5, le=100, description="A level needs this many posts to be tested")
    fdr: float = Field(
        default=0.05, ge=0.01, le=0.2, description="False discovery rate controlled over the findings reported"
    )


class PatternInsight(ResponseModel):
    id: str
    insight: str
    impact: Literal["high", "medium", "low"]
    category: str = Field(
        description="The attribute a finding is about, or pattern_coverage for what could not be judged"
    )
    data_points: dict[str, Any] = Field(
        description="Findings: attribute, level, metric, ratio, ci_low, ci_high (95 %), n_level, n_reference, "
        "reference (the levels compared with), p_value, q_value, top_share, base_share. "
        "pattern_coverage: attribute, metric, verdict, reason, n_posts, n_known"
    )


class AttributeCoverage(ResponseModel):
    attribute: str
    metric: str
    verdict: Literal["found", "no_effect", "not_testable"]
    n_posts: int = Field(description="Posts with the metric measured")
    n_known: int = Field(description="Of those, posts whose level of this attribute is known")
    testable_levels: list[str]
    p_value: float | None = Field(description="Test of the attribute as a whole (all levels equal)")
    q_value: float | None = Field(description="Benjamini-Hochberg q across the attributes tested")
    reason: str | None
    text: str


class NotEnoughData(ResponseModel):
    attribute: str
    level: str
    metric: str
    n: int = Field(description="Posts at this level with the metric measured")


class RealisedCalibrationSummary(ResponseModel):
    """Her briefs' predictions scored on what their posts did (briefs measured after 7 days of data)."""

    n: int = Field(description="Measured briefs with a prediction")
    n_top_quartile: int = Field(description="Of those, posts that reached her top quartile")
    mean_predicted: float | None
    observed_rate: float | None
    brier: float | None = Field(description="Mean squared error of the predicted probabilities")
    brier_base_rate: float | None = Field(description="Of her base rate when each brief was made")
    skill: float | None = Field(description="1 - brier / brier_base_rate")
    skill_ci: list[float] | None = Field(description="95 % bootstrap interval (from 10 measured briefs)")
    calibration: list[dict[str, Any]] = Field(
        description="Reliability bins: lower, upper, n, mean_predicted, observed_rate"
    )
    acted_on: bool = Field(description="30 or more measured briefs: a skill interval below 0 withdraws the score")


class ViralitySummary(ResponseModel):
    status: Literal["ok", "insufficient_history"]
    label_rule: str
    evaluation: str | None
    n_posts: int
    n_train: int
    n_test: int
    base_rate: float
    brier: float | None
    brier_base_rate: float | None
    skill: float | None = Field(description="1 - brier / brier_base_rate on posts predicted before they were seen")
    skill_ci: list[float] | None = Field(description="95 % bootstrap interval of the skill")
    auc: float | None
    earned: bool | None = Field(
        description="True when the skill's interval lies above 0: only then does a brief show a probability"
    )
    calibration: list[dict[str, Any]]
    realised: RealisedCalibrationSummary | None = Field(
        default=None, description="The calibration of past briefs' predictions on their realised outcomes"
    )


class PatternsResponse(ResponseModel):
    insights: list[PatternInsight]
    coverage: list[AttributeCoverage] = Field(
        description="Every attribute x metric: found, no effect, or not testable and why"
    )
    not_enough_data: list[NotEnoughData]
    tested: int = Field(description="Attribute x metric families tested; the FDR is controlled over them")
    fdr: float
    virality_model: ViralitySummary
    posts_analyzed: int


class RecommendBody(BodyModel):
    count: int = Field(default=3, ge=1, le=10)
    platform: Platform | None = None
    idempotency_key: str | None = Field(
        default=None,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Or the Idempotency-Key header; equal when both are sent",
    )


class ShotOut(ResponseModel):
    order: int
    description: str
    duration_s: float


class Recommendation(ResponseModel):
    id: str
    rank: int
    virality_score: float | None = Field(
        ge=0,
        le=1,
        description="P(top quartile of her posts) from her virality model; null when the model is no "
        "better than her base rate (score_details.statement says so)",
    )
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
    briefs_linked: int = Field(default=0, description="Posts linked to briefs by the matcher")
    briefs_measured: int = Field(default=0, description="Linked posts measured after 7 days of data")
    digests: int = Field(default=0, description="Weekly digests written (creators with an active connection)")
