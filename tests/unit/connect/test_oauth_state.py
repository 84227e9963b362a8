"""The OAuth state's signature, its wire format and the browser-binding cookie (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.config import Settings
from shared.services.oauth_state import (
    BINDING_COOKIE,
    StateRefused,
    _split,
    binding_cookie,
    binding_value,
    callback_url,
    sign,
)

SETTINGS = Settings(state_secret="state-secret-" + "s" * 32, public_base_url="https://api.example.com/")
USER = "8d2f5a9e-0000-4000-8000-000000000001"
EXPIRY = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc)


def test_signature_covers_nonce_user_platform_and_expiry():
    base = sign(SETTINGS, "nonce-1", USER, "youtube", EXPIRY)
    assert base == sign(SETTINGS, "nonce-1", USER, "youtube", EXPIRY)
    others = {
        sign(SETTINGS, "nonce-2", USER, "youtube", EXPIRY),
        sign(SETTINGS, "nonce-1", "8d2f5a9e-0000-4000-8000-000000000002", "youtube", EXPIRY),
        sign(SETTINGS, "nonce-1", USER, "tiktok", EXPIRY),
        sign(SETTINGS, "nonce-1", USER, "youtube", EXPIRY + dt.timedelta(seconds=1)),
    }
    assert base not in others and len(others) == 4


def test_signature_depends_on_the_secret():
    other = Settings(state_secret="another-secret-" + "x" * 32)
    assert sign(SETTINGS, "n", USER, "youtube", EXPIRY) != sign(other, "n", USER, "youtube", EXPIRY)


def test_signature_is_urlsafe_base64_of_sha256():
    signature = sign(SETTINGS, "n", USER, "youtube", EXPIRY)
    assert len(signature) == 43 and "=" not in signature and "." not in signature


@pytest.mark.parametrize(
    "state",
    [None, "", "no-dot", ".sig", "nonce.", "x" * 201, "x" * 32 + "." + "y" * 42 + "\x00", "x" * 31 + "." + "y" * 43],
)
def test_malformed_states_are_refused_as_invalid(state):
    with pytest.raises(StateRefused) as refused:
        _split(state)
    assert refused.value.reason == "invalid_state"


def test_missing_secret_is_a_configuration_error():
    from shared.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="OAUTH_STATE_SECRET"):
        sign(Settings(), "n", USER, "youtube", EXPIRY)


@pytest.mark.parametrize(
    "base, name, secure",
    [
        ("https://api.example.com/", "__Host-ci_oauth_binding", True),
        ("http://api.creator.localhost:8080", "__Host-ci_oauth_binding", True),  # browsers treat localhost as secure
        ("http://127.0.0.1:8080", "ci_oauth_binding", False),
    ],
)
def test_binding_cookie_is_httponly_lax_host_only_and_names_no_user(base, name, secure):
    settings = SETTINGS.model_copy(update={"public_base_url": base.rstrip("/")})
    cookie = binding_cookie(settings, USER)
    assert cookie["key"] == name and cookie["httponly"] and cookie["samesite"] == "Lax"
    # __Host- cookies must be Secure with Path=/ and no Domain: no sibling subdomain can plant one.
    assert cookie["secure"] is secure and cookie["path"] == "/" and "domain" not in cookie and cookie["max_age"] == 600
    assert USER not in cookie["value"] and cookie["value"] == binding_value(settings, USER)
    assert binding_value(settings, USER) != binding_value(settings, "8d2f5a9e-0000-4000-8000-000000000002")


def test_callback_url_is_under_the_public_base_url():
    assert callback_url(SETTINGS) == "https://api.example.com/api/auth/callback"
    assert BINDING_COOKIE == "ci_oauth_binding"
