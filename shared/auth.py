"""Supabase JWT verification: legacy HS256 secret and asymmetric signing keys from JWKS."""
from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.errors import ServiceUnavailable, Unauthorized

if TYPE_CHECKING:
    import jwt

    from shared.config import Settings

_ASYMMETRIC = ("ES256", "RS256")
_COMPACT = re.compile(r"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")
LEEWAY_S = 30
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_jwks_clients: dict[str, jwt.PyJWKClient] = {}
_jwks_lock = threading.Lock()


@dataclass(frozen=True)
class UserClaims:
    """A verified Supabase user: the claims PostgREST would put in `request.jwt.claims`."""

    user_id: str
    role: str
    email: str | None
    raw: dict[str, Any] = field(repr=False)


def _jwks_client(url: str) -> jwt.PyJWKClient:
    import jwt

    # Supabase edge-caches JWKS for 10 minutes; caching longer would delay key revocation.
    with _jwks_lock:
        client = _jwks_clients.get(url)
        if client is None:
            client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=600, timeout=5)
            _jwks_clients[url] = client
        return client


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer ...` header."""
    if not authorization:
        raise Unauthorized("missing bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("authorization header must be 'Bearer <token>'")
    return token.strip()


def verify_user_token(token: str, settings: Settings) -> UserClaims:
    """Verify a Supabase access token for a signed-in user, or raise Unauthorized.

    The token is parsed once: its three segments are decoded here, the signature is checked with the
    key its `kid` names (or the legacy secret) and the claims are validated as PyJWT would (exp, nbf,
    iat with 30 s leeway; iss; aud; exp, sub, aud and iss required).
    """
    import jwt  # with cryptography, ~70 ms: loaded by the first request that carries a token

    header, claims, signing_input, signature = _segments(token)
    alg = header.get("alg")
    try:
        # The algorithm list is ours, never the token's: a token cannot pick HS256 against a public key.
        if alg in _ASYMMETRIC:
            jwk = _jwks_client(settings.jwks_url).get_signing_key(str(header.get("kid")))
            if jwk.algorithm_name not in (None, alg):
                raise Unauthorized("invalid token")
            key: Any = jwk.key
        elif alg == "HS256" and settings.supabase_jwt_secret is not None:
            key = settings.supabase_jwt_secret.get_secret_value()
        else:
            raise Unauthorized("unsupported token algorithm")
        algorithm = jwt.get_algorithm_by_name(alg)
        if not algorithm.verify(signing_input, algorithm.prepare_key(key), signature):
            raise Unauthorized("invalid token")
    except jwt.PyJWKClientConnectionError:
        raise ServiceUnavailable("cannot reach the token signing keys", retry_after=5) from None
    except jwt.PyJWKClientError:
        raise Unauthorized("token signing key not found") from None
    except (jwt.PyJWTError, ValueError, TypeError):
        raise Unauthorized("invalid token") from None
    _validate_claims(claims, settings)
    if not _UUID.match(str(claims.get("sub", ""))):
        raise Unauthorized("token subject is not a user id")
    if claims.get("role") != "authenticated":
        raise Unauthorized("token is not a signed-in user's")
    return UserClaims(user_id=str(claims["sub"]), role="authenticated", email=claims.get("email"), raw=claims)


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, signing input, signature) of a compact JWS, or Unauthorized("malformed token")."""
    match = _COMPACT.match(token)
    if match is None:
        raise Unauthorized("malformed token")
    try:
        header, claims = (json.loads(_unb64(part)) for part in match.group(1, 2))
        signature = _unb64(match.group(3))
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized("malformed token") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Unauthorized("malformed token")
    return header, claims, f"{match.group(1)}.{match.group(2)}".encode(), signature


def _unb64(segment: str) -> bytes:
    # Canonical base64url only (as PyJWT checks): one token, one encoding.
    data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode() != segment:
        raise ValueError("non-canonical base64url")
    return data


def _validate_claims(claims: dict[str, Any], settings: Settings) -> None:
    now = time.time()
    for name in ("exp", "sub", "aud", "iss"):
        if name not in claims:
            raise Unauthorized("invalid token")
    times = {name: claims[name] for name in ("exp", "nbf", "iat") if name in claims}
    if any(type(value) not in (int, float) for value in times.values()):
        raise Unauthorized("invalid token")
    if times["exp"] <= now - LEEWAY_S:
        raise Unauthorized("token expired")
    if times.get("nbf", now) > now + LEEWAY_S or times.get("iat", now) > now + LEEWAY_S:
        raise Unauthorized("invalid token")
    if claims["iss"] != settings.jwt_issuer:
        raise Unauthorized("invalid token")
    audience = claims["aud"]
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or settings.supabase_jwt_audience not in audiences:
        raise Unauthorized("token audience not accepted")
