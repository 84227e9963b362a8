"""The trend cron over simulated days against the sandbox: real Postgres, real HTTP, no mocks."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from shared.services.trend_detection import run_detection
from tests.integration.trends.conftest import TODAY, noon, save_connection, set_niche, topics_for

CRAFTS = ["resin art", "handmade decor", "slow crafting"]
DAYS = 8


def _rising(scenario: dict) -> tuple[str, str]:
    """The scenario's planted rising keywords: (on-niche craft one, off-niche one)."""
    crafts = [k["keyword"] for k in scenario["keywords"] if k.get("interest", "diy_and_crafts") == "diy_and_crafts"]
    others = [k["keyword"] for k in scenario["keywords"] if k.get("interest") not in (None, "diy_and_crafts")]
    return crafts[0], others[0]


def _crafter_niche(keyword: str) -> list[str]:
    """A crafts creator whose craft is the planted keyword's (found by the lexicon, not by name)."""
    from shared.engines.niche_lexicon import CONCEPTS
    from shared.engines.relevance import best_category

    return sorted({best_category(keyword, list(CONCEPTS)) or "crafts", "handmade decor", "slow crafting"})


def test_rising_niche_keyword_heats_up_over_simulated_days(stack, make_user, simulated_day, scenario):
    on_niche, off_niche = _rising(scenario)
    niche = _crafter_niche(on_niche)
    creator = make_user("crafter")
    set_niche(stack.database.url, creator.user_id, niche)
    interests = ["diy_and_crafts", "home_decor", "finance"]  # so the off-niche keyword is observed too
    bodies = []
    for offset in range(DAYS - 1, -1, -1):
        day = TODAY - dt.timedelta(days=offset)
        with simulated_day(day, trends=scenario, interests=interests) as (_, settings):
            bodies.append(run_detection(settings, now=noon(day)))
    last = bodies[-1]
    assert last["sources"]["pinterest_trends"]["status"] == "ok"
    assert last["sources"]["youtube_suggest"]["status"] == "ok"
    assert last["observations"] > 0 and last["trends_written"] > 0
    rows = topics_for(stack.database.url, niche)
    topics = [t["topic"] for t in rows]
    assert on_niche in topics[:3], topics[:10]
    assert off_niche not in topics[:10]
    hot = next(t for t in rows if t["topic"] == on_niche)
    assert hot["growth_rate"] > 0.2 and hot["relevance"] >= 0.8 and hot["category"]
    assert hot["search_volume_kind"] == "index" and 0 < hot["search_volume"] <= 100
    assert "pinterest_trends" in hot["sources"] and len(hot["series"]) == 30
    assert hot["expires_at"] > hot["detected_at"]


def test_failing_and_garbage_sources_are_skipped_and_reported(stack, make_user, simulated_day, scenario):
    creator = make_user("crafter")
    set_niche(stack.database.url, creator.user_id, CRAFTS)
    with simulated_day(TODAY, trends=scenario) as (sandbox, settings):
        sandbox.add_fault("5xx", host="api.pinterest.com", path="/v5/trends/keywords", status=503)
        sandbox.add_fault("malformed", host="suggestqueries.google.com", path="/complete/search")
        body = run_detection(settings, now=noon(TODAY))
    sources = body["sources"]
    assert sources["pinterest_trends"]["status"] == "failed" and sources["pinterest_trends"]["reason"]
    assert sources["pinterest_trends"]["observations"] == 0
    assert sources["youtube_suggest"]["status"] == "failed" and sources["youtube_suggest"]["reason"]
    assert sources["instagram_hashtag"]["status"] == "unavailable"
    assert "Facebook Login" in sources["instagram_hashtag"]["reason"]
    with psycopg.connect(stack.database.url) as conn:
        status, errors = conn.execute("select status, errors from job_runs where id = %s", (body["run_id"],)).fetchone()
    assert status == "partial" and set(errors) == {"pinterest_trends", "youtube_suggest"}


def test_one_failing_source_does_not_stop_the_others(stack, make_user, simulated_day, scenario):
    creator = make_user("crafter")
    set_niche(stack.database.url, creator.user_id, CRAFTS)
    with simulated_day(TODAY, trends=scenario) as (sandbox, settings):
        sandbox.add_fault("5xx", host="api.pinterest.com", path="/v5/trends/keywords", status=500)
        body = run_detection(settings, now=noon(TODAY))
    assert body["sources"]["pinterest_trends"]["status"] == "failed"
    assert body["sources"]["youtube_suggest"]["status"] == "ok"
    assert body["sources"]["youtube_suggest"]["observations"] > 0
    assert body["observations"] == body["sources"]["youtube_suggest"]["observations"]


@pytest.fixture()
def no_active_pinterest(stack):
    """Park every Pinterest connection (other tests share this database) and restore them afterwards."""
    with psycopg.connect(stack.database.url, autocommit=True) as conn:
        parked = [
            r[0]
            for r in conn.execute(
                "update platform_connections set status = 'revoked' where platform = 'pinterest'"
                " and status = 'active' returning id"
            )
        ]
    yield
    with psycopg.connect(stack.database.url, autocommit=True) as conn:
        conn.execute("update platform_connections set status = 'active' where id = any(%s)", (parked,))


def test_pinterest_without_any_token_is_unavailable(stack, make_user, simulated_day, scenario, no_active_pinterest):
    with simulated_day(TODAY, trends=scenario, connect=("youtube",)) as (_, settings):
        body = run_detection(settings, now=noon(TODAY))
    assert body["sources"]["pinterest_trends"] == {
        "status": "unavailable",
        "observations": 0,
        "reason": "no active Pinterest connection and no TRENDS_PINTEREST_TOKEN",
    }


def test_a_dead_pinterest_token_falls_back_to_another_creators_connection(
    stack, make_user, simulated_day, scenario, no_active_pinterest
):
    other = make_user("revoked")
    try:
        with simulated_day(TODAY, trends=scenario) as (sandbox, settings):
            minted = sandbox.mint_token("pinterest", creator=1)
            save_connection(stack.database.url, settings, other.user_id, "pinterest", minted)
            sandbox.revoke_token(token=minted["access_token"])
            with psycopg.connect(stack.database.url) as conn:  # the dead token is the freshest one
                conn.execute(
                    "update platform_connections set last_refreshed_at = now() + interval '1 hour' where user_id = %s",
                    (other.user_id,),
                )
            body = run_detection(settings, now=noon(TODAY))
    finally:
        with psycopg.connect(stack.database.url) as conn:
            conn.execute("delete from platform_connections where user_id = %s", (other.user_id,))
    report = body["sources"]["pinterest_trends"]
    assert report["status"] == "ok" and report["observations"] > 0, report
