"""Whole runs: killed and re-run, overlapping runs, fan-out, re-normalization, the HTTP entry points."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
from ingest_support import TEST_LIMITS, connection, fetch, make_due, table

from shared import clock
from shared.db import service_transaction


def _as_if_backfilled_yesterday(*id_maps: dict[str, str]) -> None:
    ids = [cid for ids in id_maps for cid in ids.values()]
    with service_transaction() as conn:
        conn.execute(
            "update platform_connections set backfilled_at = now() - interval '1 day',"
            " last_fetched_at = now() - interval '1 day' where id = any(%s::uuid[])",
            (ids,),
        )


def _tables(user_id: str) -> tuple[list, list]:
    return table("analytics_snapshots", user_id), table("posts", user_id)


def _fetches_per_connection(user_ids: list[str]) -> dict[tuple[str, str], int]:
    """How many runs archived pages for each (user, platform)."""
    with service_transaction() as conn:
        rows = conn.execute(
            "select user_id::text as u, platform::text as p, count(distinct run_id) as runs"
            " from raw_payloads where user_id = any(%s::uuid[]) group by 1, 2",
            (user_ids,),
        ).fetchall()
    return {(r["u"], r["p"]): r["runs"] for r in rows}


_CHILD = """
import sys
from shared.config import get_settings
from shared.services.fetch_run import run_fetch
run_fetch(get_settings(), user_ids=[sys.argv[1]])
"""


def test_a_run_killed_midway_and_rerun_equals_a_clean_run(connected, clean_sandbox, settings):
    """Time is controlled, not waited for: the killed run and its successors share one frozen clock,
    which the test moves past the killed run's leases and deadline."""
    killed_user, killed_ids = connected(2)
    clean_user, _ = connected(2)
    clean_sandbox.add_fault(kind="latency", host="*", latency_ms=15)
    t0 = clock.now()
    lease, budget = dt.timedelta(seconds=60), dt.timedelta(seconds=120)
    env = {
        **os.environ,
        "APP_CLOCK": t0.isoformat(),
        "FETCH_LEASE_S": str(int(lease.total_seconds())),
        "FETCH_BUDGET_S": str(int(budget.total_seconds())),
        "PLATFORM_LIMITS_JSON": json.dumps(TEST_LIMITS),
        "LOG_LEVEL": "ERROR",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, killed_user.user_id],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pause = threading.Event()
    for _ in range(3000):  # kill once some connections are done and others still running
        done = [p for p, cid in killed_ids.items() if connection(cid)["last_fetched_at"] is not None]
        if done or child.poll() is not None:
            break
        pause.wait(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    unfinished = [p for p, cid in killed_ids.items() if connection(cid)["last_fetched_at"] is None]
    assert done and unfinished, "the kill should land mid-run"
    assert all(connection(killed_ids[p])["lease_owner"] is not None for p in unfinished)
    killed_run = _running_fetch_run_started_at(t0)

    with clock.frozen_at(t0 + lease / 2):  # the killed run's leases are still live: nothing to take
        assert fetch(settings, killed_user).connections_leased == 0
    with clock.frozen_at(t0 + budget + lease + dt.timedelta(seconds=1)):  # past its leases and its deadline
        clean_sandbox.clear_faults()
        rerun = fetch(settings, killed_user)
        assert rerun.connections_leased == len(unfinished) and rerun.connections_done == len(unfinished)
        assert fetch(settings, clean_user).connections_done == 4

    with service_transaction() as conn:
        closed = conn.execute(
            "select status, finished_at, errors from job_runs where id = %s", (killed_run,)
        ).fetchone()
    assert closed["status"] == "abandoned" and closed["finished_at"] is not None
    assert "closed by run" in closed["errors"]["abandoned"]
    killed_snapshots, killed_posts = _tables(killed_user.user_id)
    clean_snapshots, clean_posts = _tables(clean_user.user_id)
    assert killed_snapshots == clean_snapshots
    assert killed_posts == clean_posts


def _running_fetch_run_started_at(started_at) -> str:
    with service_transaction() as conn:
        row = conn.execute(
            "select id from job_runs where job = 'fetch_analytics' and status = 'running' and started_at = %s",
            (started_at,),
        ).fetchone()
    assert row is not None, "the killed run should still say running"
    return str(row["id"])


def test_overlapping_runs_never_fetch_the_same_connection(connected, clean_sandbox, settings):
    users = [connected(c) for c in (0, 1, 3)]
    _as_if_backfilled_yesterday(*(ids for _, ids in users))
    clean_sandbox.add_fault(kind="latency", host="*", latency_ms=10)
    results: list = []

    def run() -> None:
        results.append(fetch(settings, *(u for u, _ in users)))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # A run keeps what its recent throughput says it can finish and fans out the rest (worked in process
    # here); on a loaded machine that split moves, the total never does.
    assert sum(r.connections_leased + r.fanned_out for r in results) == 12
    assert sum(r.connections_done for r in results) == 12
    fetched = _fetches_per_connection([u.user_id for u, _ in users])
    assert len(fetched) == 12 and set(fetched.values()) == {1}  # each connection archived by exactly one run


def test_fan_out_runs_the_worker_path_in_process_locally(connected, clean_sandbox, settings):
    user, ids = connected(4)
    _as_if_backfilled_yesterday(ids)

    result = fetch(settings.model_copy(update={"fetch_fanout_threshold": 1}), user)

    assert result.fanned_out == 3 and result.connections_leased == 1
    assert result.connections_done == 4 and result.status == "succeeded"
    assert all(
        connection(cid)["lease_owner"] is None and connection(cid)["last_fetch_error"] is None for cid in ids.values()
    )


def test_renormalizing_the_archive_reproduces_the_rows(connected, clean_sandbox, settings):
    from scripts.renormalize import renormalize

    user, ids = connected(3)
    fetch(settings, user)
    make_due(*ids.values())
    fetch(settings, user)  # two archived fetches per connection: backfill and incremental
    snapshots, posts = _tables(user.user_id)
    with service_transaction() as conn:
        conn.execute("delete from analytics_snapshots where user_id = %s", (user.user_id,))
        conn.execute("delete from posts where user_id = %s", (user.user_id,))

    replayed = renormalize(user.user_id)

    assert replayed.fetches == 8
    assert _tables(user.user_id) == (snapshots, posts)
    renormalize(user.user_id, "tiktok")  # idempotent: replaying again changes nothing
    assert _tables(user.user_id) == (snapshots, posts)


def _park_other_connections(user_ids: list[str]) -> list[str]:
    with service_transaction() as conn:
        rows = conn.execute(
            "update platform_connections set next_fetch_at = next_fetch_at + interval '100 years'"
            " where not (user_id = any(%s::uuid[])) and next_fetch_at <= now() returning id",
            (user_ids,),
        ).fetchall()
    return [str(r["id"]) for r in rows]


def _unpark(ids: list[str]) -> None:
    with service_transaction() as conn:
        conn.execute(
            "update platform_connections set next_fetch_at = next_fetch_at - interval '100 years'"
            " where id = any(%s::uuid[])",
            (ids,),
        )


def test_cron_and_worker_endpoints_over_http(stack, connected, clean_sandbox):
    user, ids = connected(5, ("tiktok", "pinterest"))
    _as_if_backfilled_yesterday(ids)
    parked = _park_other_connections([user.user_id])
    try:
        url = f"{stack.base_url}/api/cron/fetch-analytics"
        assert httpx.post(url, json={}, timeout=30).status_code == 401
        response = httpx.post(url, json={"max_connections": 1}, headers=stack.cron_headers, timeout=120)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["connections_leased"] == 1 and body["connections_done"] == 1 and body["status"] == "succeeded"
        assert set(body) >= {"run_id", "rows", "errors", "pages", "duration_s", "fanned_out"}
        assert body["rows"]["posts"] > 0 and body["rows"]["raw_payloads"] > 0
        with service_transaction() as conn:
            run = conn.execute("select job, status, stats from job_runs where id = %s", (body["run_id"],)).fetchone()
        assert run["job"] == "fetch_analytics" and run["status"] == "succeeded"
        assert run["stats"]["connections_done"] == 1

        pending = next(
            cid
            for cid in ids.values()
            if connection(cid)["last_fetch_error"] is None
            and connection(cid)["next_fetch_at"].timestamp() <= time.time()
        )  # the one not yet fetched
        worker = f"{stack.base_url}/api/tasks/fetch-connection"
        task = httpx.post(worker, json={"connection_id": pending}, headers=stack.cron_headers, timeout=120)
        assert task.status_code == 200, task.text
        assert task.json()["outcome"] == "done" and task.json()["rows"]["posts"] > 0
        again = httpx.post(worker, json={"connection_id": pending}, headers=stack.cron_headers, timeout=60)
        assert again.json()["outcome"] == "skipped"  # a redelivered task finds nothing due
        assert (
            httpx.post(
                worker, json={"connection_id": pending, "x": 1}, headers=stack.cron_headers, timeout=30
            ).status_code
            == 400
        )
    finally:
        _unpark(parked)
