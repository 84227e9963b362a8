"""GET /api/analytics/posts: parameters and response."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from shared.models.common import (
    CURSOR_DOC,
    MAX_CURSOR_CHARS,
    NEXT_CURSOR_DOC,
    IsoDate,
    Platform,
    QueryModel,
    ResponseModel,
    comma_list,
    no_control_chars,
)

SortField = Literal[
    "posted_at",
    "views",
    "reach",
    "likes",
    "comments",
    "saves",
    "shares",
    "save_rate",
    "share_rate",
    "engagement_rate",
    "completion_rate",
    "watch_time_hrs",
]
PostType = Literal["reel", "short", "video", "pin", "idea_pin", "image", "carousel", "story"]


class PostsQuery(QueryModel):
    """Sort, filters and keyset paging; NULL sort values come last in both orders, id breaks ties."""

    sort: SortField = "posted_at"
    order: Literal["desc", "asc"] = "desc"
    platform: list[Platform] | None = None
    type: list[PostType] | None = None
    from_: IsoDate | None = Field(default=None, alias="from", description="posted_at on or after (UTC day)")
    to: IsoDate | None = Field(default=None, description="posted_at on or before (UTC day)")
    min_views: int | None = Field(default=None, ge=0)
    q: str | None = Field(default=None, max_length=100, description="Text in title or caption")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=MAX_CURSOR_CHARS, description=CURSOR_DOC)

    _split = field_validator("platform", "type", mode="before")(comma_list)

    _printable = field_validator("q")(no_control_chars)

    @model_validator(mode="after")
    def _range(self) -> PostsQuery:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("'from' must not be after 'to'")
        if self.platform is not None and not self.platform or self.type is not None and not self.type:
            raise ValueError("platform/type lists must not be empty")
        if self.q == "":
            self.q = None
        return self


class PostItem(ResponseModel):
    id: int
    platform: Platform
    platform_post_id: str
    type: PostType
    title: str | None
    caption: str | None
    url: str | None
    thumbnail_url: str | None
    posted_at: dt.datetime
    duration_s: float | None
    views: int | None
    reach: int | None
    likes: int | None
    comments: int | None
    saves: int | None
    shares: int | None
    watch_time_hrs: float | None
    avg_watch_time_s: float | None
    completion_rate: float | None
    skip_rate: float | None
    outbound_clicks: int | None
    pin_clicks: int | None
    save_rate: float | None = Field(description="saves / views")
    share_rate: float | None = Field(description="shares / views")
    engagement_rate: float | None = Field(description="(likes + comments + saves + shares) / (reach, else views)")


class PostsResponse(ResponseModel):
    items: list[PostItem]
    next_cursor: str | None = Field(description=NEXT_CURSOR_DOC)
