"""Pinterest (API v5): OAuth with HTTP Basic client auth, daily account analytics, pins + pin analytics.

Mapping (docs/platform-apis.md §3, §5):
- account views = `IMPRESSION` (pin shown; no unique reach → reach None); saves = `SAVE`;
  outbound_clicks = `OUTBOUND_CLICK`; engagements = `ENGAGEMENT`; engagement_rate = ENGAGEMENT /
  IMPRESSION (our definition, not Pinterest's ENGAGEMENT_RATE); profile_visits = `PROFILE_VISIT` when sent;
  followers = `follower_count` of /v5/user_account on the day fetched; follower_change None (no history);
  shares/likes/comments/watch time None. Only `data_status == READY` days count.
- pins: views = `IMPRESSION`, saves = `SAVE`, pin_clicks = `PIN_CLICK`, outbound_clicks = `OUTBOUND_CLICK`,
  comments = `TOTAL_COMMENTS`, likes = `TOTAL_REACTIONS`, shares None (no such metric), reach None;
  video pins: completion_rate = QUARTILE_95_PERCENT_VIEW / VIDEO_START, avg_watch_time_s =
  VIDEO_AVG_WATCH_TIME / 1000 and watch_time_hrs = VIDEO_V50_WATCH_TIME / 3.6e6 (⚠️ both assumed ms,
  unit unverified; raw values kept in raw_metrics); duration_s = media duration (ms) / 1000.
  Analytics reach back 90 days only: pins created within 90 days get /pins/analytics over that window
  (= lifetime); older pins keep the list's `pin_metrics.lifetime_metrics`.
- type: creative_type IDEA → idea_pin; VIDEO (or video media) → video; CAROUSEL / multiple_* → carousel;
  otherwise pin.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from shared import clock
from shared.platforms.models import (
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
)

PLATFORM = "pinterest"
SCOPES = ("user_accounts:read", "pins:read", "boards:read")
supports_pkce = False  # not documented in the v5 spec
supports_revoke = False  # /oauth/token/revoke is for system-user tokens only

HISTORY_DAYS = 90
ACCOUNT_METRICS = (
    "IMPRESSION",
    "SAVE",
    "SAVE_RATE",
    "PIN_CLICK",
    "PIN_CLICK_RATE",
    "OUTBOUND_CLICK",
    "OUTBOUND_CLICK_RATE",
    "ENGAGEMENT",
    "ENGAGEMENT_RATE",
)
PIN_METRICS = (
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "PIN_CLICK",
    "SAVE",
    "SAVE_RATE",
    "TOTAL_COMMENTS",
    "TOTAL_REACTIONS",
    "USER_FOLLOW",
    "PROFILE_VISIT",
)
VIDEO_PIN_METRICS = PIN_METRICS + (
    "VIDEO_MRC_VIEW",
    "VIDEO_10S_VIEW",
    "QUARTILE_95_PERCENT_VIEW",
    "VIDEO_V50_WATCH_TIME",
    "VIDEO_START",
    "VIDEO_AVG_WATCH_TIME",
)
BATCH_SIZE = 100
# pin_metrics (list endpoint) names → analytics names
_LIST_METRICS = {
    "impression": "IMPRESSION",
    "save": "SAVE",
    "pin_click": "PIN_CLICK",
    "outbound_click": "OUTBOUND_CLICK",
    "clickthrough": "OUTBOUND_CLICK",
    "reaction": "TOTAL_REACTIONS",
    "comment": "TOTAL_COMMENTS",
}
_MAX_PAGES = 400


def open_client(settings: Any = None, limits: PlatformLimits | None = None, **kw: Any) -> PlatformClient:
    """A client for one ingest run: `async with pinterest.open_client(settings) as client`."""
    return PlatformClient(PLATFORM, settings=settings, classify=classify_error, limits=limits, **kw)


def pkce_challenge(verifier: str) -> str | None:
    return None


# ---------------------------------------------------------------- errors


def classify_error(status: int, body: Any, headers: Any) -> PlatformError | None:
    """`{"code": int, "message"}` API errors and `{"error": "invalid_grant"}` OAuth errors."""
    if status < 400 or not isinstance(body, dict):
        return None
    if isinstance(body.get("error"), str):
        message = f"{body['error']}: {error_text(body, 'error_description', 'message')}"
        cls = TokenRevoked if body["error"] == "invalid_grant" else RequestRejected
        return cls(PLATFORM, message, status=status, code=body["error"])
    code = body.get("code")
    message = f"HTTP {status} code {code}: {error_text(body, 'message')}"
    if status == 429:
        return RateLimited(PLATFORM, message, status=status, code=code, retry_after=retry_after_seconds(headers))
    if status == 401:
        return TokenExpired(PLATFORM, message, status=status, code=code)
    if status == 403:
        return PermissionMissing(PLATFORM, message, status=status, code=code)
    if status >= 500:
        return UpstreamError(PLATFORM, message, status=status, code=code)
    return RequestRejected(PLATFORM, message, status=status, code=code)


# ---------------------------------------------------------------- OAuth


def authorize_url(settings: Any, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
    client_id, _ = client_credentials(settings, PLATFORM)
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": ",".join(SCOPES),
        "state": state,
    }
    return f"{settings.host_url('www.pinterest.com')}/oauth/?{urlencode(query)}"


async def exchange_code(
    client: PlatformClient, settings: Any, *, code: str, redirect_uri: str, code_verifier: str | None = None
) -> TokenSet:
    body = await _token_call(
        client, settings, {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    )
    return _token_set(body)


async def refresh(client: PlatformClient, settings: Any, tokens: TokenSet) -> TokenSet:
    """Continuous refresh: every refresh returns a new 60-day refresh token — store the newest."""
    if tokens.refresh_token is None:
        raise TokenRevoked(PLATFORM, "no refresh token stored; reconnect needed")
    try:
        body = await _token_call(
            client, settings, {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token.get_secret_value()}
        )
    except (TokenExpired, RequestRejected) as error:  # 400 code 1 "Invalid refresh token": the grant is gone
        raise TokenRevoked(PLATFORM, "refresh refused; reconnect needed", status=error.status) from None
    return _token_set(body, previous=tokens)


async def revoke(client: PlatformClient, settings: Any, tokens: TokenSet) -> bool:
    """Not offered for end-user tokens; returns False (the user disconnects the app on Pinterest)."""
    return False


async def _token_call(client: PlatformClient, settings: Any, form: dict[str, str]) -> dict[str, Any]:
    client_id, secret = client_credentials(settings, PLATFORM)
    return await client.post(
        f"{settings.host_url('api.pinterest.com')}/v5/oauth/token", data=form, auth=(client_id, secret)
    )


def _token_set(body: dict[str, Any], previous: TokenSet | None = None) -> TokenSet:
    if not body.get("access_token"):
        raise MalformedResponse(PLATFORM, "token response has no access_token", retryable=False)
    scope = body.get("scope")
    refresh_at = body.get("refresh_token_expires_at")
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or (previous.refresh_token if previous else None),
        access_expires_at=expires_at(body.get("expires_in")),
        refresh_expires_at=(
            parse_time(as_int(refresh_at))
            if refresh_at is not None
            else expires_at(body.get("refresh_token_expires_in"))
        ),
        scopes=scope.replace(",", " ").split() if isinstance(scope, str) else list(previous.scopes if previous else []),
        platform_user_id=previous.platform_user_id if previous else None,
        token_type=str(body.get("token_type") or "bearer").lower(),
    )


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
    body = await client.get(f"{client.host_url('api.pinterest.com')}/v5{path}", params=params, token=token)
    pages.append(raw_page(endpoint, {**params, **(record or {})}, body))
    return body


async def fetch_profile(client: PlatformClient, access_token: str, pages: list[RawPage] | None = None) -> Profile:
    body = await _get(client, "user_account", "/user_account", {}, access_token, [] if pages is None else pages)
    return Profile(
        platform=PLATFORM,
        platform_user_id=str(body.get("id") or body.get("username")),
        username=body.get("username"),
        display_name=body.get("business_name"),
        followers=as_int(body.get("follower_count")),
        following=as_int(body.get("following_count")),
        media_count=as_int(body.get("pin_count")),
        extra={k: body[k] for k in ("account_type", "board_count", "monthly_views") if k in body},
    )


async def fetch_snapshots(
    client: PlatformClient, access_token: str, since: dt.date, until: dt.date
) -> tuple[list[AccountSnapshot], list[RawPage]]:
    """Daily account analytics (only the last 90 days exist: earlier `since` is clamped) + follower count."""
    pages: list[RawPage] = []
    await fetch_profile(client, access_token, pages)
    start = max(since, _today() - dt.timedelta(days=HISTORY_DAYS - 1))
    while start <= until:
        end = min(until, start + dt.timedelta(days=HISTORY_DAYS - 1))
        await _get(
            client,
            "account_analytics",
            "/user_account/analytics",
            {"start_date": start.isoformat(), "end_date": end.isoformat(), "metric_types": ",".join(ACCOUNT_METRICS)},
            access_token,
            pages,
        )
        start = end + dt.timedelta(days=1)
    return normalize_snapshots(pages), pages


def _bucket(body: Any) -> dict[str, Any]:
    """The unsplit bucket of an analytics body (`"all"`, or the only bucket there is)."""
    if not isinstance(body, dict):
        return {}
    if isinstance(body.get("all"), dict):
        return body["all"]
    if "daily_metrics" in body or "summary_metrics" in body:
        return body
    buckets = [v for v in body.values() if isinstance(v, dict)]
    return buckets[0] if len(buckets) == 1 else {}


def normalize_snapshots(raw_pages: list[RawPage]) -> list[AccountSnapshot]:
    snapshots: list[AccountSnapshot] = []
    for page in raw_pages:
        body = page.get("body") or {}
        if page["endpoint"] == "user_account":
            snapshots.append(
                AccountSnapshot(
                    platform=PLATFORM, snapshot_date=fetched_date(page), followers=as_int(body.get("follower_count"))
                )
            )
        elif page["endpoint"] == "account_analytics":
            for day in _bucket(body).get("daily_metrics") or []:
                if day.get("data_status") != "READY":
                    continue
                m = day.get("metrics") or {}
                views, engagements = as_int(m.get("IMPRESSION")), as_int(m.get("ENGAGEMENT"))
                snapshots.append(
                    AccountSnapshot(
                        platform=PLATFORM,
                        snapshot_date=dt.date.fromisoformat(day["date"]),
                        views=views,
                        engagements=engagements,
                        engagement_rate=ratio(engagements, views),
                        saves=as_int(m.get("SAVE")),
                        outbound_clicks=as_int(m.get("OUTBOUND_CLICK")),
                        profile_visits=as_int(m.get("PROFILE_VISIT")),
                    )
                )
    return merge_snapshots(snapshots)


async def fetch_posts(
    client: PlatformClient, access_token: str, since: dt.datetime | None = None
) -> tuple[list[PostRecord], list[RawPage]]:
    """Pins by bookmark until null, then 90-day analytics for young pins (batch ≤ 100 ids, else per pin).

    Incremental: paging stops at pins older than `metrics_cutoff(since)`.
    """
    pages: list[RawPage] = []
    cutoff = metrics_cutoff(since)
    params: dict[str, Any] = {"page_size": 100, "pin_metrics": "true"}
    pins: list[dict[str, Any]] = []
    for _ in range(_MAX_PAGES):
        body = await _get(client, "pins", "/pins", params, access_token, pages)
        items = body.get("items") or []
        fresh = [p for p in items if cutoff is None or (parse_time(p.get("created_at")) or cutoff) >= cutoff]
        pins.extend(fresh)
        if len(fresh) < len(items) or not body.get("bookmark"):
            break
        params = {**params, "bookmark": body["bookmark"]}
    window_start = _today() - dt.timedelta(days=HISTORY_DAYS - 1)
    young = [
        p
        for p in pins
        if (parse_time(p.get("created_at")) or dt.datetime.min.replace(tzinfo=dt.timezone.utc)).date() >= window_start
    ]
    groups = [[p["id"] for p in young if _is_video(p) == video] for video in (False, True)]
    await asyncio.gather(
        *(
            _analytics(client, access_token, ids[i : i + BATCH_SIZE], video, window_start, pages)
            for video, ids in zip((False, True), groups)
            for i in range(0, len(ids), BATCH_SIZE)
        )
    )
    return normalize_posts(pages), pages


async def _analytics(
    client: PlatformClient, token: str, pin_ids: list[str], video: bool, start: dt.date, pages: list[RawPage]
) -> None:
    window = {
        "start_date": start.isoformat(),
        "end_date": _today().isoformat(),
        "metric_types": ",".join(VIDEO_PIN_METRICS if video else PIN_METRICS),
    }
    try:
        await _get(client, "pins_analytics", "/pins/analytics", {"pin_ids": ",".join(pin_ids), **window}, token, pages)
        return
    except RequestRejected:
        pass  # the batch endpoint's shape is unverified (§6): fall back to the documented per-pin call
    for pin_id in pin_ids:
        try:
            await _get(client, "pin_analytics", f"/pins/{pin_id}/analytics", window, token, pages, {"pin_id": pin_id})
        except RequestRejected:
            continue


def _is_video(pin: dict[str, Any]) -> bool:
    media_type = str((pin.get("media") or {}).get("media_type") or "")
    return pin.get("creative_type") == "VIDEO" or media_type == "video"


def _summary(bucket: dict[str, Any]) -> dict[str, Any]:
    """Summary + lifetime metrics of one pin; summed READY daily metrics when no summary is given."""
    metrics = dict(bucket.get("summary_metrics") or {})
    if not metrics:
        for day in bucket.get("daily_metrics") or []:
            if day.get("data_status", "READY") == "READY":
                for name, value in (day.get("metrics") or {}).items():
                    if isinstance(value, (int, float)) and not name.endswith("_RATE"):
                        metrics[name] = metrics.get(name, 0) + value
    metrics.update(bucket.get("lifetime_metrics") or {})
    return metrics


def normalize_posts(raw_pages: list[RawPage]) -> list[PostRecord]:
    pins: dict[str, dict[str, Any]] = {}
    analytics: dict[str, dict[str, Any]] = {}
    for page in raw_pages:
        body = page.get("body") or {}
        if page["endpoint"] == "pins":
            pins.update({str(p["id"]): p for p in body.get("items") or []})
        elif page["endpoint"] == "pin_analytics":
            analytics[str(page["params"]["pin_id"])] = _summary(_bucket(body))
        elif page["endpoint"] == "pins_analytics" and isinstance(body, dict):
            for pin_id, value in body.items():
                analytics[str(pin_id)] = _summary(_bucket(value))
    return [_post(pin, analytics.get(pin_id)) for pin_id, pin in pins.items()]


def _post(pin: dict[str, Any], analytics: dict[str, Any] | None) -> PostRecord:
    lifetime = (pin.get("pin_metrics") or {}).get("lifetime_metrics") or {}
    metric = {_LIST_METRICS[k]: v for k, v in lifetime.items() if k in _LIST_METRICS}
    metric.update(analytics or {})
    media = pin.get("media") or {}
    duration_ms = as_float(media.get("duration") or (media.get("video") or {}).get("duration"))
    avg_ms, total_ms = as_float(metric.get("VIDEO_AVG_WATCH_TIME")), as_float(metric.get("VIDEO_V50_WATCH_TIME"))
    completion = ratio(as_float(metric.get("QUARTILE_95_PERCENT_VIEW")), as_float(metric.get("VIDEO_START")))
    return PostRecord(
        platform=PLATFORM,
        platform_post_id=str(pin["id"]),
        title=pin.get("title") or None,
        caption=pin.get("description") or None,
        type=post_type(pin),
        posted_at=parse_time(pin["created_at"]),
        url=f"https://www.pinterest.com/pin/{pin['id']}/",
        thumbnail_url=_thumbnail(media),
        duration_s=duration_ms / 1000 if duration_ms is not None else None,
        views=as_int(metric.get("IMPRESSION")),
        saves=as_int(metric.get("SAVE")),
        likes=as_int(metric.get("TOTAL_REACTIONS")),
        comments=as_int(metric.get("TOTAL_COMMENTS")),
        pin_clicks=as_int(metric.get("PIN_CLICK")),
        outbound_clicks=as_int(metric.get("OUTBOUND_CLICK")),
        watch_time_hrs=total_ms / 3_600_000 if total_ms is not None else None,
        avg_watch_time_s=avg_ms / 1000 if avg_ms is not None else None,
        completion_rate=min(1.0, completion) if completion is not None else None,
        raw_metrics=metric,
    )


def _thumbnail(media: dict[str, Any]) -> str | None:
    if media.get("cover_image_url"):
        return media["cover_image_url"]
    images = media.get("images") or {}
    for size in ("600x", "400x300", "1200x", "150x150"):
        if isinstance(images.get(size), dict) and images[size].get("url"):
            return images[size]["url"]
    return next((v["url"] for v in images.values() if isinstance(v, dict) and v.get("url")), None)


def post_type(pin: dict[str, Any]) -> PostType:
    creative, media_type = pin.get("creative_type"), str((pin.get("media") or {}).get("media_type") or "")
    if creative == "IDEA":
        return "idea_pin"
    if creative == "VIDEO" or media_type == "video":
        return "video"
    if creative == "CAROUSEL" or media_type.startswith("multiple_"):
        return "carousel"
    return "pin"


def _today() -> dt.date:
    return clock.today()
