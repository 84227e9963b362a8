"""What a Realtime subscriber receives during a creator's first fetch, read from the publication's logical
replication stream (pgoutput, as Supabase Realtime reads it): a bounded number of events per run whatever
the number of posts written, rows a dashboard can re-render from, and no token anywhere."""

from __future__ import annotations

from collections import Counter

import pytest

from shared.auth import UserClaims
from shared.config import get_settings
from shared.db import service_transaction
from tests.integration.ingest.ingest_support import PLATFORMS, TEST_LIMITS, connect, fetch
from tests.integration.realtime.pgoutput import replication_slot

SYNC_COLUMNS = {
    "user_id",
    "platform",
    "status",
    "status_reason",
    "last_fetched_at",
    "last_fetch_error",
    "last_outcome",
    "posts_written",
    "snapshots_written",
    "updated_at",
}


@pytest.fixture
def settings(stack):
    return get_settings().model_copy(update={"platform_limits": TEST_LIMITS, "fetch_budget_s": 120.0})


def _mine(changes, user_id):
    return [c for c in changes if (c.row.get("user_id") or (c.old or {}).get("user_id")) == user_id]


def _written(user_id: str) -> tuple[int, int]:
    with service_transaction() as conn:
        posts = conn.execute("select count(*) as n from posts where user_id = %s", (user_id,)).fetchone()["n"]
        days = conn.execute("select count(*) as n from analytics_snapshots where user_id = %s", (user_id,)).fetchone()[
            "n"
        ]
    return posts, days


def test_a_fetch_run_publishes_one_event_per_connection_and_no_post(stack, make_user, settings):
    from shared.services.connect import disconnect

    user = make_user("realtime")
    with replication_slot(stack.database.url) as read:
        for platform in PLATFORMS:
            connect(stack.sandbox, user.user_id, platform, creator=0)
        steps = [read()]
        result = fetch(settings, user)
        steps.append(read())
        disconnect(
            UserClaims(user_id=user.user_id, role="authenticated", email=user.email, raw={"sub": user.user_id}),
            "pinterest",
        )
        steps.append(read())
    connected, fetched, disconnected = (_mine(changes, user.user_id) for changes in steps)
    streamed = [change for changes in steps for change in changes]

    posts, days = _written(user.user_id)
    assert result.connections_done == 4 and posts > 100 and days > 100  # thousands of rows written ...
    # ... and the dashboard hears one event per connected platform: connected, then fetched.
    assert Counter((c.table, c.op) for c in connected) == {("sync_status", "INSERT"): 4}
    assert {c.row["platform"]: c.row["status"] for c in connected} == dict.fromkeys(PLATFORMS, "active")
    assert Counter((c.table, c.op) for c in fetched) == {("sync_status", "UPDATE"): 4}
    by_platform = {c.row["platform"]: c for c in fetched}
    assert set(by_platform) == set(PLATFORMS)
    for change in fetched:
        assert set(change.row) == SYNC_COLUMNS  # select('*') columns: all granted
        assert change.row["last_outcome"] == "done" and change.row["last_fetched_at"] is not None
        assert change.old is not None and change.old["last_outcome"] is None  # replica identity full
    assert sum(int(c.row["posts_written"]) for c in fetched) == posts
    assert sum(int(c.row["snapshots_written"]) for c in fetched) == days
    # A disconnect: one DELETE whose old row names the platform (the frontend's key for the badge).
    assert [(c.table, c.op, c.row["platform"]) for c in disconnected] == [("sync_status", "DELETE", "pinterest")]
    # Whoever else the session's other tests wrote for, only the dashboard's tables reach the stream.
    assert {c.table for c in streamed} <= {
        "sync_status",
        "insights",
        "content_recommendations",
        "recommendation_links",
        "recommendation_outcomes",
        "weekly_digests",
    }
    for change in connected + fetched + disconnected:
        assert not any("token" in column for column in change.row)
        assert not any(value and "token" in value.lower() for value in change.row.values())


def test_select_star_works_on_every_published_table_and_the_readme_names_the_connection_columns(stack):
    import re
    from pathlib import Path

    import psycopg

    with psycopg.connect(stack.database.url) as conn:
        published = [
            r[0]
            for r in conn.execute("select tablename from pg_publication_tables where pubname = 'supabase_realtime'")
        ]
        for table in published:
            assert conn.execute(
                "select has_table_privilege('authenticated', %s, 'select')", (f"public.{table}",)
            ).fetchone()[0], table
        granted = [
            r[0]
            for r in conn.execute(
                """select column_name from information_schema.column_privileges
               where table_name = 'platform_connections' and grantee = 'authenticated'
                 and privilege_type = 'SELECT' order by column_name"""
            )
        ]
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    (named,) = re.findall(r"name the columns:\s*`\.select\('([^']+)'\)`", readme)
    assert sorted(named.split(", ")) == granted
    assert not any("token" in column and "expires" not in column for column in granted)
