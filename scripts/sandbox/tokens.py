"""Authorization codes and tokens: who they belong to, when they die, what replaced them."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import threading
import time
from dataclasses import dataclass, field

_ALNUM = string.ascii_letters + string.digits


def _random(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def token_value(platform: str, kind: str) -> str:
    """An opaque token shaped like the platform's real ones."""
    if platform == "instagram":
        return "IGAA" + _random(150)
    if platform == "facebook":
        return "EAA" + _random(160)
    if platform == "youtube":
        return ("ya29.a0" + _random(140, _ALNUM + "-_")) if kind == "access" else ("1//0" + _random(96, _ALNUM + "-_"))
    if platform == "pinterest":
        return ("pina_" if kind == "access" else "pinr_") + _random(96, string.ascii_uppercase + string.digits)
    return ("act." if kind == "access" else "rft.") + _random(60) + "!" + _random(4, string.digits) + ".va"


@dataclass
class Token:
    value: str
    platform: str
    creator: int
    kind: str  # access | refresh
    variant: str  # e.g. short / long for Instagram, "" elsewhere
    client_id: str
    scope: str
    issued_at: float
    expires_at: float | None
    revoked: bool = False
    rotated: bool = False  # a refresh token that was exchanged and replaced
    grant: str = ""  # tokens from one consent share a grant; revoking a refresh token revokes the grant


@dataclass
class AuthCode:
    code: str
    platform: str
    creator: int
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: float
    code_challenge: str | None
    code_challenge_method: str | None
    extra: dict = field(default_factory=dict)
    used: bool = False


def pkce_matches(verifier: str | None, challenge: str, method: str | None) -> bool:
    """RFC 7636 check; S256 unless the client said plain."""
    if not verifier:
        return False
    if (method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
    return verifier == challenge


class TokenStore:
    """The sandbox's token table, safe to use from the server thread and the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, AuthCode] = {}
        self.consents: set[tuple[str, int, str]] = set()  # (platform, creator, client_id) already consented
        self.refresh_uses = 0
        self.double_use_attempts = 0

    def new_code(self, code: AuthCode) -> AuthCode:
        with self._lock:
            self.codes[code.code] = code
        return code

    def take_code(self, value: str) -> AuthCode | None:
        """The code if it exists; marks it used (callers check `used` to refuse a replay)."""
        with self._lock:
            code = self.codes.get(value)
            if code is None:
                return None
            was_used = code.used
            code.used = True
            if was_used and code.platform == "youtube":
                # Google revokes what a replayed code minted, as RFC 6749 §4.1.2 recommends.
                for token in self.tokens.values():
                    if token.grant == code.code:
                        token.revoked = True
            return AuthCode(**{**code.__dict__, "used": was_used})

    def issue(
        self,
        platform: str,
        creator: int,
        kind: str,
        lifetime_s: float | None,
        client_id: str = "",
        scope: str = "",
        variant: str = "",
        grant: str = "",
        age_s: float = 0.0,
    ) -> Token:
        now = time.time() - age_s
        token = Token(
            value=token_value(platform, kind),
            platform=platform,
            creator=creator,
            kind=kind,
            variant=variant,
            client_id=client_id,
            scope=scope,
            issued_at=now,
            expires_at=None if lifetime_s is None else now + lifetime_s,
            grant=grant or secrets.token_hex(8),
        )
        with self._lock:
            self.tokens[token.value] = token
        return token

    def get(self, value: str | None) -> Token | None:
        return self.tokens.get(value or "")

    def problem(self, token: Token | None, platform: str, kind: str = "access") -> str | None:
        """None when usable, else 'invalid', 'expired', 'revoked' or 'rotated'."""
        if token is None or token.platform != platform or token.kind != kind:
            return "invalid"
        if token.revoked:
            return "revoked"
        if token.rotated:
            return "rotated"
        if token.expires_at is not None and token.expires_at <= time.time():
            return "expired"
        return None

    def use_refresh(self, token: Token | None, platform: str, rotate: bool) -> str | None:
        """Count a refresh and, when the platform rotates, retire the old refresh token."""
        with self._lock:
            self.refresh_uses += 1
            problem = self.problem(token, platform, "refresh")
            if problem == "rotated":
                self.double_use_attempts += 1
            if problem is None and rotate and token is not None:
                token.rotated = True
            return problem

    def revoke(self, token: Token, whole_grant: bool = False) -> None:
        with self._lock:
            token.revoked = True
            if whole_grant:
                for other in self.tokens.values():
                    if other.grant == token.grant:
                        other.revoked = True

    def expire(self, token: Token) -> None:
        with self._lock:
            token.expires_at = time.time() - 1

    def matching(self, platform: str | None, creator: int | None) -> list[Token]:
        return [
            t
            for t in list(self.tokens.values())
            if (platform is None or t.platform == platform) and (creator is None or t.creator == creator)
        ]

    def snapshot(self) -> dict:
        live = [t for t in list(self.tokens.values()) if self.problem(t, t.platform, t.kind) is None]
        return {
            "tokens": len(self.tokens),
            "live_tokens": len(live),
            "refresh_uses": self.refresh_uses,
            "double_use_attempts": self.double_use_attempts,
        }
