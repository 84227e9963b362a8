"""Fixtures for the connect integration tests."""
from __future__ import annotations

import psycopg
import pytest


@pytest.fixture(autouse=True)
def _forget_connections_made_here(stack):
    """Connections made by a test are deleted after it: the session database is shared with other suites
    (trend detection, for one, borrows any active Pinterest connection)."""
    with psycopg.connect(stack.database.url, autocommit=True) as conn:
        started = conn.execute("select now()").fetchone()[0]
    yield
    with psycopg.connect(stack.database.url, autocommit=True) as conn:
        conn.execute("delete from platform_connections where connected_at >= %s", (started,))
