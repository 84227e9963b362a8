"""Fetch one leased connection: plan the window, call the platform, archive, normalize, upsert, release.

The first run backfills as much history as the platform keeps (bounded); later runs are incremental
with a 3-day snapshot overlap, while the platform clients re-fetch metrics of posts younger than
METRICS_REFRESH_DAYS. Raw pages are archived before they are normalized, so `scripts/renormalize.py`
can rebuild every row from the archive. Database work runs in threads (the psycopg pool is sync) so
the event loop keeps serving other connections' requests.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

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
SNAPSHOT_OVERLAP = dt.timedelta(days=3)
RETRY_AFTER_FAILURE = dt.timedelta(hours=1)
DEFAULT_DEFERRAL = dt.timedelta(hours=1)
REAUTH_KINDS = ("token_revoked", "permission_missing")


@dataclass
class ConnectionOutcome:
    """What happened to one connection in a run."""

    connection_id: str
    platform: str
    outcome: str = "done"  # done | failed | deferred | needs_reauth | released
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


def snapshot_windows(platform: str, row: dict[str, Any], today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(since, until) windows for this run: full history on backfill, else since last fetch − 3 days."""
    oldest = today - dt.timedelta(days=HISTORY_DAYS[platform] - 1)
    since = oldest
    if row.get("backfilled_at") is not None and row.get("last_fetched_at") is not None:
        since = max(oldest, (row["last_fetched_at"] - SNAPSHOT_OVERLAP).date())
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
    """Fetch, archive and upsert one leased connection; never raises for a platform or data error."""
    from shared.platforms.transport import PlatformError

    started, fetched_at = time.perf_counter(), ctx.now()
    result = ConnectionOutcome(connection_id=str(row["id"]), platform=row["platform"])
    try:
        await _fetch_with_refresh(row, ctx, result)
        await ctx.db(_finish_ok, row, owner, ctx, fetched_at)
        await ctx.db(after_fetch, str(row["user_id"]), row["platform"])  # briefs linked and measured; never raises
    except PlatformError as error:
        result.error_kind = error.kind
        await ctx.db(_finish_error, row, owner, error, result)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001 - one connection's bug must not stop the run
        log.exception("connection fetch failed", extra={"fields": {"connection_id": result.connection_id,
                                                                   "platform": result.platform}})
        result.error_kind = "decrypt" if type(error).__name__ == "TokenDecryptError" else "internal"
        result.outcome = "failed"
        await ctx.db(_fail, row, owner, f"{result.error_kind}: {type(error).__name__}", RETRY_AFTER_FAILURE)
    result.duration_s = time.perf_counter() - started
    if isinstance(result.error_kind, str) and result.outcome == "done":
        result.outcome = "failed"
    log.info("connection fetched", extra={"fields": {
        "connection_id": result.connection_id, "platform": result.platform, "outcome": result.outcome,
        "error_kind": result.error_kind, "snapshots": result.snapshots, "posts": result.posts,
        "duration_s": round(result.duration_s, 3)}})
    return result


async def _fetch_with_refresh(row: dict[str, Any], ctx: FetchContext, result: ConnectionOutcome) -> None:
    """Both parts with the stored token; on TokenExpired refresh once and retry the parts that failed."""
    from shared.platforms.transport import TokenExpired, TokenRevoked
    from shared.services.connections import load_tokens

    token = load_tokens(ctx.vault, row).access_token.get_secret_value()
    parts = {"snapshots": _snapshots_part, "posts": _posts_part}
    pending = dict(parts)
    for attempt in range(2):
        outcomes = await asyncio.gather(*(part(row, ctx, token, result) for part in pending.values()),
                                        return_exceptions=True)
        failed = {name: pending[name] for name, out in zip(pending, outcomes) if isinstance(out, BaseException)}
        errors = [out for out in outcomes if isinstance(out, BaseException)]
        if not errors:
            return
        expired = [e for e in errors if isinstance(e, TokenExpired)]
        if attempt == 1 or len(expired) < len(errors):
            raise _most_telling(errors)
        row = await _refreshed_row(row, ctx)
        result.refreshed = True
        if row is None or row["status"] != "active":
            raise TokenRevoked(result.platform, "refresh refused; reconnect needed")
        token = load_tokens(ctx.vault, row).access_token.get_secret_value()
        pending = failed


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
    return conn.execute(f"select {LEASE_COLUMNS} from platform_connections where id = %s for update",
                        (connection_id,)).fetchone()


def _reload(conn: Any, connection_id: str) -> dict[str, Any] | None:
    from shared.services.fetch_leases import LEASE_COLUMNS

    return conn.execute(f"select {LEASE_COLUMNS} from platform_connections where id = %s",
                        (connection_id,)).fetchone()


async def _snapshots_part(row: dict[str, Any], ctx: FetchContext, token: str, result: ConnectionOutcome) -> None:
    from shared.platforms.registry import get_platform

    module, client = get_platform(row["platform"]), ctx.clients[row["platform"]]
    windows = snapshot_windows(row["platform"], row, ctx.now().date())
    fetched = await asyncio.gather(*(module.fetch_snapshots(client, token, since, until) for since, until in windows))
    pages = [page for _, window_pages in fetched for page in window_pages]
    snapshots = await _normalized_or_archived(module.normalize_snapshots, pages, row, ctx, "snapshots", result)
    result.snapshots += await ctx.db(_archive_and_upsert, row, ctx.run_id, "snapshots", pages, result,
                                     _upsert_snapshots, snapshots)


async def _posts_part(row: dict[str, Any], ctx: FetchContext, token: str, result: ConnectionOutcome) -> None:
    from shared.platforms.registry import get_platform

    module, client = get_platform(row["platform"]), ctx.clients[row["platform"]]
    _, pages = await module.fetch_posts(client, token, since=posts_since(row))
    posts = await _normalized_or_archived(module.normalize_posts, pages, row, ctx, "posts", result)
    result.posts += await ctx.db(_archive_and_upsert, row, ctx.run_id, "posts", pages, result, _upsert_posts, posts)


async def _normalized_or_archived(normalize: Callable[[list[Any]], list[Any]], pages: list[Any], row: dict[str, Any],
                                  ctx: FetchContext, kind: str, result: ConnectionOutcome) -> list[Any]:
    """Normalized pages; when normalizing fails the raw pages are still archived (for renormalize) first."""
    try:
        return normalize(pages)
    except Exception:
        await ctx.db(_archive, row, ctx.run_id, kind, pages, result)
        raise


def _archive_and_upsert(conn: Any, row: dict[str, Any], run_id: str | None, kind: str, pages: list[Any],
                        result: ConnectionOutcome, upsert: Callable[[Any, dict[str, Any], list[Any]], int],
                        rows: list[Any]) -> int:
    """Archive and upsert one part in one transaction (one pool checkout and commit, not two)."""
    from shared.services.analytics_store import archive_pages

    archived = archive_pages(conn, run_id=run_id, user_id=str(row["user_id"]), platform=row["platform"], kind=kind,
                             pages=pages)
    written = upsert(conn, row, rows)
    result.raw_payloads += archived
    return written


def _archive(conn: Any, row: dict[str, Any], run_id: str | None, kind: str, pages: list[Any],
             result: ConnectionOutcome) -> None:
    from shared.services.analytics_store import archive_pages

    result.raw_payloads += archive_pages(conn, run_id=run_id, user_id=str(row["user_id"]),
                                         platform=row["platform"], kind=kind, pages=pages)


def _upsert_snapshots(conn: Any, row: dict[str, Any], snapshots: list[Any]) -> int:
    from shared.services.analytics_store import upsert_snapshots

    return upsert_snapshots(conn, str(row["user_id"]), snapshots)


def _upsert_posts(conn: Any, row: dict[str, Any], posts: list[Any]) -> int:
    from shared.services.analytics_store import upsert_posts

    return upsert_posts(conn, str(row["user_id"]), posts)


def _finish_ok(conn: Any, row: dict[str, Any], owner: str, ctx: FetchContext, fetched_at: dt.datetime) -> None:
    from shared.services.fetch_leases import finish_fetch, next_fetch_time

    interval = dt.timedelta(hours=ctx.settings.fetch_interval_h)
    finish_fetch(conn, str(row["id"]), owner, fetched_at=fetched_at, backfilled=True,
                 next_in=next_fetch_time(interval))


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
