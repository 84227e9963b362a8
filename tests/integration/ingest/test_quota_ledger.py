"""The quota ledger: the platforms' app-wide limits held in Postgres, shared by every process."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from shared import clock
from shared.db import service_transaction
from shared.platforms.quotas import APP_QUOTAS
from shared.platforms.transport import RateLimited
from shared.services.quota_ledger import QuotaLedger, day_bounds, spend_unit, take_slot, units_used


def _db(fn, *args):
    with service_transaction() as conn:
        return fn(conn, *args)


async def _run_db(fn, *args):
    return await asyncio.to_thread(_db, fn, *args)


def _starts(key: str) -> list[float]:
    """The starts the ledger handed out for `key`, in seconds after the first."""
    with service_transaction() as conn:
        rows = conn.execute(
            "select extract(epoch from started_at)::float8 as t from platform_rate_starts"
            " where key = %s order by started_at",
            (key,),
        ).fetchall()
    return [r["t"] - rows[0]["t"] for r in rows]


def test_a_rate_window_lets_its_limit_start_at_once_and_the_next_one_a_window_later(stack):
    key = f"test:{uuid.uuid4().hex}"
    # Two processes' ledgers are the same rows: alternate between "them", one connection each.
    waits = [_db(take_slot, key, 3, 10.0) for _ in range(7)]
    assert waits[:3] == [0.0, 0.0, 0.0] and all(w > 0 for w in waits[3:])
    starts = _starts(key)
    # Each start is a window after the one three places before it, however long the calls took.
    for n in range(3, 7):
        assert starts[n] - starts[n - 3] == pytest.approx(10.0, abs=1e-3)


def test_a_daily_quota_refuses_past_its_limit_and_counts_nothing_then(stack):
    key = f"test:{uuid.uuid4().hex}"
    start, _ = day_bounds("America/Los_Angeles", dt.datetime(2026, 11, 25, 20, tzinfo=dt.timezone.utc))
    assert [_db(spend_unit, key, start, 3) for _ in range(4)] == [True, True, True, False]
    assert _db(units_used, key, start) == 3
    assert _db(spend_unit, key, start + dt.timedelta(days=1), 3)  # the next day starts afresh


def test_pacific_days_follow_daylight_saving():
    winter = day_bounds("America/Los_Angeles", dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc))
    summer = day_bounds("America/Los_Angeles", dt.datetime(2026, 7, 1, 12, tzinfo=dt.timezone.utc))
    assert winter[0] == dt.datetime(2026, 12, 1, 8, tzinfo=dt.timezone.utc)
    assert summer[0] == dt.datetime(2026, 7, 1, 7, tzinfo=dt.timezone.utc)
    assert winter[1] - winter[0] == dt.timedelta(days=1)


def test_a_spent_youtube_day_stops_requests_until_pacific_midnight(stack):
    quota = next(q for q in APP_QUOTAS["youtube"] if q.key == "youtube:data_api_units")
    with clock.frozen_at("2031-03-04T18:00:00Z"):  # a day no other test spends (10:00 in Los Angeles)
        start, end = day_bounds(quota.timezone)
        with service_transaction() as conn:
            conn.execute(
                "insert into platform_quota_usage (key, period_start, used) values (%s, %s, %s)"
                " on conflict (key, period_start) do update set used = excluded.used",
                (quota.key, start, quota.limit - 1),
            )
        ledger = QuotaLedger(_run_db)
        asyncio.run(ledger("youtube", "www.googleapis.com", "/youtube/v3/videos"))  # the last unit
        with pytest.raises(RateLimited) as refused:
            asyncio.run(ledger("youtube", "www.googleapis.com", "/youtube/v3/channels"))
        assert refused.value.retry_after == pytest.approx((end - clock.now()).total_seconds())
        assert refused.value.retry_after == pytest.approx(14 * 3600)
        # Analytics has no documented quota; search.list its own 100 calls.
        asyncio.run(ledger("youtube", "youtubeanalytics.googleapis.com", "/v2/reports"))
        asyncio.run(ledger("youtube", "www.googleapis.com", "/youtube/v3/search"))
        with service_transaction() as conn:
            conn.execute("delete from platform_quota_usage where period_start = %s", (start,))


def test_tiktok_requests_wait_for_their_endpoint_window_and_others_do_not(stack):
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    ledger = QuotaLedger(_run_db, sleep=sleep)
    quota = next(q for q in APP_QUOTAS["tiktok"] if q.key == "tiktok:/v2/video/list/")
    assert quota.allowed == 570  # 600 a minute, held at 95 %
    with service_transaction() as conn:  # 569 requests started just now (as if by other processes)
        conn.execute("delete from platform_rate_limits where key like 'tiktok:%'")
        conn.execute("insert into platform_rate_limits (key) values (%s)", (quota.key,))
        conn.execute(
            "insert into platform_rate_starts (key, started_at)"
            " select %s, clock_timestamp() from generate_series(1, %s)",
            (quota.key, quota.allowed - 1),
        )

    async def burst():
        for _ in range(3):
            await ledger("tiktok", "open.tiktokapis.com", "/v2/video/list/")
        await ledger("tiktok", "open.tiktokapis.com", "/v2/oauth/token/")  # not a limited endpoint
        await ledger("instagram", "graph.instagram.com", "/v25.0/me")

    asyncio.run(burst())
    # The 570th went at once; the next two waited for the first two starts to be a minute old.
    assert len(slept) == 2 and all(wait > 0 for wait in slept)
    starts = _starts(quota.key)
    assert len(starts) == quota.allowed + 2
    assert starts[570] - starts[0] == pytest.approx(60.0, abs=1e-3)
    assert starts[571] - starts[1] == pytest.approx(60.0, abs=1e-3)
