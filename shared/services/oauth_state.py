"""The OAuth `state`: one-time, expiring, signed, bound to a user and a platform.

`state = f"{nonce}.{signature}"`, signature = base64url(HMAC-SHA256(OAUTH_STATE_SECRET,
"nonce|user_id|platform|expiry_epoch")). The row in `oauth_states` keeps what the signature covers,
the redirect URI and the PKCE verifier (vault-encrypted, column "code_verifier"), so the platform
only ever sees the nonce and its signature. Times come from shared/clock.py.

Verification order: malformed / unknown nonce / bad signature → invalid_state; already consumed →
state_replayed (consumption is one `update ... where used_at is null returning`, so two callbacks
racing cannot both win); past expiry → state_expired; completed by another user → wrong_user.

Who completes the flow (the callback itself is public: it is a top-level navigation from the
platform, so only the browser can say):
- the binding cookie set on the start response (an HMAC of the user id) names the state's user: the
  browser is proven, the callback completes at once; another user's cookie → wrong_user;
- a bearer token on the callback request, when present and valid, must be the state's user too;
- no cookie (a frontend on another site than the API never holds it, and neither does the browser of
  someone an attacker sent a consent link to): the state comes back unproven (`browser_bound` False)
  and the callback completes nothing; shared/services/oauth_completion.py keeps its code for the
  starter's own signed-in frontend.
The cookie is HttpOnly, SameSite=Lax (sent on the platform's top-level redirect back to us, never on a
cross-site subrequest), 10 minutes, and, wherever the browser treats our origin as secure (https, or a
localhost name), Secure with the `__Host-` prefix, so no sibling subdomain can plant one. A same-site
frontend (app.example.com → api.example.com) calls start with `credentials: "include"` and keeps it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from shared import clock
from shared.errors import ConfigurationError

if TYPE_CHECKING:
    from shared.config import Settings
    from shared.vault import TokenVault

STATE_TTL = dt.timedelta(minutes=10)
STALE_AFTER = dt.timedelta(days=1)  # used or expired states are kept this long for diagnosis, then purged
BINDING_COOKIE = "ci_oauth_binding"
# nonce (24 random bytes, base64url) "." signature (HMAC-SHA256, base64url without padding)
_STATE_FORM = re.compile(r"[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}")

Refusal = Literal["invalid_state", "state_expired", "state_replayed", "wrong_user"]


class StateRefused(Exception):
    """A state (or its completion handle) is not acceptable; `reason` is the code the frontend shows."""

    def __init__(self, reason: Refusal, platform: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.platform = platform


@dataclass(frozen=True)
class IssuedState:
    value: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class VerifiedState:
    user_id: str
    platform: str
    redirect_uri: str
    code_verifier: str | None
    nonce: str
    browser_bound: bool = False  # the starter's binding cookie came back: safe to complete right here


def _secret(settings: Settings) -> bytes:
    if settings.state_secret is None:
        raise ConfigurationError("OAUTH_STATE_SECRET is not set")
    return settings.state_secret.get_secret_value().encode()


def _mac(settings: Settings, message: str) -> str:
    digest = hmac.new(_secret(settings), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign(settings: Settings, nonce: str, user_id: str, platform: str, expires_at: dt.datetime) -> str:
    """The signature over what a state is bound to."""
    return _mac(settings, f"{nonce}|{user_id}|{platform}|{int(expires_at.timestamp())}")


def issue_state(
    conn: Any,
    settings: Settings,
    vault: TokenVault | None,
    *,
    user_id: str,
    platform: str,
    redirect_uri: str,
    code_verifier: str | None = None,
    now: dt.datetime | None = None,
) -> IssuedState:
    """Store a fresh state row and return the value to hand the platform."""
    nonce = secrets.token_urlsafe(24)
    # Whole seconds: the signed expiry must equal what Postgres gives back.
    expires_at = ((now or clock.now()) + STATE_TTL).replace(microsecond=0)
    sealed = None
    if code_verifier is not None:
        assert vault is not None, "a PKCE verifier needs the vault"
        sealed = vault.encrypt(code_verifier, user_id=user_id, platform=platform, column="code_verifier")
    conn.execute(
        "insert into oauth_states (nonce, user_id, platform, redirect_uri, code_verifier,"
        " expires_at) values (%s, %s, %s, %s, %s, %s)",
        (nonce, user_id, platform, redirect_uri, sealed, expires_at),
    )
    return IssuedState(f"{nonce}.{sign(settings, nonce, user_id, platform, expires_at)}", expires_at)


def consume_state(
    conn: Any,
    settings: Settings,
    vault: TokenVault | None,
    state: str | None,
    *,
    caller_user_id: str | None = None,
    binding: str | None = None,
    now: dt.datetime | None = None,
) -> VerifiedState:
    """Verify and use up a state, or raise StateRefused. Commit `conn` even when it raises:
    a state that reached the callback is spent whatever happens next."""
    nonce, signature = _split(state)
    row = conn.execute(
        "select nonce, user_id::text as user_id, platform::text as platform, expires_at"
        " from oauth_states where nonce = %s",
        (nonce,),
    ).fetchone()
    if row is None:
        raise StateRefused("invalid_state")
    expected = sign(settings, nonce, row["user_id"], row["platform"], row["expires_at"])
    if not hmac.compare_digest(expected, signature):
        raise StateRefused("invalid_state")
    now = now or clock.now()
    used = conn.execute(
        """update oauth_states set used_at = %s where nonce = %s and used_at is null
                           returning redirect_uri, code_verifier, expires_at <= %s as expired""",
        (now, nonce, now),
    ).fetchone()
    if used is None:
        raise StateRefused("state_replayed", row["platform"])
    if used["expired"]:
        raise StateRefused("state_expired", row["platform"])
    if caller_user_id is not None and caller_user_id != row["user_id"]:
        raise StateRefused("wrong_user", row["platform"])
    if binding and not hmac.compare_digest(binding.encode(), binding_value(settings, row["user_id"]).encode()):
        raise StateRefused("wrong_user", row["platform"])
    verifier = unseal_verifier(vault, row["user_id"], row["platform"], used["code_verifier"])
    return VerifiedState(
        row["user_id"], row["platform"], used["redirect_uri"], verifier, nonce, browser_bound=bool(binding)
    )


def unseal_verifier(vault: TokenVault | None, user_id: str, platform: str, sealed: bytes | None) -> str | None:
    """A state's PKCE verifier in clear (None where the platform has no PKCE)."""
    if sealed is None:
        return None
    assert vault is not None, "a PKCE verifier needs the vault"
    return vault.decrypt(sealed, user_id=user_id, platform=platform, column="code_verifier")


def _split(state: str | None) -> tuple[str, str]:
    # Only the exact shape we issue reaches the database (no NUL bytes, no 5 kB strings).
    if not state or not _STATE_FORM.fullmatch(state):
        raise StateRefused("invalid_state")
    nonce, _, signature = state.partition(".")
    return nonce, signature


def purge_states(conn: Any, *, older_than: dt.timedelta = STALE_AFTER, now: dt.datetime | None = None) -> int:
    """Delete states that expired more than `older_than` ago (returns how many) and wipe the codes
    whose completion handle has expired (kept sealed until then, useless after)."""
    now = now or clock.now()
    conn.execute(
        "update oauth_states set authorization_code = null"
        " where authorization_code is not null and handle_expires_at <= %s",
        (now,),
    )
    return conn.execute("delete from oauth_states where expires_at < %s", (now - older_than,)).rowcount


def callback_url(settings: Settings) -> str:
    """The one redirect URI every platform sends the browser back to."""
    return f"{settings.public_base_url}/api/auth/callback"


def binding_value(settings: Settings, user_id: str) -> str:
    """The binding cookie's value for a user: an HMAC, so it names no one and cannot be forged."""
    return _mac(settings, f"binding|{user_id}")


def _secure_origin(settings: Settings) -> bool:
    """Whether browsers treat our public origin as secure (and so keep Secure cookies from it)."""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.public_base_url)
    host = parts.hostname or ""
    return parts.scheme == "https" or host == "localhost" or host.endswith(".localhost")


def binding_cookie_name(settings: Settings) -> str:
    """`__Host-` where the cookie can be Secure: the browser then refuses one set for a parent domain."""
    return f"__Host-{BINDING_COOKIE}" if _secure_origin(settings) else BINDING_COOKIE


def binding_cookie(settings: Settings, user_id: str) -> dict[str, Any]:
    """Keyword arguments for `Response.set_cookie` on the start response."""
    return {
        "key": binding_cookie_name(settings),
        "value": binding_value(settings, user_id),
        "max_age": int(STATE_TTL.total_seconds()),
        "httponly": True,
        "path": "/",
        "secure": _secure_origin(settings),
        "samesite": "Lax",
    }
