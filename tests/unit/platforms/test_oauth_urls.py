"""Authorize URLs carry least-privilege read scopes, state and (where supported) the PKCE challenge."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.config import Settings
from shared.errors import ConfigurationError
from shared.platforms import get_platform, instagram, pinterest, tiktok, youtube
from shared.platforms.models import TokenSet
from shared.platforms.transport import new_code_verifier, s256_challenge

REDIRECT = "https://app.example.com/oauth/callback"


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_instagram_authorize_url(settings):
    url = instagram.authorize_url(settings, redirect_uri=REDIRECT, state="st-1", code_challenge="ignored")
    assert url.startswith("https://www.instagram.com/oauth/authorize?")
    q = query(url)
    assert q["scope"] == "instagram_business_basic,instagram_business_manage_insights"
    assert (q["client_id"], q["redirect_uri"], q["response_type"], q["state"]) == (
        "instagram-client-id",
        REDIRECT,
        "code",
        "st-1",
    )
    assert "code_challenge" not in q and not instagram.supports_pkce


def test_youtube_authorize_url_is_offline_consent_with_s256(settings):
    verifier = new_code_verifier()
    q = query(
        youtube.authorize_url(
            settings, redirect_uri=REDIRECT, state="st-2", code_challenge=youtube.pkce_challenge(verifier)
        )
    )
    assert q["scope"].split() == [
        "https://www.googleapis.com/auth/youtube.readonly",
        "https://www.googleapis.com/auth/yt-analytics.readonly",
    ]
    assert (q["access_type"], q["prompt"], q["include_granted_scopes"]) == ("offline", "consent", "true")
    assert q["code_challenge_method"] == "S256"
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert q["code_challenge"] == expected and q["state"] == "st-2"


def test_pinterest_authorize_url(settings):
    url = pinterest.authorize_url(settings, redirect_uri=REDIRECT, state="st-3")
    assert url.startswith("https://www.pinterest.com/oauth/?")
    assert query(url)["scope"] == "user_accounts:read,pins:read,boards:read"


def test_tiktok_authorize_url_uses_client_key_and_hex_challenge(settings):
    verifier = new_code_verifier()
    challenge = tiktok.pkce_challenge(verifier)
    q = query(tiktok.authorize_url(settings, redirect_uri=REDIRECT, state="st-4", code_challenge=challenge))
    assert q["client_key"] == "tiktok-client-id" and "client_id" not in q
    assert q["scope"] == "user.info.basic,user.info.profile,user.info.stats,video.list"
    assert q["code_challenge"] == hashlib.sha256(verifier.encode()).hexdigest()
    assert q["code_challenge_method"] == "S256"


def test_rfc7636_reference_challenge():
    assert (
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_verifiers_are_long_random_and_url_safe():
    verifier = new_code_verifier()
    assert 43 <= len(verifier) <= 128 and verifier != new_code_verifier()
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_sandbox_hosts_are_used_when_configured(settings):
    local = settings.model_copy(
        update={
            "platform_hosts": {
                **settings.platform_hosts,
                "www.instagram.com": "http://127.0.0.1:9999/www.instagram.com",
            }
        }
    )
    assert instagram.authorize_url(local, redirect_uri=REDIRECT, state="s").startswith(
        "http://127.0.0.1:9999/www.instagram.com/oauth/authorize?"
    )


@pytest.mark.parametrize("name", ["instagram", "youtube", "pinterest", "tiktok"])
def test_missing_credentials_is_a_configuration_error(name):
    with pytest.raises(ConfigurationError, match=name):
        get_platform(name).authorize_url(Settings(), redirect_uri=REDIRECT, state="s")


def test_token_set_never_prints_secrets():
    tokens = TokenSet(access_token="at-very-secret", refresh_token="rt-very-secret", scopes=["a"])
    assert "very-secret" not in repr(tokens) and "very-secret" not in str(tokens)
    assert "very-secret" not in tokens.model_dump_json()


def test_registry_exposes_the_same_surface_everywhere():
    surface = (
        "PLATFORM",
        "SCOPES",
        "supports_pkce",
        "supports_revoke",
        "open_client",
        "pkce_challenge",
        "classify_error",
        "authorize_url",
        "exchange_code",
        "refresh",
        "revoke",
        "fetch_profile",
        "fetch_snapshots",
        "fetch_posts",
        "normalize_snapshots",
        "normalize_posts",
    )
    for name in ("instagram", "youtube", "pinterest", "tiktok"):
        module = get_platform(name)
        assert module.PLATFORM == name
        assert all(hasattr(module, attr) for attr in surface), name
    with pytest.raises(KeyError):
        get_platform("myspace")
