"""Apply the local Supabase bootstrap and the migrations, recording versions like the Supabase CLI.

Versions already in `supabase_migrations.schema_migrations` are skipped, so re-running is a no-op.
Usage: `uv run python -m scripts.localstack.migrate [--no-bootstrap]` (DATABASE_URL or embedded).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = ROOT / "supabase" / "migrations"
BOOTSTRAP_SQL = ROOT / "supabase" / "bootstrap" / "local_supabase.sql"
_NAME = re.compile(r"^(\d{14})_(.+)\.sql$")

_TRACKING = """
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version text primary key, statements text[], name text);
"""


def migration_files() -> list[tuple[str, str, Path]]:
    """(version, name, path) of every migration, in order; refuses misnamed files."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file not in the Supabase CLI form <14 digits>_<name>.sql: {path.name}")
        found.append((match.group(1), match.group(2), path))
    return found


def apply(url: str, *, bootstrap: bool = True, through: str | None = None) -> list[str]:
    """Apply what is missing (up to version `through`, when given); return the versions applied now."""
    applied_now = []
    with psycopg.connect(url, autocommit=True) as conn:
        # One applier at a time (demo and tests may race on a shared database).
        conn.execute("select pg_advisory_lock(724100101)")
        try:
            if bootstrap:
                conn.execute(BOOTSTRAP_SQL.read_text())
            conn.execute(_TRACKING)
            done = {row[0] for row in conn.execute("select version from supabase_migrations.schema_migrations")}
            for version, name, path in migration_files():
                if version in done or (through is not None and version > through):
                    continue
                sql = path.read_text()
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute(
                        "insert into supabase_migrations.schema_migrations (version, statements, name)"
                        " values (%s, %s, %s)",
                        (version, [sql], name),
                    )
                applied_now.append(version)
        finally:
            conn.execute("select pg_advisory_unlock(724100101)")
    return applied_now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-bootstrap", action="store_true", help="hosted Supabase: skip the local shim")
    args = parser.parse_args()
    from scripts.localstack.postgres import ensure_database

    db = ensure_database()
    applied = apply(db.url, bootstrap=not args.no_bootstrap)
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none (up to date)'}")


if __name__ == "__main__":
    main()
