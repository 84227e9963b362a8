"""Trends, rising keywords, trending creators, opportunities and the trend cron: parameters and responses."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from shared.models.common import (
    CURSOR_DOC,
    MAX_CURSOR_CHARS,
    NEXT_CURSOR_DOC,
    Platform,
    QueryModel,
    ResponseModel,
    no_control_chars,
)

NicheStatus = Literal["ok", "pending_first_run"]
SeriesKind = Literal["interest_index", "suggest_score", "media_count", "value"]
VolumeKind = Literal["relative_index", "absolute", "rank"]
GrowthWindow = Literal["7d", "14d", "30d"]
INTEREST_DOC = (
    "Pinterest interest in the latest week on one scale for every keyword of the run (0-100, 100 = the "
    "highest week of the largest keyword, normalize_against_group): a relative index comparable across "
    "keywords, not a search count; null when Pinterest did not report the keyword"
)
SERIES_DOC = (
    "Daily values of the last 30 days ending detected_at's day, null where nothing was observed. "
    "interest_index: Pinterest index relative to the keyword's one-year median (100 = a typical week)"
)


class TopicsQuery(QueryModel):
    platform: Platform | None = Field(default=None, description="Only topics observed on this platform")
    category: str | None = Field(default=None, max_length=60, description="Craft category, e.g. resin")
    limit: int = Field(default=20, ge=1, le=50)
    cursor: str | None = Field(default=None, max_length=MAX_CURSOR_CHARS, description=CURSOR_DOC)

    _printable = field_validator("category")(no_control_chars)


class KeywordsQuery(QueryModel):
    limit: int = Field(default=20, ge=1, le=50)
    window: GrowthWindow = Field(default="7d", description="The window keywords are ranked and filtered by")
    min_growth: float = Field(
        default=0.0, ge=0, le=100, description="Minimum growth over `window`, exclusive (0.2 = more than +20 %)"
    )
    cursor: str | None = Field(default=None, max_length=MAX_CURSOR_CHARS, description=CURSOR_DOC)


class CreatorsQuery(QueryModel):
    platform: Platform | None = None
    limit: int = Field(default=20, ge=1, le=50)
    cursor: str | None = Field(default=None, max_length=MAX_CURSOR_CHARS, description=CURSOR_DOC)


class OpportunitiesQuery(QueryModel):
    limit: int = Field(default=10, ge=1, le=30)
    cursor: str | None = Field(default=None, max_length=MAX_CURSOR_CHARS, description=CURSOR_DOC)


class Growth(ResponseModel):
    d7: float | None = Field(description="Fractional growth over the last 7 days (0.25 = +25 %); null: too few days")
    d14: float | None = Field(description="Fractional growth over the last 14 days; null: too few days")
    d30: float | None = Field(description="Fractional growth over the last 30 days; null: too few days")


class Volume(ResponseModel):
    source: str = Field(description="pinterest_trends | instagram_hashtag | youtube_suggest")
    kind: VolumeKind = Field(
        description="relative_index: an index, not a count; absolute: a count of posts; rank: a position, not a volume"
    )
    value: float
    unit: str = Field(description="What the number counts or compares, in words")
    observed_at: dt.datetime


class SeriesPoint(ResponseModel):
    date: dt.date
    value: float | None


class Topic(ResponseModel):
    topic: str
    category: str | None = Field(description="Craft of the niche keyword the topic matched")
    heat_score: float = Field(description="0-100: 100 x velocity_score x relevance x recency")
    growth: Growth
    blended_growth: float | None = Field(
        description="0.5 / 0.3 / 0.2 blend of growth.d7 / d14 / d30: only the "
        "input of velocity_score, not a growth over any window"
    )
    velocity_score: float | None
    relevance: float | None = Field(description="0-1 relevance to the caller's niche keywords")
    recency: float | None = Field(description="0-1: freshness of the last reading x how new this week's rise is")
    sources: list[str]
    platform: Platform | None
    interest_index: float | None = Field(description=INTEREST_DOC)
    volumes: list[Volume] = Field(description="What each source reports for the topic, labelled by kind")
    detected_at: dt.datetime
    expires_at: dt.datetime


class TopicsResponse(ResponseModel):
    status: NicheStatus = Field(description="pending_first_run: the caller's niche has not been computed yet")
    niche_keywords: list[str]
    computed_at: dt.datetime | None
    items: list[Topic] = Field(description="Hottest first")
    next_cursor: str | None = Field(description=NEXT_CURSOR_DOC)


class Keyword(ResponseModel):
    keyword: str
    category: str | None
    relevance: float | None
    growth: Growth = Field(description="Growth per window; the list is ranked by the requested one")
    interest_index: float | None = Field(description=INTEREST_DOC)
    volumes: list[Volume] = Field(description="What each source reports for the keyword, labelled by kind")
    series_kind: SeriesKind
    series: list[SeriesPoint] = Field(description=SERIES_DOC)
    detected_at: dt.datetime


class KeywordsResponse(ResponseModel):
    status: NicheStatus
    niche_keywords: list[str]
    window: GrowthWindow
    items: list[Keyword] = Field(description="Fastest rising over `window` first")
    next_cursor: str | None = Field(description=NEXT_CURSOR_DOC)


class TrendingCreator(ResponseModel):
    handle: str
    platform: Platform
    followers: int | None
    growth_rate: float | None = Field(description="Fractional follower growth per 30 days; null: too few checks")
    followers_gained: int | None = Field(description="Followers added over 30 days at that rate")
    trend_score: float | None = Field(
        description="Size-aware growth the list is ranked by: growth_rate x followers "
        "/ (followers + 5,000); null: growth unknown (listed last)"
    )
    niche: str | None
    relevance: float = Field(description="0-1 relevance of the creator's niche to the caller's")
    format_description: str | None = Field(description="Dominant format, typical duration, cadence")
    origin: Literal["seed", "discovered"]
    discovered_via: str | None = Field(description="How a discovered creator was found")
    why_listed: str = Field(description="Why this creator is in her list, in one sentence")
    last_checked: dt.datetime | None


class CreatorsResponse(ResponseModel):
    niche_keywords: list[str]
    min_followers: int = Field(description="Creators below this many followers are not listed")
    not_covered: dict[str, str] = Field(
        description="Platforms whose API allows no discovery of other accounts, and why"
    )
    items: list[TrendingCreator] = Field(description="By trend_score, unknown growth last")
    next_cursor: str | None = Field(description=NEXT_CURSOR_DOC)


class Demand(ResponseModel):
    interest_index: float | None = Field(description=INTEREST_DOC)
    relevance: float | None = Field(description="0-1 relevance to her niche; demand is weighted by it")
    engagement_rate: float | None = Field(description="Mean engagement rate of related posts (0.04 = 4 %)")
    related_posts: int
    niche_engagement: float | None = Field(description="Mean engagement rate of every related post of the niche")
    engagement_factor: float = Field(description="0.8-1.25: related posts' engagement vs the niche, shrunk")
    demand_index: float | None = Field(description="relevance x interest_index x engagement_factor")


class Supply(ResponseModel):
    youtube_uploads_30d: int | None = Field(
        description="Videos on the topic uploaded in the last 30 days (YouTube search totalResults); null: not searched"
    )
    youtube_channels: int | None = Field(description="Distinct channels among the first 50 of those uploads")
    instagram_posts_24h: int | None = Field(
        description="Recent hashtag media on the topic (last 24 h); null: "
        "no Facebook Login connection to search hashtags with"
    )
    tracked_creators_active: int | None = Field(
        description="Tracked creators who posted on it in 30 days; null: no tracked creator in her niche"
    )
    tracked_posts_30d: int | None
    posts_per_week: float | None = Field(description="Fresh content per week; null: nothing measured the topic")
    measured_at: dt.datetime | None = Field(description="When YouTube search last counted the uploads")
    basis: str | None = Field(description="youtube | instagram | youtube+instagram | tracked_creators_lower_bound")


class Finding(ResponseModel):
    attribute: str
    level: str
    metric: str | None
    ratio: float
    ci_low: float
    ci_high: float | None


class Opportunity(ResponseModel):
    topic: str
    category: str | None
    gap_score: float | None = Field(description="0-100: 100 x gap_ratio / (gap_ratio + 10); null: unknown")
    gap_ratio: float | None = Field(description="demand_index / (1 + posts_per_week); null when either is unknown")
    demand: Demand
    supply: Supply
    ideas: list[str]


class OpportunitiesResponse(ResponseModel):
    status: NicheStatus
    niche_keywords: list[str]
    creator_strengths: dict[str, str] = Field(
        description="Her best level per attribute among significant pattern "
        "findings (95 % CI above 1), used for the ideas"
    )
    ideas_based_on: list[Finding] = Field(description="The findings behind creator_strengths")
    items: list[Opportunity] = Field(description="Widest gap first, unknown gaps last")
    next_cursor: str | None = Field(description=NEXT_CURSOR_DOC)


class SourceStatus(ResponseModel):
    status: Literal["ok", "unavailable", "failed"]
    observations: int
    reason: str | None


class DetectRunResponse(ResponseModel):
    run_id: str
    observations: int
    trends_written: int
    niches: int
    sources: dict[str, SourceStatus]
    supply: dict[str, object] = Field(description="YouTube searches for topic supply: status, searched, reason")
    creators_checked: int
    creators: dict[str, object]
    duration_s: float
