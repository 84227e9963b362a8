"""Supabase JWT verification: asymmetric signing keys from the project's JWKS, or the legacy HS256 secret.

Verified with `cryptography` directly (ES256, RS256) and the standard library (HS256): a token is parsed
once, and a cold start loads only the EC primitives, not a JWT library and every algorithm it supports.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.errors import ServiceUnavailable, Unauthorized

if TYPE_CHECKING:
    from shared.config import Settings

_ASYMMETRIC = ("ES256", "RS256")
_COMPACT = re.compile(r"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")
LEEWAY_S = 30
# Supabase edge-caches its JWKS for 10 minutes; caching longer would delay key revocation.
JWKS_LIFESPAN_S = 600.0
# An unknown kid refetches the set (a rotated key), at most this often: random kids cannot make every
# request a JWKS download.
JWKS_REFETCH_S = 10.0
# Tokens whose signature was verified: (kid, the key that verified it, the decoded claims). A frontend sends
# the same access token for up to an hour, so a warm instance decodes and checks each one once (ECDSA
# verification alone is ~0.1 ms, a fifth of a posts page). The claims (exp, nbf, iss, aud, sub, role) are
# still checked on every request, and a key replaced or dropped from the JWKS no longer matches, so its
# tokens are verified (and refused) again. The claims dicts are shared: read them, never change them.
VERIFIED_CACHE_SIZE = 1024
_verified: OrderedDict[str, Any] = OrderedDict()
_verified_lock = threading.Lock()
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class UserClaims:
    """A verified Supabase user: the claims PostgREST would put in `request.jwt.claims`."""

    user_id: str
    role: str
    email: str | None
    raw: dict[str, Any] = field(repr=False)


class SigningKeys:
    """The project's JWKS: public keys by kid, fetched on first use, refreshed after JWKS_LIFESPAN_S."""

    def __init__(self, url: str, fetch: Any = None, clock: Any = time.monotonic):
        self.url, self._fetch, self._clock = url, fetch or _download_json, clock
        self._keys: dict[str, tuple[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> tuple[str, Any] | None:
        """(algorithm, public key) of a kid, or None when the project has no such key."""
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > JWKS_LIFESPAN_S
            unknown = kid not in self._keys and (self._fetched_at is None or now - self._fetched_at > JWKS_REFETCH_S)
            if stale or unknown:
                self._keys = _public_keys(self._fetch(self.url))
                self._fetched_at = now
            return self._keys.get(kid)


def _download_json(url: str) -> Any:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - the configured Supabase URL
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        raise ServiceUnavailable("cannot reach the token signing keys", retry_after=5) from None


def _public_keys(document: Any) -> dict[str, tuple[str, Any]]:
    """kid -> (algorithm, key) for the EC P-256 and RSA signing keys of a JWK set; others are skipped."""
    keys: dict[str, tuple[str, Any]] = {}
    for jwk in (document or {}).get("keys", []) if isinstance(document, dict) else []:
        try:
            if jwk.get("use", "sig") != "sig" or "kid" not in jwk:
                continue
            if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256" and jwk.get("alg", "ES256") == "ES256":
                from cryptography.hazmat.primitives.asymmetric import ec

                point = ec.EllipticCurvePublicNumbers(_b64_int(jwk["x"]), _b64_int(jwk["y"]), ec.SECP256R1())
                keys[str(jwk["kid"])] = ("ES256", point.public_key())
            elif jwk.get("kty") == "RSA" and jwk.get("alg", "RS256") == "RS256":
                from cryptography.hazmat.primitives.asymmetric import rsa

                numbers = rsa.RSAPublicNumbers(_b64_int(jwk["e"]), _b64_int(jwk["n"]))
                keys[str(jwk["kid"])] = ("RS256", numbers.public_key())
        except (KeyError, TypeError, ValueError):
            continue  # a malformed key signs nothing
    return keys


def _b64_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


_signing_keys: dict[str, SigningKeys] = {}
_signing_keys_lock = threading.Lock()


def signing_keys(url: str) -> SigningKeys:
    """The process-wide key set of a JWKS URL."""
    with _signing_keys_lock:
        if url not in _signing_keys:
            _signing_keys[url] = SigningKeys(url)
        return _signing_keys[url]


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
    key its `kid` names (or the legacy secret) and the claims are validated as PyJWT did (exp, nbf, iat
    with 30 s leeway; iss; aud; exp, sub, aud and iss required).
    """
    remembered = _remembered(token)
    if remembered is not None:
        kid, key, claims = remembered
        found = signing_keys(settings.jwks_url).key(kid)
        if found is not None and found[1] is key:
            return _user_claims(claims, settings)
    header, claims, signing_input, signature = _segments(token)
    alg = header.get("alg")
    # The algorithm is the key's, never the token's: a token cannot pick HS256 against a public key.
    if alg in _ASYMMETRIC:
        kid = str(header.get("kid"))
        found = signing_keys(settings.jwks_url).key(kid)
        if found is None:
            raise Unauthorized("token signing key not found")
        key_alg, key = found
        valid = key_alg == alg and _verify_asymmetric(alg, key, signing_input, signature)
        if valid:
            _remember(token, kid, key, claims)
    elif alg == "HS256" and settings.supabase_jwt_secret is not None:
        secret = settings.supabase_jwt_secret.get_secret_value().encode()
        valid = hmac.compare_digest(hmac.new(secret, signing_input, hashlib.sha256).digest(), signature)
    else:
        raise Unauthorized("unsupported token algorithm")
    if not valid:
        raise Unauthorized("invalid token")
    return _user_claims(claims, settings)


def _user_claims(claims: dict[str, Any], settings: Settings) -> UserClaims:
    _validate_claims(claims, settings)
    if not _UUID.match(str(claims.get("sub", ""))):
        raise Unauthorized("token subject is not a user id")
    if claims.get("role") != "authenticated":
        raise Unauthorized("token is not a signed-in user's")
    return UserClaims(user_id=str(claims["sub"]), role="authenticated", email=claims.get("email"), raw=claims)


def _remembered(token: str) -> tuple[str, Any, dict[str, Any]] | None:
    with _verified_lock:
        return _verified.get(token)


def _remember(token: str, kid: str, key: Any, claims: dict[str, Any]) -> None:
    with _verified_lock:
        _verified[token] = (kid, key, claims)
        _verified.move_to_end(token)
        while len(_verified) > VERIFIED_CACHE_SIZE:
            _verified.popitem(last=False)


def _verify_asymmetric(alg: str, key: Any, signing_input: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes

    try:
        if alg == "ES256":
            from cryptography.hazmat.primitives.asymmetric import ec, utils

            if len(signature) != 64:  # JWS: r and s, 32 bytes each (RFC 7518 §3.4)
                return False
            der = utils.encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            from cryptography.hazmat.primitives.asymmetric import padding

            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, signing input, signature) of a compact JWS, or Unauthorized("malformed token")."""
    match = _COMPACT.match(token)
    if match is None:
        raise Unauthorized("malformed token")
    try:
        # The signature covers the first two segments as sent, so only its own encoding must be canonical.
        header, claims = (json.loads(_unb64(part, canonical=False)) for part in match.group(1, 2))
        signature = _unb64(match.group(3))
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized("malformed token") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Unauthorized("malformed token")
    return header, claims, f"{match.group(1)}.{match.group(2)}".encode(), signature


def _unb64(segment: str, canonical: bool = True) -> bytes:
    # A canonical signature encoding (as PyJWT checks): one signed token, one string.
    data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if canonical and base64.urlsafe_b64encode(data).rstrip(b"=").decode() != segment:
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
