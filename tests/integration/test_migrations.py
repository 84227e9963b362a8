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
               where table_schema in ('public', 'auth') order by 1, 2"""
        ).fetchall()


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
            published = {
                r[0]
                for r in conn.execute("select tablename from pg_publication_tables where pubname = 'supabase_realtime'")
            }
        assert recorded == len(applied)
        assert {"sync_status", "insights", "content_recommendations"} <= published
        assert not {"posts", "analytics_snapshots", "platform_connections"} & published
    finally:
        db.stop()


def test_every_migration_file_uses_the_supabase_cli_name_form():
    files = migrate.migration_files()
    assert files and all(len(version) == 14 for version, _, _ in files)
    assert [v for v, _, _ in files] == sorted(v for v, _, _ in files)


def test_the_ownership_migration_applies_to_a_database_holding_cross_owner_rows():
    """A database that already holds what the old schema allowed: B's attribute on A's post, a brief
    pointing at another creator's request, a made-up time zone. The migration cleans and applies."""
    ownership = "20261202000001"
    previous = max(v for v, _, _ in migrate.migration_files() if v < ownership)
    db = start_embedded(Path(tempfile.mkdtemp(prefix="mig-")) / "data", persistent=False)
    try:
        migrate.apply(db.url, through=previous)
        with psycopg.connect(db.url) as conn:
            a, b = (
                conn.execute(
                    "insert into auth.users (id, email) values (gen_random_uuid(), %s) returning id", (email,)
                ).fetchone()[0]
                for email in ("a@example.com", "b@example.com")
            )
            post = conn.execute(
                "insert into posts (user_id, platform, platform_post_id, type, posted_at)"
                " values (%s, 'tiktok', 'p1', 'video', now()) returning id",
                (a,),
            ).fetchone()[0]
            conn.execute(
                "insert into post_attributes (post_id, user_id, attribute, level, source, confidence)"
                " values (%s, %s, 'camera_angle', 'overhead', 'rules', 0.9),"
                " (%s, %s, 'hook_speed', 'instant', 'rules', 0.9)",
                (post, a, post, b),
            )
            request = conn.execute(
                "insert into recommendation_requests (user_id, idempotency_key) values"
                " (%s, 'key-of-a-0001') returning id",
                (a,),
            ).fetchone()[0]
            conn.execute(
                "insert into content_recommendations (user_id, request_id, rank, concept, hook,"
                " virality_score, provider) values (%s, %s, 1, 'c', 'h', 0.5, 'p')",
                (b, request),
            )
            conn.execute("update profiles set timezone = 'Mars/Olympus' where id = %s", (b,))
        assert migrate.apply(db.url) == [v for v, _, _ in migrate.migration_files() if v > previous]
        with psycopg.connect(db.url) as conn:
            kept = conn.execute("select user_id, attribute from post_attributes").fetchall()
            briefs = conn.execute("select request_id from content_recommendations").fetchall()
            zone = conn.execute("select timezone from profiles where id = %s", (b,)).fetchone()[0]
        assert kept == [(a, "camera_angle")] and briefs == [(None,)] and zone == "UTC"
    finally:
        db.stop()
