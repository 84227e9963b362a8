"""Shared fixtures: one real Postgres and one local stack per test session."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest

os.environ.setdefault("APP_ENV", "test")


@pytest.fixture(scope="session")
def stack() -> Iterator:
    """Embedded Postgres + migrations + platform sandbox + gateway, as the demo runs them; the migrated
    empty database is kept as the template every test module's own database is copied from."""
    from scripts.localstack.stack import start_stack

    local = start_stack(sandbox=True, sandbox_options={"seed": 7, "creators": 6})
    local.make_template()
    yield local
    local.stop()


@pytest.fixture(scope="module", autouse=True)
def module_database(request) -> Iterator[str | None]:
    """Each test module that uses the stack gets its own database, copied from the migrated template, so
    no module sees another's users, connections or market rows, whatever the order they run in."""
    items = [item for item in request.session.items if getattr(item, "module", None) is request.module]
    if not any("stack" in item.fixturenames for item in items):
        yield None
        return
    from scripts.localstack.postgres import drop_database

    local = request.getfixturevalue("stack")
    global _databases
    _databases += 1
    name = f"t{_databases}_{re.sub(r'[^a-z0-9]+', '_', request.module.__name__.lower())}"[:63]
    url = local.use_fresh_database(name)
    yield url
    from shared.db import close_pool

    close_pool()
    drop_database(url, name)


_databases = 0


@pytest.fixture(scope="module")
def database_url(stack, module_database) -> str:
    """The current module's database."""
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
