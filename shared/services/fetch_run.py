"""The fetch cron and its per-connection worker: lease due connections, fetch them concurrently within
a time budget, fan out what does not fit, record the run in job_runs.

Concurrency: one PlatformClient per platform per run (its semaphore and token bucket enforce that
platform's PlatformLimits for every request of the run); at most CONNECTIONS_PER_REQUEST_SLOT ×
concurrency connections of a platform are being fetched at once, and at most `fetch_max_in_flight` are
leased and unfinished.
Budget: no new leases once the remaining budget is shorter than the slowest connection seen so far
(30 s before any finished); at the budget's end, connections not yet done are cancelled and their leases
released, so the next run takes them at once (a killed run's leases simply expire).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import time
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

from shared.logging import get_logger

if TYPE_CHECKING:
    from shared.config import Settings
    from shared.models.ingest import FetchRunRequest, FetchRunResult, FetchTaskRequest, FetchTaskResult
    from shared.platforms.transport import PlatformLimits
    from shared.services.fetch_connection import ConnectionOutcome, FetchContext

log = get_logger(__name__)

JOB_NAME = "fetch_analytics"
LEASE_BATCH = 50
DEFAULT_ESTIMATE_S = 30.0
# A connection spends part of its fetch on one request at a time (its profile, a listing page) and on its
# writes: with 2 per request slot, Instagram's 8 slots were busy ~80 % of a 1,000-connection run.
CONNECTIONS_PER_REQUEST_SLOT = 4
PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")


def platform_limits(settings: Settings, platform: str) -> PlatformLimits:
    """DEFAULT_LIMITS for the platform with the settings' overrides (PLATFORM_LIMITS_JSON) applied."""
    from shared.platforms.transport import DEFAULT_LIMITS, PlatformLimits

    base = DEFAULT_LIMITS.get(platform) or PlatformLimits(2.0, 5, 2)
    overrides: dict[str, Any] = dict(settings.platform_limits.get(platform) or {})
    for name in ("burst", "concurrency", "max_attempts", "malformed_retries"):
        if name in overrides:
            overrides[name] = int(overrides[name])
    return dataclasses.replace(base, **overrides)


@contextlib.asynccontextmanager
async def open_context(settings: Settings, run_id: str | None):
    """A FetchContext with one open client per platform, closed when the run ends. Every client admits
    its requests through the quota ledger, so the platforms' app-wide limits hold across processes."""
    from shared.platforms.registry import get_platform
    from shared.services.fetch_connection import FetchContext
    from shared.services.quota_ledger import QuotaLedger
    from shared.vault import TokenVault

    async with contextlib.AsyncExitStack() as stack:
        ctx = FetchContext(
            settings=settings,
            vault=TokenVault.from_settings(settings),
            clients={},
            run_id=run_id,
            db_slots=asyncio.Semaphore(settings.db_pool_max_size),
            lease=dt.timedelta(seconds=settings.fetch_lease_s),
        )
        ctx.ledger = QuotaLedger(ctx.db)
        for platform in PLATFORMS:
            client = get_platform(platform).open_client(
                settings, platform_limits(settings, platform), admission=ctx.ledger
            )
            ctx.clients[platform] = await stack.enter_async_context(client)
        yield ctx


@dataclasses.dataclass
class RunTally:
    """Running totals of one cron run."""

    due: int = 0
    leased: int = 0
    fanned_out: int = 0
    released: int = 0
    budget_exhausted: bool = False
    outcomes: Counter = dataclasses.field(default_factory=Counter)
    errors: Counter = dataclasses.field(default_factory=Counter)
    pages: Counter = dataclasses.field(default_factory=Counter)
    rows: Counter = dataclasses.field(default_factory=Counter)
    slowest_s: float = 0.0

    def add(self, outcome: ConnectionOutcome) -> None:
        self.outcomes[outcome.outcome] += 1
        if outcome.error_kind and outcome.outcome != "lost_lease":
            self.errors[outcome.error_kind] += 1
        self.pages[outcome.platform] += outcome.raw_payloads
        self.rows.update(snapshots=outcome.snapshots, posts=outcome.posts, raw_payloads=outcome.raw_payloads)
        self.slowest_s = max(self.slowest_s, outcome.duration_s)


def run_fetch(
    settings: Settings, request: FetchRunRequest | None = None, *, user_ids: list[str] | None = None
) -> FetchRunResult:
    """The cron entry: one whole run, recorded in job_runs, returned as the response body.

    `user_ids` limits the run to those users' connections (scripts and tests; the cron fetches all).
    """
    return asyncio.run(fetch_due(settings, request, user_ids=user_ids))


async def fetch_due(
    settings: Settings, request: FetchRunRequest | None = None, *, user_ids: list[str] | None = None
) -> FetchRunResult:
    from shared.models.ingest import FetchRunRequest

    request = request or FetchRunRequest()
    budget = request.budget_s or settings.fetch_budget_s
    started = time.monotonic()
    run_id = await asyncio.to_thread(_start_job, dt.timedelta(seconds=budget + settings.fetch_lease_s))
    tally = RunTally()
    status = "failed"
    try:
        async with open_context(settings, run_id) as ctx:
            await _run(ctx, tally, run_id, started + budget, request.max_connections, user_ids)
        failed = tally.outcomes["failed"]
        attempted = sum(tally.outcomes.values())
        status = "succeeded" if not failed else ("failed" if failed == attempted else "partial")
    finally:
        result = _result(run_id, status, tally, time.monotonic() - started)
        await asyncio.to_thread(_finish_job, result, tally)
    log.info("fetch run finished", extra={"fields": result.model_dump(mode="json")})
    return result


async def _run(
    ctx: FetchContext, tally: RunTally, run_id: str, deadline: float, cap: int | None, user_ids: list[str] | None
) -> None:
    from shared.errors import ServiceUnavailable
    from shared.services import fetch_fanout, fetch_leases

    lease = dt.timedelta(seconds=ctx.settings.fetch_lease_s)
    tally.due = await ctx.db(fetch_leases.count_due, user_ids)
    running: dict[asyncio.Task, dict[str, Any]] = {}
    slots = {
        p: asyncio.Semaphore(max(1, CONNECTIONS_PER_REQUEST_SLOT * c.limits.concurrency))
        for p, c in ctx.clients.items()
    }

    capacity = await ctx.db(fetch_fanout.local_capacity, ctx.settings, deadline - time.monotonic())
    if capacity is not None and tally.due > capacity and (cap is None or cap > capacity):
        await _fan_out(ctx, tally, run_id, tally.due - capacity, running, slots, user_ids)

    exhausted = False
    while True:
        estimate = tally.slowest_s or DEFAULT_ESTIMATE_S
        remaining = deadline - time.monotonic()
        if remaining <= estimate:
            tally.budget_exhausted = True
            break
        room = ctx.settings.fetch_max_in_flight - len(running)
        if cap is not None:
            room = min(room, cap - tally.leased)
        if not exhausted and room > 0:
            want = min(room, LEASE_BATCH)
            try:
                rows = await ctx.db(fetch_leases.lease_due_connections, run_id, lease, want, user_ids)
            except ServiceUnavailable:
                rows, want = [], 0  # the database is down: finish what runs, lease nothing more
            exhausted = len(rows) < want or (cap is not None and tally.leased + len(rows) >= cap)
            tally.leased += len(rows)
            for row in rows:
                running[asyncio.create_task(_fetch_one(ctx, row, run_id, slots))] = row
        if not running:
            break
        done, _ = await asyncio.wait(
            running, timeout=min(remaining - estimate, 5.0), return_when=asyncio.FIRST_COMPLETED
        )
        _collect(done, running, tally)
    # No new work: let what runs finish within the budget, then cancel and release the rest.
    if running:
        done, _ = await asyncio.wait(running, timeout=max(0.0, deadline - time.monotonic()))
        _collect(done, running, tally)
    if running:
        tally.budget_exhausted = True
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        # Fanned-out rows may still carry the run's lease or already the worker's.
        for owner in {run_id, *(row.get("_owner", run_id) for row in running.values())}:
            ids = [str(row["id"]) for row in running.values()]
            with contextlib.suppress(ServiceUnavailable):  # else the leases expire
                tally.released += await ctx.db(fetch_leases.release_leases, owner, ids)


def _collect(done: set[asyncio.Task], running: dict[asyncio.Task, dict[str, Any]], tally: RunTally) -> None:
    for task in done:
        running.pop(task)
        outcome = task.result()
        if outcome is not None:
            tally.add(outcome)


async def _fetch_one(
    ctx: FetchContext, row: dict[str, Any], owner: str, slots: dict[str, asyncio.Semaphore]
) -> ConnectionOutcome:
    from shared.services.fetch_connection import fetch_connection

    async with slots[row["platform"]]:
        return await fetch_connection(row, ctx, owner)


async def _fan_out(
    ctx: FetchContext,
    tally: RunTally,
    run_id: str,
    count: int,
    running: dict[asyncio.Task, dict[str, Any]],
    slots: dict[str, asyncio.Semaphore],
    user_ids: list[str] | None,
) -> None:
    """Lease `count` connections for tasks; enqueue them, or on the local stack run the worker path here."""
    from shared.models.ingest import FetchTaskRequest
    from shared.services import fetch_fanout, fetch_leases

    task_lease = dt.timedelta(seconds=ctx.settings.fetch_task_lease_s)
    rows = await ctx.db(fetch_leases.lease_due_connections, run_id, task_lease, count, user_ids)
    tally.fanned_out = len(rows)
    if fetch_fanout.uses_cloud_tasks(ctx.settings):
        requests = [fetch_fanout.build_task_request(ctx.settings, str(r["id"]), run_id) for r in rows]
        created, existing = await asyncio.to_thread(fetch_fanout.enqueue, ctx.settings, requests)
        log.info("fetch tasks enqueued", extra={"fields": {"created": created, "existing": existing}})
        return
    for row in rows:
        body = FetchTaskRequest(connection_id=str(row["id"]), lease_owner=run_id)
        task = asyncio.create_task(fetch_task(ctx, body, slots))
        running[task] = {**row, "_owner": _task_owner(body)}


def _task_owner(body: FetchTaskRequest) -> str:
    return f"task:{body.lease_owner or 'direct'}"[:64]


async def fetch_task(
    ctx: FetchContext, body: FetchTaskRequest, slots: dict[str, asyncio.Semaphore] | None = None
) -> ConnectionOutcome | None:
    """The worker path: take over the enqueuing run's lease (or a free one) and fetch; None if not ours."""
    from shared.services.fetch_connection import fetch_connection
    from shared.services.fetch_leases import lease_connection

    owner = _task_owner(body)
    lease = dt.timedelta(seconds=ctx.settings.fetch_lease_s)
    row = await ctx.db(lease_connection, body.connection_id, owner, lease, body.lease_owner)
    if row is None:
        return None  # fetched already, not due, reconnect needed, or another run holds it
    if slots is None:
        return await fetch_connection(row, ctx, owner)
    async with slots[row["platform"]]:
        return await fetch_connection(row, ctx, owner)


def run_fetch_task(settings: Settings, body: FetchTaskRequest) -> FetchTaskResult:
    """The Cloud Tasks worker entry: fetch one connection with its own clients."""
    if not _is_uuid(body.connection_id):
        from shared.errors import InvalidInput

        raise InvalidInput("connection_id must be a connection's uuid")
    return asyncio.run(_worker(settings, body))


async def _worker(settings: Settings, body: FetchTaskRequest) -> FetchTaskResult:
    from shared.models.ingest import FetchTaskResult, RowsWritten

    started = time.monotonic()
    async with open_context(settings, body.lease_owner if _is_uuid(body.lease_owner) else None) as ctx:
        outcome = await fetch_task(ctx, body)
    if outcome is None:
        return FetchTaskResult(
            connection_id=body.connection_id,
            outcome="skipped",
            rows=RowsWritten(),
            duration_s=round(time.monotonic() - started, 3),
        )
    return FetchTaskResult(
        connection_id=body.connection_id,
        outcome=outcome.outcome,
        error_kind=outcome.error_kind,
        rows=RowsWritten(snapshots=outcome.snapshots, posts=outcome.posts, raw_payloads=outcome.raw_payloads),
        duration_s=round(time.monotonic() - started, 3),
    )


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------- job_runs


def _start_job(max_duration: dt.timedelta) -> str:
    from shared.db import service_transaction
    from shared.services.job_runs import start_run

    with service_transaction() as conn:
        return start_run(conn, JOB_NAME, max_duration=max_duration)


def _result(run_id: str, status: str, tally: RunTally, duration_s: float) -> FetchRunResult:
    from shared.models.ingest import FetchRunResult, RowsWritten

    return FetchRunResult(
        run_id=run_id,
        status=status,
        connections_due=tally.due,
        connections_leased=tally.leased,
        connections_done=tally.outcomes["done"],
        connections_failed=tally.outcomes["failed"],
        connections_deferred=tally.outcomes["deferred"],
        connections_needs_reauth=tally.outcomes["needs_reauth"],
        connections_released=tally.released,
        connections_lost_lease=tally.outcomes["lost_lease"],
        fanned_out=tally.fanned_out,
        rows=RowsWritten(**{k: tally.rows[k] for k in ("snapshots", "posts", "raw_payloads")}),
        pages=dict(tally.pages),
        errors=dict(tally.errors),
        duration_s=round(duration_s, 3),
    )


def _finish_job(result: FetchRunResult, tally: RunTally) -> None:
    from shared.db import service_transaction
    from shared.errors import ServiceUnavailable
    from shared.services.job_runs import finish_run

    stats = result.model_dump(mode="json", exclude={"run_id", "status", "errors"})
    stats["budget_exhausted"] = tally.budget_exhausted
    try:
        with service_transaction() as conn:
            finish_run(conn, result.run_id, result.status, stats, result.errors)
    except ServiceUnavailable:
        # The next run closes this one as abandoned once its deadline passes.
        log.warning("could not record the end of the fetch run", extra={"fields": {"run_id": result.run_id}})
