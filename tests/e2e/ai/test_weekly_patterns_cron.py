"""POST /api/cron/weekly-patterns: re-runs detection only for creators with posts since their last run."""

from __future__ import annotations

import datetime as dt

import httpx
import psycopg
import pytest

from tests.e2e.ai.conftest import service_rows


def _insert_posts(url: str, user_id: str, n: int = 20) -> None:
    start = dt.datetime(2026, 9, 1, 12, tzinfo=dt.timezone.utc)
    with psycopg.connect(url) as conn:
        for i in range(n):
            conn.execute(
                "insert into posts (user_id, platform, platform_post_id, caption, type, views, saves, shares,"
                " posted_at) values (%s, 'instagram', %s, %s, 'reel', %s, %s, %s, %s)",
                (
                    user_id,
                    f"cron-{i}",
                    "Overhead shot, trending sound. Save this!" if i % 2 else "Close-up.",
                    1000 + 10 * i,
                    10 + i,
                    5 + i % 3,
                    start + dt.timedelta(days=i),
                ),
            )


def _fitted_at(url: str, user_id: str):
    rows = service_rows(url, "select fitted_at from virality_models where user_id = %s", (user_id,))
    return rows[0]["fitted_at"] if rows else None


def _run(stack) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/api/cron/weekly-patterns", headers=stack.cron_headers, timeout=300)


@pytest.fixture()
def creators(stack, make_user):
    url = stack.database.url
    fresh, done, broken, idle = (make_user(p) for p in ("fresh", "done", "broken", "idle"))
    for user in (fresh, done, broken):
        _insert_posts(url, user.user_id)
    with psycopg.connect(url) as conn:
        # 'done' already had a run after her latest posts; 'broken' has a zone no rule can use (the
        # database refuses such a zone, so it is written past the trigger, as a tz-database skew between
        # Postgres and Python would leave it).
        conn.execute(
            "insert into virality_models (user_id, model, report, fitted_at)"
            " values (%s, '{}', '{}', now() + interval '1 minute')",
            (done.user_id,),
        )
        with conn.transaction():
            conn.execute("set local session_replication_role = replica")
            conn.execute("update profiles set timezone = 'Mars/Olympus_Mons' where id = %s", (broken.user_id,))
    return fresh, done, broken, idle


def test_only_creators_with_new_posts_are_processed_and_one_failure_stops_nobody(stack, creators):
    fresh, done, broken, idle = creators
    url = stack.database.url
    done_before = _fitted_at(url, done.user_id)
    response = _run(stack)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["errors"] == {broken.user_id: "InvalidInput"} and body["failed"] == 1
    assert fresh.user_id not in body["errors"] and body["succeeded"] >= 1
    assert _fitted_at(url, fresh.user_id) is not None
    assert _fitted_at(url, done.user_id) == done_before
    assert _fitted_at(url, idle.user_id) is None and _fitted_at(url, broken.user_id) is None
    job = service_rows(
        url, "select job, status, stats, errors, finished_at from job_runs where id = %s", (body["run_id"],)
    )[0]
    assert job["job"] == "weekly_patterns" and job["status"] == "partial" and job["finished_at"] is not None
    assert job["stats"]["candidates"] == body["candidates"] and job["errors"] == body["errors"]

    # Nothing new for her: the next run leaves her alone; a new fetch brings her back.
    fitted = _fitted_at(url, fresh.user_id)
    assert fresh.user_id not in _candidates(stack)
    with psycopg.connect(url) as conn:
        conn.execute(
            "update posts set fetched_at = now() where user_id = %s and platform_post_id = 'cron-3'", (fresh.user_id,)
        )
    assert fresh.user_id in _candidates(stack)
    _run(stack)
    assert _fitted_at(url, fresh.user_id) > fitted


def _candidates(stack) -> list[str]:
    from shared.db import service_transaction
    from shared.services.weekly_patterns import creators_due

    with service_transaction() as conn:
        return creators_due(conn)


def test_it_is_refused_without_the_cron_credentials(stack, make_user):
    user = make_user("nocron")
    assert httpx.post(f"{stack.base_url}/api/cron/weekly-patterns").status_code == 401
    assert httpx.post(f"{stack.base_url}/api/cron/weekly-patterns", headers=user.headers).status_code == 401


def test_connected_creators_get_their_weekly_digest_and_briefs_are_measured(stack, make_user):
    """A connected creator with a brief she followed: the cron measures it and writes her digest."""
    from shared import clock
    from tests.e2e.analytics.analytics_support import connect_platform

    url = stack.database.url
    user = make_user("digest")
    now = dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc)
    with psycopg.connect(url) as conn:
        for i in range(24):
            conn.execute(
                "insert into posts (user_id, platform, platform_post_id, type, views, saves, shares,"
                " posted_at) values (%s, 'instagram', %s, 'reel', 1000, %s, 5, %s)",
                (user.user_id, f"d-{i}", i + 1, now - dt.timedelta(days=40 - i)),
            )
        conn.execute(
            "insert into posts (user_id, platform, platform_post_id, type, views, saves, shares, posted_at)"
            " values (%s, 'instagram', 'followed', 'reel', 1000, 30, 10, %s)",
            (user.user_id, now - dt.timedelta(days=8)),
        )
        brief = conn.execute(
            "insert into content_recommendations (user_id, rank, platform, concept, hook, provider,"
            " generated_at, virality_score, score_details) values (%s, 1, 'instagram', 'Tutorial <1>',"
            " 'h', 'offline-rules', %s, 0.5, '{\"model_probability\": 0.5, \"base_rate\": 0.25}')"
            " returning id",
            (user.user_id, now - dt.timedelta(days=9)),
        ).fetchone()[0]
        conn.execute(
            "insert into recommendation_links (recommendation_id, user_id, platform, platform_post_id, post_id)"
            " select %s, %s, 'instagram', 'followed', id from posts where user_id = %s"
            " and platform_post_id = 'followed'",
            (brief, user.user_id, user.user_id),
        )
    connect_platform(url, user.user_id, "instagram", last_fetched_at=now - dt.timedelta(hours=1))
    try:
        with clock.frozen_at(now):
            body = _run(stack).json()
        assert body["digests"] >= 1 and body["briefs_measured"] >= 1 and user.user_id not in body["errors"]
        digest = service_rows(url, "select * from weekly_digests where user_id = %s", (user.user_id,))[0]
        outcome = service_rows(url, "select * from recommendation_outcomes where user_id = %s", (user.user_id,))[0]
    finally:
        with psycopg.connect(url) as conn:
            conn.execute("delete from platform_connections where user_id = %s", (user.user_id,))
    assert outcome["save_ratio"] == pytest.approx(0.03 / 0.0125) and outcome["top_quartile"] is True
    assert digest["content"]["outcomes"][0]["concept"] == "Tutorial <1>" and "Tutorial &lt;1&gt;" in digest["html"]
    assert "saves 2.40×, shares 2.00× your usual; reached your top quartile; predicted 50%" in digest["text"]
