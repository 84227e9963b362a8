"""Each platform's error envelope maps to one typed error (docs/platform-apis.md §1.4, §2.1, §2.5, §3.1, §4.1)."""

from __future__ import annotations

import httpx
import pytest

from shared.platforms import instagram, pinterest, tiktok, youtube
from shared.platforms.transport import (
    MalformedResponse,
    PermissionMissing,
    RateLimited,
    RequestRejected,
    TokenExpired,
    TokenRevoked,
    UpstreamError,
    classify_status,
    scrub_body,
    strip_secret_params,
)

NO_HEADERS = httpx.Headers()


def meta(code, subcode=None, message="msg"):
    err = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Abc"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, meta(190, 463), TokenExpired),
        (400, meta(190, 460), TokenRevoked),
        (400, meta(190, 458), TokenRevoked),
        (400, meta(190, 467), TokenRevoked),
        (400, meta(190), TokenRevoked),
        (400, meta(102), TokenRevoked),
        (400, meta(4), RateLimited),
        (403, meta(4), RateLimited),
        (400, meta(17), RateLimited),
        (400, meta(32), RateLimited),
        (400, meta(613), RateLimited),
        (400, meta(80002), RateLimited),
        (400, meta(10, message="Not enough viewers for the media to show insights"), PermissionMissing),
        (403, meta(200), PermissionMissing),
        (400, meta(100, message="An unknown error has occurred."), RequestRejected),
        (500, meta(2), UpstreamError),
        (
            400,
            {
                "error_type": "OAuthException",
                "code": 400,
                "error_message": "Matching code was not found or was already used",
            },
            RequestRejected,
        ),
    ],
)
def test_instagram_classification(status, body, expected):
    error = instagram.classify_error(status, body, NO_HEADERS)
    assert type(error) is expected and error.platform == "instagram"


def google(status, reason, status_text="X"):
    return {
        "error": {
            "code": status,
            "message": "m",
            "status": status_text,
            "errors": [{"message": "m", "domain": "global", "reason": reason}],
        }
    }


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, google(401, "authError", "UNAUTHENTICATED"), TokenExpired),
        (400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, TokenRevoked),
        (401, {"error": "invalid_client", "error_description": "Unauthorized"}, RequestRejected),
        (403, google(403, "quotaExceeded", "PERMISSION_DENIED"), RateLimited),
        (403, google(403, "dailyLimitExceeded"), RateLimited),
        (403, google(403, "rateLimitExceeded"), RateLimited),
        (429, google(429, "rateLimitExceeded", "RESOURCE_EXHAUSTED"), RateLimited),
        (403, google(403, "insufficientPermissions"), PermissionMissing),
        (503, google(503, "backendError", "UNAVAILABLE"), UpstreamError),
        (400, google(400, "badRequest", "INVALID_ARGUMENT"), RequestRejected),
    ],
)
def test_youtube_classification(status, body, expected):
    assert type(youtube.classify_error(status, body, NO_HEADERS)) is expected


def test_youtube_quota_defers_until_pacific_midnight():
    error = youtube.classify_error(403, google(403, "quotaExceeded"), NO_HEADERS)
    assert 0 < error.retry_after <= 25 * 3600


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"code": 2, "message": "Authentication failed."}, TokenExpired),
        (400, {"error": "invalid_grant", "error_description": "bad"}, TokenRevoked),
        (403, {"code": 3, "message": "Not authorized"}, PermissionMissing),
        (429, {"code": 8, "message": "You have exceeded your rate limit."}, RateLimited),
        (503, {"code": 3, "message": "Service temporarily unavailable."}, UpstreamError),
        (400, {"code": 1, "message": "Invalid refresh token."}, RequestRejected),
        (200, {"items": []}, type(None)),
    ],
)
def test_pinterest_classification(status, body, expected):
    assert type(pinterest.classify_error(status, body, NO_HEADERS)) is expected


def tt(code):
    return {"data": {}, "error": {"code": code, "message": "m", "log_id": "L"}}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, tt("access_token_invalid"), TokenExpired),
        (401, tt("scope_not_authorized"), PermissionMissing),
        (400, tt("scope_permission_missed"), PermissionMissing),
        (429, tt("rate_limit_exceeded"), RateLimited),
        (500, tt("internal_error"), UpstreamError),
        (400, tt("invalid_params"), RequestRejected),
        (200, tt("ok"), type(None)),
        (
            400,
            {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired.", "log_id": "L"},
            TokenRevoked,
        ),
        (401, {"error": "invalid_client", "error_description": "x", "log_id": "L"}, RequestRejected),
    ],
)
def test_tiktok_classification(status, body, expected):
    assert type(tiktok.classify_error(status, body, NO_HEADERS)) is expected


def test_tiktok_error_inside_a_200_is_still_an_error():
    assert isinstance(tiktok.classify_error(200, tt("access_token_invalid"), NO_HEADERS), TokenExpired)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, RateLimited),
        (401, TokenExpired),
        (403, PermissionMissing),
        (404, RequestRejected),
        (500, UpstreamError),
        (200, type(None)),
    ],
)
def test_status_fallback(status, expected):
    assert type(classify_status("youtube", status)) is expected


def test_error_kinds_and_retryability():
    assert (RateLimited.kind, RateLimited.retryable) == ("rate_limited", True)
    assert (TokenExpired.kind, TokenExpired.retryable) == ("token_expired", False)
    assert (TokenRevoked.kind, TokenRevoked.retryable) == ("token_revoked", False)
    assert MalformedResponse.retryable and UpstreamError.retryable
    assert not PermissionMissing.retryable and not RequestRejected.retryable


def test_paging_links_lose_their_access_token_before_archiving():
    token = "IGQWRsecretTokenValue999"
    link = f"https://graph.instagram.com/v25.0/1784/media?fields=id&access_token={token}&limit=50&after=QVFI"
    assert strip_secret_params(link) == "https://graph.instagram.com/v25.0/1784/media?fields=id&limit=50&after=QVFI"
    body = {"data": [{"id": "1"}], "paging": {"next": link, "cursors": {"after": "QVFI"}}}
    scrubbed = scrub_body(body)
    assert token not in str(scrubbed) and scrubbed["paging"]["cursors"]["after"] == "QVFI"
    assert scrubbed["data"] == [{"id": "1"}]
