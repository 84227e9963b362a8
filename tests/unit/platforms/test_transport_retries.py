"""The retry policy of PlatformClient, driven through httpx.MockTransport (no real platform involved)."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import logging
import random

import httpx
import pytest

from shared.platforms import instagram, pinterest, tiktok, youtube
from shared.platforms.transport import (
    MalformedResponse,
    PlatformClient,
    PlatformLimits,
    RateLimited,
    TokenBucket,
    UpstreamError,
    retry_after_seconds,
)

FAST = PlatformLimits(
    requests_per_second=1000,
    burst=1000,
    concurrency=4,
    max_attempts=4,
    backoff_base_s=0.5,
    backoff_cap_s=8,
    max_retry_wait_s=30,
    malformed_retries=2,
)
IG_TOKEN = "IGAAsecretTOKENvalue1234567890"


class Script:
    """Answers requests from a list of responses and remembers what was asked."""

    def __init__(self, *responses: httpx.Response | Exception):
        self.responses, self.requests = list(responses), []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def run(module, script: Script, call, limits: PlatformLimits = FAST):
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go():
        async with module.open_client(
            limits=limits, transport=httpx.MockTransport(script), sleep=fake_sleep, rng=random.Random(7)
        ) as client:
            return await call(client)

    return asyncio.run(go()), sleeps


def get(url: str, **kw):
    return lambda client: client.get(url, **kw)


def test_5xx_is_retried_with_growing_full_jitter_backoff():
    script = Script(
        httpx.Response(503, json={"error": {"code": 503, "status": "UNAVAILABLE", "errors": []}}),
        httpx.Response(502),
        httpx.Response(200, json={"ok": True}),
    )
    body, sleeps = run(youtube, script, get("https://www.googleapis.com/youtube/v3/channels"))
    assert body == {"ok": True}
    assert len(script.requests) == 3
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


def test_retry_after_seconds_is_honoured():
    script = Script(
        httpx.Response(429, headers={"Retry-After": "7"}, json={"code": 8, "message": "slow down"}),
        httpx.Response(200, json={"items": []}),
    )
    body, sleeps = run(pinterest, script, get("https://api.pinterest.com/v5/pins"))
    assert body == {"items": []} and sleeps == [7.0]


def test_retry_after_http_date_is_honoured():
    when = dt.datetime(2026, 5, 3, 12, 0, 10, tzinfo=dt.timezone.utc)
    headers = {"retry-after": email.utils.format_datetime(when, usegmt=True)}
    assert retry_after_seconds(headers, now=when - dt.timedelta(seconds=10)) == 10.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_retry_after_beyond_the_cap_raises_rate_limited_for_deferral():
    script = Script(
        httpx.Response(
            429,
            headers={"Retry-After": "3600"},
            json={"data": {}, "error": {"code": "rate_limit_exceeded", "message": "", "log_id": "x"}},
        )
    )
    with pytest.raises(RateLimited) as caught:
        run(tiktok, script, get("https://open.tiktokapis.com/v2/user/info/"))
    assert caught.value.retry_after == 3600 and caught.value.retryable
    assert len(script.requests) == 1


def test_instagram_throttling_arrives_as_403_with_code_4_and_is_retried():
    throttled = httpx.Response(
        403,
        json={
            "error": {
                "message": "(#4) Application request limit reached",
                "type": "OAuthException",
                "code": 4,
                "is_transient": True,
            }
        },
    )
    script = Script(throttled, httpx.Response(200, json={"data": []}))
    body, sleeps = run(
        instagram, script, get("https://graph.instagram.com/v25.0/me/media", token=IG_TOKEN, token_param="access_token")
    )
    assert body == {"data": []} and len(sleeps) == 1


def test_instagram_buc_header_sets_the_wait():
    usage = json.dumps(
        {
            "17841400000000001": [
                {
                    "type": "instagram",
                    "call_count": 100,
                    "total_cputime": 20,
                    "total_time": 30,
                    "estimated_time_to_regain_access": 2,
                }
            ]
        }
    )
    throttled = httpx.Response(
        400,
        headers={"X-Business-Use-Case-Usage": usage},
        json={"error": {"message": "limit", "code": 80002, "type": "OAuthException"}},
    )
    script = Script(throttled, httpx.Response(200, json={"data": []}))
    limits = PlatformLimits(1000, 1000, 4, max_retry_wait_s=300)
    _, sleeps = run(
        instagram,
        script,
        get("https://graph.instagram.com/v25.0/me", token=IG_TOKEN, token_param="access_token"),
        limits,
    )
    assert sleeps == [120.0]


def test_throttling_that_never_ends_surfaces_as_rate_limited_after_max_attempts():
    script = Script(*[httpx.Response(429, json={"code": 8, "message": "slow"}) for _ in range(4)])
    with pytest.raises(RateLimited):
        run(pinterest, script, get("https://api.pinterest.com/v5/user_account"))
    assert len(script.requests) == FAST.max_attempts


def test_timeouts_and_connection_errors_are_retried():
    script = Script(httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.Response(200, json={"a": 1}))
    body, sleeps = run(youtube, script, get("https://www.googleapis.com/youtube/v3/videos"))
    assert body == {"a": 1} and len(sleeps) == 2


def test_persistent_timeouts_surface_as_upstream_error():
    script = Script(*[httpx.ReadTimeout("slow") for _ in range(4)])
    with pytest.raises(UpstreamError, match="timed out"):
        run(youtube, script, get("https://www.googleapis.com/youtube/v3/videos"))


def test_truncated_json_is_retried_a_few_times_then_surfaced():
    truncated = [httpx.Response(200, content=b'{"data": [{"id": "1"') for _ in range(3)]
    script = Script(*truncated, httpx.Response(200, json={"data": []}))
    with pytest.raises(MalformedResponse):
        run(instagram, script, get("https://graph.instagram.com/v25.0/me", token=IG_TOKEN, token_param="access_token"))
    assert len(script.requests) == 1 + FAST.malformed_retries


def test_html_error_page_with_200_is_malformed_then_recovers():
    script = Script(httpx.Response(200, html="<html><body>Sorry</body></html>"), httpx.Response(200, json={"x": 1}))
    body, _ = run(pinterest, script, get("https://api.pinterest.com/v5/pins"))
    assert body == {"x": 1}


def test_auth_errors_are_not_retried():
    script = Script(httpx.Response(401, json={"code": 2, "message": "Authentication failed."}))
    with pytest.raises(pinterest.TokenExpired):
        run(pinterest, script, get("https://api.pinterest.com/v5/pins"))
    assert len(script.requests) == 1


def test_instagram_token_travels_in_the_query_but_never_in_errors_or_logs(caplog):
    expired = httpx.Response(
        400,
        json={
            "error": {
                "message": f"Error validating access token {IG_TOKEN}",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
            }
        },
    )
    script = Script(httpx.Response(500, json={"error": {"message": "boom", "code": 2}}), expired)
    from shared.logging import CloudLoggingFormatter

    caplog.set_level(logging.WARNING)
    with pytest.raises(instagram.TokenExpired) as caught:
        run(
            instagram,
            script,
            get(
                "https://graph.instagram.com/v25.0/me/media",
                params={"fields": "id"},
                token=IG_TOKEN,
                token_param="access_token",
            ),
        )
    assert script.requests[0].url.params["access_token"] == IG_TOKEN
    assert IG_TOKEN not in str(caught.value) and "access_token=" not in str(caught.value)
    assert "graph.instagram.com/v25.0/me/media" not in str(caught.value) or "?" not in str(caught.value)
    formatted = [CloudLoggingFormatter().format(r) for r in caplog.records]
    assert formatted and all(IG_TOKEN not in line and "access_token=" not in line for line in formatted)


def test_bearer_tokens_go_in_the_header():
    script = Script(httpx.Response(200, json={}))
    run(youtube, script, get("https://www.googleapis.com/youtube/v3/channels", token="ya29.secret-value"))
    assert script.requests[0].headers["authorization"] == "Bearer ya29.secret-value"
    assert "ya29" not in str(script.requests[0].url)


def test_concurrency_never_exceeds_the_limit():
    active = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        active -= 1
        return httpx.Response(200, json={})

    async def go():
        limits = PlatformLimits(1000, 1000, concurrency=2)
        async with PlatformClient("tiktok", limits=limits, transport=httpx.MockTransport(handler)) as client:
            await asyncio.gather(*(client.get("https://open.tiktokapis.com/x") for _ in range(8)))

    asyncio.run(go())
    assert peak == 2


def test_token_bucket_spaces_requests_after_the_burst():
    clock = [0.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    async def go():
        bucket = TokenBucket(rate=2.0, burst=2, clock=lambda: clock[0], sleep=fake_sleep)
        for _ in range(4):
            await bucket.take()

    asyncio.run(go())
    assert waits == [pytest.approx(0.5), pytest.approx(0.5)]


def test_client_must_be_opened_before_use():
    async def go():
        await PlatformClient("youtube").get("https://www.googleapis.com/x")

    with pytest.raises(RuntimeError):
        asyncio.run(go())
