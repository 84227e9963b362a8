"""Supabase JWT verification: the legacy HS256 secret path and refusals that need no network."""

from __future__ import annotations

import json
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
    claims = {
        "sub": str(uuid.uuid4()),
        "aud": "authenticated",
        "iss": "https://ref.supabase.co/auth/v1",
        "role": "authenticated",
        "exp": int(time.time()) + 600,
        "email": "a@b.c",
    } | overrides
    return jwt.encode(claims, key, algorithm="HS256")


def test_legacy_hs256_token_is_accepted_with_the_project_secret():
    claims = verify_user_token(_token(), SETTINGS)
    assert claims.role == "authenticated" and claims.email == "a@b.c"


@pytest.mark.parametrize(
    "token",
    [
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
    ],
)
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


# Built when the test runs: a token made at collection expires before a long suite reaches it.
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: _token(exp=int(time.time()) - 3600), "token expired"),
        (lambda: _token(aud="anon"), "token audience not accepted"),
        (lambda: "not.a-token", "malformed token"),
    ],
)
def test_refusals_say_why(make, message):
    with pytest.raises(Unauthorized, match=message):
        verify_user_token(make(), SETTINGS)


def _es256_settings_and_keys():
    from scripts.localstack.identity import SigningKey

    key = SigningKey.generate()
    settings = settings_from_env({"SUPABASE_URL": "https://ref.supabase.co"})
    return key, settings


def _es256_token(key, **overrides) -> str:
    claims = {
        "sub": str(uuid.uuid4()),
        "aud": "authenticated",
        "iss": "https://ref.supabase.co/auth/v1",
        "role": "authenticated",
        "exp": int(time.time()) + 600,
    } | overrides
    return jwt.encode(claims, key.private_pem, algorithm="ES256", headers={"kid": key.kid})


def test_es256_tokens_are_verified_with_the_key_their_kid_names(monkeypatch):
    from shared import auth

    key, settings = _es256_settings_and_keys()
    fetched = []
    monkeypatch.setitem(
        auth._signing_keys,
        settings.jwks_url,
        auth.SigningKeys(settings.jwks_url, fetch=lambda url: fetched.append(url) or key.jwks()),
    )
    assert verify_user_token(_es256_token(key), settings).role == "authenticated"
    assert verify_user_token(_es256_token(key), settings).role == "authenticated"
    assert fetched == [settings.jwks_url]  # fetched once, then cached
    other = type(key).generate()
    with pytest.raises(Unauthorized, match="signing key not found"):
        verify_user_token(_es256_token(other), settings)
    forged = _es256_token(key).rsplit(".", 1)[0] + "." + _es256_token(other).rsplit(".", 1)[1]
    with pytest.raises(Unauthorized, match="invalid token"):
        verify_user_token(forged, settings)
    hs = jwt.encode({"sub": str(uuid.uuid4())}, SECRET, algorithm="HS256", headers={"kid": key.kid})
    with pytest.raises(Unauthorized, match="unsupported token algorithm"):  # no legacy secret configured
        verify_user_token(hs, settings)


def test_an_unknown_kid_refetches_the_keys_at_most_every_ten_seconds():
    from shared import auth

    key, _ = _es256_settings_and_keys()
    now = [1000.0]
    fetches = []
    keys = auth.SigningKeys(
        "https://x/jwks", fetch=lambda url: fetches.append(now[0]) or key.jwks(), clock=lambda: now[0]
    )
    assert keys.key(key.kid)[0] == "ES256"
    assert keys.key("rotated-in") is None and keys.key("rotated-in") is None
    now[0] += auth.JWKS_REFETCH_S + 1
    assert keys.key("rotated-in") is None
    now[0] += auth.JWKS_LIFESPAN_S + 1
    keys.key(key.kid)
    assert fetches == [
        1000.0,
        1000.0 + auth.JWKS_REFETCH_S + 1,
        1000.0 + auth.JWKS_REFETCH_S + 2 + auth.JWKS_LIFESPAN_S,
    ]


def test_rs256_keys_of_the_set_verify_rs256_tokens():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from shared import auth

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key())) | {"kid": "r1", "alg": "RS256"}
    settings = settings_from_env({"SUPABASE_URL": "https://ref.supabase.co"})
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = jwt.encode(
        {
            "sub": str(uuid.uuid4()),
            "aud": "authenticated",
            "iss": "https://ref.supabase.co/auth/v1",
            "role": "authenticated",
            "exp": int(time.time()) + 600,
        },
        pem,
        algorithm="RS256",
        headers={"kid": "r1"},
    )
    keys = auth.SigningKeys(settings.jwks_url, fetch=lambda url: {"keys": [jwk]})
    auth._signing_keys[settings.jwks_url] = keys
    try:
        assert verify_user_token(token, settings).role == "authenticated"
    finally:
        auth._signing_keys.pop(settings.jwks_url, None)


def test_a_verified_signature_is_checked_once_per_key_and_its_claims_every_time(monkeypatch):
    from shared import auth

    key, settings = _es256_settings_and_keys()
    now = [1000.0]
    keys = auth.SigningKeys(settings.jwks_url, fetch=lambda url: key.jwks(), clock=lambda: now[0])
    monkeypatch.setitem(auth._signing_keys, settings.jwks_url, keys)
    checks = []
    real = auth._verify_asymmetric
    monkeypatch.setattr(auth, "_verify_asymmetric", lambda *a: checks.append(1) or real(*a))
    expires = int(time.time()) + 600
    token = _es256_token(key, exp=expires)
    for _ in range(3):
        assert verify_user_token(token, settings).role == "authenticated"
    assert len(checks) == 1
    # Another signature over the same header and claims is another token: verified, and refused.
    other = type(key).generate()
    forged = token.rsplit(".", 1)[0] + "." + _es256_token(other, exp=expires).rsplit(".", 1)[1]
    with pytest.raises(Unauthorized, match="invalid token"):
        verify_user_token(forged, settings)
    assert len(checks) == 2
    # The JWKS refreshed (new key objects): the signature is checked again against the key now published.
    now[0] += auth.JWKS_LIFESPAN_S + 1
    assert verify_user_token(token, settings).role == "authenticated"
    assert len(checks) == 3
    # A remembered signature does not outlive its token.
    monkeypatch.setattr(auth.time, "time", lambda: expires + auth.LEEWAY_S + 1)
    with pytest.raises(Unauthorized, match="token expired"):
        verify_user_token(token, settings)


def test_the_verified_cache_keeps_the_most_recent_tokens_only(monkeypatch):
    from shared import auth

    monkeypatch.setattr(auth, "VERIFIED_CACHE_SIZE", 3)
    monkeypatch.setattr(auth, "_verified", auth.OrderedDict())
    for token in ("a", "b", "c", "a", "d"):
        auth._remember(token, "kid", object(), {})
    assert list(auth._verified) == ["c", "a", "d"]
    assert auth._remembered("a") is not None and auth._remembered("b") is None
