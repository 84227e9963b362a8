"""Database access: one pool, two ways in.

`user_transaction` runs as role `authenticated` with the caller's JWT claims, exactly as PostgREST
does, so row-level security is the guard. `service_transaction` is for crons and background work.
Both are transaction-scoped (`set_config(..., true)`), which is what Supabase's transaction-mode
pooler requires; prepared statements are off for the same reason.

Outages are a 503 with Retry-After, never a 500: a database that cannot be reached (or drops the
connection mid-transaction) raises ServiceUnavailable. After a restart every pooled connection is dead;
the first statement (BEGIN and the role settings, which have no effect yet) finds that out, the pool
discards the connection and the transaction is retried on the next, so the first request after the
database returns succeeds. While the database has just been unreachable, waiting for a connection is
capped at SUSPECT_WAIT_S so a burst of requests is answered at once instead of piling up.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from shared.errors import ConfigurationError, ServiceUnavailable

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

    from shared.auth import UserClaims

_pool: ConnectionPool[Any] | None = None
_pool_lock = threading.Lock()
RETRY_AFTER_S = 5
SUSPECT_WAIT_S = 2.0  # connection wait while the database was unreachable within SUSPECT_WINDOW_S
SUSPECT_WINDOW_S = 10.0
_unreachable_at: float | None = None  # monotonic time the database last failed us


def _configure(conn: psycopg.Connection) -> None:
    conn.prepare_threshold = None


def get_pool() -> ConnectionPool[Any]:
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
                    kwargs={
                        "autocommit": True,
                        "row_factory": dict_row,
                        "prepare_threshold": None,
                        "connect_timeout": settings.db_connect_timeout_s,
                        "application_name": "creator-intelligence",
                    },
                    configure=_configure,
                    timeout=settings.db_connect_timeout_s,
                    # Give up a failing background connect quickly (the pool's default backs off for
                    # 5 minutes); the next request starts a fresh attempt, so a returning database is
                    # seen within a second.
                    reconnect_timeout=2.0,
                    reconnect_failed=lambda pool: _note_unreachable(),
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


def _note_unreachable() -> None:
    global _unreachable_at
    _unreachable_at = time.monotonic()


def _connection_wait(settings_wait: float) -> float:
    recently_down = _unreachable_at is not None and time.monotonic() - _unreachable_at < SUSPECT_WINDOW_S
    return min(settings_wait, SUSPECT_WAIT_S) if recently_down else settings_wait


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("the database is unavailable; try again shortly", retry_after=RETRY_AFTER_S)


def _begin(pool: ConnectionPool[Any], statement: Any) -> psycopg.Connection[dict[str, Any]]:
    """A pooled connection inside a fresh transaction; dead pooled connections are discarded and skipped."""
    conn, _ = _first_statement(pool, lambda conn: conn.execute(statement), keep=True)
    return conn


def _first_statement(pool: ConnectionPool, run: Any, *, keep: bool) -> tuple[Any, Any]:
    """(connection, run(connection)) on the first pooled connection that is alive; the connection goes
    back to the pool unless `keep`. A dead one (the database restarted) fails at once and is replaced."""
    import psycopg
    from psycopg_pool import PoolTimeout

    for _ in range(pool.max_size + 1):
        try:
            conn = pool.getconn(timeout=_connection_wait(pool.timeout))
        except PoolTimeout as exc:
            _note_unreachable()
            raise _unavailable() from exc
        try:
            result = run(conn)
        except psycopg.OperationalError as exc:
            dead = conn.closed
            pool.putconn(conn)  # a closed connection is thrown away, an open one rolled back
            _note_unreachable()
            if not dead:
                raise _unavailable() from exc
            continue
        except BaseException:
            pool.putconn(conn)
            raise
        if not keep:
            pool.putconn(conn)
        return conn, result
    raise _unavailable()


@contextmanager
def _transaction(prelude: str, params: tuple[Any, ...] = ()) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """BEGIN and the role settings in one round trip (a simple-query batch), then COMMIT or ROLLBACK.

    Pool connections are in autocommit mode so psycopg sends no BEGIN of its own; `conn.transaction()`
    inside still nests as a savepoint because the session is already in a transaction.
    """
    import psycopg
    from psycopg import sql

    statement = sql.SQL("begin; " + prelude).format(*(sql.Literal(p) for p in params))
    pool = get_pool()
    conn = _begin(pool, statement)
    try:
        try:
            yield conn
        except BaseException:
            _rollback_quietly(conn)
            raise
        conn.execute("commit")
    except psycopg.OperationalError as exc:
        # The connection went away mid-transaction (restart, failover): nothing was committed. A
        # statement timeout or lock wait on a live connection is worth a retry too.
        if conn.closed:
            _note_unreachable()
        raise _unavailable() from exc
    finally:
        pool.putconn(conn)


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
    with _transaction(
        "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', {}, true)",
        (_claims_json(claims),),
    ) as conn:
        yield conn


# The role, the claims, read-only and UTC for one implicit transaction (the rest of the same message).
_READ_PRELUDE = (
    "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %(_claims)s, true),"
    " set_config('transaction_read_only', 'on', true), set_config('TimeZone', 'UTC', true); "
)


def read_as_user(claims: UserClaims, statement: str, params: dict[str, Any]) -> list[Any]:
    """The rows of one read-only `statement` run as the calling user, in a single round trip.

    The settings and the statement travel as one simple-query message, which Postgres runs as one
    implicit transaction: the settings are transaction-local (as PostgREST's), the transaction is read
    only, and it ends with the message, so no BEGIN or COMMIT is sent. Parameters are bound client-side
    (psycopg quotes them) because a multi-statement message cannot carry server-side parameters.
    `statement` uses named placeholders; timestamps come back in UTC; rows are tuples.
    """
    import psycopg
    from psycopg.rows import tuple_row

    def run(conn: Any) -> list[Any]:
        # Tuples, not the pool's dicts: a page is read once, by position.
        cursor = psycopg.ClientCursor(conn, row_factory=tuple_row)
        cursor.execute(_READ_PRELUDE + statement, {**params, "_claims": _claims_json(claims)})
        cursor.nextset()
        return cursor.fetchall()

    return _first_statement(get_pool(), run, keep=False)[1]


def _claims_json(claims: UserClaims) -> str:
    return json.dumps({**claims.raw, "sub": claims.user_id, "role": "authenticated"})


@contextmanager
def service_transaction() -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A transaction as the service role (bypasses RLS) for crons and background jobs."""
    with _transaction("select set_config('role', 'service_role', true)") as conn:
        yield conn
