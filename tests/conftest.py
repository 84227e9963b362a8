"""Shared fixtures: one real Postgres and one local stack per test session."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

os.environ.setdefault("APP_ENV", "test")


@pytest.fixture(scope="session")
def stack() -> Iterator:
    """Embedded Postgres + migrations + platform sandbox + gateway, as the demo runs them."""
    from scripts.localstack.stack import start_stack

    local = start_stack(sandbox=True, sandbox_options={"seed": 7, "creators": 6})
    yield local
    local.stop()


@pytest.fixture(scope="session")
def database_url(stack) -> str:
    return stack.database.url


@pytest.fixture()
def make_user(stack):
    """Create a fresh signed-in user per call (unique email)."""

    def make(prefix: str = "creator"):
        return stack.create_user(f"{prefix}-{uuid.uuid4().hex[:10]}@example.com")

    return make


@pytest.fixture()
def forget_new_connections(stack):
    """Delete the connections a test made: the session database is shared with other suites (trend
    detection, for one, borrows any active Pinterest connection)."""
    import psycopg

    with psycopg.connect(stack.database.url, autocommit=True) as conn:
        started = conn.execute("select now()").fetchone()[0]
    yield
    with psycopg.connect(stack.database.url, autocommit=True) as conn:
        conn.execute("delete from platform_connections where connected_at >= %s", (started,))
