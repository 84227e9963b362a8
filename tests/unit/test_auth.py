"""Supabase JWT verification: the legacy HS256 secret path and refusals that need no network."""
from __future__ import annotations

import time
import uuid

import jwt
import pytest

from shared.auth import bearer_token, verify_user_token
from shared.config import settings_from_env
from shared.errors import Unauthorized

SECRET = "legacy-jwt-secret-" + "s" * 32
SETTINGS = settings_from_env({"SUPABASE_URL": "https://ref.supabase.co", "SUPABASE_JWT_SECRET": SECRET})


def _token(key: str = SECRET, **overrides) -> str:
    claims = {"sub": str(uuid.uuid4()), "aud": "authenticated", "iss": "https://ref.supabase.co/auth/v1",
              "role": "authenticated", "exp": int(time.time()) + 600, "email": "a@b.c"} | overrides
    return jwt.encode(claims, key, algorithm="HS256")


def test_legacy_hs256_token_is_accepted_with_the_project_secret():
    claims = verify_user_token(_token(), SETTINGS)
    assert claims.role == "authenticated" and claims.email == "a@b.c"


@pytest.mark.parametrize("token", [
    _token(key="another-secret-" + "x" * 32),
    _token(exp=int(time.time()) - 3600),
    _token(aud="anon"),
    _token(iss="https://other.supabase.co/auth/v1"),
    _token(role="service_role"),
    _token(sub="not-a-uuid"),
    _token(exp=str(int(time.time()) + 600)),
    _token(nbf=int(time.time()) + 3600),
    _token(iat=int(time.time()) + 3600),
    _token(aud=["anon", "service_role"]),
    _token() + "=",
    _token().replace(".", "..", 1),
    jwt.encode({"sub": str(uuid.uuid4()), "role": "authenticated"}, None, algorithm="none"),
])
def test_tokens_that_are_not_a_signed_in_users_are_refused(token):
    with pytest.raises(Unauthorized):
        verify_user_token(token, SETTINGS)


def test_hs256_is_refused_when_no_legacy_secret_is_configured():
    with pytest.raises(Unauthorized):
        verify_user_token(_token(), settings_from_env({"SUPABASE_URL": "https://ref.supabase.co"}))


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "token"])
def test_authorization_header_must_be_a_bearer_token(header):
    with pytest.raises(Unauthorized):
        bearer_token(header)


def test_an_audience_list_holding_ours_is_accepted():
    claims = verify_user_token(_token(aud=["authenticated", "other"]), SETTINGS)
    assert claims.raw["aud"] == ["authenticated", "other"]


@pytest.mark.parametrize(("token", "message"), [
    (_token(exp=int(time.time()) - 3600), "token expired"),
    (_token(aud="anon"), "token audience not accepted"),
    ("not.a-token", "malformed token"),
])
def test_refusals_say_why(token, message):
    with pytest.raises(Unauthorized, match=message):
        verify_user_token(token, SETTINGS)
