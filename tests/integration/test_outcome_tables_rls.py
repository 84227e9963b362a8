"""Links, outcomes and digests: her rows only, and ownership holds across references (composite keys), for a
signed-in user writing through PostgREST and for the service role alike."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

TABLES = ("recommendation_links", "recommendation_link_rejections", "recommendation_outcomes", "weekly_digests")
PUBLISHED = ("recommendation_links", "recommendation_outcomes", "weekly_digests")


def _seed(conn: psycopg.Connection, user_id: str) -> dict[str, object]:
    post = conn.execute(
        "insert into posts (user_id, platform, platform_post_id, type, views, saves, posted_at)"
        " values (%s, 'instagram', %s, 'reel', 1000, 20, '2026-11-01T10:00Z') returning id",
        (user_id, uuid.uuid4().hex),
    ).fetchone()[0]
    other_post = conn.execute(
        "insert into posts (user_id, platform, platform_post_id, type, posted_at) values"
        " (%s, 'instagram', %s, 'reel', '2026-11-02T10:00Z') returning id",
        (user_id, uuid.uuid4().hex),
    ).fetchone()[0]
    briefs = [
        conn.execute(
            "insert into content_recommendations (user_id, rank, concept, hook, provider)"
            " values (%s, %s, 'c', 'h', 'offline-rules') returning id",
            (user_id, rank),
        ).fetchone()[0]
        for rank in (1, 2)
    ]
    conn.execute(
        "insert into recommendation_links (recommendation_id, user_id, platform, platform_post_id, post_id,"
        " source, confidence) values (%s, %s, 'instagram', %s, %s, 'auto', 0.9)",
        (briefs[0], user_id, f"p-{post}", post),
    )
    conn.execute(
        "insert into recommendation_outcomes (recommendation_id, user_id, platform, platform_post_id,"
        " post_id, measured_at, data_days) values (%s, %s, 'instagram', %s, %s, now(), 7)",
        (briefs[0], user_id, f"p-{post}", post),
    )
    conn.execute(
        "insert into recommendation_link_rejections (recommendation_id, user_id, platform,"
        " platform_post_id) values (%s, %s, 'instagram', 'rejected-1')",
        (briefs[1], user_id),
    )
    conn.execute(
        "insert into weekly_digests (user_id, period_start, period_end, subject, html, text, content)"
        " values (%s, '2026-11-23', '2026-11-30', 's', '<p>h</p>', 't', '{}')",
        (user_id,),
    )
    return {"post": post, "other_post": other_post, "linked_brief": briefs[0], "open_brief": briefs[1]}


@pytest.fixture(scope="module")
def two(stack):
    users = [stack.create_user(f"loop-{k}-{uuid.uuid4().hex[:8]}@example.com") for k in "ab"]
    with psycopg.connect(stack.database.url) as conn, conn.transaction():
        conn.execute("select set_config('role', 'service_role', true)")
        rows = [_seed(conn, u.user_id) for u in users]
    return list(zip(users, rows))


def _as(database_url: str, user_id: str, sql: str, params: tuple = ()) -> int | str:
    """Rows affected or returned as this signed-in user, 'denied' for a privilege error, the error class name
    for any other refusal; always rolled back."""
    with psycopg.connect(database_url) as conn:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(
                    "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                    (json.dumps({"sub": user_id, "role": "authenticated"}),),
                )
                cur = conn.execute(sql, params)
                return len(cur.fetchall()) if cur.description else cur.rowcount
        except psycopg.errors.InsufficientPrivilege:
            return "denied"
        except psycopg.Error as error:
            return type(error).__name__


@pytest.mark.parametrize("table", TABLES)
def test_she_reads_her_rows_and_never_anothers(stack, two, table):
    (a, _), (b, _) = two
    url = stack.database.url
    assert _as(url, a.user_id, f"select 1 from {table} where user_id = %s", (a.user_id,)) == 1
    assert _as(url, a.user_id, f"select 1 from {table} where user_id = %s", (b.user_id,)) == 0
    assert _as(url, a.user_id, f"delete from {table} where user_id = %s", (b.user_id,)) in (0, "denied")
    assert _as(url, a.user_id, f"update {table} set user_id = user_id") == "denied"


def test_she_names_the_post_that_followed_her_brief(stack, two):
    (a, mine), _ = two
    sql = (
        "insert into recommendation_links (recommendation_id, user_id, platform, platform_post_id, post_id)"
        " values (%s, %s, 'instagram', 'x1', %s)"
    )
    assert _as(stack.database.url, a.user_id, sql, (mine["open_brief"], a.user_id, mine["other_post"])) == 1


@pytest.mark.parametrize(
    "case",
    [
        "her brief, his post",
        "his brief, her post",
        "his brief as his",
        "auto source",
        "a confidence",
        "his brief rejected",
    ],
)
def test_she_cannot_link_across_owners_or_forge_a_match(stack, two, case):
    (a, mine), (b, his) = two
    insert = (
        "insert into recommendation_links (recommendation_id, user_id, platform, platform_post_id, post_id)"
        " values (%s, %s, 'instagram', 'x2', %s)"
    )
    attempts = {
        "her brief, his post": (insert, (mine["open_brief"], a.user_id, his["other_post"])),
        "his brief, her post": (insert, (his["open_brief"], a.user_id, mine["other_post"])),
        "his brief as his": (insert, (his["open_brief"], b.user_id, his["other_post"])),
        "auto source": (
            "insert into recommendation_links (recommendation_id, user_id, platform, platform_post_id,"
            " source) values (%s, %s, 'instagram', 'x3', 'auto')",
            (mine["open_brief"], a.user_id),
        ),
        "a confidence": (
            "insert into recommendation_links (recommendation_id, user_id, platform, platform_post_id,"
            " confidence) values (%s, %s, 'instagram', 'x4', 1)",
            (mine["open_brief"], a.user_id),
        ),
    }
    attempts["his brief rejected"] = (
        "insert into recommendation_link_rejections (recommendation_id, user_id,"
        " platform, platform_post_id) values (%s, %s, 'instagram', 'x7')",
        (his["open_brief"], a.user_id),
    )
    sql, params = attempts[case]
    assert _as(stack.database.url, a.user_id, sql, params) in ("denied", "ForeignKeyViolation")


def test_outcomes_and_digests_are_written_by_the_service_only(stack, two):
    (a, mine), _ = two
    url = stack.database.url
    assert (
        _as(
            url,
            a.user_id,
            "insert into recommendation_outcomes (recommendation_id, user_id, platform,"
            " platform_post_id, post_id, measured_at, data_days, top_quartile) values (%s, %s, 'instagram', %s,"
            " %s, now(), 7, true)",
            (mine["open_brief"], a.user_id, "x5", mine["other_post"]),
        )
        == "denied"
    )
    assert (
        _as(
            url,
            a.user_id,
            "insert into weekly_digests (user_id, period_start, period_end, subject, html, text,"
            " content) values (%s, '2026-11-01', '2026-11-08', 's', 'h', 't', '{}')",
            (a.user_id,),
        )
        == "denied"
    )
    assert _as(url, a.user_id, "update recommendation_outcomes set top_quartile = true") == "denied"


def test_the_service_role_cannot_cross_owners_either(stack, two):
    (a, mine), (_, his) = two
    with psycopg.connect(stack.database.url) as conn:
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            with conn.transaction(force_rollback=True):
                conn.execute("select set_config('role', 'service_role', true)")
                conn.execute(
                    "insert into recommendation_links (recommendation_id, user_id, platform,"
                    " platform_post_id, post_id, source, confidence) values (%s, %s, 'instagram', 'x6',"
                    " %s, 'auto', 0.8)",
                    (mine["open_brief"], a.user_id, his["other_post"]),
                )


def test_removing_a_link_removes_its_outcome(stack, two):
    (a, mine), _ = two
    with psycopg.connect(stack.database.url) as conn, conn.transaction(force_rollback=True):
        conn.execute(
            "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
            (json.dumps({"sub": a.user_id, "role": "authenticated"}),),
        )
        conn.execute("delete from recommendation_links where recommendation_id = %s", (mine["linked_brief"],))
        left = conn.execute(
            "select count(*) from recommendation_outcomes where recommendation_id = %s", (mine["linked_brief"],)
        ).fetchone()[0]
    assert left == 0


def test_the_frontend_hears_links_outcomes_and_digests(stack):
    with psycopg.connect(stack.database.url) as conn:
        published = {
            r[0]
            for r in conn.execute("select tablename from pg_publication_tables where pubname = 'supabase_realtime'")
        }
    assert set(PUBLISHED) <= published
