"""Leases under controlled time: a fetch longer than its lease keeps it, a fetch whose lease was taken
over writes nothing and is not reported done, a token that no longer decrypts needs a reconnect."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
import uuid

from ingest_support import TEST_LIMITS, connection

from shared import clock
from shared.db import service_transaction
from shared.services.fetch_leases import lease_connection

LEASE = dt.timedelta(seconds=60)
HOLD_MS = 3000  # one platform response held this long keeps the fetch in flight while the test moves time


def _wait_until(predicate, what: str, timeout_s: float = 30.0) -> None:
    """Poll the database for a condition (bounded); the test never sleeps a fixed time."""
    pause = threading.Event()
    deadline = 0.0
    while not predicate():
        deadline += 0.02
        assert deadline < timeout_s, f"timed out waiting for {what}"
        pause.wait(0.02)


def _slow_settings(settings):
    limits = {**TEST_LIMITS, "pinterest": {**TEST_LIMITS["pinterest"], "read_timeout_s": 30}}
    return settings.model_copy(update={"platform_limits": limits})


def _fetch_in_thread(settings, row: dict, owner: str, renew_every_s: float) -> tuple[threading.Thread, dict]:
    from shared.services.fetch_connection import fetch_connection
    from shared.services.fetch_run import open_context

    outcome: dict = {}

    async def run() -> None:
        async with open_context(settings, owner) as ctx:
            ctx = dataclasses.replace(ctx, lease=LEASE, renew_every_s=renew_every_s)
            outcome["result"] = await fetch_connection(row, ctx, owner)

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    return thread, outcome


def _leased(connection_id: str, owner: str) -> dict:
    with service_transaction() as conn:
        row = lease_connection(conn, connection_id, owner, LEASE)
    assert row is not None
    return row


def _archived_by(run_id: str) -> int:
    with service_transaction() as conn:
        return conn.execute("select count(*) as n from raw_payloads where run_id = %s", (run_id,)).fetchone()["n"]


def test_a_fetch_longer_than_its_lease_renews_it_and_no_other_run_can_take_it(connected, clean_sandbox, settings):
    user, ids = connected(3, ("pinterest",))
    cid, owner, t0 = ids["pinterest"], str(uuid.uuid4()), clock.now()
    clean_sandbox.add_fault(
        kind="latency", host="api.pinterest.com", path="/v5/user_account", count=1, latency_ms=HOLD_MS
    )
    with clock.frozen_at(t0):
        thread, outcome = _fetch_in_thread(_slow_settings(settings), _leased(cid, owner), owner, 0.02)
        clock.set_now(t0 + dt.timedelta(seconds=50))  # most of the lease gone while the fetch still runs
        _wait_until(lambda: connection(cid)["lease_expires_at"] >= t0 + dt.timedelta(seconds=110), "a renewal")
        clock.set_now(t0 + dt.timedelta(seconds=100))  # past the lease first granted
        with service_transaction() as conn:
            assert lease_connection(conn, cid, "another-run", LEASE) is None
        thread.join(timeout=60)
    result = outcome["result"]
    assert result.outcome == "done" and result.posts > 0, result
    assert connection(cid)["lease_owner"] is None and _archived_by(owner) > 0


def test_a_fetch_whose_lease_was_taken_over_writes_nothing_and_is_not_done(connected, clean_sandbox, settings):
    user, ids = connected(3, ("pinterest",))
    cid, owner, t0 = ids["pinterest"], str(uuid.uuid4()), clock.now()
    clean_sandbox.add_fault(
        kind="latency", host="api.pinterest.com", path="/v5/user_account", count=1, latency_ms=HOLD_MS
    )
    with clock.frozen_at(t0):
        # Renewals only every 10 minutes: this run is as stalled as one stuck in a long GC pause.
        thread, outcome = _fetch_in_thread(_slow_settings(settings), _leased(cid, owner), owner, 600.0)
        clock.set_now(t0 + LEASE + dt.timedelta(seconds=1))
        with service_transaction() as conn:
            assert lease_connection(conn, cid, "next-run", LEASE) is not None  # expired: the next run takes it
        thread.join(timeout=60)
    result = outcome["result"]
    assert (result.outcome, result.posts, result.snapshots) == ("lost_lease", 0, 0), result
    assert _archived_by(owner) == 0
    row = connection(cid)
    assert row["lease_owner"] == "next-run" and row["last_fetched_at"] is None


def test_a_token_that_no_longer_decrypts_needs_a_reconnect_and_is_not_retried(connected, clean_sandbox, settings):
    from ingest_support import fetch

    user, ids = connected(3, ("tiktok",))
    with service_transaction() as conn:  # sealed under a key the app no longer has
        conn.execute(
            "update platform_connections set access_token = %s where id = %s",
            (b"\x00gone-key" + bytes(40), ids["tiktok"]),
        )
    result = fetch(settings, user)
    assert result.connections_needs_reauth == 1 and result.errors == {"decrypt": 1}, result
    row = connection(ids["tiktok"])
    assert row["status"] == "needs_reauth" and "decrypt" in row["status_reason"] and row["lease_owner"] is None
    assert fetch(settings, user).connections_leased == 0
