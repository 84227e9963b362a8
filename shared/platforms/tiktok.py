"""TikTok (Login Kit v2 + Display API v2): OAuth, current account counters, video list.

Mapping (docs/platform-apis.md §4, §5):
- account: the Display API has only current counters → one snapshot for the fetch day with
  followers = `follower_count`; everything else None (no reach, views, watch time or history;
  `likes_count` is a lifetime total, kept in Profile.extra, not a daily metric).
- videos: views = `view_count`, likes = `like_count`, comments = `comment_count`, shares = `share_count`;
  duration_s = `duration` (seconds); posted_at = `create_time` (Unix seconds); saves, reach, watch time,
  average watch time and completion rate are not exposed → None. type: always video.
- engagement rate (computed downstream) = (likes + comments + shares) / views.
PKCE: TikTok requires it for desktop/mobile only; web apps rely on state. TikTok's own desktop guide
derives `code_challenge` as the HEX sha256 of the verifier (not RFC 7636 base64url) — `pkce_challenge`
follows TikTok's rule, used only when the caller opts in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from urllib.parse import urlencode

from shared.platforms.models import (
    AccountSnapshot,
    PostRecord,
    Profile,
    RawPage,
    TokenSet,
    as_float,
    as_int,
    fetched_date,
    merge_snapshots,
    metrics_cutoff,
    parse_time,
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

PLATFORM = "tiktok"
SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list")
supports_pkce = True  # required for desktop/mobile, harmless for web; TikTok's hex challenge (see docstring)
supports_revoke = True

USER_FIELDS = "open_id,union_id,avatar_url,display_name,username,follower_count,following_count,likes_count,video_count"
VIDEO_FIELDS = (
    "id,title,video_description,create_time,duration,cover_image_url,share_url,embed_link,"
    "view_count,like_count,comment_count,share_count"
)
MAX_COUNT = 20
_MAX_PAGES = 1000


def open_client(settings: Any = None, limits: PlatformLimits | None = None, **kw: Any) -> PlatformClient:
    """A client for one ingest run: `async with tiktok.open_client(settings) as client`."""
    return PlatformClient(PLATFORM, settings=settings, classify=classify_error, limits=limits, **kw)


def pkce_challenge(verifier: str) -> str | None:
    """TikTok's PKCE rule: hex-encoded SHA-256 of the verifier."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


# ---------------------------------------------------------------- errors


def classify_error(status: int, body: Any, headers: Any) -> PlatformError | None:
    """API envelope `error.code` (even on HTTP 200) and OAuth `{"error": "invalid_grant", ...}`."""
    if not isinstance(body, dict):
        return None
    err = body.get("error")
    if isinstance(err, str) and err:  # OAuth endpoints
        message = f"{err}: {error_text(body, 'error_description')}"
        cls = TokenRevoked if err == "invalid_grant" else RequestRejected
        return cls(PLATFORM, message, status=status, code=err)
    if not isinstance(err, dict) or err.get("code") in (None, "ok"):
        return None
    code = err["code"]
    message = f"HTTP {status} {code}: {error_text(err, 'message')}"
    if code == "access_token_invalid":
        return TokenExpired(PLATFORM, message, status=status, code=code)
    if code in ("scope_not_authorized", "scope_permission_missed"):
        return PermissionMissing(PLATFORM, message, status=status, code=code)
    if code == "rate_limit_exceeded" or status == 429:
        return RateLimited(PLATFORM, message, status=status, code=code, retry_after=retry_after_seconds(headers))
    if code == "internal_error" or status >= 500:
        return UpstreamError(PLATFORM, message, status=status, code=code)
    return RequestRejected(PLATFORM, message, status=status, code=code)


# ---------------------------------------------------------------- OAuth


def authorize_url(settings: Any, *, redirect_uri: str, state: str, code_challenge: str | None = None) -> str:
    client_key, _ = client_credentials(settings, PLATFORM)
    query = {
        "client_key": client_key,
        "response_type": "code",
        "scope": ",".join(SCOPES),
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if code_challenge:
        query |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    return f"{settings.host_url('www.tiktok.com')}/v2/auth/authorize/?{urlencode(query)}"


async def exchange_code(
    client: PlatformClient, settings: Any, *, code: str, redirect_uri: str, code_verifier: str | None = None
) -> TokenSet:
    """`code` must be the URL-decoded value from the callback query."""
    form = {"code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri}
    if code_verifier:
        form["code_verifier"] = code_verifier
    return _token_set(await _oauth(client, settings, "/v2/oauth/token/", form))


async def refresh(client: PlatformClient, settings: Any, tokens: TokenSet) -> TokenSet:
    """Refresh tokens rotate: the old one dies once this returns — persist the new one atomically."""
    if tokens.refresh_token is None:
        raise TokenRevoked(PLATFORM, "no refresh token stored; reconnect needed")
    try:
        body = await _oauth(
            client,
            settings,
            "/v2/oauth/token/",
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token.get_secret_value()},
        )
    except TokenExpired as error:  # invalid_grant is already TokenRevoked; invalid_client stays a config error
        raise TokenRevoked(PLATFORM, "refresh refused; reconnect needed", status=error.status) from None
    return _token_set(body, previous=tokens)


async def revoke(client: PlatformClient, settings: Any, tokens: TokenSet) -> bool:
    await _oauth(client, settings, "/v2/oauth/revoke/", {"token": tokens.access_token.get_secret_value()})
    return True


async def _oauth(client: PlatformClient, settings: Any, path: str, form: dict[str, str]) -> dict[str, Any]:
    client_key, secret = client_credentials(settings, PLATFORM)
    return await client.post(
        f"{settings.host_url('open.tiktokapis.com')}{path}",
        data={"client_key": client_key, "client_secret": secret, **form},
    )


def _token_set(body: dict[str, Any], previous: TokenSet | None = None) -> TokenSet:
    data = body.get("data")
    if isinstance(data, dict) and "access_token" not in body:
        body = data
    if not body.get("access_token"):
        raise MalformedResponse(PLATFORM, "token response has no access_token", retryable=False)
    scope = body.get("scope")
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or (previous.refresh_token if previous else None),
        access_expires_at=expires_at(body.get("expires_in")),
        refresh_expires_at=expires_at(body.get("refresh_expires_in")),
        scopes=scope.replace(",", " ").split() if isinstance(scope, str) else list(previous.scopes if previous else []),
        platform_user_id=body.get("open_id") or (previous.platform_user_id if previous else None),
        token_type=str(body.get("token_type") or "bearer").lower(),
    )


# ---------------------------------------------------------------- profile and data


def _user(body: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = body.get("data") or {}
    user = data.get("user")
    return user if isinstance(user, dict) else data  # `data.user` per common clients


async def fetch_profile(client: PlatformClient, access_token: str, pages: list[RawPage] | None = None) -> Profile:
    params = {"fields": USER_FIELDS}
    body = await client.get(
        f"{client.host_url('open.tiktokapis.com')}/v2/user/info/", params=params, token=access_token
    )
    if pages is not None:
        pages.append(raw_page("user_info", params, body))
    user = _user(body)
    return Profile(
        platform=PLATFORM,
        platform_user_id=str(user.get("open_id")),
        username=user.get("username"),
        display_name=user.get("display_name"),
        followers=as_int(user.get("follower_count")),
        following=as_int(user.get("following_count")),
        media_count=as_int(user.get("video_count")),
        extra={k: user[k] for k in ("likes_count", "avatar_url", "union_id") if k in user},
    )


async def fetch_snapshots(
    client: PlatformClient, access_token: str, since: dt.date, until: dt.date
) -> tuple[list[AccountSnapshot], list[RawPage]]:
    """Only current counters exist: one snapshot for today, when today is within since..until."""
    pages: list[RawPage] = []
    await fetch_profile(client, access_token, pages)
    return [s for s in normalize_snapshots(pages) if since <= s.snapshot_date <= until], pages


def normalize_snapshots(raw_pages: list[RawPage]) -> list[AccountSnapshot]:
    return merge_snapshots(
        [
            AccountSnapshot(
                platform=PLATFORM,
                snapshot_date=fetched_date(page),
                followers=as_int(_user(page.get("body") or {}).get("follower_count")),
            )
            for page in raw_pages
            if page["endpoint"] == "user_info"
        ]
    )


async def fetch_posts(
    client: PlatformClient, access_token: str, since: dt.datetime | None = None
) -> tuple[list[PostRecord], list[RawPage]]:
    """POST /v2/video/list/ with cursor while has_more (pages may be short while has_more is true).

    Incremental: stops once videos are older than `metrics_cutoff(since)`.
    """
    pages: list[RawPage] = []
    cutoff = metrics_cutoff(since)
    url = f"{client.host_url('open.tiktokapis.com')}/v2/video/list/"
    payload: dict[str, Any] = {"max_count": MAX_COUNT}
    for _ in range(_MAX_PAGES):
        body = await client.post(url, params={"fields": VIDEO_FIELDS}, json_body=payload, token=access_token)
        pages.append(raw_page("video_list", {"fields": VIDEO_FIELDS, **payload}, body))
        data = body.get("data") or {}
        videos = data.get("videos") or []
        if cutoff is not None and any((parse_time(as_int(v.get("create_time"))) or cutoff) < cutoff for v in videos):
            break
        cursor = data.get("cursor")
        if not data.get("has_more") or cursor is None or cursor == payload.get("cursor"):
            break
        payload = {**payload, "cursor": cursor}
    return [p for p in normalize_posts(pages) if cutoff is None or p.posted_at >= cutoff], pages


def normalize_posts(raw_pages: list[RawPage]) -> list[PostRecord]:
    videos: dict[str, dict[str, Any]] = {}
    for page in raw_pages:
        if page["endpoint"] == "video_list":
            for video in ((page.get("body") or {}).get("data") or {}).get("videos") or []:
                videos[str(video["id"])] = video
    return [_post(v) for v in videos.values()]


def _post(video: dict[str, Any]) -> PostRecord:
    return PostRecord(
        platform=PLATFORM,
        platform_post_id=str(video["id"]),
        title=video.get("title") or None,
        caption=video.get("video_description") or None,
        type="video",
        posted_at=parse_time(as_int(video["create_time"])),
        url=video.get("share_url") or video.get("embed_link"),
        thumbnail_url=video.get("cover_image_url"),
        duration_s=as_float(video.get("duration")),
        views=as_int(video.get("view_count")),
        likes=as_int(video.get("like_count")),
        comments=as_int(video.get("comment_count")),
        shares=as_int(video.get("share_count")),
        raw_metrics={k: video[k] for k in ("view_count", "like_count", "comment_count", "share_count") if k in video},
    )
