"""Postgres stopped and restarted under load: 503 with Retry-After while it is down, never a 500, and
the first requests after it returns succeed although every pooled connection died with the old server."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest

from shared.db import get_pool

ENDPOINT = "/api/analytics/overview"


@pytest.fixture()
def restartable(stack):
    if stack.database.server is None:
        pytest.skip("DATABASE_URL points at a server this suite did not start")
    yield stack.database
    stack.database.resume()  # whatever happened, leave the server running for the rest of the session


@dataclass
class Reply:
    started: float
    ended: float
    status: int
    retry_after: str | None
    content_type: str
    detail: str


@dataclass
class Burst:
    """Threads calling the API without pause until stopped; every reply is kept with its timing."""

    url: str
    headers: dict
    replies: list[Reply] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _loop(self) -> None:
        with httpx.Client(headers=self.headers, timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                response = client.get(self.url)
                reply = Reply(
                    started,
                    time.monotonic(),
                    response.status_code,
                    response.headers.get("retry-after"),
                    response.headers.get("content-type", ""),
                    response.json().get("detail", "") if response.status_code >= 400 else "",
                )
                with self._changed:
                    self.replies.append(reply)
                    self._changed.notify_all()

    def start(self, threads: int) -> list[threading.Thread]:
        workers = [threading.Thread(target=self._loop, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        return workers

    def wait_for(self, count: int, since: float) -> None:
        """Block until `count` replies to requests sent after `since` have arrived (no fixed sleeps)."""
        with self._changed:
            assert self._changed.wait_for(lambda: sum(r.started > since for r in self.replies) >= count, timeout=120), (
                f"fewer than {count} replies since the mark"
            )

    def stop(self, workers: list[threading.Thread]) -> None:
        self._stop.set()
        for worker in workers:
            worker.join(timeout=60)


def _get_many(url: str, headers: dict, n: int) -> list[int]:
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: httpx.get(url, headers=headers, timeout=30).status_code, range(n)))


def test_the_first_requests_after_a_quiet_restart_succeed_on_a_pool_of_dead_connections(stack, restartable, make_user):
    user = make_user("restart")
    url = f"{stack.base_url}{ENDPOINT}"
    assert _get_many(url, user.headers, 8) == [200] * 8
    pooled = get_pool().get_stats()["pool_available"]
    assert pooled >= 2, "the pool should hold idle connections before the restart"

    restartable.halt()
    restartable.resume()

    assert _get_many(url, user.headers, 8) == [200] * 8


def test_a_request_burst_across_a_restart_sees_503_with_retry_after_while_down_and_no_500(
    stack, restartable, make_user
):
    user = make_user("burst")
    burst = Burst(f"{stack.base_url}{ENDPOINT}", user.headers)
    workers = burst.start(threads=6)
    try:
        burst.wait_for(12, since=0.0)
        restartable.halt()
        down_from = time.monotonic()
        burst.wait_for(24, since=down_from)
        restartable.resume()
        up_from = time.monotonic()
        first = httpx.get(f"{stack.base_url}{ENDPOINT}", headers=user.headers, timeout=30)
        burst.wait_for(24, since=up_from)
    finally:
        burst.stop(workers)

    statuses = {r.status for r in burst.replies}
    assert statuses <= {200, 503}, statuses
    while_down = [r for r in burst.replies if r.started > down_from and r.ended < up_from]
    assert len(while_down) >= 24
    assert all(r.status == 503 for r in while_down)
    assert all(
        r.retry_after == "5" and r.content_type.startswith("application/problem+json") and "database" in r.detail
        for r in while_down
    )
    assert first.status_code == 200, first.text
    after = [r for r in burst.replies if r.started > up_from]
    assert after and all(r.status == 200 for r in after), [r.status for r in after]
    slowest_503 = max(r.ended - r.started for r in while_down)
    print(
        f"\nrestart burst: {len(burst.replies)} replies, {len(while_down)} while down (all 503, "
        f"slowest {slowest_503:.2f} s), {len(after)} after (all 200), 0 x 500"
    )
