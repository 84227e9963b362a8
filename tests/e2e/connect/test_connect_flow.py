"""Connecting each platform end to end: gateway → sandbox consent → callback → stored connection."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import httpx
import psycopg
import pytest

from shared.platforms.registry import get_platform
from tests.e2e.connect.conftest import (
    ACCESS_LIFETIME_S,
    PLATFORMS,
    connection_row,
    query_of,
    stored_tokens,
    token_problem,
)

EXPECTED_SCOPES = {
    "instagram": "instagram_business_basic,instagram_business_manage_insights",
    "youtube": "https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/yt-analytics.readonly",
    "pinterest": "user_accounts:read,pins:read,boards:read",
    "tiktok": "user.info.basic,user.info.profile,user.info.stats,video.list",
}


def test_start_returns_a_consent_url_with_least_privilege_scopes_state_and_pkce_where_supported(
    stack, connector, make_user
):
    user = make_user("start")
    for platform in PLATFORMS:
        flow = connector.start(user, platform)
        params = query_of(flow.start["authorize_url"])
        assert params["scope"] == EXPECTED_SCOPES[platform]
        assert params["redirect_uri"] == f"{stack.base_url}/api/auth/callback"
        nonce, _, signature = params["state"].partition(".")
        assert len(nonce) >= 32 and len(signature) == 43
        expires = dt.datetime.fromisoformat(flow.start["state_expires_at"])
        assert dt.timedelta(minutes=9) < expires - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(minutes=10)
        if get_platform(platform).supports_pkce:
            assert params["code_challenge_method"] == "S256" and params["code_challenge"]
            assert flow.start["pkce"] is True
        else:
            assert "code_challenge" not in params and flow.start["pkce"] is False
        if platform == "youtube":
            assert params["access_type"] == "offline" and len(params["code_challenge"]) == 43
        cookie = flow.cookies.get("ci_oauth_binding")
        assert cookie and user.user_id not in cookie


def test_start_refuses_unknown_platforms_and_anonymous_callers(stack, make_user):
    user = make_user("start")
    assert httpx.get(f"{stack.base_url}/api/auth/myspace", headers=user.headers).status_code == 404
    assert httpx.get(f"{stack.base_url}/api/auth/youtube").status_code == 401


@pytest.mark.parametrize("platform", PLATFORMS)
def test_connecting_stores_an_active_encrypted_connection_with_the_platforms_real_lifetime(
    stack, connector, sandbox, db, make_user, platform
):
    user = make_user(f"connect-{platform}")
    before = dt.datetime.now(dt.timezone.utc)
    flow = connector.connect(user, platform, creator=1)
    assert set(flow.outcome) == {"connected"}
    assert "code=" not in flow.location and "token" not in flow.location

    row = connection_row(db, user.user_id, platform)
    assert row["status"] == "active" and row["status_reason"] is None
    creator = sandbox.creators()[1]
    assert row["platform_user_id"] == str(creator["user_ids"][platform])
    assert row["platform_username"] == creator["handles"][platform]
    lifetime = (row["token_expires_at"] - before).total_seconds()
    assert ACCESS_LIFETIME_S[platform] - 30 <= lifetime <= ACCESS_LIFETIME_S[platform] + 5

    access, refresh = stored_tokens(row)
    assert token_problem(sandbox, access) is None  # a live token the sandbox issued
    assert access.encode() not in bytes(row["access_token"]) and bytes(row["access_token"])[0] == 1
    if platform == "instagram":
        assert refresh is None and row["refresh_token"] is None
        assert sandbox.world.tokens.get(access).variant == "long"  # exchanged for the 60-day token
    else:
        assert token_problem(sandbox, refresh, "refresh") is None
        assert refresh.encode() not in bytes(row["refresh_token"])
    granted = set(EXPECTED_SCOPES[platform].replace(",", " ").split())
    assert set(row["scopes"]) == granted


def test_the_authenticated_role_cannot_read_token_columns(stack, connector, make_user):
    user = make_user("rls")
    connector.connect(user, "tiktok")
    claims = f'{{"sub": "{user.user_id}", "role": "authenticated"}}'
    with psycopg.connect(stack.database.url) as conn:
        conn.execute(
            "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)", (claims,)
        )
        visible = conn.execute("select platform::text, status::text from platform_connections").fetchall()
        assert visible == [("tiktok", "active")]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select access_token from platform_connections")
    with psycopg.connect(stack.database.url) as conn:
        conn.execute(
            "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)", (claims,)
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select refresh_token from platform_connections")


@pytest.mark.parametrize("platform", [p for p in PLATFORMS if get_platform(p).supports_pkce])
def test_pkce_verifier_is_stored_encrypted_and_matches_the_challenge(stack, connector, db, make_user, platform):
    user = make_user("pkce")
    params = query_of(connector.start(user, platform).start["authorize_url"])
    nonce = params["state"].split(".")[0]
    row = db.execute("select code_verifier from oauth_states where nonce = %s", (nonce,)).fetchone()
    from shared.config import get_settings
    from shared.vault import TokenVault

    verifier = TokenVault.from_settings(get_settings()).decrypt(
        bytes(row["code_verifier"]), user_id=user.user_id, platform=platform, column="code_verifier"
    )
    assert verifier.encode() not in bytes(row["code_verifier"]) and 43 <= len(verifier) <= 128
    assert get_platform(platform).pkce_challenge(verifier) == params["code_challenge"]
    if platform == "youtube":  # RFC 7636 S256
        digest = hashlib.sha256(verifier.encode()).digest()
        assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == params["code_challenge"]


def test_reconnecting_replaces_the_connection(stack, connector, db, make_user):
    user = make_user("reconnect")
    connector.connect(user, "pinterest", creator=0)
    first = connection_row(db, user.user_id, "pinterest")
    connector.connect(user, "pinterest", creator=2)
    second = connection_row(db, user.user_id, "pinterest")
    assert second["id"] == first["id"] and second["access_token"] != first["access_token"]
    assert second["platform_user_id"] != first["platform_user_id"]
    count = db.execute("select count(*) as n from platform_connections where user_id = %s", (user.user_id,)).fetchone()[
        "n"
    ]
    assert count == 1
