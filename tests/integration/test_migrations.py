"""Migrations: bootstrap + migrations from an empty database, and re-applying is a no-op."""
from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg

from scripts.localstack import migrate
from scripts.localstack.postgres import start_embedded


def _schema_fingerprint(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """select table_name, column_name, data_type, is_nullable from information_schema.columns
               where table_schema in ('public', 'auth') order by 1, 2""").fetchall()


def test_bootstrap_and_migrations_apply_to_an_empty_database_and_reapply_is_a_no_op():
    db = start_embedded(Path(tempfile.mkdtemp(prefix="mig-")) / "data", persistent=False)
    try:
        applied = migrate.apply(db.url)
        assert applied == [version for version, _, _ in migrate.migration_files()]
        before = _schema_fingerprint(db.url)
        assert migrate.apply(db.url) == []
        assert migrate.apply(db.url) == []
        assert _schema_fingerprint(db.url) == before
        with psycopg.connect(db.url) as conn:
            recorded = conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone()[0]
            published = {r[0] for r in conn.execute(
                "select tablename from pg_publication_tables where pubname = 'supabase_realtime'")}
        assert recorded == len(applied)
        assert {"posts", "analytics_snapshots", "platform_connections", "insights",
                "content_recommendations"} <= published
    finally:
        db.stop()


def test_every_migration_file_uses_the_supabase_cli_name_form():
    files = migrate.migration_files()
    assert files and all(len(version) == 14 for version, _, _ in files)
    assert [v for v, _, _ in files] == sorted(v for v, _, _ in files)
