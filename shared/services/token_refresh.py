"""Keeping platform tokens alive: the hourly refresh run and the single-connection refresh.

Rules per platform (docs/platform-apis.md §1.2, §2.1, §3.1, §4.1):
- Instagram has no refresh token: the long-lived token refreshes itself, only when ≥ 24 h old and not
  expired. We refresh it once it is within INSTAGRAM_LEAD of expiry (a missed window means a
  reconnect, so we leave a week of hourly retries); younger tokens are skipped.
- Google refreshes with a refresh token that does not rotate (the old one is kept).
- Pinterest and TikTok rotate the refresh token on every refresh: the new pair is written in the
  same transaction that holds the row lock, before the lock is released.

Concurrency: each connection is locked with `select ... for update skip locked` in a service
transaction held across the platform call, and its due-ness is re-checked under the lock, so two
overlapping runs never send the same refresh token twice (the second sees the lock, or the new expiry).
Token calls are never retried blindly. A lost response (timeout, truncated body, 5xx: the platform may
or may not have refreshed) gets exactly one immediate retry with the stored tokens, which tells what
happened, per platform (docs/platform-apis.md):
- Instagram and Google do not retire what we hold (Instagram's refreshed token leaves the old one
  valid until it expires; Google does not rotate refresh tokens): the retry simply refreshes, and the
  creator never notices.
- Pinterest and TikTok rotate the refresh token and retire the previous one ("the previous refresh
  token stops working once a new one is issued"); if the retry is refused, the lost response carried
  the only live refresh token. The connection is marked needs_reauth with that reason, precisely, and
  never retried with a dead token. If the retry cannot reach the platform either, the connection keeps
  a `status_reason` saying its refresh is in doubt, so a later refusal is reported the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from shared.db import service_transaction
from shared.logging import get_logger
from shared.services.job_runs import finish_run, start_run

if TYPE_CHECKING:
    from shared.config import Settings
    from shared.platforms.transport import PlatformClient
    from shared.vault import TokenVault

log = get_logger("token_refresh")

JOB_NAME = "refresh_tokens"
DEFAULT_HORIZON = dt.timedelta(hours=2)  # the cron is hourly: the next run plus an hour of margin
INSTAGRAM_LEAD = dt.timedelta(days=7)
INSTAGRAM_MIN_AGE = dt.timedelta(hours=24)
# Platforms whose refresh retires the refresh token it was given (platform-apis.md §3.1, §4.1).
RETIRES_OLD_REFRESH_TOKEN = {"pinterest": "Pinterest", "tiktok": "TikTok"}
IN_DOUBT = "refresh response lost"

OutcomeStatus = Literal["refreshed", "skipped", "busy", "needs_reauth", "failed"]


@dataclass(frozen=True)
class RefreshOutcome:
    """What happened to one connection.

    status: refreshed (new tokens stored; reload them) · skipped (not due, not active, or an Instagram
    token younger than 24 h; `reason` says which) · busy (another run holds the row lock right now:
    try again in a moment) · needs_reauth (the platform refused the grant; the connection is marked
    and the creator must reconnect) · failed (transient: timeout, 5xx, throttled, unreadable; `reason`
    is the error kind; the next run retries).
    """

    connection_id: str
    status: OutcomeStatus
    reason: str | None = None
    access_expires_at: dt.datetime | None = None


@dataclass
class RefreshRunResult:
    """Counts of one run (busy connections count as skipped), errors by kind."""

    run_id: str | None = None
    refreshed: int = 0
    skipped: int = 0
    failed: int = 0
    needs_reauth: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: RefreshOutcome) -> None:
        status = "skipped" if outcome.status == "busy" else outcome.status
        setattr(self, status, getattr(self, status) + 1)
        if outcome.status in ("failed", "needs_reauth"):
            kind = outcome.reason or "unknown"
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def stats(self) -> dict[str, int]:
        return {
            "refreshed": self.refreshed,
            "skipped": self.skipped,
            "failed": self.failed,
            "needs_reauth": self.needs_reauth,
        }


def _now() -> dt.datetime:
    from shared import clock

    return clock.now()


def due_before(platform: str, now: dt.datetime, horizon: dt.timedelta) -> dt.datetime:
    """A connection is due when its access token expires before this moment."""
    return now + (max(horizon, INSTAGRAM_LEAD) if platform == "instagram" else horizon)


def refresh_due_tokens(settings: Settings, *, horizon: dt.timedelta = DEFAULT_HORIZON) -> RefreshRunResult:
    """The cron: refresh every active connection that is due, record the run in job_runs."""
    return asyncio.run(_run(settings, horizon))


async def _run(settings: Settings, horizon: dt.timedelta) -> RefreshRunResult:
    from shared.services.connections import expiring_connections
    from shared.services.oauth_state import purge_states

    result = RefreshRunResult()
    with service_transaction() as conn:
        result.run_id = start_run(conn, JOB_NAME)
        candidates = expiring_connections(conn, max(horizon, INSTAGRAM_LEAD))
        purged = purge_states(conn)
    now = _now()
    due = [c for c in candidates if c["token_expires_at"] < due_before(c["platform"], now, horizon)]
    vault = _vault(settings)
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, PlatformClient] = {}
        for candidate in due:
            platform = candidate["platform"]
            if platform not in clients:
                clients[platform] = await stack.enter_async_context(_client(platform, settings))
            outcome = await _guarded(
                settings, vault, clients[platform], str(candidate["id"]), horizon, candidate["token_expires_at"]
            )
            result.add(outcome)
    _finish_run(result, purged)
    log.info(
        "token refresh run finished",
        extra={"fields": {"run_id": result.run_id, **result.stats(), "errors": result.errors, "states_purged": purged}},
    )
    return result


async def _guarded(
    settings: Settings,
    vault: TokenVault,
    client: PlatformClient,
    connection_id: str,
    horizon: dt.timedelta | None,
    listed_expiry: dt.datetime | None = None,
) -> RefreshOutcome:
    try:
        return await _refresh_locked(settings, vault, client, connection_id, horizon, listed_expiry)
    except Exception:  # noqa: BLE001 - one connection's bug must not stop the run
        log.exception("token refresh failed unexpectedly", extra={"fields": {"connection_id": connection_id}})
        return RefreshOutcome(connection_id, "failed", "internal")


def _finish_run(result: RefreshRunResult, purged: int) -> None:
    attempted = result.refreshed + result.failed + result.needs_reauth
    status = "succeeded" if not result.failed else ("failed" if result.failed == attempted else "partial")
    assert result.run_id is not None, "a run is finished after it started"
    with service_transaction() as conn:
        finish_run(conn, result.run_id, status, {**result.stats(), "states_purged": purged}, result.errors)


async def refresh_connection(connection_id: str, settings: Settings) -> RefreshOutcome:
    """Refresh one connection now, whatever its expiry (the ingest helper calls this when a fetch
    meets an expired token); see RefreshOutcome for what each status asks of the caller."""
    with service_transaction() as conn:
        row = conn.execute(
            "select platform::text as platform from platform_connections where id = %s", (connection_id,)
        ).fetchone()
    if row is None:
        return RefreshOutcome(connection_id, "skipped", "not_found")
    async with _client(row["platform"], settings) as client:
        return await _guarded(settings, _vault(settings), client, connection_id, None)


async def _refresh_locked(
    settings: Settings,
    vault: TokenVault,
    client: PlatformClient,
    connection_id: str,
    horizon: dt.timedelta | None,
    listed_expiry: dt.datetime | None,
) -> RefreshOutcome:
    """Lock, re-check, refresh and store, all in one transaction; `horizon` None means refresh anyway.

    `listed_expiry` is the expiry the run saw when it listed the connection: a different one under the
    lock means another run refreshed it in between (TikTok's 2 h token would otherwise look due again).
    """
    from shared.platforms.registry import get_platform
    from shared.platforms.transport import PermissionMissing, PlatformError, RateLimited, TokenExpired, TokenRevoked
    from shared.services.connections import load_tokens, lock_connection, mark_needs_reauth, store_refreshed_tokens
    from shared.vault import TokenDecryptError

    with service_transaction() as conn:
        row = lock_connection(conn, connection_id)
        if row is None:
            return RefreshOutcome(connection_id, "busy")
        skip = _skip_reason(row, horizon, listed_expiry)
        if skip:
            return RefreshOutcome(connection_id, "skipped", skip, row["token_expires_at"])
        module, platform = get_platform(row["platform"]), row["platform"]
        try:
            tokens = load_tokens(vault, row)
        except TokenDecryptError:
            # No retry can help: the key that sealed the token is gone. The creator must reconnect.
            mark_needs_reauth(
                conn, connection_id, "stored token can no longer be decrypted (its key is gone); reconnect needed"
            )
            log.error("stored token cannot be decrypted", extra={"fields": {"connection_id": connection_id}})
            return RefreshOutcome(connection_id, "needs_reauth", "decrypt")
        lost: PlatformError | None = None
        try:
            try:
                fresh = await module.refresh(client, settings, tokens)
            except (TokenRevoked, TokenExpired, PermissionMissing):
                raise
            except PlatformError as error:
                if not error.retryable or isinstance(error, RateLimited):
                    raise  # refused or throttled: the platform said it did nothing
                lost = error  # in doubt: did the platform refresh before the response was lost?
                log.warning(
                    "token refresh response lost; asking again",
                    extra={"fields": {"connection_id": connection_id, "platform": platform, "kind": error.kind}},
                )
                fresh = await module.refresh(client, settings, tokens)
        except (TokenRevoked, TokenExpired, PermissionMissing) as error:
            # Refused at the token endpoint: only the creator can fix it by reconnecting.
            in_doubt = lost is not None or (row.get("status_reason") or "").startswith(IN_DOUBT)
            reason = _refusal_reason(platform, error.kind, in_doubt)
            mark_needs_reauth(conn, connection_id, reason)
            log.warning(
                "token refresh refused",
                extra={
                    "fields": {
                        "connection_id": connection_id,
                        "platform": platform,
                        "kind": error.kind,
                        "status": error.status,
                        "after_lost_response": in_doubt,
                    }
                },
            )
            return RefreshOutcome(
                connection_id,
                "needs_reauth",
                "refresh_response_lost" if in_doubt and platform in RETIRES_OLD_REFRESH_TOKEN else error.kind,
            )
        except PlatformError as error:
            if lost is not None:
                conn.execute(
                    "update platform_connections set status_reason = %s where id = %s",
                    (
                        f"{IN_DOUBT} ({lost.kind}) and the retry failed ({error.kind}); the next run asks again",
                        connection_id,
                    ),
                )
            log.warning(
                "token refresh failed",
                extra={
                    "fields": {
                        "connection_id": connection_id,
                        "platform": platform,
                        "kind": error.kind,
                        "status": error.status,
                    }
                },
            )
            return RefreshOutcome(connection_id, "failed", error.kind)
        store_refreshed_tokens(conn, vault, row, fresh)
    log.info(
        "token refreshed",
        extra={
            "fields": {
                "connection_id": connection_id,
                "platform": platform,
                "access_expires_at": fresh.access_expires_at,
                "rotated": fresh.refresh_token != tokens.refresh_token,
                "after_lost_response": lost is not None,
            }
        },
    )
    return RefreshOutcome(
        connection_id, "refreshed", "recovered_after_lost_response" if lost else None, fresh.access_expires_at
    )


def _refusal_reason(platform: str, kind: str, after_lost_response: bool) -> str:
    """What the connection says when the platform refuses the refresh."""
    name = RETIRES_OLD_REFRESH_TOKEN.get(platform)
    if after_lost_response and name:
        return (
            f"{IN_DOUBT}: {name} issued a new refresh token whose response never arrived and retires the "
            "previous one, so the connection cannot be renewed; reconnect needed"
        )
    return f"token refresh refused ({kind})"


def _skip_reason(
    row: dict[str, Any], horizon: dt.timedelta | None, listed_expiry: dt.datetime | None = None
) -> str | None:
    now = _now()
    if row["status"] != "active":
        return "not_active"
    expires = row["token_expires_at"]
    if horizon is not None:
        if listed_expiry is not None and expires != listed_expiry:
            return "refreshed_meanwhile"  # by another run, after we listed it
        if expires is None or expires >= due_before(row["platform"], now, horizon):
            return "not_due"
    if row["platform"] == "instagram":
        obtained = row["last_refreshed_at"] or row["connected_at"]
        if obtained is not None and now - obtained < INSTAGRAM_MIN_AGE:
            return "instagram_token_too_young"
    return None


def _client(platform: str, settings: Settings) -> PlatformClient:
    from shared.platforms.registry import get_platform
    from shared.services.connect import open_token_client

    return open_token_client(get_platform(platform), settings)


def _vault(settings: Settings) -> TokenVault:
    from shared.vault import TokenVault

    return TokenVault.from_settings(settings)
