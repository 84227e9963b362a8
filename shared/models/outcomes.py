"""GET /api/ai/recommendations and POST|DELETE /api/ai/recommendations/{id}/posted: queries, bodies, responses."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from shared.models.ai import Recommendation
from shared.models.common import (
    CURSOR_DOC,
    MAX_CURSOR_CHARS,
    NEXT_CURSOR_DOC,
    BodyModel,
    Platform,
    QueryModel,
    ResponseModel,
    comma_list,
    no_control_chars,
)

Status = Literal["open", "posted", "measured"]


class RecommendationsQuery(QueryModel):
    """Her briefs, newest first (rank order within a request), keyset-paged like /api/analytics/posts."""

    status: list[Status] | None = Field(
        default=None, description="open (no post yet), posted (a post follows it, not yet 7 days of data), measured"
    )
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=MAX_CURSOR_CHARS, description=CURSOR_DOC)

    _split = field_validator("status", mode="before")(comma_list)

    @model_validator(mode="after")
    def _non_empty(self) -> RecommendationsQuery:
        if self.status is not None and not self.status:
            raise ValueError("status list must not be empty")
        return self


class PostedBody(BodyModel):
    """The post that followed the brief; it need not be fetched yet."""

    platform: Platform
    platform_post_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="The platform's own id of the post (media id, video id, pin id)",
    )

    _printable = field_validator("platform_post_id")(no_control_chars)


class RecommendationLink(ResponseModel):
    platform: Platform
    platform_post_id: str
    post_id: int | None = Field(description="Her post once it is fetched; null until then")
    source: Literal["explicit", "auto"] = Field(description="explicit: she named it; auto: the matcher found it")
    confidence: float | None = Field(
        description="Auto links: match confidence 0-1 (text and attribute agreement, "
        "a similarity, not a probability); null for explicit links"
    )
    match: dict[str, Any] | None = Field(
        description="Auto links: text similarity, attributes compared and agreeing, days after the brief"
    )
    linked_at: dt.datetime


class MetricBaseline(ResponseModel):
    mean: float | None = Field(description="Mean rate of her other posts in the stratum")
    n: int
    stratum: str | None = Field(description="platform/type, or the platform when the type has under 20 posts")


class RecommendationOutcome(ResponseModel):
    measured_at: dt.datetime
    data_days: float = Field(description="Days of data the metrics cover (7 or more)")
    views: int | None
    save_rate: float | None
    share_rate: float | None
    baseline: dict[str, MetricBaseline] = Field(description="save_rate and share_rate baselines")
    save_ratio: float | None = Field(description="save_rate / her baseline; null where not measured")
    share_ratio: float | None
    score_percentile: float | None = Field(description="Its virality score's rank among her platform's posts, 0-1")
    top_quartile: bool | None = Field(
        description="Reached her top quartile (the virality label); null when no rate is measured"
    )
    predicted_probability: float | None = Field(description="What her model predicted for the brief (shown or not)")
    predicted_shown: bool = Field(description="The brief showed that probability (the model had earned it)")
    base_rate: float | None = Field(description="Her base rate when the brief was made")


class RecommendationItem(Recommendation):
    generated_at: dt.datetime
    status: Status
    link: RecommendationLink | None
    outcome: RecommendationOutcome | None


class RecommendationsResponse(ResponseModel):
    items: list[RecommendationItem]
    next_cursor: str | None = Field(description=NEXT_CURSOR_DOC)
