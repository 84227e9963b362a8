"""Instagram client against the sandbox: OAuth + long-lived upgrade, daily insights, every media item."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.logging import redact
from shared.platforms import get_platform
from shared.platforms.transport import RateLimited, RequestRejected, TokenExpired, TokenRevoked

instagram = get_platform("instagram")


def test_full_oauth_strips_the_fragment_and_upgrades_to_long_lived(connect):
    tokens, query = connect("instagram")
    assert query["state"] == "state-123"
    assert tokens.refresh_token is None  # Instagram refreshes the access token itself
    assert tokens.access_expires_at - dt.datetime.now(dt.timezone.utc) > dt.timedelta(days=50)
    assert tokens.platform_user_id and "instagram_business_manage_insights" in tokens.scopes


def test_a_code_is_single_use(consent, call, sandbox_settings):
    code, _, _ = consent("instagram")
    redirect = "https://app.example.com/oauth/callback"

    async def twice(module, client):
        await module.exchange_code(client, sandbox_settings, code=code + "#_", redirect_uri=redirect)
        with pytest.raises(RequestRejected, match="already used"):
            await module.exchange_code(client, sandbox_settings, code=code, redirect_uri=redirect)

    call("instagram", twice)


def test_fresh_token_cannot_be_refreshed_yet(connect, call, sandbox_settings):
    tokens, _ = connect("instagram")
    with pytest.raises(RequestRejected):
        call("instagram", lambda m, c: m.refresh(c, sandbox_settings, tokens))


def test_snapshots_and_every_media_item(connect, call, sandbox):
    tokens, _ = connect("instagram")
    token = tokens.access_token.get_secret_value()
    today = sandbox.world.today

    async def fetch(module, client):
        snaps, snap_pages = await module.fetch_snapshots(client, token, today - dt.timedelta(days=6), today)
        posts, post_pages = await module.fetch_posts(client, token)
        return snaps, snap_pages, posts, post_pages

    snaps, snap_pages, posts, post_pages = call("instagram", fetch)
    days = {s.snapshot_date for s in snaps}
    assert {today - dt.timedelta(days=i) for i in range(7)} <= days
    assert any(s.reach is not None and s.views is not None for s in snaps)
    assert any(s.followers is not None for s in snaps)
    assert all(s.engagement_rate is None or s.engagement_rate >= 0 for s in snaps)
    assert len(posts) == len(sandbox.posts("instagram", 0))
    assert sum(1 for p in post_pages if p["endpoint"] == "media") >= 2 or len(posts) <= 50
    reels = [p for p in posts if p.type == "reel"]
    assert reels and all(r.duration_s is None and r.completion_rate is None for r in reels)
    assert any(r.avg_watch_time_s is not None for r in reels)
    assert all(p.views is not None for p in posts)
    assert instagram.normalize_posts(post_pages) == posts
    archived = str(post_pages + snap_pages)
    assert token not in archived and "access_token=" not in archived


def test_expired_and_revoked_tokens_are_told_apart(connect, call, sandbox):
    expired, _ = connect("instagram")
    revoked, _ = connect("instagram")
    sandbox.expire_token(token=expired.access_token.get_secret_value())
    sandbox.revoke_token(token=revoked.access_token.get_secret_value())
    with pytest.raises(TokenExpired) as caught:
        call("instagram", lambda m, c: m.fetch_profile(c, expired.access_token.get_secret_value()))
    assert expired.access_token.get_secret_value() not in str(caught.value)
    with pytest.raises(TokenRevoked):
        call("instagram", lambda m, c: m.fetch_profile(c, revoked.access_token.get_secret_value()))


def test_throttling_with_code_4_is_retried(connect, call, sandbox):
    tokens, _ = connect("instagram")
    before = sandbox.stats()
    sandbox.add_fault("429", host="graph.instagram.com", count=2, status=403, retry_after=0)
    try:
        profile = call("instagram", lambda m, c: m.fetch_profile(c, tokens.access_token.get_secret_value()))
        assert profile.followers is not None
    finally:
        sandbox.clear_faults()
    after = sandbox.stats()
    # Both throttled answers were served, and each was followed by a retry that got through.
    assert after["fault_hits"].get("429", 0) - before["fault_hits"].get("429", 0) == 2
    unthrottled = fetch_profile_requests(connect, call, sandbox, tokens)
    assert after["total_requests"] - before["total_requests"] == unthrottled + 2


def test_long_throttling_defers(connect, call, sandbox):
    tokens, _ = connect("instagram")
    sandbox.add_fault("429", host="graph.instagram.com", count=1, status=400, retry_after=3600)
    try:
        with pytest.raises(RateLimited) as caught:
            call("instagram", lambda m, c: m.fetch_profile(c, tokens.access_token.get_secret_value()))
        assert caught.value.retry_after == 3600
        assert "access_token" not in redact(str(caught.value))
    finally:
        sandbox.clear_faults()


def test_truncated_and_html_bodies_are_retried(connect, call, sandbox):
    tokens, _ = connect("instagram")
    sandbox.add_fault("truncated", host="graph.instagram.com", count=1)
    sandbox.add_fault("malformed", host="graph.instagram.com", count=1)
    try:
        profile = call("instagram", lambda m, c: m.fetch_profile(c, tokens.access_token.get_secret_value()))
        assert profile.username
    finally:
        sandbox.clear_faults()


def fetch_profile_requests(connect, call, sandbox, tokens) -> int:
    """How many requests one fetch_profile makes when nothing is throttled."""
    before = sandbox.stats()["total_requests"]
    call("instagram", lambda m, c: m.fetch_profile(c, tokens.access_token.get_secret_value()))
    return sandbox.stats()["total_requests"] - before
