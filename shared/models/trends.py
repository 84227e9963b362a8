"""Trends, rising keywords, trending creators, opportunities and the trend cron: parameters and responses."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from shared.models.common import Platform, QueryModel, ResponseModel, no_control_chars

SearchVolumeKind = Literal["index", "absolute", "rank", "count"]
NicheStatus = Literal["ok", "pending_first_run"]
SeriesKind = Literal["interest_index", "suggest_score", "media_count", "value"]
VOLUME_KIND_DOC = ("index: the platform's relative interest index (0-100, 100 = the keyword's own peak), not an "
                   "absolute count; rank: position in search suggestions (1 = first); count: posts counted; "
                   "absolute: a search count")
SERIES_DOC = ("Daily values of the last 30 days ending detected_at's day, null where nothing was observed. "
              "interest_index: Pinterest index relative to the keyword's one-year median (100 = a typical week); "
              "suggest_score: 11 - YouTube suggestion rank; media_count: Instagram hashtag posts")


class TopicsQuery(QueryModel):
    platform: Platform | None = Field(default=None, description="Only topics observed on this platform")
    category: str | None = Field(default=None, max_length=60, description="Craft category, e.g. resin")
    limit: int = Field(default=20, ge=1, le=50)

    _printable = field_validator("category")(no_control_chars)


class KeywordsQuery(QueryModel):
    limit: int = Field(default=20, ge=1, le=50)
    min_growth: float = Field(default=0.0, ge=0, le=100, description="Minimum growth_rate (0.2 = +20 %)")


class CreatorsQuery(QueryModel):
    platform: Platform | None = None
    limit: int = Field(default=20, ge=1, le=50)


class OpportunitiesQuery(QueryModel):
    limit: int = Field(default=10, ge=1, le=30)


class Growth(ResponseModel):
    d7: float | None = Field(description="Fractional growth over 7 days (0.25 = +25 %); null: too few days")
    d14: float | None
    d30: float | None


class SeriesPoint(ResponseModel):
    date: dt.date
    value: float | None


class Topic(ResponseModel):
    topic: str
    category: str | None
    heat_score: float = Field(description="0-100: 100 x velocity x relevance x recency")
    growth: Growth
    growth_rate: float | None = Field(description="Weighted growth over the windows (0.5 / 0.3 / 0.2)")
    velocity_score: float | None
    relevance: float | None = Field(description="0-1 relevance to the caller's niche keywords")
    recency: float | None
    sources: list[str]
    platform: Platform | None
    search_volume: float | None
    search_volume_kind: SearchVolumeKind | None = Field(description=VOLUME_KIND_DOC)
    detected_at: dt.datetime
    expires_at: dt.datetime


class TopicsResponse(ResponseModel):
    status: NicheStatus = Field(description="pending_first_run: the caller's niche has not been computed yet")
    niche_keywords: list[str]
    computed_at: dt.datetime | None
    topics: list[Topic]


class Keyword(ResponseModel):
    keyword: str
    category: str | None
    growth_rate: float
    growth: Growth
    search_volume: float | None
    search_volume_kind: SearchVolumeKind | None = Field(description=VOLUME_KIND_DOC)
    series_kind: SeriesKind
    series: list[SeriesPoint] = Field(description=SERIES_DOC)
    detected_at: dt.datetime


class KeywordsResponse(ResponseModel):
    status: NicheStatus
    niche_keywords: list[str]
    keywords: list[Keyword]


class TrendingCreator(ResponseModel):
    handle: str
    platform: Platform
    followers: int | None
    growth_rate: float | None = Field(description="Fractional follower growth per 30 days; null: too few checks")
    niche: str | None
    relevance: float = Field(description="0-1 relevance of the creator's niche to the caller's")
    format_description: str | None = Field(description="Dominant format, typical duration, cadence")
    origin: Literal["seed", "discovered"]
    last_checked: dt.datetime | None


class CreatorsResponse(ResponseModel):
    niche_keywords: list[str]
    creators: list[TrendingCreator]


class Demand(ResponseModel):
    search_interest: float | None = Field(description="Latest interest index 0-100 (Pinterest); null if unknown")
    growth_rate: float | None
    engagement_rate: float | None = Field(description="Mean engagement rate of related posts (0.04 = 4 %)")
    related_posts: int
    interest_term: float | None
    growth_term: float | None
    engagement_term: float | None
    demand_index: float | None


class Supply(ResponseModel):
    active_creators: int = Field(description="Tracked creators who posted on the topic in the last 30 days")
    posts_per_week: float
    supply_index: float


class Opportunity(ResponseModel):
    topic: str
    category: str | None
    gap_score: float | None = Field(description="0-100: demand_index / (1 + ln(1 + supply_index)) x 100")
    gap_ratio: float | None
    demand: Demand
    supply: Supply
    ideas: list[str]


class OpportunitiesResponse(ResponseModel):
    status: NicheStatus
    niche_keywords: list[str]
    creator_strengths: dict[str, str] = Field(description="Her best level per attribute, used for the ideas")
    opportunities: list[Opportunity]


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
    creators_checked: int
    creators: dict[str, object]
    duration_s: float
