"""Database access: one pool, two ways in.

`user_transaction` runs as role `authenticated` with the caller's JWT claims, exactly as PostgREST
does, so row-level security is the guard. `service_transaction` is for crons and background work.
Both are transaction-scoped (`set_config(..., true)`), which is what Supabase's transaction-mode
pooler requires; prepared statements are off for the same reason.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from shared.errors import ConfigurationError, ServiceUnavailable

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

    from shared.auth import UserClaims

_pool: ConnectionPool | None = None
_pool_lock = threading.Lock()


def _configure(conn: psycopg.Connection) -> None:
    conn.prepare_threshold = None


def get_pool() -> ConnectionPool:
    """The process-wide pool, opened on first use (cold starts pay for it only when they query)."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                from psycopg.rows import dict_row
                from psycopg_pool import ConnectionPool

                from shared.config import get_settings

                settings = get_settings()
                if settings.database_url is None:
                    raise ConfigurationError("DATABASE_URL is not set")
                _pool = ConnectionPool(
                    settings.database_url.get_secret_value(),
                    min_size=0,
                    max_size=settings.db_pool_max_size,
                    kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": None,
                            "connect_timeout": settings.db_connect_timeout_s,
                            "application_name": "creator-intelligence"},
                    configure=_configure,
                    timeout=settings.db_connect_timeout_s,
                    open=True,
                    name="app",
                )
    return _pool


def close_pool() -> None:
    """Close the pool (tests and the local stack switch databases)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None


@contextmanager
def _transaction(prelude: str, params: tuple[Any, ...] = ()) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """BEGIN and the role settings in one round trip (a simple-query batch), then COMMIT or ROLLBACK.

    Pool connections are in autocommit mode so psycopg sends no BEGIN of its own; `conn.transaction()`
    inside still nests as a savepoint because the session is already in a transaction.
    """
    from psycopg import sql
    from psycopg_pool import PoolTimeout

    statement = sql.SQL("begin; " + prelude).format(*(sql.Literal(p) for p in params))
    try:
        with get_pool().connection() as conn:
            conn.execute(statement)
            try:
                yield conn
            except BaseException:
                _rollback_quietly(conn)
                raise
            conn.execute("commit")
    except PoolTimeout as exc:
        raise ServiceUnavailable("the database is busy, try again shortly", retry_after=2) from exc


def _rollback_quietly(conn: Any) -> None:
    # The original error matters more; a connection too broken to roll back is discarded by the pool.
    import psycopg

    try:
        conn.execute("rollback")
    except psycopg.Error:
        pass


@contextmanager
def user_transaction(claims: UserClaims) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A transaction as the calling user: role `authenticated` plus `request.jwt.claims`."""
    claims_json = json.dumps({**claims.raw, "sub": claims.user_id, "role": "authenticated"})
    with _transaction("select set_config('role', 'authenticated', true),"
                      " set_config('request.jwt.claims', {}, true)", (claims_json,)) as conn:
        yield conn


@contextmanager
def service_transaction() -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A transaction as the service role (bypasses RLS) for crons and background jobs."""
    with _transaction("select set_config('role', 'service_role', true)") as conn:
        yield conn
