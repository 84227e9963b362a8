"""The CONNECT endpoints: start, callback, completion, refresh cron, disconnect."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from shared.models.common import BodyModel, Platform, QueryModel, ResponseModel

# What the callback tells the frontend in `?error=`, and the completion endpoint in its problem's `code`;
# never a platform's raw message.
CallbackError = Literal[
    "invalid_state",  # unknown nonce, bad signature, malformed state; an unknown completion handle
    "state_expired",  # older than the state's 10 minutes, or a handle past its 5 minutes
    "state_replayed",  # this state (or completion handle) was already used once
    "wrong_user",  # the flow is being completed by someone else than the creator who started it
    "consent_denied",  # the creator refused on the platform's consent screen
    "authorization_failed",  # the platform sent another error, or no code at all
    "exchange_failed",  # the platform refused the code (used, expired, mismatched)
    "platform_unavailable",  # the platform timed out, throttled or answered 5xx: retry later
    "service_unavailable",  # our database was briefly unreachable: retry in a minute
    "internal",  # our bug; the redirect carries a request id to quote
]


# What the frontend says for each `?error=` (the callback never shows a page of its own).
CALLBACK_MESSAGES: dict[str, str] = {
    "invalid_state": "This connection link is not valid. Nothing was connected; start again from Connections.",
    "state_expired": "This connection link expired (a connection must be finished within minutes of starting it). "
    "Nothing was connected; start again.",
    "state_replayed": "This connection link was already used. Nothing was connected this time.",
    "wrong_user": "This connection was started by a different account than the one signed in here. "
    "Nothing was connected. If you did not start it, someone may have sent you their link.",
    "consent_denied": "You declined on the platform's consent screen, so nothing was connected.",
    "authorization_failed": "The platform did not authorize the connection. Nothing was connected; try again.",
    "exchange_failed": "The platform refused to complete the connection. Nothing was connected; try again.",
    "platform_unavailable": "The platform is not answering right now. Nothing was connected; try again later.",
    "service_unavailable": "We could not finish connecting just now. Nothing was connected; try again in a minute.",
    "internal": "Something went wrong on our side. Nothing was connected; quote the request id if it recurs.",
}


class CallbackQuery(QueryModel):
    """What a platform appends to our redirect URI; unknown names are ignored (Google adds several)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, defer_build=True)

    state: str | None = None
    code: str | None = None
    error: str | None = None
    error_reason: str | None = None
    error_description: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _first(cls, value: Any) -> Any:
        # A repeated parameter must not turn the callback into a 400: take the first value.
        return value[0] if isinstance(value, list) and value else value


class CompleteBody(BodyModel):
    """The one-time handle the callback put in the return page's fragment (`#complete=<handle>`)."""

    handle: str = Field(min_length=1, max_length=128)


class CompleteResponse(ResponseModel):
    """The connection is stored, as the callback stores it when it can complete by itself."""

    platform: Platform
    connected: bool


class AuthStartResponse(ResponseModel):
    """Send the creator's browser to `authorize_url` before `state_expires_at`."""

    platform: Platform
    authorize_url: str
    state_expires_at: dt.datetime
    scopes: list[str]
    pkce: bool


class RefreshRunResponse(ResponseModel):
    """Counts of one token-refresh run."""

    run_id: str | None
    refreshed: int
    skipped: int
    failed: int
    needs_reauth: int
    errors: dict[str, int]


class DisconnectResponse(ResponseModel):
    """`disconnected` is False when there was nothing to delete; `revoked` is None where the platform
    offers no revoke endpoint, False when revoking failed (the tokens are deleted anyway)."""

    platform: Platform
    disconnected: bool
    revoked: bool | None
