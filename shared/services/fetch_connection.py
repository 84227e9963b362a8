"""Fetch one leased connection: plan the window, call the platform, archive, normalize, upsert, release.

The first run backfills as much history as the platform keeps (bounded); later runs are incremental
with a 3-day snapshot overlap, while the platform clients re-fetch metrics of posts younger than
METRICS_REFRESH_DAYS. Raw pages are archived before they are normalized, so `scripts/renormalize.py`
can rebuild every row from the archive. Database work runs in threads (the psycopg pool is sync) so
the event loop keeps serving other connections' requests.

One fetch is one unit of work: both parts are fetched and normalized first, then the raw pages, the
snapshots, the posts and the connection's bookkeeping are written in one transaction, and only while
the fetch still holds its lease (renewed every third of the lease while it runs). A database outage or
restart therefore leaves either all of a fetch or none of it; the connection is retried in minutes
(RETRY_AFTER_DATABASE, or when its lease expires if the database cannot even record that).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared import clock
from shared.logging import get_logger
from shared.services.outcomes import after_fetch

if TYPE_CHECKING:
    from shared.config import Settings
    from shared.platforms.transport import PlatformClient
    from shared.vault import TokenVault

log = get_logger(__name__)

# How far back the first run reaches (docs/platform-apis.md §5 "History window").
HISTORY_DAYS = {"instagram": 730, "youtube": 730, "pinterest": 90, "tiktok": 1}
# Instagram insights are asked in ≤ 30-day windows (§1.5); the windows run concurrently.
WINDOW_DAYS = {"instagram": 30}
# A day's numbers can still change until this long after it ended (§1.5: Instagram up to 48 h; YouTube's
# daily reports lag 2-3 days, §2.2): a run asks again every day not yet settled at the last fetch.
SETTLE_LAG = {"instagram": dt.timedelta(hours=48)}
SNAPSHOT_OVERLAP = dt.timedelta(days=3)
RETRY_AFTER_FAILURE = dt.timedelta(hours=1)
RETRY_AFTER_DATABASE = dt.timedelta(minutes=2)
DECRYPT_REASON = "stored token can no longer be decrypted (its key is gone); reconnect needed"
DEFAULT_DEFERRAL = dt.timedelta(hours=1)
REAUTH_KINDS = ("token_revoked", "permission_missing")


@dataclass
class ConnectionOutcome:
    """What happened to one connection in a run."""

    connection_id: str
    platform: str
    outcome: str = "done"  # done | failed | deferred | needs_reauth | lost_lease
    error_kind: str | None = None
    snapshots: int = 0
    posts: int = 0
    raw_payloads: int = 0
    duration_s: float = 0.0
    refreshed: bool = False


@dataclass
class FetchContext:
    """What every connection fetch in a run shares: settings, vault, one client per platform, DB slots."""

    settings: Settings
    vault: TokenVault
    clients: dict[str, PlatformClient]
    run_id: str | None
    db_slots: asyncio.Semaphore
    now: Callable[[], dt.datetime] = field(default=lambda: clock.now())

    async def db(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run `fn(conn, *args)` in a service transaction on a worker thread."""
        from shared.db import service_transaction

        def work() -> Any:
            with service_transaction() as conn:
                return fn(conn, *args, **kw)

        async with self.db_slots:
            return await asyncio.to_thread(work)

    lease: dt.timedelta | None = None  # renewed while a fetch runs; None: not renewed
    renew_every_s: float | None = None  # default: a third of the lease
    ledger: Any = None  # the QuotaLedger the clients admit requests through (shared/services/quota_ledger.py)


def snapshot_windows(platform: str, row: dict[str, Any], today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(since, until) windows for this run: full history on backfill, else the days that had not settled at
    the last fetch (the day holding last fetch − lag, and after)."""
    oldest = today - dt.timedelta(days=HISTORY_DAYS[platform] - 1)
    since = oldest
    if row.get("backfilled_at") is not None and row.get("last_fetched_at") is not None:
        lag = SETTLE_LAG.get(platform, SNAPSHOT_OVERLAP)
        since = max(oldest, (row["last_fetched_at"] - lag).date())
    step = WINDOW_DAYS.get(platform)
    if step is None:
        return [(since, today)]
    windows, start = [], since
    while start <= today:
        end = min(today, start + dt.timedelta(days=step - 1))
        windows.append((start, end))
        start = end + dt.timedelta(days=1)
    return windows


def posts_since(row: dict[str, Any]) -> dt.datetime | None:
    """None (everything) on backfill, else the last fetch (the client widens it for young posts)."""
    if row.get("backfilled_at") is None:
        return None
    return row.get("last_fetched_at")


async def fetch_connection(row: dict[str, Any], ctx: FetchContext, owner: str) -> ConnectionOutcome:
    """Fetch, archive and upsert one leased connection; never raises for a platform, data or database error."""
    from shared.errors import ServiceUnavailable
    from shared.platforms.transport import PlatformError
    from shared.vault import TokenDecryptError

    started, fetched_at = time.perf_counter(), ctx.now()
    result = ConnectionOutcome(connection_id=str(row["id"]), platform=row["platform"])
    try:
        parts = await _while_leased(_fetch_with_refresh(row, ctx, result), row, ctx, owner)
        if parts is None or not await ctx.db(_write_unit, row, owner, ctx, fetched_at, parts, result):
            result.outcome, result.error_kind = "lost_lease", "lost_lease"
        else:
            await ctx.db(after_fetch, str(row["user_id"]), row["platform"])  # briefs linked and measured; never raises
    except PlatformError as error:
        result.error_kind = error.kind
        await _record(ctx, _finish_error, row, owner, error, result)
    except asyncio.CancelledError:
        raise
    except ServiceUnavailable:
        result.outcome, result.error_kind = "failed", "database_unavailable"
        await _record(ctx, _fail, row, owner, "database_unavailable: will retry", RETRY_AFTER_DATABASE)
    except TokenDecryptError:
        # Retrying cannot help (the key that sealed the token is gone): the creator must reconnect.
        result.outcome, result.error_kind = "needs_reauth", "decrypt"
        await _record(ctx, _needs_reauth, row, owner, DECRYPT_REASON)
    except Exception as error:  # noqa: BLE001 - one connection's bug must not stop the run
        log.exception(
            "connection fetch failed",
            extra={"fields": {"connection_id": result.connection_id, "platform": result.platform}},
        )
        result.error_kind = "internal"
        result.outcome = "failed"
        await _record(ctx, _fail, row, owner, f"internal: {type(error).__name__}", RETRY_AFTER_FAILURE)
    result.duration_s = time.perf_counter() - started
    if isinstance(result.error_kind, str) and result.outcome == "done":
        result.outcome = "failed"
    if result.outcome != "lost_lease":  # the lease's new holder reports it
        await _record(ctx, _publish, row, result)
    log.info(
        "connection fetched",
        extra={
            "fields": {
                "connection_id": result.connection_id,
                "platform": result.platform,
                "outcome": result.outcome,
                "error_kind": result.error_kind,
                "snapshots": result.snapshots,
                "posts": result.posts,
                "duration_s": round(result.duration_s, 3),
            }
        },
    )
    return result


async def _record(ctx: FetchContext, fn: Callable[..., Any], *args: Any) -> None:
    """Write a failure's bookkeeping; if the database is down too, the lease expiring is the retry."""
    from shared.errors import ServiceUnavailable

    try:
        await ctx.db(fn, *args)
    except ServiceUnavailable:
        log.warning(
            "could not record a fetch outcome; its lease will expire",
            extra={"fields": {"connection_id": str(args[0]["id"])}},
        )


async def _while_leased(work: Any, row: dict[str, Any], ctx: FetchContext, owner: str) -> Any:
    """Run `work` while renewing the lease every third of it; None (work cancelled) once it is lost."""
    if ctx.lease is None:
        return await work
    task = asyncio.ensure_future(work)
    renewer = asyncio.ensure_future(_renew_until_lost(row, ctx, owner))
    try:
        done, _ = await asyncio.wait({task, renewer}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        log.warning("fetch lease lost; stopping", extra={"fields": {"connection_id": str(row["id"])}})
        return None
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer


async def _renew_until_lost(row: dict[str, Any], ctx: FetchContext, owner: str) -> None:
    from shared.errors import ServiceUnavailable
    from shared.services.fetch_leases import renew_lease

    assert ctx.lease is not None
    while True:
        await asyncio.sleep(ctx.renew_every_s or ctx.lease.total_seconds() / 3)
        try:
            if not await ctx.db(renew_lease, str(row["id"]), owner, ctx.lease, now=ctx.now()):
                return
        except ServiceUnavailable:
            continue  # the database is down: keep fetching, the write will tell


async def _fetch_with_refresh(
    row: dict[str, Any], ctx: FetchContext, result: ConnectionOutcome
) -> dict[str, tuple[list[Any], list[Any]]]:
    """Both parts with the stored token; on TokenExpired refresh once and retry the parts that failed.
    Returns {part: (raw pages, normalized rows)}; nothing is written here."""
    from shared.platforms.transport import TokenExpired, TokenRevoked
    from shared.services.connections import load_tokens

    token = load_tokens(ctx.vault, row).access_token.get_secret_value()
    parts = {"snapshots": _snapshots_part, "posts": _posts_part}
    pending = dict(parts)
    fetched: dict[str, tuple[list[Any], list[Any]]] = {}
    for attempt in range(2):
        outcomes = await asyncio.gather(
            *(part(row, ctx, token, result) for part in pending.values()), return_exceptions=True
        )
        for name, out in zip(pending, outcomes):
            if not isinstance(out, BaseException):
                fetched[name] = out
        failed = {name: pending[name] for name, out in zip(pending, outcomes) if isinstance(out, BaseException)}
        errors = [out for out in outcomes if isinstance(out, BaseException)]
        if not errors:
            return fetched
        expired = [e for e in errors if isinstance(e, TokenExpired)]
        if attempt == 1 or len(expired) < len(errors):
            raise _most_telling(errors)
        refreshed = await _refreshed_row(row, ctx)
        result.refreshed = True
        if refreshed is None or refreshed["status"] != "active":
            raise TokenRevoked(result.platform, "refresh refused; reconnect needed")
        row = refreshed
        token = load_tokens(ctx.vault, row).access_token.get_secret_value()
        pending = failed
    return fetched


def _most_telling(errors: list[BaseException]) -> BaseException:
    """The error that decides the connection's fate: reauth beats deferral beats the rest."""
    order = {"token_revoked": 0, "permission_missing": 1, "token_expired": 2, "rate_limited": 3}
    return min(errors, key=lambda e: order.get(getattr(e, "kind", ""), 9))


async def _refreshed_row(row: dict[str, Any], ctx: FetchContext) -> dict[str, Any] | None:
    from shared.services.token_refresh import refresh_connection

    # Its own event loop in a worker thread: the refresh holds a DB transaction across the platform call.
    outcome = await asyncio.to_thread(asyncio.run, refresh_connection(str(row["id"]), ctx.settings))
    if outcome.status == "needs_reauth":
        return None
    if outcome.status == "busy":
        # Another run holds the row lock across its refresh: wait for its commit, then read its tokens.
        return await ctx.db(_reload_after_lock, str(row["id"]))
    return await ctx.db(_reload, str(row["id"]))


def _reload_after_lock(conn: Any, connection_id: str) -> dict[str, Any] | None:
    from shared.services.fetch_leases import LEASE_COLUMNS

    conn.execute("set local lock_timeout = '20s'")
    return conn.execute(
        f"select {LEASE_COLUMNS} from platform_connections where id = %s for update", (connection_id,)
    ).fetchone()


def _reload(conn: Any, connection_id: str) -> dict[str, Any] | None:
    from shared.services.fetch_leases import LEASE_COLUMNS

    return conn.execute(f"select {LEASE_COLUMNS} from platform_connections where id = %s", (connection_id,)).fetchone()


async def _snapshots_part(
    row: dict[str, Any], ctx: FetchContext, token: str, result: ConnectionOutcome
) -> tuple[list[Any], list[Any]]:
    from shared.platforms.registry import get_platform

    module, client = get_platform(row["platform"]), ctx.clients[row["platform"]]
    windows = snapshot_windows(row["platform"], row, ctx.now().date())
    fetched = await asyncio.gather(*(module.fetch_snapshots(client, token, since, until) for since, until in windows))
    pages = [page for _, window_pages in fetched for page in window_pages]
    return pages, await _normalized_or_archived(module.normalize_snapshots, pages, row, ctx, "snapshots", result)


async def _posts_part(
    row: dict[str, Any], ctx: FetchContext, token: str, result: ConnectionOutcome
) -> tuple[list[Any], list[Any]]:
    from shared.platforms.registry import get_platform

    module, client = get_platform(row["platform"]), ctx.clients[row["platform"]]
    _, pages = await module.fetch_posts(client, token, since=posts_since(row))
    return pages, await _normalized_or_archived(module.normalize_posts, pages, row, ctx, "posts", result)


async def _normalized_or_archived(
    normalize: Callable[[list[Any]], list[Any]],
    pages: list[Any],
    row: dict[str, Any],
    ctx: FetchContext,
    kind: str,
    result: ConnectionOutcome,
) -> list[Any]:
    """Normalized pages; when normalizing fails the raw pages are still archived (for renormalize) first."""
    try:
        return normalize(pages)
    except Exception:
        await ctx.db(_archive, row, ctx.run_id, kind, pages, result)
        raise


def _write_unit(
    conn: Any,
    row: dict[str, Any],
    owner: str,
    ctx: FetchContext,
    fetched_at: dt.datetime,
    parts: dict[str, tuple[list[Any], list[Any]]],
    result: ConnectionOutcome,
) -> bool:
    """Archive, upsert both parts and record the fetch in one transaction, if the lease is still ours."""
    from shared.services.fetch_leases import holds_lease

    if not holds_lease(conn, str(row["id"]), owner):
        return False
    archived = 0
    for kind, upsert in (("snapshots", _upsert_snapshots), ("posts", _upsert_posts)):
        pages, rows = parts[kind]
        archived += _archive_pages(conn, row, ctx.run_id, kind, pages)
        written = upsert(conn, row, rows)
        setattr(result, kind, getattr(result, kind) + written)
    _finish_ok(conn, row, owner, ctx, fetched_at)
    result.raw_payloads += archived
    return True


def _publish(conn: Any, row: dict[str, Any], result: ConnectionOutcome) -> None:
    from shared.services.sync_status import publish_fetch

    publish_fetch(conn, result.connection_id, result.outcome, result.posts, result.snapshots)


def _archive_pages(conn: Any, row: dict[str, Any], run_id: str | None, kind: str, pages: list[Any]) -> int:
    from shared.services.analytics_store import archive_pages

    return archive_pages(
        conn, run_id=run_id, user_id=str(row["user_id"]), platform=row["platform"], kind=kind, pages=pages
    )


def _archive(
    conn: Any, row: dict[str, Any], run_id: str | None, kind: str, pages: list[Any], result: ConnectionOutcome
) -> None:
    result.raw_payloads += _archive_pages(conn, row, run_id, kind, pages)


def _upsert_snapshots(conn: Any, row: dict[str, Any], snapshots: list[Any]) -> int:
    from shared.services.analytics_store import upsert_snapshots

    return upsert_snapshots(conn, str(row["user_id"]), snapshots)


def _upsert_posts(conn: Any, row: dict[str, Any], posts: list[Any]) -> int:
    from shared.services.analytics_store import upsert_posts

    return upsert_posts(conn, str(row["user_id"]), posts)


def _finish_ok(conn: Any, row: dict[str, Any], owner: str, ctx: FetchContext, fetched_at: dt.datetime) -> None:
    from shared.services.fetch_leases import finish_fetch, next_fetch_time

    interval = dt.timedelta(hours=ctx.settings.fetch_interval_h)
    finish_fetch(
        conn,
        str(row["id"]),
        owner,
        fetched_at=fetched_at,
        backfilled=True,
        next_in=next_fetch_time(interval),
        now=ctx.now(),
    )


def _needs_reauth(conn: Any, row: dict[str, Any], owner: str, reason: str) -> None:
    from shared.services.connections import mark_needs_reauth

    _fail(conn, row, owner, reason, dt.timedelta(0))
    mark_needs_reauth(conn, str(row["id"]), reason)


def _finish_error(conn: Any, row: dict[str, Any], owner: str, error: Any, result: ConnectionOutcome) -> None:
    from shared.services.connections import mark_needs_reauth

    message = str(error)
    if error.kind in REAUTH_KINDS:
        result.outcome = "needs_reauth"
        _fail(conn, row, owner, message, dt.timedelta(0))
        mark_needs_reauth(conn, str(row["id"]), message)
    elif error.kind == "rate_limited":
        result.outcome = "deferred"
        wait = dt.timedelta(seconds=error.retry_after) if error.retry_after else DEFAULT_DEFERRAL
        _fail(conn, row, owner, message, wait)
    else:
        result.outcome = "failed"
        _fail(conn, row, owner, message, RETRY_AFTER_FAILURE)


def _fail(conn: Any, row: dict[str, Any], owner: str, message: str, retry_in: dt.timedelta) -> None:
    from shared.services.fetch_leases import fail_fetch

    fail_fetch(conn, str(row["id"]), owner, error=message, retry_in=retry_in)
