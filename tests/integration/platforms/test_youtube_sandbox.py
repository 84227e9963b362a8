"""YouTube client against the sandbox: OAuth with PKCE, daily report, every upload with analytics."""

from __future__ import annotations

import datetime as dt

import pytest

from shared import clock
from shared.platforms import get_platform
from shared.platforms.transport import RateLimited, TokenRevoked, UpstreamError


def test_full_oauth_returns_offline_tokens(connect):
    tokens, query = connect("youtube")
    assert query["state"] == "state-123"
    assert tokens.refresh_token is not None and tokens.access_expires_at is not None
    assert "https://www.googleapis.com/auth/yt-analytics.readonly" in tokens.scopes


def test_refresh_keeps_the_refresh_token_and_revoke_kills_the_grant(connect, call, sandbox_settings):
    tokens, _ = connect("youtube")

    async def refresh_then_revoke(module, client):
        fresh = await module.refresh(client, sandbox_settings, tokens)
        assert fresh.access_token.get_secret_value() != tokens.access_token.get_secret_value()
        assert fresh.refresh_token == tokens.refresh_token
        assert await module.revoke(client, sandbox_settings, fresh) is True
        with pytest.raises(TokenRevoked):
            await module.refresh(client, sandbox_settings, fresh)

    call("youtube", refresh_then_revoke)


def test_snapshots_and_every_upload(connect, call, sandbox):
    tokens, _ = connect("youtube")
    token = tokens.access_token.get_secret_value()
    today = sandbox.world.today

    async def fetch(module, client):
        profile = await module.fetch_profile(client, token)
        snaps, snap_pages = await module.fetch_snapshots(client, token, today - dt.timedelta(days=14), today)
        posts, post_pages = await module.fetch_posts(client, token)
        return profile, snaps, snap_pages, posts, post_pages

    profile, snaps, snap_pages, posts, post_pages = call("youtube", fetch)
    assert profile.platform_user_id.startswith("UC") and profile.followers is not None
    daily = [s for s in snaps if s.views is not None]
    assert daily and all(s.reach is None and s.saves is None for s in snaps)
    assert any(s.followers == profile.followers for s in snaps)
    assert len(posts) == len(sandbox.posts("youtube", 0))
    assert len({p.platform_post_id for p in posts}) == len(posts)
    assert sum(1 for p in post_pages if p["endpoint"] == "playlist_items") >= 2 or len(posts) <= 50
    assert all(p.duration_s is None or p.duration_s > 0 for p in posts)
    assert any(p.type == "short" for p in posts) or any(p.type == "video" for p in posts)
    assert any(p.completion_rate is not None and 0 <= p.completion_rate <= 1 for p in posts)
    assert get_platform("youtube").normalize_posts(post_pages) == posts  # the archive alone rebuilds the records
    assert all("access_token" not in str(p["params"]) for p in post_pages + snap_pages)


def test_incremental_fetch_stops_early(connect, call):
    tokens, _ = connect("youtube")
    token = tokens.access_token.get_secret_value()

    async def both(module, client):
        full = await module.fetch_posts(client, token)
        recent = await module.fetch_posts(client, token, since=clock.now())
        return full, recent

    (full, full_pages), (recent, recent_pages) = call("youtube", both)
    cutoff = clock.now() - dt.timedelta(days=30)
    # Exactly the posts of the refresh window, read from fewer pages of the uploads playlist.
    assert recent and {p.platform_post_id for p in recent} == {
        p.platform_post_id for p in full if p.posted_at >= cutoff
    }
    playlist_pages = [sum(p["endpoint"] == "playlist_items" for p in pages) for pages in (full_pages, recent_pages)]
    assert playlist_pages[1] < playlist_pages[0]


def test_transient_faults_are_retried(connect, call, sandbox):
    tokens, _ = connect("youtube")
    token = tokens.access_token.get_secret_value()
    sandbox.add_fault("5xx", host="www.googleapis.com", count=2, status=503)
    try:
        profile = call("youtube", lambda m, c: m.fetch_profile(c, token))
        assert profile.platform_user_id
    finally:
        sandbox.clear_faults()


def test_quota_exhaustion_defers_instead_of_waiting(connect, call, sandbox):
    tokens, _ = connect("youtube")
    token = tokens.access_token.get_secret_value()
    sandbox.add_fault("429", host="www.googleapis.com", count=1, status=403)
    try:
        with pytest.raises(RateLimited) as caught:
            call("youtube", lambda m, c: m.fetch_profile(c, token))
        assert caught.value.retry_after and caught.value.retry_after > 5
    finally:
        sandbox.clear_faults()


def test_persistent_5xx_surfaces(connect, call, sandbox):
    tokens, _ = connect("youtube")
    token = tokens.access_token.get_secret_value()
    sandbox.add_fault("5xx", host="www.googleapis.com", count=10, status=500)
    try:
        with pytest.raises(UpstreamError):
            call("youtube", lambda m, c: m.fetch_profile(c, token))
    finally:
        sandbox.clear_faults()
