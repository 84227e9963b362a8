"""YouTube (Google OAuth, Data API v3, Analytics API v2): OAuth, daily channel report, videos + analytics.

Mapping (docs/platform-apis.md §2, §5):
- account views = Analytics `views` (dimensions=day); reach None (YouTube has no unique-reach metric);
  engagements = likes + comments + shares; engagement_rate = engagements / views;
  watch_time_hrs = `estimatedMinutesWatched` / 60; follower_change = subscribersGained − subscribersLost;
  followers = channel `subscriberCount` (rounded by YouTube; None when hidden) on the day fetched;
  saves None (no saves metric), profile_visits/outbound_clicks None.
- posts: views/likes/comments = Data API `statistics` (lifetime, strings → int; absent when hidden → None),
  Analytics (dimensions=video) as fallback; shares, watch_time_hrs (= estimatedMinutesWatched / 60),
  avg_watch_time_s (= averageViewDuration) from Analytics; completion_rate = averageViewPercentage / 100,
  capped at 1.0 (looping Shorts exceed 100 %; the raw value stays in raw_metrics); retention_early =
  audienceWatchRatio at elapsedVideoTimeRatio ≈ 0.10, fetched for videos younger than 30 days only;
  duration_s from ISO-8601 `contentDetails.duration` (PT1M5S → 65; P0D, i.e. live/upcoming → None);
  saves None, reach None.
- type: duration ≤ 180 s → short, else video (no official Shorts flag; §2.6 heuristic).
Analytics days are the API's own (US Pacific) dates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from shared import clock
from shared.platforms.models import (
    METRICS_REFRESH_DAYS,
    AccountSnapshot,
    PostRecord,
    PostType,
    Profile,
    RawPage,
    TokenSet,
    as_float,
    as_int,
    fetched_date,
    merge_snapshots,
    metrics_cutoff,
    parse_time,
    ratio,
    raw_page,
)
from shared.platforms.transport import (
    MalformedResponse,
    PermissionMissing,
    PlatformClient,
    PlatformError,
    PlatformLimits,
    RateLimited,
    RequestRejected,
    TokenExpired,
    TokenRevoked,
    UpstreamError,
    client_credentials,
    error_text,
    expires_at,
    retry_after_seconds,
    s256_challenge,
)

PLATFORM = "youtube"
SCOPES = ("https://www.googleapis.com/auth/youtube.readonly", "https://www.googleapis.com/auth/yt-analytics.readonly")
supports_pkce = True
supports_revoke = True

DAILY_METRICS = (
    "views",
    "estimatedMinutesWatched",
    "likes",
    "comments",
    "shares",
    "subscribersGained",
    "subscribersLost",
)
VIDEO_METRICS = (
    "views",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "averageViewPercentage",
    "likes",
    "comments",
    "shares",
)
SHORTS_MAX_S = 180
EARLY_RATIO = 0.10
REPORT_PAGE = 200
RETENTION_MAX_VIDEOS = 25
_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
_THROTTLE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_MAX_PAGES = 400


def open_client(settings: Any = None, limits: PlatformLimits | None = None, **kw: Any) -> PlatformClient:
    """A client for one ingest run: `async with youtube.open_client(settings) as client`."""
    return PlatformClient(PLATFORM, settings=settings, classify=classify_error, limits=limits, **kw)


def pkce_challenge(verifier: str) -> str | None:
    return s256_challenge(verifier)


# ---------------------------------------------------------------- errors


def classify_error(status: int, body: Any, headers: Any) -> PlatformError | None:
    """Google API envelope `{"error": {code, status, errors[].reason}}` or OAuth `{"error": "invalid_grant"}`."""
    if not isinstance(body, dict) or "error" not in body:
        return None
    err = body["error"]
    if isinstance(err, str):  # token endpoint (RFC 6749)
        message = f"{err}: {error_text(body, 'error_description')}"
        if err == "invalid_grant":
            return TokenRevoked(PLATFORM, message, status=status, code=err)
        return RequestRejected(PLATFORM, message, status=status, code=err)
    if not isinstance(err, dict):
        return None
    reasons = {e.get("reason") for e in err.get("errors") or [] if isinstance(e, dict)}
    message = (
        f"HTTP {status} {err.get('status') or ''} {','.join(sorted(r for r in reasons if r))}: "
        f"{error_text(err, 'message')}"
    )
    if reasons & _QUOTA_REASONS:
        return RateLimited(PLATFORM, message, status=status, retry_after=seconds_until_pacific_midnight())
    if reasons & _THROTTLE_REASONS or status == 429:
        return RateLimited(PLATFORM, message, status=status, retry_after=retry_after_seconds(headers))
    if status == 401:
        return TokenExpired(PLATFORM, message, status=status)
    if status == 403:
        return PermissionMissing(PLATFORM, message, status=status)
    if status >= 500:
        return UpstreamError(PLATFORM, message, status=status)
    return RequestRejected(PLATFORM, message, status=status) if status >= 400 else None


def seconds_until_pacific_midnight(now: dt.datetime | None = None) -> float:
    """Daily quota resets at midnight US Pacific time."""
    try:
        from zoneinfo import ZoneInfo

        pacific: dt.tzinfo = ZoneInfo("America/Los_Angeles")
    except (ImportError, KeyError):  # no tz database: PST is close enough for a deferral
        pacific = dt.timezone(dt.timedelta(hours=-8))
    local = (now or clock.now()).astimezone(pacific)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), pacific)
    return (midnight - local).total_seconds()


# ---------------------------------------------------------------- OAuth


def authorize_url(settings: Any, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
    client_id, _ = client_credentials(settings, PLATFORM)
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
    }
    if code_challenge:
        query |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    return f"{settings.host_url('accounts.google.com')}/o/oauth2/v2/auth?{urlencode(query)}"


async def exchange_code(
    client: PlatformClient, settings: Any, *, code: str, redirect_uri: str, code_verifier: str | None = None
) -> TokenSet:
    client_id, secret = client_credentials(settings, PLATFORM)
    form = {
        "code": code,
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uri": redirect_uri,
        "grant_type": "authorization_code",
    }
    if code_verifier:
        form["code_verifier"] = code_verifier
    body = await client.post(f"{settings.host_url('oauth2.googleapis.com')}/token", data=form)
    return _token_set(body)


async def refresh(client: PlatformClient, settings: Any, tokens: TokenSet) -> TokenSet:
    """refresh_token grant; Google normally returns no new refresh token, so the old one is kept."""
    if tokens.refresh_token is None:
        raise TokenRevoked(PLATFORM, "no refresh token stored; reconnect needed")
    client_id, secret = client_credentials(settings, PLATFORM)
    try:
        body = await client.post(
            f"{settings.host_url('oauth2.googleapis.com')}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token.get_secret_value(),
                "client_id": client_id,
                "client_secret": secret,
            },
        )
    except TokenExpired as error:
        raise TokenRevoked(PLATFORM, "refresh refused; reconnect needed", status=error.status) from None
    return _token_set(body, previous=tokens)


async def revoke(client: PlatformClient, settings: Any, tokens: TokenSet) -> bool:
    """Revoke the grant (the refresh token when there is one, which also kills its access tokens)."""
    token = (tokens.refresh_token or tokens.access_token).get_secret_value()
    await client.post(
        f"{settings.host_url('oauth2.googleapis.com')}/revoke",
        token=token,
        token_param="token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return True


def _token_set(body: dict[str, Any], previous: TokenSet | None = None) -> TokenSet:
    if not body.get("access_token"):
        raise MalformedResponse(PLATFORM, "token response has no access_token", retryable=False)
    scope = body.get("scope")
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or (previous.refresh_token if previous else None),
        access_expires_at=expires_at(body.get("expires_in")),
        refresh_expires_at=expires_at(body.get("refresh_token_expires_in"))
        or (previous.refresh_expires_at if previous else None),
        scopes=scope.split() if isinstance(scope, str) else list(previous.scopes if previous else []),
        platform_user_id=previous.platform_user_id if previous else None,
        token_type=str(body.get("token_type") or "bearer").lower(),
    )


# ---------------------------------------------------------------- profile and data


async def _get(
    client: PlatformClient,
    endpoint: str,
    host: str,
    path: str,
    params: dict[str, Any],
    token: str,
    pages: list[RawPage],
) -> Any:
    body = await client.get(f"{client.host_url(host)}{path}", params=params, token=token)
    pages.append(raw_page(endpoint, params, body))
    return body


async def _channel(client: PlatformClient, token: str, pages: list[RawPage]) -> dict[str, Any]:
    params = {"part": "snippet,statistics,contentDetails", "mine": "true"}
    body = await client.get_shared(
        f"{client.host_url('www.googleapis.com')}/youtube/v3/channels", params=params, token=token
    )
    pages.append(raw_page("channels", params, body))
    items = body.get("items") or []
    if not items:
        raise RequestRejected(PLATFORM, "the account has no YouTube channel")
    return items[0]


async def fetch_profile(client: PlatformClient, access_token: str, pages: list[RawPage] | None = None) -> Profile:
    channel = await _channel(client, access_token, [] if pages is None else pages)
    stats, snippet = channel.get("statistics") or {}, channel.get("snippet") or {}
    return Profile(
        platform=PLATFORM,
        platform_user_id=channel["id"],
        username=snippet.get("customUrl"),
        display_name=snippet.get("title"),
        followers=_subscribers(stats),
        media_count=as_int(stats.get("videoCount")),
        extra={"uploads_playlist": _uploads(channel), "view_count": as_int(stats.get("viewCount"))},
    )


def _subscribers(stats: dict[str, Any]) -> int | None:
    return None if stats.get("hiddenSubscriberCount") else as_int(stats.get("subscriberCount"))


def _uploads(channel: dict[str, Any]) -> str | None:
    return ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")


async def _report(
    client: PlatformClient, endpoint: str, params: dict[str, Any], token: str, pages: list[RawPage]
) -> Any:
    return await _get(
        client,
        endpoint,
        "youtubeanalytics.googleapis.com",
        "/v2/reports",
        {"ids": "channel==MINE", **params},
        token,
        pages,
    )


async def fetch_snapshots(
    client: PlatformClient, access_token: str, since: dt.date, until: dt.date
) -> tuple[list[AccountSnapshot], list[RawPage]]:
    """Daily channel report (dimensions=day) in ≤ 90-day requests, plus today's subscriber count."""
    pages: list[RawPage] = []
    await _channel(client, access_token, pages)
    start = since
    while start <= until:
        end = min(until, start + dt.timedelta(days=89))
        await _report(
            client,
            "channel_daily",
            {
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "metrics": ",".join(DAILY_METRICS),
                "dimensions": "day",
                "sort": "day",
            },
            access_token,
            pages,
        )
        start = end + dt.timedelta(days=1)
    return normalize_snapshots(pages), pages


def report_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Analytics resultTable → one dict per row keyed by column name (rows are omitted when empty)."""
    names = [h.get("name") for h in body.get("columnHeaders") or []]
    return [dict(zip(names, row)) for row in body.get("rows") or []]


def normalize_snapshots(raw_pages: list[RawPage]) -> list[AccountSnapshot]:
    snapshots: list[AccountSnapshot] = []
    for page in raw_pages:
        body = page.get("body") or {}
        if page["endpoint"] == "channels" and body.get("items"):
            snapshots.append(
                AccountSnapshot(
                    platform=PLATFORM,
                    snapshot_date=fetched_date(page),
                    followers=_subscribers(body["items"][0].get("statistics") or {}),
                )
            )
        elif page["endpoint"] == "channel_daily":
            for row in report_rows(body):
                views, minutes = as_int(row.get("views")), as_float(row.get("estimatedMinutesWatched"))
                likes, comments, shares = (as_int(row.get(k)) for k in ("likes", "comments", "shares"))
                engagements = None if None in (likes, comments, shares) else likes + comments + shares  # type: ignore[operator]
                gained, lost = as_int(row.get("subscribersGained")), as_int(row.get("subscribersLost"))
                snapshots.append(
                    AccountSnapshot(
                        platform=PLATFORM,
                        snapshot_date=dt.date.fromisoformat(row["day"]),
                        views=views,
                        engagements=engagements,
                        engagement_rate=ratio(engagements, views),
                        likes=likes,
                        comments=comments,
                        shares=shares,
                        watch_time_hrs=minutes / 60 if minutes is not None else None,
                        follower_change=gained - lost if gained is not None and lost is not None else None,
                    )
                )
    return merge_snapshots(snapshots)


async def fetch_posts(
    client: PlatformClient, access_token: str, since: dt.datetime | None = None
) -> tuple[list[PostRecord], list[RawPage]]:
    """Uploads playlist (pageToken) → videos.list in ≤ 50-id batches → per-video Analytics → retention.

    Incremental: playlist paging stops at posts older than `metrics_cutoff(since)`.
    """
    pages: list[RawPage] = []
    channel = await _channel(client, access_token, pages)
    cutoff = metrics_cutoff(since)
    video_ids: list[str] = []
    params: dict[str, Any] = {"part": "contentDetails,snippet", "playlistId": _uploads(channel), "maxResults": 50}
    for _ in range(_MAX_PAGES):
        body = await _get(
            client, "playlist_items", "www.googleapis.com", "/youtube/v3/playlistItems", params, access_token, pages
        )
        items = body.get("items") or []
        fresh = [i for i in items if cutoff is None or (_published(i) or cutoff) >= cutoff]
        video_ids.extend(i["contentDetails"]["videoId"] for i in fresh)
        if len(fresh) < len(items) or not body.get("nextPageToken"):
            break
        params = {**params, "pageToken": body["nextPageToken"]}
    if not video_ids:
        return normalize_posts(pages), pages
    batches = [video_ids[i : i + 50] for i in range(0, len(video_ids), 50)]
    results = await asyncio.gather(
        *(
            _get(
                client,
                "videos",
                "www.googleapis.com",
                "/youtube/v3/videos",
                {"part": "snippet,contentDetails,statistics", "id": ",".join(batch)},
                access_token,
                pages,
            )
            for batch in batches
        )
    )
    published = [parse_time((v.get("snippet") or {}).get("publishedAt")) for r in results for v in r.get("items") or []]
    first_day = min((p.date() for p in published if p), default=_today())
    await _video_analytics(client, access_token, first_day, pages)
    young = [
        v["id"]
        for v, p in zip((v for r in results for v in r.get("items") or []), published)
        if p and p >= clock.now() - dt.timedelta(days=METRICS_REFRESH_DAYS)
    ]
    await asyncio.gather(
        *(_retention(client, access_token, vid, first_day, pages) for vid in young[:RETENTION_MAX_VIDEOS])
    )
    return normalize_posts(pages), pages


async def _video_analytics(client: PlatformClient, token: str, first_day: dt.date, pages: list[RawPage]) -> None:
    start_index = 1
    for _ in range(_MAX_PAGES):
        body = await _report(
            client,
            "video_analytics",
            {
                "startDate": first_day.isoformat(),
                "endDate": _today().isoformat(),
                "metrics": ",".join(VIDEO_METRICS),
                "dimensions": "video",
                "sort": "-views",
                "maxResults": REPORT_PAGE,
                "startIndex": start_index,
            },
            token,
            pages,
        )
        if len(body.get("rows") or []) < REPORT_PAGE:
            return
        start_index += REPORT_PAGE


async def _retention(
    client: PlatformClient, token: str, video_id: str, first_day: dt.date, pages: list[RawPage]
) -> None:
    try:
        await _report(
            client,
            "video_retention",
            {
                "startDate": first_day.isoformat(),
                "endDate": _today().isoformat(),
                "metrics": "audienceWatchRatio,relativeRetentionPerformance",
                "dimensions": "elapsedVideoTimeRatio",
                "filters": f"video=={video_id}",
            },
            token,
            pages,
        )
    except (RequestRejected, PermissionMissing):
        return  # too few views for a curve is not a failure of the run


def _published(item: dict[str, Any]) -> dt.datetime | None:
    return parse_time(
        (item.get("contentDetails") or {}).get("videoPublishedAt") or (item.get("snippet") or {}).get("publishedAt")
    )


def parse_duration(value: str | None) -> float | None:
    """ISO-8601 duration → seconds (PT1M5S → 65.0, P0D → 0.0); None when absent or unparsable."""
    match = _DURATION.match(value or "")
    if not value or not match:
        return None
    weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def normalize_posts(raw_pages: list[RawPage]) -> list[PostRecord]:
    videos: dict[str, dict[str, Any]] = {}
    analytics: dict[str, dict[str, Any]] = {}
    retention: dict[str, list[dict[str, Any]]] = {}
    for page in raw_pages:
        body = page.get("body") or {}
        if page["endpoint"] == "videos":
            videos.update({v["id"]: v for v in body.get("items") or []})
        elif page["endpoint"] == "video_analytics":
            analytics.update({row["video"]: row for row in report_rows(body) if row.get("video")})
        elif page["endpoint"] == "video_retention":
            retention[page["params"]["filters"].removeprefix("video==")] = report_rows(body)
    return [_post(v, analytics.get(vid, {}), retention.get(vid)) for vid, v in videos.items()]


def _early_retention(rows: list[dict[str, Any]] | None) -> float | None:
    points = [(as_float(r.get("elapsedVideoTimeRatio")), as_float(r.get("audienceWatchRatio"))) for r in rows or []]
    points = [(x, y) for x, y in points if x is not None and y is not None]
    if not points:
        return None
    return min(points, key=lambda p: abs(p[0] - EARLY_RATIO))[1]  # type: ignore[operator]


def _post(video: dict[str, Any], row: dict[str, Any], retention: list[dict[str, Any]] | None) -> PostRecord:
    snippet, stats = video.get("snippet") or {}, video.get("statistics") or {}
    duration = parse_duration((video.get("contentDetails") or {}).get("duration")) or None
    kind: PostType = "short" if duration is not None and duration <= SHORTS_MAX_S else "video"
    minutes, percent = as_float(row.get("estimatedMinutesWatched")), as_float(row.get("averageViewPercentage"))
    thumbs = snippet.get("thumbnails") or {}
    thumb = next((thumbs[k]["url"] for k in ("high", "medium", "default") if k in thumbs), None)
    url_path = f"shorts/{video['id']}" if kind == "short" else f"watch?v={video['id']}"
    raw = {k: v for k, v in row.items() if k != "video"}
    if retention:
        raw["retention_curve"] = [[r.get("elapsedVideoTimeRatio"), r.get("audienceWatchRatio")] for r in retention]
    return PostRecord(
        platform=PLATFORM,
        platform_post_id=video["id"],
        title=snippet.get("title"),
        caption=snippet.get("description") or None,
        type=kind,
        posted_at=parse_time(snippet["publishedAt"]),
        url=f"https://www.youtube.com/{url_path}",
        thumbnail_url=thumb,
        duration_s=duration,
        views=_first_int(stats.get("viewCount"), row.get("views")),
        likes=_first_int(stats.get("likeCount"), row.get("likes")),
        comments=_first_int(stats.get("commentCount"), row.get("comments")),
        shares=as_int(row.get("shares")),
        watch_time_hrs=minutes / 60 if minutes is not None else None,
        avg_watch_time_s=as_float(row.get("averageViewDuration")),
        completion_rate=min(1.0, percent / 100) if percent is not None else None,
        retention_early=_early_retention(retention),
        raw_metrics=raw,
    )


def _first_int(*values: Any) -> int | None:
    return next((as_int(v) for v in values if as_int(v) is not None), None)


def _today() -> dt.date:
    return clock.today()
