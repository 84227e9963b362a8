"""The platforms' app-wide limits, enforced across every process through Postgres.

A fetch fans out to Cloud Tasks workers, and trend detection calls the same APIs: a limit held in one
process's memory bounds nothing once the work is spread. Each request that counts against an app-wide
limit (shared/platforms/quotas.py) first goes through the ledger:
- a rate limit is a sliding window, as the platforms count it: the request takes the earliest start at
  which the start `limit` places before it is one window old (`platform_rate_starts`, one taker per key
  at a time through its `platform_rate_limits` row) and waits until then, so across all processes no
  window holds more than `limit` starts, and the first `limit` go at once;
- a daily quota adds the request's unit to `platform_quota_usage` for the quota's day, refused once
  it would pass the limit: the request is not sent and RateLimited says when the day ends (the fetch
  defers the connection until then).
Starts use the database's clock, so processes on different machines share one timeline; the quota's day
comes from shared/clock.py, so a test can pin it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from shared import clock
from shared.platforms.quotas import DailyQuota, RateQuota, app_quotas

RunDb = Callable[..., Awaitable[Any]]  # FetchContext.db: run fn(conn, *args) in a service transaction


def take_slot(conn: Any, key: str, limit: int, window_s: float) -> float:
    """Seconds to wait before the request that takes the next start of `key` may begin (0: now)."""
    conn.execute("insert into platform_rate_limits (key) values (%s) on conflict (key) do nothing", (key,))
    conn.execute("select key from platform_rate_limits where key = %s for update", (key,))  # one taker at a time
    row = conn.execute(
        """with earlier as (
             select started_at from platform_rate_starts where key = %(key)s
             order by started_at desc offset %(back)s limit 1),
           taken as (
             insert into platform_rate_starts (key, started_at)
             select %(key)s, greatest(clock_timestamp(),
                                      (select started_at from earlier) + make_interval(secs => %(window)s))
             returning started_at)
           select extract(epoch from started_at - clock_timestamp())::float8 as wait_s from taken""",
        {"key": key, "back": limit - 1, "window": window_s},
    ).fetchone()
    conn.execute(
        "delete from platform_rate_starts where key = %s and started_at < clock_timestamp() - %s * interval '1 s'",
        (key, 2 * window_s),
    )
    return max(0.0, row["wait_s"])


def spend_unit(conn: Any, key: str, period_start: dt.datetime, limit: int, cost: int = 1) -> bool:
    """Count `cost` units of `key` in the period starting at `period_start`; False (nothing counted) when
    that would pass `limit`."""
    if cost > limit:
        return False
    row = conn.execute(
        """insert into platform_quota_usage as u (key, period_start, used) values (%s, %s, %s)
           on conflict (key, period_start) do update set used = u.used + excluded.used
             where u.used + excluded.used <= %s
           returning used""",
        (key, period_start, cost, limit),
    ).fetchone()
    return row is not None


def units_used(conn: Any, key: str, period_start: dt.datetime) -> int:
    row = conn.execute(
        "select used from platform_quota_usage where key = %s and period_start = %s", (key, period_start)
    ).fetchone()
    return int(row["used"]) if row else 0


def day_bounds(timezone: str, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of the current day in `timezone`, as UTC instants."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    local = (now or clock.now()).astimezone(zone)
    start = dt.datetime.combine(local.date(), dt.time(), zone)
    end = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


class QuotaLedger:
    """The admission hook a PlatformClient calls before each request (see shared/platforms/transport.py)."""

    def __init__(
        self,
        run_db: RunDb,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], dt.datetime] = clock.now,
    ):
        self._db, self._sleep, self._now = run_db, sleep, now  # `now` picks the quota's day
        self.waited_s = 0.0

    async def __call__(self, platform: str, host: str, path: str) -> None:
        from shared.platforms.transport import RateLimited

        for quota in app_quotas(platform, host, path):
            if isinstance(quota, RateQuota):
                wait = await self._db(take_slot, quota.key, quota.allowed, quota.window_s)
                if wait > 0:
                    self.waited_s += wait
                    await self._sleep(wait)
            elif isinstance(quota, DailyQuota):
                now = self._now()
                start, end = day_bounds(quota.timezone, now)
                if not await self._db(spend_unit, quota.key, start, quota.limit):
                    raise RateLimited(
                        platform,
                        f"{quota.key}: the app's {quota.limit} a day are spent",
                        retry_after=(end - now).total_seconds(),
                    )
