"""Instagram (API with Instagram Login, graph.instagram.com): OAuth, daily account insights, media + insights.

Mapping (docs/platform-apis.md §1.5, §1.6, §5):
- account views = `views`; reach = `reach` (unique, estimated); engagements = `total_interactions`;
  engagement_rate = total_interactions / reach; saves = `saves`, shares, likes, comments as named;
  outbound_clicks = `profile_links_taps`; follower_change = follows − unfollows from
  `follows_and_unfollows` by follow_type (FOLLOWER − NON_FOLLOWER; None under 100 followers);
  followers = `followers_count` of /me, only on the day it was fetched (no history exists);
  profile_visits and account watch time are not exposed → None.
- posts: views = `views`, reach = `reach`, saves = `saved`, likes/comments from insights (list counts as
  fallback); watch_time_hrs = `ig_reels_video_view_total_time` (ms) / 3.6e6; avg_watch_time_s =
  `ig_reels_avg_watch_time` (ms) / 1000; skip_rate = `reels_skip_rate` / 100. No duration field on IG
  media → duration_s and completion_rate are None.
- type: media_product_type REELS → reel, STORY → story; otherwise media_type CAROUSEL_ALBUM → carousel,
  VIDEO → video, IMAGE → image.
Days are UTC; each day's insights come from one since/until window of that day (well under the
assumed 30-day cap). The access token travels in the query string: it is added by the transport,
never recorded in raw params, and stripped from archived paging links.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from shared.platforms.models import (
    AccountSnapshot,
    PostRecord,
    PostType,
    Profile,
    RawPage,
    TokenSet,
    as_float,
    as_int,
    as_number,
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
    query_params,
    retry_after_seconds,
    scrub_body,
)

PLATFORM = "instagram"
GRAPH_VERSION = "v25.0"
SCOPES = ("instagram_business_basic", "instagram_business_manage_insights")
supports_pkce = False  # not documented for Instagram Login: state + server-side secret instead
supports_revoke = False  # no revoke endpoint: the user removes the app in Instagram settings

ACCOUNT_METRICS = (
    "reach",
    "views",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "saves",
    "shares",
    "profile_links_taps",
)
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count,thumbnail_url,media_url"
)
FEED_METRICS = ("views", "reach", "likes", "comments", "saved", "shares", "total_interactions")
REELS_METRICS = FEED_METRICS + ("ig_reels_avg_watch_time", "ig_reels_video_view_total_time", "reels_skip_rate")
_THROTTLE_CODES = {4, 17, 32, 613, 80002}
_MAX_PAGES = 400  # the media edge returns at most the 10k most recent media


def open_client(settings: Any = None, limits: PlatformLimits | None = None, **kw: Any) -> PlatformClient:
    """A client for one ingest run: `async with instagram.open_client(settings) as client`."""
    return PlatformClient(PLATFORM, settings=settings, classify=classify_error, limits=limits, **kw)


def pkce_challenge(verifier: str) -> str | None:
    """Instagram Login takes no PKCE challenge."""
    return None


# ---------------------------------------------------------------- errors


def classify_error(status: int, body: Any, headers: Any) -> PlatformError | None:
    """Graph error envelope → typed error; branch on error.code, not on HTTP status (§1.4)."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code, sub = as_int(err.get("code")), as_int(err.get("error_subcode"))
        message = f"({code}/{sub}) {error_text(err, 'message')}"
        if code in (190, 102):
            cls = TokenExpired if sub == 463 else TokenRevoked
            return cls(PLATFORM, message, status=status, code=code)
        if code in _THROTTLE_CODES:
            wait = buc_wait_seconds(headers) or retry_after_seconds(headers)
            return RateLimited(PLATFORM, message, status=status, code=code, retry_after=wait)
        if code == 10 or (code is not None and 200 <= code <= 299):
            return PermissionMissing(PLATFORM, message, status=status, code=code)
        if code in (1, 2) or status >= 500:
            return UpstreamError(PLATFORM, message, status=status, code=code)
        return RequestRejected(PLATFORM, message, status=status, code=code)
    if isinstance(body, dict) and "error_type" in body:  # api.instagram.com token endpoint
        return RequestRejected(
            PLATFORM,
            f"{body.get('error_type')}: {error_text(body, 'error_message')}",
            status=status,
            code=body.get("code"),
        )
    return None


def buc_wait_seconds(headers: Any) -> float | None:
    """Longest `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage, in seconds."""
    raw = headers.get("x-business-use-case-usage") if headers is not None else None
    try:
        usage = json.loads(raw) if raw else {}
        minutes = [
            as_float(entry.get("estimated_time_to_regain_access")) or 0.0
            for entries in usage.values()
            for entry in entries
        ]
    except (ValueError, AttributeError, TypeError):
        return None
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


# ---------------------------------------------------------------- OAuth


def authorize_url(settings: Any, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
    """Consent URL on www.instagram.com (api.instagram.com/oauth/authorize no longer redirects)."""
    client_id, _ = client_credentials(settings, PLATFORM)
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": ",".join(SCOPES),
        "state": state,
    }
    return f"{settings.host_url('www.instagram.com')}/oauth/authorize?{urlencode(query)}"


async def exchange_code(
    client: PlatformClient, settings: Any, *, code: str, redirect_uri: str, code_verifier: str | None = None
) -> TokenSet:
    """Code → short-lived token (1 h) → long-lived token (60 days)."""
    client_id, secret = client_credentials(settings, PLATFORM)
    body = await client.post(
        f"{settings.host_url('api.instagram.com')}/oauth/access_token",
        data={
            "client_id": client_id,
            "client_secret": secret,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code": code.removesuffix("#_"),
        },
    )
    short = body["data"][0] if isinstance(body.get("data"), list) and body["data"] else body
    if not short.get("access_token"):
        raise _malformed("code exchange returned no access_token")
    long = await client.get(
        f"{settings.host_url('graph.instagram.com')}/access_token",
        params={"grant_type": "ig_exchange_token", "client_secret": secret},
        token=short["access_token"],
        token_param="access_token",
    )
    permissions = short.get("permissions") or []
    scopes = permissions.split(",") if isinstance(permissions, str) else list(permissions)
    return _token_set(long, scopes=scopes, user_id=short.get("user_id"))


async def refresh(client: PlatformClient, settings: Any, tokens: TokenSet) -> TokenSet:
    """Instagram refreshes the long-lived access token itself (must be ≥ 24 h old and unexpired)."""
    try:
        body = await client.get(
            f"{settings.host_url('graph.instagram.com')}/refresh_access_token",
            params={"grant_type": "ig_refresh_token"},
            token=tokens.access_token.get_secret_value(),
            token_param="access_token",
        )
    except TokenExpired as error:  # an expired Instagram token cannot be refreshed: log in again
        raise TokenRevoked(
            PLATFORM, "token expired before it was refreshed; reconnect needed", status=error.status, code=error.code
        ) from None
    return _token_set(body, scopes=tokens.scopes, user_id=tokens.platform_user_id)


async def revoke(client: PlatformClient, settings: Any, tokens: TokenSet) -> bool:
    """No revoke endpoint for Instagram Login; returns False (the caller just deletes the tokens)."""
    return False


def _token_set(body: dict[str, Any], *, scopes: list[str], user_id: Any) -> TokenSet:
    if not body.get("access_token"):
        raise _malformed("token response has no access_token")
    return TokenSet(
        access_token=body["access_token"],
        access_expires_at=expires_at(body.get("expires_in")),
        scopes=[s.strip() for s in scopes if s.strip()],
        platform_user_id=str(user_id) if user_id is not None else None,
        token_type=str(body.get("token_type") or "bearer").lower(),
    )


def _malformed(message: str) -> PlatformError:
    return MalformedResponse(PLATFORM, message, retryable=False)


# ---------------------------------------------------------------- profile and data


async def _get(
    client: PlatformClient,
    endpoint: str,
    path: str,
    params: dict[str, Any],
    token: str,
    pages: list[RawPage],
    record: dict[str, Any] | None = None,
) -> Any:
    """GET a Graph path, archive the scrubbed body under `endpoint` with params (+ join keys in `record`)."""
    url = f"{client.host_url('graph.instagram.com')}/{GRAPH_VERSION}/{path}"
    body = await client.get(url, params=params, token=token, token_param="access_token")
    pages.append(raw_page(endpoint, {**params, **(record or {})}, scrub_body(body)))
    return body


async def fetch_profile(client: PlatformClient, access_token: str, pages: list[RawPage] | None = None) -> Profile:
    pages = [] if pages is None else pages
    params = {"fields": "user_id,username,account_type,followers_count,follows_count,media_count,profile_picture_url"}
    url = f"{client.host_url('graph.instagram.com')}/{GRAPH_VERSION}/me"
    body = await client.get_shared(url, params=params, token=access_token, token_param="access_token")
    pages.append(raw_page("me", params, scrub_body(body)))
    return _profile(body)


def _profile(body: dict[str, Any]) -> Profile:
    return Profile(
        platform=PLATFORM,
        platform_user_id=str(body.get("user_id") or body.get("id")),
        username=body.get("username"),
        followers=as_int(body.get("followers_count")),
        following=as_int(body.get("follows_count")),
        media_count=as_int(body.get("media_count")),
        extra={k: body[k] for k in ("account_type", "profile_picture_url") if k in body},
    )


async def fetch_snapshots(
    client: PlatformClient, access_token: str, since: dt.date, until: dt.date
) -> tuple[list[AccountSnapshot], list[RawPage]]:
    """Daily account insights for since..until (inclusive, UTC days) plus today's follower count."""
    pages: list[RawPage] = []
    profile = await fetch_profile(client, access_token, pages)
    days = [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]
    path = f"{profile.platform_user_id}/insights"

    async def day_metrics(day: dt.date) -> None:
        await _get(
            client,
            "account_insights",
            path,
            {"metric": ",".join(ACCOUNT_METRICS), "period": "day", "metric_type": "total_value", **_day_window(day)},
            access_token,
            pages,
        )

    async def day_follows(day: dt.date) -> bool:
        try:
            await _get(
                client,
                "account_follows",
                path,
                {
                    "metric": "follows_and_unfollows",
                    "period": "day",
                    "metric_type": "total_value",
                    "breakdown": "follow_type",
                    **_day_window(day),
                },
                access_token,
                pages,
            )
            return True
        except (PermissionMissing, RequestRejected):  # refused under 100 followers: unknown, not 0
            return False

    await asyncio.gather(*(day_metrics(day) for day in days))
    if days and await day_follows(days[0]):  # probe once before asking for every day
        await asyncio.gather(*(day_follows(day) for day in days[1:]))
    return normalize_snapshots(pages), pages


def _day_window(day: dt.date) -> dict[str, int]:
    start = int(dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp())
    return {"since": start, "until": start + 86_399}


def normalize_snapshots(raw_pages: list[RawPage]) -> list[AccountSnapshot]:
    """Rebuild daily snapshots from archived `me`, `account_insights` and `account_follows` pages."""
    snapshots: list[AccountSnapshot] = []
    for page in raw_pages:
        body = page.get("body") or {}
        if page["endpoint"] == "me":
            snapshots.append(
                AccountSnapshot(
                    platform=PLATFORM, snapshot_date=fetched_date(page), followers=as_int(body.get("followers_count"))
                )
            )
        elif page["endpoint"] in ("account_insights", "account_follows"):
            day = dt.datetime.fromtimestamp(int(page["params"]["since"]), dt.timezone.utc).date()
            values = {item.get("name"): item for item in body.get("data") or []}
            if page["endpoint"] == "account_follows":
                snapshots.append(
                    AccountSnapshot(
                        platform=PLATFORM,
                        snapshot_date=day,
                        follower_change=_net_follows(values.get("follows_and_unfollows")),
                    )
                )
                continue
            metric = {name: _metric_value(item) for name, item in values.items()}
            reach, engagements = metric.get("reach"), metric.get("total_interactions")
            snapshots.append(
                AccountSnapshot(
                    platform=PLATFORM,
                    snapshot_date=day,
                    reach=reach,
                    views=metric.get("views"),
                    engagements=engagements,
                    engagement_rate=ratio(engagements, reach),
                    saves=metric.get("saves"),
                    shares=metric.get("shares"),
                    comments=metric.get("comments"),
                    likes=metric.get("likes"),
                    outbound_clicks=metric.get("profile_links_taps"),
                )
            )
    return merge_snapshots(snapshots)


def _metric_value(item: dict[str, Any] | None) -> int | float | None:
    """`total_value.value`, or the last `values[].value` of a time_series/lifetime metric."""
    if not item:
        return None
    total = item.get("total_value")
    if isinstance(total, dict) and "value" in total:
        return as_number(total["value"])
    values = item.get("values") or []
    return as_number(values[-1].get("value")) if values else None


def _net_follows(item: dict[str, Any] | None) -> int | None:
    if not item:
        return None
    by_type: dict[str, int] = {}
    for breakdown in (item.get("total_value") or {}).get("breakdowns") or []:
        for result in breakdown.get("results") or []:
            key = (result.get("dimension_values") or [None])[0]
            if key and as_int(result.get("value")) is not None:
                by_type[str(key).upper()] = as_int(result["value"])  # type: ignore[assignment]
    if "FOLLOWER" not in by_type and "NON_FOLLOWER" not in by_type:
        return None
    return by_type.get("FOLLOWER", 0) - by_type.get("NON_FOLLOWER", 0)


async def fetch_posts(
    client: PlatformClient, access_token: str, since: dt.datetime | None = None
) -> tuple[list[PostRecord], list[RawPage]]:
    """Media newest-first via cursor paging, then per-media insights.

    Incremental: paging stops once posts are older than `metrics_cutoff(since)` (since, or 30 days ago
    when that is earlier, so young posts' growing metrics are refreshed).
    """
    pages: list[RawPage] = []
    profile = await fetch_profile(client, access_token, pages)
    cutoff = metrics_cutoff(since)
    params: dict[str, Any] = {"fields": MEDIA_FIELDS, "limit": 50}
    media: list[dict[str, Any]] = []
    for _ in range(_MAX_PAGES):
        body = await _get(client, "media", f"{profile.platform_user_id}/media", params, access_token, pages)
        items = body.get("data") or []
        fresh = [m for m in items if cutoff is None or _timestamp(m) >= cutoff]
        media.extend(fresh)
        paging = body.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after") or query_params(paging.get("next") or "").get("after")
        if len(fresh) < len(items) or not paging.get("next") or not after:
            break
        params = {**params, "after": after}
    await asyncio.gather(
        *(_media_insights(client, access_token, m, pages) for m in media if m.get("media_product_type") != "STORY")
    )
    return normalize_posts(pages), pages


async def _media_insights(client: PlatformClient, token: str, media: dict[str, Any], pages: list[RawPage]) -> None:
    metrics = REELS_METRICS if media.get("media_product_type") == "REELS" else FEED_METRICS
    path, record = f"{media['id']}/insights", {"media_id": media["id"]}
    try:
        await _get(client, "media_insights", path, {"metric": ",".join(metrics)}, token, pages, record)
        return
    except (RequestRejected, PermissionMissing):
        pass  # one invalid metric fails the whole call (§1.6): fall back metric by metric
    for metric in metrics:
        try:
            await _get(client, "media_insights", path, {"metric": metric}, token, pages, record)
        except (RequestRejected, PermissionMissing):
            continue


def _timestamp(media: dict[str, Any]) -> dt.datetime:
    return parse_time(media["timestamp"])  # type: ignore[return-value]


def normalize_posts(raw_pages: list[RawPage]) -> list[PostRecord]:
    """Rebuild posts from archived `media` and `media_insights` pages."""
    media: dict[str, dict[str, Any]] = {}
    insights: dict[str, dict[str, Any]] = {}
    for page in raw_pages:
        body = page.get("body") or {}
        if page["endpoint"] == "media":
            for item in body.get("data") or []:
                media[str(item["id"])] = item
        elif page["endpoint"] == "media_insights":
            target = insights.setdefault(str(page["params"]["media_id"]), {})
            for item in body.get("data") or []:
                target[item.get("name")] = _metric_value(item)
    return [
        _post(item, insights.get(media_id, {}))
        for media_id, item in media.items()
        if item.get("media_product_type") != "STORY" or media_id in insights
    ]


def _post(item: dict[str, Any], metric: dict[str, Any]) -> PostRecord:
    avg_ms, total_ms, skip = (
        metric.get("ig_reels_avg_watch_time"),
        metric.get("ig_reels_video_view_total_time"),
        metric.get("reels_skip_rate"),
    )
    caption = item.get("caption")
    return PostRecord(
        platform=PLATFORM,
        platform_post_id=str(item["id"]),
        title=None,
        caption=caption,
        type=post_type(item),
        posted_at=_timestamp(item),
        url=item.get("permalink"),
        thumbnail_url=item.get("thumbnail_url") or item.get("media_url"),
        views=metric.get("views"),
        reach=metric.get("reach"),
        likes=metric["likes"] if metric.get("likes") is not None else as_int(item.get("like_count")),
        comments=metric["comments"] if metric.get("comments") is not None else as_int(item.get("comments_count")),
        saves=metric.get("saved"),
        shares=metric.get("shares"),
        watch_time_hrs=total_ms / 3_600_000 if total_ms is not None else None,
        avg_watch_time_s=avg_ms / 1000 if avg_ms is not None else None,
        skip_rate=skip / 100 if skip is not None else None,
        raw_metrics={k: v for k, v in metric.items() if v is not None},
    )


def post_type(item: dict[str, Any]) -> PostType:
    product, kind = item.get("media_product_type"), item.get("media_type")
    if product == "REELS":
        return "reel"
    if product == "STORY":
        return "story"
    return {"CAROUSEL_ALBUM": "carousel", "VIDEO": "video"}.get(kind or "", "image")  # type: ignore[return-value]
