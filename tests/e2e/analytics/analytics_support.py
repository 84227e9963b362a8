"""Analytics test helpers: rows with hand-picked numbers inserted as the database owner."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb

# The system clock in these tests (tests/e2e/analytics/conftest.py freezes it here): no real date leaks in.
TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime.combine(TODAY, dt.time(12), dt.timezone.utc)
SNAPSHOT_COLUMNS = (
    "followers",
    "reach",
    "views",
    "engagements",
    "likes",
    "comments",
    "saves",
    "shares",
    "watch_time_hrs",
)


def insert_rows(url: str, table: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert dict rows; returns the ids (posts, snapshots) in order."""
    ids = []
    with psycopg.connect(url) as conn:
        for row in rows:
            columns = ", ".join(row)
            values = ", ".join(["%s"] * len(row))
            params = [Jsonb(v) if isinstance(v, (list, dict)) else v for v in row.values()]
            returning = " returning id" if table in ("posts", "trending_creators") else ""
            cursor = conn.execute(f"insert into {table} ({columns}) values ({values}){returning}", params)
            if returning:
                ids.append(cursor.fetchone()[0])
    return ids


def connect_platform(
    url: str, user_id: str, platform: str, *, status: str = "active", last_fetched_at: dt.datetime | None = None
) -> None:
    insert_rows(
        url,
        "platform_connections",
        [
            {
                "user_id": user_id,
                "platform": platform,
                "access_token": b"not-a-real-token",
                "platform_user_id": f"{platform}-{user_id[:8]}",
                "status": status,
                "last_fetched_at": last_fetched_at,
            }
        ],
    )


def snapshot(user_id: str, platform: str, days_ago: int, **metrics: Any) -> dict[str, Any]:
    return {"user_id": user_id, "platform": platform, "snapshot_date": TODAY - dt.timedelta(days=days_ago), **metrics}


def assert_problem_400(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["detail"] and problem["request_id"]
    return problem
