"""Who fetches which connection: leases taken atomically, renewed while the fetch runs, released with
the run's verdict.

A lease is (lease_owner, lease_expires_at) on platform_connections. Taking one uses
`FOR UPDATE SKIP LOCKED` inside the UPDATE, so two overlapping or retried runs never lease the same
connection; a run that dies leaves leases that simply expire, and the next run takes them. A fetch
renews its lease while it runs (`renew_lease`), and writes its results only while it still holds it
(`holds_lease`), so a fetch longer than the lease is never fetched twice and a run that lost its lease
never reports the connection done. Times come from shared/clock.py (`now`), so tests move time instead
of waiting for a lease to expire. Every function takes an open service-role connection.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from shared import clock
from shared.services.connections import CONNECTION_COLUMNS

LEASE_COLUMNS = f"{CONNECTION_COLUMNS}, lease_owner, lease_expires_at, last_fetch_error"
_DUE = """status = 'active' and next_fetch_at <= %(now)s
          and (lease_expires_at is null or lease_expires_at < %(now)s)
          and (%(users)s::uuid[] is null or user_id = any(%(users)s::uuid[]))"""


def count_due(conn: Any, user_ids: list[str] | None = None, *, now: dt.datetime | None = None) -> int:
    """Connections a run could lease right now (of these users only, when given)."""
    return conn.execute(
        f"select count(*) as n from platform_connections where {_DUE}", {"users": user_ids, "now": now or clock.now()}
    ).fetchone()["n"]


def lease_due_connections(
    conn: Any,
    owner: str,
    lease: dt.timedelta,
    limit: int,
    user_ids: list[str] | None = None,
    *,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Lease up to `limit` due connections (of these users only, when given), oldest due first."""
    return conn.execute(
        f"""update platform_connections set lease_owner = %(owner)s, lease_expires_at = %(now)s + %(lease)s
            where id in (select id from platform_connections where {_DUE}
                         order by next_fetch_at limit %(limit)s for update skip locked)
            returning {LEASE_COLUMNS}""",
        {"owner": owner, "lease": lease, "limit": limit, "users": user_ids, "now": now or clock.now()},
    ).fetchall()


def lease_connection(
    conn: Any,
    connection_id: str,
    owner: str,
    lease: dt.timedelta,
    granted_to: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any] | None:
    """Lease one connection if it is due and free (or already leased to `granted_to`, the enqueuing run)."""
    return conn.execute(
        f"""update platform_connections set lease_owner = %(owner)s, lease_expires_at = %(now)s + %(lease)s
            where id = (select id from platform_connections
                        where id = %(id)s and status = 'active' and next_fetch_at <= %(now)s
                          and (lease_expires_at is null or lease_expires_at < %(now)s
                               or (%(granted)s::text is not null and lease_owner = %(granted)s::text))
                        for update skip locked)
            returning {LEASE_COLUMNS}""",
        {"owner": owner, "lease": lease, "id": connection_id, "granted": granted_to, "now": now or clock.now()},
    ).fetchone()


def renew_lease(
    conn: Any, connection_id: str, owner: str, lease: dt.timedelta, *, now: dt.datetime | None = None
) -> bool:
    """Extend a lease we still hold (and that has not expired); False when it is lost."""
    now = now or clock.now()
    return (
        conn.execute(
            """update platform_connections set lease_expires_at = %(now)s + %(lease)s
           where id = %(id)s and lease_owner = %(owner)s and lease_expires_at >= %(now)s""",
            {"now": now, "lease": lease, "id": connection_id, "owner": owner},
        ).rowcount
        == 1
    )


def holds_lease(conn: Any, connection_id: str, owner: str) -> bool:
    """Lock the connection row if `owner` still holds its lease, for the rest of the transaction."""
    return (
        conn.execute(
            "select 1 from platform_connections where id = %s and lease_owner = %s for update", (connection_id, owner)
        ).fetchone()
        is not None
    )


def next_fetch_time(interval: dt.timedelta, rng: random.Random | None = None) -> dt.timedelta:
    """The wait until a connection is due again, jittered ±10 % so a day's connections spread out."""
    return interval * (0.9 + 0.2 * (rng or random).random())


def finish_fetch(
    conn: Any,
    connection_id: str,
    owner: str,
    *,
    fetched_at: dt.datetime,
    backfilled: bool,
    next_in: dt.timedelta,
    now: dt.datetime | None = None,
) -> bool:
    """A successful fetch: record it, schedule the next one, release the lease. False if the lease was lost."""
    result = conn.execute(
        """update platform_connections set last_fetched_at = %(at)s, last_fetch_error = null,
               backfilled_at = case when %(backfilled)s then coalesce(backfilled_at, %(at)s) else backfilled_at end,
               next_fetch_at = %(now)s + %(next)s, lease_owner = null, lease_expires_at = null
           where id = %(id)s and lease_owner = %(owner)s""",
        {
            "at": fetched_at,
            "backfilled": backfilled,
            "next": next_in,
            "id": connection_id,
            "owner": owner,
            "now": now or clock.now(),
        },
    )
    return result.rowcount == 1


def fail_fetch(
    conn: Any, connection_id: str, owner: str, *, error: str, retry_in: dt.timedelta, now: dt.datetime | None = None
) -> None:
    """A failed or deferred fetch: keep the error, come back after `retry_in`, release the lease."""
    conn.execute(
        """update platform_connections set last_fetch_error = %(error)s, next_fetch_at = %(now)s + %(retry)s,
               lease_owner = null, lease_expires_at = null
           where id = %(id)s and lease_owner = %(owner)s""",
        {"error": error[:500], "retry": retry_in, "id": connection_id, "owner": owner, "now": now or clock.now()},
    )


def release_leases(conn: Any, owner: str, connection_ids: list[str]) -> int:
    """Give back leases a run took but did not start (the budget ran out): due again at once."""
    if not connection_ids:
        return 0
    return conn.execute(
        "update platform_connections set lease_owner = null, lease_expires_at = null"
        " where lease_owner = %s and id = any(%s::uuid[])",
        (owner, connection_ids),
    ).rowcount
