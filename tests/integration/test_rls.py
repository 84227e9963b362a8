"""Row-level security, checked as PostgREST would run requests: role + request.jwt.claims."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

OWNED = [
    "profiles",
    "platform_connections",
    "analytics_snapshots",
    "posts",
    "post_attributes",
    "insights",
    "virality_models",
    "recommendation_requests",
    "content_recommendations",
]
SERVICE_ONLY = ["oauth_states", "raw_payloads", "job_runs", "trend_observations"]
SHARED_READ = ["trends", "trending_creators", "creator_observations"]
OWNER_COLUMN = {"profiles": "id"}


def _seed_user_rows(conn: psycopg.Connection, user_id: str) -> None:
    conn.execute(
        """insert into platform_connections (user_id, platform, access_token, refresh_token,
                    platform_user_id) values (%s, 'instagram', '\\x01', '\\x02', 'ig-1')""",
        (user_id,),
    )
    conn.execute(
        "insert into oauth_states (nonce, user_id, platform, redirect_uri, expires_at) values"
        " (%s, %s, 'youtube', 'http://x/cb', now() + interval '10 minutes')",
        (uuid.uuid4().hex, user_id),
    )
    conn.execute(
        "insert into analytics_snapshots (user_id, platform, snapshot_date, followers) values"
        " (%s, 'instagram', current_date, 100)",
        (user_id,),
    )
    post_id = conn.execute(
        """insert into posts (user_id, platform, platform_post_id, type, views, saves, posted_at)
                   values (%s, 'instagram', %s, 'reel', 1000, 50, now()) returning id""",
        (user_id, uuid.uuid4().hex),
    ).fetchone()[0]
    conn.execute(
        "insert into post_attributes (post_id, user_id, attribute, level, source, confidence)"
        " values (%s, %s, 'camera_angle', 'overhead', 'rules', 0.8)",
        (post_id, user_id),
    )
    conn.execute(
        "insert into raw_payloads (user_id, platform, kind, endpoint, body) values"
        " (%s, 'instagram', 'posts', '/me/media', '{}')",
        (user_id,),
    )
    conn.execute(
        "insert into insights (user_id, insight, impact, category) values (%s, 'x', 'high', 'camera_angle')", (user_id,)
    )
    conn.execute("insert into virality_models (user_id, model, report) values (%s, '{}', '{}')", (user_id,))
    request_id = conn.execute(
        "insert into recommendation_requests (user_id, idempotency_key) values (%s, %s) returning id",
        (user_id, uuid.uuid4().hex),
    ).fetchone()[0]
    conn.execute(
        """insert into content_recommendations (user_id, request_id, rank, concept, hook,
                    virality_score, provider) values (%s, %s, 1, 'c', 'h', 0.4, 'offline-rules')""",
        (user_id, request_id),
    )


@pytest.fixture(scope="module")
def two_users(stack):
    a = stack.create_user(f"rls-a-{uuid.uuid4().hex[:8]}@example.com")
    b = stack.create_user(f"rls-b-{uuid.uuid4().hex[:8]}@example.com")
    with psycopg.connect(stack.database.url) as conn:
        with conn.transaction():
            conn.execute("select set_config('role', 'service_role', true)")
            for user in (a, b):
                _seed_user_rows(conn, user.user_id)
            conn.execute("insert into job_runs (job) values ('test')")
            conn.execute(
                "insert into trend_observations (keyword, source, observed_at, value, value_kind)"
                " values ('resin', 'pinterest_trends', now(), 50, 'index')"
            )
            conn.execute(
                "insert into trends (niche_key, topic, heat_score, expires_at) values"
                " (%s, 'resin coasters', 80, now() + interval '1 day')",
                (uuid.uuid4().hex,),
            )
            creator = conn.execute(
                "insert into trending_creators (handle, platform) values (%s, 'tiktok') returning id",
                (uuid.uuid4().hex,),
            ).fetchone()[0]
            conn.execute(
                "insert into creator_observations (creator_id, observed_at, followers) values (%s, now(), 10)",
                (creator,),
            )
    return a, b


def _as(conn: psycopg.Connection, role: str, user_id: str | None) -> None:
    claims = {"role": role, "aud": "authenticated"} | ({"sub": user_id} if user_id else {})
    conn.execute(
        "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)", (role, json.dumps(claims))
    )


def _attempt(url: str, role: str, user_id: str | None, sql: str, params: tuple = ()) -> int | str:
    """Row count of the statement, or 'denied' when Postgres refuses it; always rolled back."""
    with psycopg.connect(url) as conn:
        try:
            with conn.transaction(force_rollback=True):
                _as(conn, role, user_id)
                cur = conn.execute(sql, params)
                return len(cur.fetchall()) if cur.description else cur.rowcount
        except psycopg.errors.InsufficientPrivilege:
            return "denied"


@pytest.mark.parametrize("table", OWNED)
def test_a_user_cannot_read_update_or_delete_another_users_rows(stack, two_users, table):
    a, b = two_users
    owner = OWNER_COLUMN.get(table, "user_id")
    url = stack.database.url
    assert (
        _attempt(url, "authenticated", a.user_id, f"select {owner} from {table} where {owner} = %s", (b.user_id,)) == 0
    )
    for sql in (f"update {table} set {owner} = {owner} where {owner} = %s", f"delete from {table} where {owner} = %s"):
        assert _attempt(url, "authenticated", a.user_id, sql, (b.user_id,)) in (0, "denied")
    # And the rows are still there for the service role.
    assert _attempt(url, "service_role", None, f"select 1 from {table} where {owner} = %s", (b.user_id,)) >= 1


@pytest.mark.parametrize(
    "table",
    [
        "analytics_snapshots",
        "posts",
        "insights",
        "content_recommendations",
        "virality_models",
        "recommendation_requests",
        "platform_connections",
    ],
)
def test_a_user_cannot_insert_rows_owned_by_another_user(stack, two_users, table):
    a, b = two_users
    inserts = {
        "analytics_snapshots": "insert into analytics_snapshots (user_id, platform, snapshot_date)"
        " values (%s, 'youtube', current_date)",
        "posts": "insert into posts (user_id, platform, platform_post_id, type, posted_at)"
        " values (%s, 'tiktok', 'x', 'video', now())",
        "insights": "insert into insights (user_id, insight, impact, category) values (%s, 'x', 'low', 'x')",
        "content_recommendations": "insert into content_recommendations"
        " (user_id, rank, concept, hook, virality_score, provider) values (%s, 1, 'c', 'h', 0.1, 'p')",
        "virality_models": "insert into virality_models (user_id, model, report)"
        " values (%s, '{}', '{}') on conflict do nothing",
        "recommendation_requests": "insert into recommendation_requests (user_id, idempotency_key)"
        " values (%s, 'other-users-key')",
        "platform_connections": "insert into platform_connections (user_id, platform, access_token, platform_user_id)"
        " values (%s, 'tiktok', '\\x00', 'x')",
    }
    with psycopg.connect(stack.database.url) as conn:
        with pytest.raises((psycopg.errors.InsufficientPrivilege,)):
            with conn.transaction(force_rollback=True):
                _as(conn, "authenticated", a.user_id)
                conn.execute(inserts[table], (b.user_id,))


def test_users_can_only_read_their_own_rows_when_selecting_everything(stack, two_users):
    a, _ = two_users
    for table in OWNED:
        owner = OWNER_COLUMN.get(table, "user_id")
        rows = _attempt(
            stack.database.url,
            "authenticated",
            a.user_id,
            f"select {owner} from {table} where {owner} <> %s",
            (a.user_id,),
        )
        assert rows == 0, table


@pytest.mark.parametrize("table", SERVICE_ONLY)
def test_service_only_tables_are_closed_to_signed_in_users(stack, two_users, table):
    a, _ = two_users
    assert _attempt(stack.database.url, "authenticated", a.user_id, f"select * from {table}") == "denied"


@pytest.mark.parametrize("table", OWNED + SERVICE_ONLY + SHARED_READ)
def test_anon_reads_nothing_private(stack, two_users, table):
    result = _attempt(stack.database.url, "anon", None, f"select * from {table}")
    assert result == "denied" or result == 0


@pytest.mark.parametrize("table", SHARED_READ)
def test_shared_market_tables_are_readable_but_not_writable_by_users(stack, two_users, table):
    a, _ = two_users
    assert _attempt(stack.database.url, "authenticated", a.user_id, f"select * from {table}") >= 1
    assert _attempt(stack.database.url, "authenticated", a.user_id, f"delete from {table}") == "denied"


@pytest.mark.parametrize("column", ["access_token", "refresh_token"])
def test_token_columns_are_never_readable_by_authenticated_even_on_own_rows(stack, two_users, column):
    a, _ = two_users
    assert (
        _attempt(
            stack.database.url,
            "authenticated",
            a.user_id,
            f"select {column} from platform_connections where user_id = %s",
            (a.user_id,),
        )
        == "denied"
    )
    assert _attempt(stack.database.url, "authenticated", a.user_id, "select * from platform_connections") == "denied"
    # A permissive policy added later still cannot expose them: column privileges decide.
    with psycopg.connect(stack.database.url) as conn:
        with conn.transaction(force_rollback=True):
            conn.execute("create policy leak on platform_connections for select to authenticated using (true)")
            _as(conn, "authenticated", a.user_id)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select {column} from platform_connections")


def test_service_role_writes_ingested_data(stack, two_users):
    _, b = two_users
    sql = """insert into posts (user_id, platform, platform_post_id, type, views, shares, posted_at)
             values (%s, 'tiktok', %s, 'video', 10, 1, now())"""
    assert _attempt(stack.database.url, "service_role", None, sql, (b.user_id, uuid.uuid4().hex)) == 1


def test_every_public_table_has_row_level_security_enabled(stack):
    with psycopg.connect(stack.database.url) as conn:
        rows = conn.execute("""select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                               where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity""").fetchall()
    assert rows == []


def test_profile_is_created_by_trigger_and_updated_at_maintained(stack, two_users):
    a, _ = two_users
    with psycopg.connect(stack.database.url) as conn:
        with conn.transaction(force_rollback=True):
            _as(conn, "authenticated", a.user_id)
            before = conn.execute("select email, updated_at from profiles where id = %s", (a.user_id,)).fetchone()
            assert before[0] == a.email
            conn.execute("select pg_sleep(0.01)")
            conn.execute("update profiles set niche_keywords = '{crochet}' where id = %s", (a.user_id,))
            after = conn.execute(
                "select updated_at, niche_keywords from profiles where id = %s", (a.user_id,)
            ).fetchone()
            assert after[1] == ["crochet"] and after[0] > before[1]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("update profiles set email = 'x@y.z' where id = %s", (a.user_id,))


def test_realtime_publishes_the_dashboard_tables_and_no_table_with_tokens_or_per_post_churn(stack):
    with psycopg.connect(stack.database.url) as conn:
        rows = dict(
            conn.execute("""select tablename, attnames from pg_publication_tables
                                    where pubname = 'supabase_realtime'""").fetchall()
        )
    assert set(rows) == {
        "sync_status",
        "insights",
        "content_recommendations",
        "recommendation_links",
        "recommendation_outcomes",
        "weekly_digests",
    }
    assert "status" in rows["sync_status"]
    assert not any("token" in column for columns in rows.values() for column in columns)


def test_api_roles_cannot_truncate_or_rewrite_the_quota_ledger(stack, two_users):
    a, _ = two_users
    url = stack.database.url
    for table in OWNED + SHARED_READ:
        assert _attempt(url, "authenticated", a.user_id, f"truncate {table} cascade") == "denied", table
    assert (
        _attempt(
            url, "authenticated", a.user_id, "delete from recommendation_requests where user_id = %s", (a.user_id,)
        )
        == "denied"
    )
    assert (
        _attempt(
            url,
            "authenticated",
            a.user_id,
            "update content_recommendations set virality_score = 1 where user_id = %s",
            (a.user_id,),
        )
        == "denied"
    )


def test_the_listing_view_shows_only_the_callers_posts_and_is_read_only(stack, two_users):
    """private.my_posts (GET /api/analytics/posts reads through it) applies the posts policy's predicate."""
    a, b = two_users
    url = stack.database.url
    assert (
        _attempt(url, "authenticated", a.user_id, "select 1 from private.my_posts where user_id = %s", (b.user_id,))
        == 0
    )
    assert (
        _attempt(url, "authenticated", a.user_id, "select 1 from private.my_posts where user_id <> %s", (a.user_id,))
        == 0
    )
    assert _attempt(url, "authenticated", a.user_id, "select 1 from private.my_posts") >= 1
    assert _attempt(url, "authenticated", None, "select 1 from private.my_posts") == 0  # no subject, no rows
    assert _attempt(url, "anon", None, "select 1 from private.my_posts") == "denied"
    for sql in ("update private.my_posts set views = 0", "delete from private.my_posts"):
        assert _attempt(url, "authenticated", a.user_id, sql) == "denied"
