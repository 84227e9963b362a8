"""GET /api/trends/topics and /api/trends/keywords through the gateway over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.trends.conftest import NOW, assert_pages_are_the_list, assert_problem, execute, insert, trend

SERIES = [
    {"date": (NOW.date() - dt.timedelta(days=2 - i)).isoformat(), "value": v} for i, v in enumerate([40.0, None, 64.0])
]
VOLUMES = [
    {
        "source": "pinterest_trends",
        "kind": "relative_index",
        "value": 64.0,
        "unit": "Pinterest interest...",
        "observed_at": "2026-11-25T06:00:00+00:00",
    },
    {
        "source": "youtube_suggest",
        "kind": "rank",
        "value": 2.0,
        "unit": "position...",
        "observed_at": "2026-11-25T06:00:00+00:00",
    },
]


@pytest.fixture()
def topics(stack, niche):
    url, key = stack.database.url, niche["key"]
    insert(
        url,
        "trends",
        trend(
            key,
            "resin coasters",
            80,
            category="resin",
            growth_rate=0.9,
            growth_7d=0.5,
            growth_14d=0.8,
            growth_30d=1.5,
            relevance=1.0,
            recency=0.9,
            velocity_score=0.83,
            interest_index=64.0,
            volumes=VOLUMES,
            series=SERIES,
        ),
    )
    insert(
        url,
        "trends",
        trend(
            key,
            "crochet tote",
            50,
            category="crochet",
            growth_rate=0.3,
            growth_7d=0.2,
            growth_14d=0.9,
            sources=["youtube_suggest"],
            platform="youtube",
        ),
    )
    insert(
        url,
        "trends",
        trend(
            key,
            "resin tray",
            30,
            category="resin",
            growth_rate=-0.1,
            growth_7d=-0.1,
            growth_14d=1.0,
            sources=["pinterest_trends", "youtube_suggest"],
        ),
    )
    insert(url, "trends", trend(key, "flat felt", 0, growth_7d=0.0, growth_14d=0.0))  # no heat: not a topic
    insert(url, "trends", trend(key, "old news", 99, expires_at=NOW - dt.timedelta(minutes=1)))
    insert(url, "trends", trend(f"other-{key}", "not yours", 95))
    return niche


def test_topics_are_ranked_by_heat_with_every_score(get, topics):
    body = get("trends/topics", topics["user"]).json()
    assert body["status"] == "ok" and body["niche_keywords"] == [topics["token"]]
    assert [t["topic"] for t in body["items"]] == ["resin coasters", "crochet tote", "resin tray"]
    first = body["items"][0]
    assert first["heat_score"] == 80 and first["growth"] == {"d7": 0.5, "d14": 0.8, "d30": 1.5}
    assert (first["blended_growth"], first["relevance"], first["recency"], first["category"]) == (
        0.9,
        1.0,
        0.9,
        "resin",
    )
    assert first["interest_index"] == 64 and [v["kind"] for v in first["volumes"]] == ["relative_index", "rank"]
    assert first["sources"] == ["pinterest_trends"] and first["expires_at"] > first["detected_at"]
    assert body["items"][1]["interest_index"] is None and body["items"][1]["volumes"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "resin"}, ["resin coasters", "resin tray"]),
        ({"platform": "youtube"}, ["crochet tote", "resin tray"]),
        ({"platform": "tiktok"}, []),
        ({"limit": "1"}, ["resin coasters"]),
    ],
)
def test_topic_filters_and_limit(get, topics, params, expected):
    assert [t["topic"] for t in get("trends/topics", topics["user"], **params).json()["items"]] == expected


def test_niche_not_computed_yet_is_pending(stack, get, make_user):
    user = make_user("new")
    execute(
        stack.database.url, "update profiles set niche_keywords = %s where id = %s", (["Brand New Niche"], user.user_id)
    )
    body = get("trends/topics", user).json()
    assert body == {
        "status": "pending_first_run",
        "niche_keywords": ["brand new niche"],
        "computed_at": None,
        "items": [],
        "next_cursor": None,
    }
    assert get("trends/keywords", user).json()["status"] == "pending_first_run"


def test_rising_keywords_rank_by_the_growth_of_the_window_asked_with_labelled_volumes(get, topics):
    body = get("trends/keywords", topics["user"]).json()
    assert body["window"] == "7d" and [k["keyword"] for k in body["items"]] == ["resin coasters", "crochet tote"]
    first, second = body["items"]
    assert first["growth"] == {"d7": 0.5, "d14": 0.8, "d30": 1.5} and "growth_rate" not in first
    assert first["series"] == SERIES and first["series_kind"] == "interest_index"
    assert first["interest_index"] == 64 and first["volumes"][0]["kind"] == "relative_index"
    assert second["series_kind"] == "suggest_score" and second["interest_index"] is None
    body = get("trends/keywords", topics["user"], window="14d").json()
    assert [k["keyword"] for k in body["items"]] == ["resin tray", "crochet tote", "resin coasters"]
    body = get("trends/keywords", topics["user"], min_growth="0.5", limit="5").json()
    assert body["items"] == []  # more than +50 % over 7 days: none
    body = get("trends/keywords", topics["user"], min_growth="0.4").json()
    assert [k["keyword"] for k in body["items"]] == ["resin coasters"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("trends/topics", {"limit": "0"}),
        ("trends/topics", {"limit": "51"}),
        ("trends/topics", {"limit": "x"}),
        ("trends/topics", {"platform": "myspace"}),
        ("trends/topics", {"sort": "heat"}),
        ("trends/keywords", {"min_growth": "-1"}),
        ("trends/keywords", {"limit": "100"}),
        ("trends/keywords", {"window": "90d"}),
        ("creators/trending", {"platform": "vine"}),
        ("creators/trending", {"limit": "0"}),
        ("opportunities", {"limit": "31"}),
        ("opportunities", {"topic": "x"}),
    ],
)
def test_bad_parameters_are_a_400_problem(get, niche, path, params):
    problem = assert_problem(get(path, niche["user"], **params), 400)
    assert problem["detail"] and problem["request_id"]


@pytest.mark.parametrize("path", ["trends/topics", "trends/keywords", "creators/trending", "opportunities"])
def test_no_token_is_a_401(get, path):
    assert_problem(get(path), 401)


def test_cron_refuses_a_user_token_and_runs_with_the_cron_secret(stack, niche):
    import httpx

    url = f"{stack.base_url}/api/cron/detect-trends"
    assert_problem(httpx.post(url, headers=niche["user"].headers, timeout=30), 401)
    response = httpx.post(url, headers=stack.cron_headers, timeout=300)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["sources"]) == {"pinterest_trends", "youtube_suggest", "instagram_hashtag"}
    assert body["sources"]["instagram_hashtag"]["status"] == "unavailable"
    assert body["sources"]["youtube_suggest"]["status"] == "ok" and body["observations"] > 0
    assert body["niches"] >= 1 and body["duration_s"] > 0


def test_topics_and_keywords_page_with_a_cursor(get, topics, make_user):
    stranger = make_user("stranger")
    assert_pages_are_the_list(get, "trends/topics", topics["user"], stranger, "topic", {"category": "resin"})
    assert_pages_are_the_list(
        get, "trends/keywords", topics["user"], stranger, "keyword", {"window": "30d"}, window="14d"
    )
