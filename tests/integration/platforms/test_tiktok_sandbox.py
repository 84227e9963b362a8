"""TikTok client against the sandbox: OAuth with TikTok's hex PKCE, current counters, every video."""

from __future__ import annotations

import datetime as dt

import pytest

from shared import clock
from shared.platforms import get_platform
from shared.platforms.transport import TokenExpired, TokenRevoked

tiktok = get_platform("tiktok")


def test_full_oauth_with_hex_pkce_and_revoke(connect, call, sandbox_settings):
    tokens, query = connect("tiktok")
    assert query["state"] == "state-123"
    assert tokens.platform_user_id and tokens.refresh_token is not None
    assert "video.list" in tokens.scopes

    async def rotate_then_revoke(module, client):
        fresh = await module.refresh(client, sandbox_settings, tokens)
        assert fresh.refresh_token != tokens.refresh_token
        with pytest.raises(TokenRevoked):
            await module.refresh(client, sandbox_settings, tokens)  # rotated away
        assert await module.revoke(client, sandbox_settings, fresh) is True
        with pytest.raises((TokenExpired, TokenRevoked)):
            await module.fetch_profile(client, fresh.access_token.get_secret_value())

    call("tiktok", rotate_then_revoke)


def test_one_snapshot_and_every_video(connect, call, sandbox):
    tokens, _ = connect("tiktok")
    token = tokens.access_token.get_secret_value()
    today = dt.datetime.now(dt.timezone.utc).date()

    async def fetch(module, client):
        snaps, _ = await module.fetch_snapshots(client, token, today - dt.timedelta(days=30), today)
        posts, pages = await module.fetch_posts(client, token)
        return snaps, posts, pages

    snaps, posts, pages = call("tiktok", fetch)
    assert len(snaps) == 1 and snaps[0].followers is not None and snaps[0].views is None
    assert len(posts) == len(sandbox.posts("tiktok", 0))
    assert len({p.platform_post_id for p in posts}) == len(posts)
    assert len(pages) >= 2 or len(posts) <= 20
    assert all(p.saves is None and p.reach is None and p.watch_time_hrs is None for p in posts)
    assert all(p.views is not None and p.duration_s is not None for p in posts)
    assert tiktok.normalize_posts(pages) == posts


def test_incremental_stops_at_the_cutoff(connect, call):
    tokens, _ = connect("tiktok")
    token = tokens.access_token.get_secret_value()
    since = clock.now()

    async def both(module, client):
        return await module.fetch_posts(client, token), await module.fetch_posts(client, token, since=since)

    (full, full_pages), (recent, recent_pages) = call("tiktok", both)
    cutoff = since - dt.timedelta(days=30)
    # Exactly the posts of the refresh window, from fewer pages than the whole history.
    assert recent and {p.platform_post_id for p in recent} == {
        p.platform_post_id for p in full if p.posted_at >= cutoff
    }
    assert 0 < len(recent_pages) < len(full_pages)


def test_invalid_access_token_is_refreshable(connect, call, sandbox):
    tokens, _ = connect("tiktok")
    sandbox.expire_token(token=tokens.access_token.get_secret_value())
    with pytest.raises(TokenExpired):
        call("tiktok", lambda m, c: m.fetch_profile(c, tokens.access_token.get_secret_value()))
