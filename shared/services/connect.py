"""Connecting and disconnecting a creator's platform account (OAuth authorization-code flow).

start_connect → the platform's consent page (least-privilege scopes, signed one-time state, PKCE S256
where the platform supports it) → complete_connect on our callback → a redirect to the frontend:
`{frontend_url}/connections?connected=<platform>` or `?error=<CallbackError>&platform=<platform>` when the
starter's binding cookie came back (same-site frontend), else `#complete=<handle>&platform=<platform>`
and the signed-in frontend finishes with finish_connect (POST /api/auth/complete, the starter's token).
The callback never answers 500 and never puts a code, token or handle in a log line.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from shared.config import Settings, get_settings
from shared.db import service_transaction
from shared.errors import AppError, Conflict, Forbidden, NotFound, ServiceUnavailable, UpstreamFailed
from shared.logging import get_logger, request_id_var
from shared.models.auth import (
    CALLBACK_MESSAGES,
    AuthStartResponse,
    CallbackError,
    CallbackQuery,
    CompleteResponse,
    DisconnectResponse,
)
from shared.models.common import PLATFORMS
from shared.services.oauth_state import StateRefused, VerifiedState, callback_url, consume_state, issue_state

if TYPE_CHECKING:
    from shared.auth import UserClaims
    from shared.platforms.registry import PlatformModule
    from shared.platforms.transport import PlatformClient, PlatformError

log = get_logger("connect")

# Errors a platform puts on the callback when the creator said no (RFC 6749 §4.1.2.1 and Meta's own).
_DENIALS = {"access_denied", "user_denied", "consent_required", "interaction_required", "user_cancelled"}


def _module(platform: str) -> PlatformModule:
    if platform not in PLATFORMS:
        raise NotFound(f"unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}")
    from shared.platforms.registry import get_platform

    return get_platform(platform)


def _vault(settings: Settings) -> Any:
    from shared.vault import TokenVault

    return TokenVault.from_settings(settings)


def start_connect(claims: UserClaims, platform: str, settings: Settings | None = None) -> AuthStartResponse:
    """The consent URL for `platform`, with a fresh state bound to the caller."""
    settings = settings or get_settings()
    module = _module(platform)
    verifier = challenge = None
    if module.supports_pkce:
        from shared.platforms.transport import new_code_verifier

        verifier = new_code_verifier()
        challenge = module.pkce_challenge(verifier)
    vault = _vault(settings) if verifier else None
    with service_transaction() as conn:
        state = issue_state(
            conn,
            settings,
            vault,
            user_id=claims.user_id,
            platform=platform,
            redirect_uri=callback_url(settings),
            code_verifier=verifier,
        )
    url = module.authorize_url(
        settings, redirect_uri=callback_url(settings), state=state.value, code_challenge=challenge
    )
    log.info(
        "connect started",
        extra={"fields": {"user_id": claims.user_id, "platform": platform, "pkce": verifier is not None}},
    )
    return AuthStartResponse(
        platform=platform,
        authorize_url=url,
        state_expires_at=state.expires_at,
        scopes=list(module.SCOPES),
        pkce=verifier is not None,
    )


def frontend_redirect(
    settings: Settings, *, connected: str | None = None, error: CallbackError | None = None, platform: str | None = None
) -> str:
    """Where the callback sends the browser."""
    if connected:
        query = {"connected": connected}
    else:
        query = {"error": str(error), **({"platform": platform} if platform else {})}
        if error == "internal" and (request_id := request_id_var.get()):
            query["request_id"] = request_id
    return f"{settings.frontend_url}/connections?{urlencode(query)}"


def completion_redirect(settings: Settings, handle: str, platform: str) -> str:
    """Where the callback sends a browser it could not prove: the handle rides in the fragment, which
    the browser never sends to any server (no access log, no Referer)."""
    return f"{settings.frontend_url}/connections#{urlencode({'complete': handle, 'platform': platform})}"


def complete_connect(
    query: CallbackQuery,
    *,
    authorization: str | None = None,
    binding: str | None = None,
    settings: Settings | None = None,
) -> str:
    """Handle the platform's redirect; returns the frontend URL to send the browser to."""
    settings = settings or get_settings()
    platform: str | None = None
    try:
        code = None if query.error else query.code
        state, handle = _consume(query.state, code, settings, authorization, binding)
        platform = state.platform
        if code is None:
            error: CallbackError = "consent_denied" if query.error in _DENIALS else "authorization_failed"
            log.info(
                "connect not authorized",
                extra={
                    "fields": {
                        "user_id": state.user_id,
                        "platform": platform,
                        "platform_error": (query.error or "no code")[:60],
                    }
                },
            )
            return frontend_redirect(settings, error=error, platform=platform)
        if handle is not None:
            log.info("connect awaiting completion", extra={"fields": {"user_id": state.user_id, "platform": platform}})
            return completion_redirect(settings, handle, platform)
        outcome = asyncio.run(_exchange_and_store(settings, state, code))
        return (
            frontend_redirect(settings, connected=platform)
            if outcome is None
            else frontend_redirect(settings, error=outcome, platform=platform)
        )
    except ServiceUnavailable:
        log.warning("connect hit an unavailable database", extra={"fields": {"platform": platform}})
        return frontend_redirect(settings, error="service_unavailable", platform=platform)
    except StateRefused as refusal:
        log.warning("oauth state refused", extra={"fields": {"reason": refusal.reason, "platform": refusal.platform}})
        return frontend_redirect(settings, error=refusal.reason, platform=refusal.platform)
    except Exception:  # noqa: BLE001 - the browser gets a redirect, never a 500 page
        log.exception("connect failed unexpectedly", extra={"fields": {"platform": platform}})
        return frontend_redirect(settings, error="internal", platform=platform)


def _consume(
    state: str | None, code: str | None, settings: Settings, authorization: str | None, binding: str | None
) -> tuple[VerifiedState, str | None]:
    """The verified state, and a completion handle when there is a code the browser cannot claim itself."""
    from shared.services.oauth_completion import await_completion

    caller = _caller(authorization, settings)
    vault = _vault(settings)
    refusal: StateRefused | None = None
    handle = None
    with service_transaction() as conn:
        try:
            verified = consume_state(conn, settings, vault, state, caller_user_id=caller, binding=binding)
            if code is not None and not verified.browser_bound:
                handle = await_completion(conn, vault, verified, code)
        except StateRefused as error:
            refusal = error  # raise after commit: the state stays spent
    if refusal is not None:
        raise refusal
    return verified, handle


def finish_connect(claims: UserClaims, handle: str, settings: Settings | None = None) -> CompleteResponse:
    """POST /api/auth/complete: the starter's signed-in frontend completes a flow the callback kept."""
    from shared.services.oauth_completion import claim_completion

    settings = settings or get_settings()
    vault = _vault(settings)
    refusal: StateRefused | None = None
    with service_transaction() as conn:
        try:
            pending = claim_completion(conn, vault, handle, caller_user_id=claims.user_id)
        except StateRefused as error:
            refusal = error  # raise after commit: the handle and its code stay spent
    if refusal is not None:
        log.warning(
            "connect completion refused",
            extra={"fields": {"user_id": claims.user_id, "reason": refusal.reason, "platform": refusal.platform}},
        )
        raise connect_problem(refusal.reason, refusal.platform)
    outcome = asyncio.run(_exchange_and_store(settings, pending.state, pending.code))
    if outcome is not None:
        raise connect_problem(outcome, pending.state.platform)
    return CompleteResponse(platform=pending.state.platform, connected=True)


_PROBLEMS: dict[str, type[AppError]] = {
    "invalid_state": NotFound,
    "state_expired": Conflict,
    "state_replayed": Conflict,
    "wrong_user": Forbidden,
    "exchange_failed": UpstreamFailed,
    "platform_unavailable": UpstreamFailed,
}


def connect_problem(code: CallbackError, platform: str | None) -> AppError:
    """The completion endpoint's refusals: the callback's codes and messages, as problem JSON."""
    return _PROBLEMS.get(code, AppError)(CALLBACK_MESSAGES[code], extra={"code": code, "platform": platform})


def _caller(authorization: str | None, settings: Settings) -> str | None:
    """The signed-in user completing the flow, when the request says (an invalid token says nothing)."""
    if not authorization:
        return None
    from shared.auth import bearer_token, verify_user_token

    try:
        return verify_user_token(bearer_token(authorization), settings).user_id
    except AppError:
        return None


def _token_limits(platform: str) -> Any:
    # One attempt per token call: a code is single-use and refresh tokens rotate, so a blind retry
    # after a lost response could burn the grant. The caller (browser or next cron run) retries.
    from shared.platforms.transport import DEFAULT_LIMITS

    return dataclasses.replace(DEFAULT_LIMITS[platform], max_attempts=1, max_retry_wait_s=5.0)


def open_token_client(module: PlatformModule, settings: Settings) -> PlatformClient:
    """A platform client for token operations (no retries)."""
    return module.open_client(settings, limits=_token_limits(module.PLATFORM))


async def _exchange_and_store(settings: Settings, state: VerifiedState, code: str) -> CallbackError | None:
    """Exchange the code and store the connection for the state's user; None when connected."""
    from shared.platforms.transport import PlatformError
    from shared.services.connections import save_connection

    module = _module(state.platform)
    try:
        async with open_token_client(module, settings) as client:
            tokens = await module.exchange_code(
                client, settings, code=code, redirect_uri=state.redirect_uri, code_verifier=state.code_verifier
            )
            profile = await module.fetch_profile(client, tokens.access_token.get_secret_value())
    except PlatformError as error:
        outcome = exchange_error(error)
        log.warning(
            "code exchange failed",
            extra={
                "fields": {
                    "user_id": state.user_id,
                    "platform": state.platform,
                    "kind": error.kind,
                    "status": error.status,
                    "outcome": outcome,
                }
            },
        )
        return outcome
    with service_transaction() as conn:
        connection_id = save_connection(
            conn, _vault(settings), user_id=state.user_id, platform=state.platform, tokens=tokens, profile=profile
        )
    log.info(
        "platform connected",
        extra={
            "fields": {
                "user_id": state.user_id,
                "platform": state.platform,
                "connection_id": connection_id,
                "scopes": tokens.scopes,
                "access_expires_at": tokens.access_expires_at,
                "completed_by": "browser" if state.browser_bound else "frontend",
            }
        },
    )
    return None


def exchange_error(error: PlatformError) -> CallbackError:
    """A refused code is the creator's to retry now; a platform outage is a 'try again later'."""
    return "platform_unavailable" if error.retryable else "exchange_failed"


def disconnect(claims: UserClaims, platform: str, settings: Settings | None = None) -> DisconnectResponse:
    """Revoke at the platform where offered (best effort), then delete the caller's connection."""
    settings = settings or get_settings()
    module = _module(platform)
    with service_transaction() as conn:
        # The row lock keeps a refresh run from rotating the tokens while we revoke them.
        row = conn.execute(
            "select id, user_id::text as user_id, platform::text as platform, access_token,"
            " refresh_token from platform_connections where user_id = %s and platform = %s"
            " for update",
            (claims.user_id, platform),
        ).fetchone()
        if row is None:
            return DisconnectResponse(platform=platform, disconnected=False, revoked=None)
        revoked = asyncio.run(_revoke(module, settings, row)) if module.supports_revoke else None
        conn.execute("delete from platform_connections where id = %s and user_id = %s", (row["id"], claims.user_id))
    log.info(
        "platform disconnected", extra={"fields": {"user_id": claims.user_id, "platform": platform, "revoked": revoked}}
    )
    return DisconnectResponse(platform=platform, disconnected=True, revoked=revoked)


async def _revoke(module: PlatformModule, settings: Settings, row: dict[str, Any]) -> bool:
    from shared.platforms.transport import PlatformError
    from shared.services.connections import load_tokens
    from shared.vault import TokenDecryptError

    try:
        tokens = load_tokens(_vault(settings), row)
        async with module.open_client(settings, limits=_token_limits(module.PLATFORM)) as client:
            return bool(await module.revoke(client, settings, tokens))
    except (PlatformError, TokenDecryptError) as error:
        # Already revoked at the platform, or unreachable: deleting our copy is what matters.
        log.warning(
            "revoke failed; deleting the connection anyway",
            extra={
                "fields": {
                    "platform": module.PLATFORM,
                    "kind": getattr(error, "kind", "decrypt"),
                    "status": getattr(error, "status", None),
                }
            },
        )
        return False
