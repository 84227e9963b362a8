"""A fetch run hit by a database restart: platform data is fetched while Postgres is away, and each
connection's raw pages, snapshots and posts are written together or not at all."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from ingest_support import PLATFORMS, connection, fetch, table

from shared import clock
from shared.db import service_transaction


@pytest.fixture()
def database(stack):
    if stack.database.server is None:
        pytest.skip("DATABASE_URL points at a server this suite did not start")
    yield stack.database
    stack.database.resume()


def _wait_until(predicate, what: str) -> None:
    pause = threading.Event()
    for _ in range(3000):
        if predicate():
            return
        pause.wait(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _fetch_in_background(settings, user) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = fetch(settings, user)
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _all_leased(ids: dict[str, str]) -> bool:
    return all(connection(cid)["lease_owner"] is not None for cid in ids.values())


def _unit_counts(user_id: str, platform: str) -> tuple[int, int, int]:
    with service_transaction() as conn:
        raw = conn.execute(
            "select count(*) as n from raw_payloads where user_id = %s and platform = %s", (user_id, platform)
        ).fetchone()["n"]
    return len(table("analytics_snapshots", user_id, platform)), len(table("posts", user_id, platform)), raw


def test_a_restart_while_platform_calls_are_in_flight_loses_nothing(database, connected, clean_sandbox, settings):
    user, ids = connected(4)
    clean_sandbox.add_fault(kind="latency", host="*", latency_ms=40)
    thread, outcome = _fetch_in_background(settings, user)
    _wait_until(lambda: _all_leased(ids), "the run to lease every connection")
    database.halt()
    database.resume()
    thread.join(timeout=180)
    result = outcome["result"]
    assert result.connections_done == 4 and result.status == "succeeded", result
    assert all(min(_unit_counts(user.user_id, p)) > 0 for p in PLATFORMS)


def test_an_outage_across_the_writes_leaves_nothing_half_written_and_the_fetch_resumes(
    database, connected, clean_sandbox, settings
):
    user, ids = connected(4)
    clean_sandbox.add_fault(kind="latency", host="*", latency_ms=20)
    t0 = clock.now()
    with clock.frozen_at(t0):
        thread, outcome = _fetch_in_background(settings, user)
        _wait_until(lambda: _all_leased(ids), "the run to lease every connection")
        database.halt()
        thread.join(timeout=180)  # every write of the run meets the outage
        database.resume()
    result = outcome.get("result")
    assert result is not None, outcome.get("error")
    assert result.connections_done + result.connections_failed == 4
    assert result.errors == {"database_unavailable": result.connections_failed}, result
    for platform, cid in ids.items():
        snapshots, posts, raw = _unit_counts(user.user_id, platform)
        written = connection(cid)["last_fetched_at"] is not None
        assert (snapshots > 0, posts > 0, raw > 0) == (written, written, written), (platform, snapshots, posts, raw)

    lease = dt.timedelta(seconds=settings.fetch_lease_s)
    with clock.frozen_at(t0 + lease / 2):  # the leases the outage kept are still live
        assert fetch(settings, user).connections_leased == 0
    with clock.frozen_at(t0 + lease + dt.timedelta(seconds=1)):
        clean_sandbox.clear_faults()
        resumed = fetch(settings, user)
    assert resumed.connections_done == result.connections_failed, resumed
    assert all(min(_unit_counts(user.user_id, p)) > 0 for p in PLATFORMS)
    print(
        f"\nrestart mid-fetch: {result.connections_failed} of 4 fetches met the outage "
        f"(nothing written), resumed {lease} later: {resumed.connections_done} done"
    )
