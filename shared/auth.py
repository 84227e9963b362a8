"""Supabase JWT verification: legacy HS256 secret and asymmetric signing keys from JWKS."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.errors import ServiceUnavailable, Unauthorized

if TYPE_CHECKING:
    import jwt

    from shared.config import Settings

_ASYMMETRIC = ("ES256", "RS256")
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
    """Verify a Supabase access token for a signed-in user, or raise Unauthorized."""
    import jwt  # with cryptography, ~70 ms: loaded by the first request that carries a token

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorized("malformed token") from None
    alg = header.get("alg")
    common: dict[str, Any] = {
        "audience": settings.supabase_jwt_audience,
        "issuer": settings.jwt_issuer,
        "options": {"require": ["exp", "sub", "aud", "iss"]},
        "leeway": 30,
    }
    try:
        # The algorithm list is ours, never the token's: a token cannot pick HS256 against a public key.
        if alg in _ASYMMETRIC:
            key = _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=list(_ASYMMETRIC), **common)
        elif alg == "HS256" and settings.supabase_jwt_secret is not None:
            claims = jwt.decode(token, settings.supabase_jwt_secret.get_secret_value(), algorithms=["HS256"], **common)
        else:
            raise Unauthorized("unsupported token algorithm")
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token expired") from None
    except jwt.InvalidAudienceError:
        raise Unauthorized("token audience not accepted") from None
    except jwt.PyJWKClientConnectionError:
        raise ServiceUnavailable("cannot reach the token signing keys", retry_after=5) from None
    except jwt.PyJWKClientError:
        raise Unauthorized("token signing key not found") from None
    except jwt.PyJWTError:
        raise Unauthorized("invalid token") from None
    if not _UUID.match(str(claims.get("sub", ""))):
        raise Unauthorized("token subject is not a user id")
    if claims.get("role") != "authenticated":
        raise Unauthorized("token is not a signed-in user's")
    return UserClaims(user_id=str(claims["sub"]), role="authenticated", email=claims.get("email"), raw=claims)
