"""A connect flow the callback could not tie to a browser: its code waits, sealed, for its starter.

The callback proves who completes a flow by the binding cookie. A frontend on another site than the API
never holds it (a browser drops a SameSite=Lax cookie set on a cross-site fetch's response), and neither
does the browser of someone an attacker sent a consent link to. Then the callback exchanges nothing: it
seals the code into the spent state (vault, column "authorization_code"), stores the SHA-256 of a fresh
one-time handle and sends the browser to `{frontend_url}/connections#complete=<handle>&platform=<p>`.
The frontend, signed in, posts the handle to /api/auth/complete with the creator's own token; only the
state's user gets the code back, anyone else is refused (`wrong_user`) and the code discarded.

The handle: 32 random bytes, base64url; in a URL fragment (never sent to a server, so in no access log
and no Referer); stored only as its digest; claimed once (the row is locked and its code wiped whatever
the outcome); valid for HANDLE_TTL, well inside the platforms' code lifetimes (RFC 6749 §4.1.2
recommends at most 10 minutes, which Google, Pinterest and TikTok follow; Instagram gives 1 hour).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared import clock
from shared.services.oauth_state import StateRefused, VerifiedState, unseal_verifier

if TYPE_CHECKING:
    from shared.vault import TokenVault

HANDLE_TTL = dt.timedelta(minutes=5)
_HANDLE_FORM = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


@dataclass(frozen=True)
class PendingCode:
    """A claimed completion: the state it belongs to and its authorization code, in clear."""

    state: VerifiedState
    code: str


def handle_digest(handle: str) -> bytes:
    """What the database keeps of a handle."""
    return hashlib.sha256(handle.encode("ascii")).digest()


def await_completion(conn: Any, vault: TokenVault, state: VerifiedState, code: str) -> str:
    """Seal `code` into the consumed state and return the one-time handle that completes it (for
    HANDLE_TTL from the callback)."""
    handle = secrets.token_urlsafe(32)
    sealed = vault.encrypt(code, user_id=state.user_id, platform=state.platform, column="authorization_code")
    stored = conn.execute(
        """update oauth_states set authorization_code = %s, handle_digest = %s,
                             handle_expires_at = used_at + %s
                             where nonce = %s and used_at is not null and handle_digest is null""",
        (sealed, handle_digest(handle), HANDLE_TTL, state.nonce),
    ).rowcount
    if stored != 1:
        raise RuntimeError("the consumed state was not found to await completion")
    return handle


def claim_completion(
    conn: Any, vault: TokenVault, handle: str | None, *, caller_user_id: str, now: dt.datetime | None = None
) -> PendingCode:
    """Use up a handle for its state's own user, or raise StateRefused. Commit `conn` even when it
    raises: a handle that was presented is spent, and so is its code."""
    if not handle or not _HANDLE_FORM.fullmatch(handle):
        raise StateRefused("invalid_state")
    row = conn.execute(
        """select nonce, user_id::text as user_id, platform::text as platform, redirect_uri,
                                 code_verifier, authorization_code, handle_expires_at
                          from oauth_states where handle_digest = %s for update""",
        (handle_digest(handle),),
    ).fetchone()
    if row is None:
        raise StateRefused("invalid_state")
    platform = row["platform"]
    if row["authorization_code"] is None:
        raise StateRefused("state_replayed", platform)
    now = now or clock.now()
    conn.execute(
        "update oauth_states set authorization_code = null, claimed_at = %s where nonce = %s", (now, row["nonce"])
    )
    if row["handle_expires_at"] <= now:
        raise StateRefused("state_expired", platform)
    if caller_user_id != row["user_id"]:
        raise StateRefused("wrong_user", platform)
    code = vault.decrypt(
        bytes(row["authorization_code"]), user_id=row["user_id"], platform=platform, column="authorization_code"
    )
    verifier = unseal_verifier(vault, row["user_id"], platform, row["code_verifier"])
    return PendingCode(VerifiedState(row["user_id"], platform, row["redirect_uri"], verifier, row["nonce"]), code)
