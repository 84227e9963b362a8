"""The platform-neutral records every platform client returns: tokens, profiles, daily snapshots, posts.

Unknown is None, never 0: a platform that does not expose a metric leaves it None.
Raw pages: every fetch returns `(records, raw_pages)`; a raw page is a JSON-ready dict
`{"endpoint": str, "params": dict (never a token), "body": Any, "fetched_at": ISO-8601 str}`
that the ingest service archives as jsonb; `normalize_*` rebuilds the records from the archive alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from shared import clock

Platform = Literal["instagram", "youtube", "pinterest", "tiktok"]
PostType = Literal["reel", "short", "pin", "video", "image", "carousel", "story", "idea_pin"]
RawPage = dict[str, Any]

# A post's metrics keep growing after it is published: incremental runs re-fetch metrics of posts
# younger than this, even when they were already ingested.
METRICS_REFRESH_DAYS = 30


class TokenSet(BaseModel):
    """Tokens from a code exchange or refresh; secrets never print."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    access_expires_at: dt.datetime | None = None
    refresh_expires_at: dt.datetime | None = None
    scopes: list[str] = Field(default_factory=list)
    platform_user_id: str | None = None
    token_type: str = "bearer"


class Profile(BaseModel):
    """Who the connected account is, with its current counters."""

    platform: Platform
    platform_user_id: str
    username: str | None = None
    display_name: str | None = None
    followers: int | None = None
    following: int | None = None
    media_count: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class AccountSnapshot(BaseModel):
    """One account's numbers for one day."""

    platform: Platform
    snapshot_date: dt.date
    followers: int | None = None
    follower_change: int | None = None
    reach: int | None = None
    views: int | None = None
    engagements: int | None = None
    engagement_rate: float | None = None
    saves: int | None = None
    shares: int | None = None
    comments: int | None = None
    likes: int | None = None
    watch_time_hrs: float | None = None
    profile_visits: int | None = None
    outbound_clicks: int | None = None


class PostRecord(BaseModel):
    """One post with its latest lifetime metrics."""

    platform: Platform
    platform_post_id: str
    title: str | None = None
    caption: str | None = None
    type: PostType
    posted_at: dt.datetime
    url: str | None = None
    thumbnail_url: str | None = None
    duration_s: float | None = None
    views: int | None = None
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    saves: int | None = None
    shares: int | None = None
    watch_time_hrs: float | None = None
    avg_watch_time_s: float | None = None
    completion_rate: float | None = None
    skip_rate: float | None = None
    retention_early: float | None = None
    outbound_clicks: int | None = None
    pin_clicks: int | None = None
    raw_metrics: dict[str, Any] = Field(default_factory=dict)


def raw_page(
    endpoint: str, params: dict[str, Any] | None, body: Any, *, fetched_at: dt.datetime | None = None
) -> RawPage:
    """A raw response ready to archive; `params` must already be free of tokens."""
    return {
        "endpoint": endpoint,
        "params": dict(params or {}),
        "body": body,
        "fetched_at": (fetched_at or clock.now()).isoformat(),
    }


def fetched_date(page: RawPage) -> dt.date:
    """The UTC day a raw page was fetched (current counters belong to that day's snapshot)."""
    return dt.datetime.fromisoformat(page["fetched_at"]).astimezone(dt.timezone.utc).date()


def metrics_cutoff(since: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """Oldest post time an incremental run must still (re)fetch: `since`, or earlier for young posts."""
    if since is None:
        return None
    now = now or clock.now()
    return min(aware(since), now - dt.timedelta(days=METRICS_REFRESH_DAYS))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is unknown or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def as_int(value: Any) -> int | None:
    """An integer from a number or a numeric string (YouTube sends strings); None when absent."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(float(value)) if isinstance(value, (str, float)) else int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: "inf" / 1e400
        return None


def as_number(value: Any) -> int | float | None:
    """An int when the value is integral, else a float (rates, percentages); None when absent."""
    number = as_float(value)
    if number is None:
        return None
    return int(number) if number.is_integer() else number


def as_float(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def merge_snapshots(snapshots: list[AccountSnapshot]) -> list[AccountSnapshot]:
    """One snapshot per (platform, day): later values fill fields earlier ones left None; sorted by day."""
    by_day: dict[tuple[str, dt.date], AccountSnapshot] = {}
    for snap in snapshots:
        key = (snap.platform, snap.snapshot_date)
        if key in by_day:
            known = {k: v for k, v in snap.model_dump().items() if v is not None}
            by_day[key] = by_day[key].model_copy(update=known)
        else:
            by_day[key] = snap
    return [by_day[key] for key in sorted(by_day, key=lambda k: k[1])]


def parse_time(value: Any) -> dt.datetime | None:
    """An aware datetime from ISO-8601 ("Z", "+0000", "+00:00") or Unix seconds; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    return aware(dt.datetime.fromisoformat(str(value)))


def aware(moment: dt.datetime) -> dt.datetime:
    """A datetime with a time zone (naive values are taken as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
