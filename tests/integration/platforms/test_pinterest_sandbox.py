"""Pinterest client against the sandbox: Basic-auth OAuth with rotating refresh, analytics, every pin."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.platforms import get_platform
from shared.platforms.transport import RateLimited, TokenExpired, TokenRevoked

pinterest = get_platform("pinterest")


def test_full_oauth_and_rotating_refresh(connect, call, sandbox_settings):
    tokens, query = connect("pinterest")
    assert query["state"] == "state-123"
    assert tokens.refresh_token is not None and tokens.refresh_expires_at is not None
    assert set(tokens.scopes) == {"user_accounts:read", "pins:read", "boards:read"}

    async def rotate(module, client):
        fresh = await module.refresh(client, sandbox_settings, tokens)
        assert fresh.refresh_token != tokens.refresh_token  # continuous refresh: store the newest
        with pytest.raises(TokenRevoked):  # the retired refresh token no longer works
            await module.refresh(client, sandbox_settings, tokens)
        return fresh

    call("pinterest", rotate)


def test_snapshots_and_every_pin(connect, call, sandbox):
    tokens, _ = connect("pinterest")
    token = tokens.access_token.get_secret_value()
    today = sandbox.world.today

    async def fetch(module, client):
        # Asking for 200 days is clamped to the 90 the API keeps.
        snaps, snap_pages = await module.fetch_snapshots(client, token, today - dt.timedelta(days=200), today)
        posts, post_pages = await module.fetch_posts(client, token)
        return snaps, snap_pages, posts, post_pages

    snaps, snap_pages, posts, post_pages = call("pinterest", fetch)
    dated = [s for s in snaps if s.views is not None]
    assert dated and min(s.snapshot_date for s in dated) >= today - dt.timedelta(days=90)
    assert all(s.shares is None and s.reach is None for s in snaps)
    assert any(s.followers is not None for s in snaps)
    assert len(posts) == len(sandbox.posts("pinterest", 0))
    assert sum(1 for p in post_pages if p["endpoint"] == "pins") >= 2 or len(posts) <= 100
    assert all(p.shares is None for p in posts)
    videos = [p for p in posts if p.type == "video"]
    assert all(v.duration_s is None or v.duration_s > 0 for v in videos)
    assert any(v.completion_rate is not None and 0 <= v.completion_rate <= 1 for v in videos) or not videos
    assert pinterest.normalize_posts(post_pages) == posts


def test_expired_token_is_refreshable(connect, call, sandbox):
    tokens, _ = connect("pinterest")
    sandbox.expire_token(token=tokens.access_token.get_secret_value())
    with pytest.raises(TokenExpired):
        call("pinterest", lambda m, c: m.fetch_profile(c, tokens.access_token.get_secret_value()))


def test_429_with_retry_after_is_honoured(connect, call, sandbox):
    tokens, _ = connect("pinterest")
    hits = sandbox.stats()["fault_hits"].get("429", 0)
    sandbox.add_fault("429", host="api.pinterest.com", count=1, retry_after=1)
    try:
        profile = call("pinterest", lambda m, c: m.fetch_profile(c, tokens.access_token.get_secret_value()))
        assert profile.followers is not None
    finally:
        sandbox.clear_faults()
    assert sandbox.stats()["fault_hits"].get("429", 0) == hits + 1  # the 429 was served, then retried
    sandbox.add_fault("429", host="api.pinterest.com", count=1, retry_after=900)
    try:
        with pytest.raises(RateLimited):
            call("pinterest", lambda m, c: m.fetch_profile(c, tokens.access_token.get_secret_value()))
    finally:
        sandbox.clear_faults()
