"""POST /api/ai/recommend through the local gateway.

Offline rules, Claude through a local Messages API replay server, idempotency and the daily quota.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from shared import clock
from tests.e2e.ai.conftest import as_user, service_rows
from tests.integration.llm.conftest import RecordedAnthropic

API_KEY = "sk-ant-api03-local-replay-not-a-real-key"


@pytest.fixture()
def anthropic_api(settings_env) -> Iterator[RecordedAnthropic]:
    """A Messages API stand-in; the gateway's provider reaches it through ANTHROPIC_BASE_URL."""
    with RecordedAnthropic() as server:
        settings_env(ANTHROPIC_API_KEY=API_KEY, ANTHROPIC_BASE_URL=server.url, LLM_TIMEOUT_S="2")
        yield server


@pytest.fixture()
def creator(stack, creator_with_history):
    """Her history plus a niche and two live trends for it."""
    from shared.services.niche import niche_key

    keywords = ["eco resin", "handmade decor"]
    with psycopg.connect(stack.database.url) as conn:
        conn.execute("update profiles set niche_keywords = %s where id = %s", (keywords, creator_with_history.user_id))
        for topic, heat in (("resin coasters", 91.0), ("pressed flower resin", 74.0)):
            conn.execute(
                "insert into trends (niche_key, topic, heat_score, growth_rate, expires_at)"
                " values (%s, %s, %s, 0.4, now() + interval '1 day') on conflict (niche_key, topic)"
                " do update set heat_score = excluded.heat_score, expires_at = excluded.expires_at",
                (niche_key(keywords), topic, heat),
            )
    return creator_with_history


def _post(stack, user, body=None, key: str | None = None) -> httpx.Response:
    headers = dict(user.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return httpx.post(
        f"{stack.base_url}/api/ai/recommend", json=body if body is not None else {}, headers=headers, timeout=60
    )


def _requests(stack, user) -> list[dict]:
    return service_rows(
        stack.database.url,
        "select id::text as id, status, provider, offline, error"
        " from recommendation_requests where user_id = %s order by created_at",
        (user.user_id,),
    )


def _stored(stack, user) -> list[dict]:
    return service_rows(
        stack.database.url,
        "select id::text as id, request_id::text as request_id, rank,"
        " virality_score from content_recommendations where user_id = %s order by rank",
        (user.user_id,),
    )


def test_offline_briefs_are_ranked_scored_and_stored(stack, creator, settings_env):
    response = _post(stack, creator, key=f"k-{uuid.uuid4()}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "offline-rules" and body["offline"] is True and body["replayed"] is False
    recs = body["recommendations"]
    assert [r["rank"] for r in recs] == [1, 2, 3]
    scores = [r["virality_score"] for r in recs]
    assert all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    details = recs[0]["score_details"]
    assert details["probability"] == scores[0] and details["model_status"] == "ok" and details["earned"]
    assert details["brier"] < details["brier_base_rate"] and details["n_test"] > 100 and details["skill_ci"][0] > 0
    low, high = details["probability_ci"]
    assert low < scores[0] < high
    assert details["statement"].startswith(f"{scores[0]:.0%} (95% CI {low:.0%}–{high:.0%}) chance of reaching")
    assert "camera_angle=" + recs[0]["attributes"]["camera_angle"] in details["levels_used"]
    assert {r["trend_topic"] for r in recs} <= {"resin coasters", "pressed flower resin"}
    assert all(len(r["shot_list"]) >= 3 and r["hashtags"] and r["hook"] for r in recs)
    # Each brief's tags start with its own topic's; her best tags follow.
    assert [r["hashtags"][0] for r in recs] == ["#" + r["trend_topic"].replace(" ", "") for r in recs]
    assert len({tuple(r["hashtags"]) for r in recs}) > 1
    stored = _stored(stack, creator)
    assert [(s["id"], s["rank"]) for s in stored] == [(r["id"], r["rank"]) for r in recs]
    assert {s["request_id"] for s in stored} == {body["request_id"]}
    assert _requests(stack, creator)[0]["status"] == "succeeded"
    visible = as_user(stack.database.url, creator.user_id, "select count(*) as n from content_recommendations")
    assert visible[0]["n"] == 3


def test_the_same_key_replays_the_stored_briefs(stack, creator, settings_env):
    key = f"replay-{uuid.uuid4()}"
    first = _post(stack, creator, {"count": 2, "idempotency_key": key}).json()
    again = _post(stack, creator, {"count": 2}, key=key)
    assert again.status_code == 200
    replay = again.json()
    assert replay["replayed"] is True and replay["request_id"] == first["request_id"]
    assert [r["id"] for r in replay["recommendations"]] == [r["id"] for r in first["recommendations"]]
    assert replay["generated_at"] == first["generated_at"]
    assert len(_requests(stack, creator)) == 1 and len(_stored(stack, creator)) == 2


def test_a_key_reused_for_another_body_is_a_409(stack, creator, settings_env):
    key = f"reuse-{uuid.uuid4()}"
    assert _post(stack, creator, {"count": 1}, key=key).status_code == 200
    response = _post(stack, creator, {"count": 2}, key=key)
    assert response.status_code == 409 and response.json()["status"] == 409


def test_a_platform_choice_holds_for_every_brief(stack, creator, settings_env):
    body = _post(stack, creator, {"count": 4, "platform": "tiktok"}).json()
    assert [r["platform"] for r in body["recommendations"]] == ["tiktok"] * 4


def test_a_creator_without_a_model_gets_one_fitted_and_stored(stack, creator, settings_env):
    assert (
        service_rows(stack.database.url, "select 1 from virality_models where user_id = %s", (creator.user_id,)) == []
    )
    body = _post(stack, creator, {"count": 1}).json()
    assert body["recommendations"][0]["score_details"]["model_status"] == "ok"
    assert (
        len(service_rows(stack.database.url, "select 1 from virality_models where user_id = %s", (creator.user_id,)))
        == 1
    )


@pytest.mark.parametrize(
    "body,key",
    [
        ({"count": 0}, None),
        ({"count": 11}, None),
        ({"platform": "myspace"}, None),
        ({"surprise": True}, None),
        ({"idempotency_key": "short"}, None),
        ({}, "short"),
        ({"idempotency_key": "key-aaaaaaaa"}, "key-bbbbbbbb"),
    ],
)
def test_bad_requests_are_a_400_problem(stack, make_user, settings_env, body, key):
    user = make_user("bad")
    response = _post(stack, user, body, key=key)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _requests(stack, user) == []


def test_claude_concepts_are_scored_and_stored(stack, creator, anthropic_api):
    anthropic_api.script(anthropic_api.recorded("concepts_valid.json"))
    response = _post(stack, creator, {"count": 2}, key=f"claude-{uuid.uuid4()}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "anthropic" and body["offline"] is False
    assert sorted(r["platform"] for r in body["recommendations"]) == ["instagram", "youtube"]
    assert all(0 <= r["virality_score"] <= 1 for r in body["recommendations"])
    sent = anthropic_api.requests[0]["body"]["messages"][0]["content"]
    assert "resin coasters" in sent and "eco resin" in sent
    assert [r["status"] for r in _requests(stack, creator)] == ["succeeded"]


def test_an_overloaded_model_is_a_503_with_retry_after_and_writes_nothing(stack, creator, anthropic_api):
    key = f"overload-{uuid.uuid4()}"
    overloaded = anthropic_api.recorded("overloaded_529.json", status=529, headers={"retry-after": "3"})
    anthropic_api.script(overloaded)
    response = _post(stack, creator, {"count": 2}, key=key)
    assert response.status_code == 503 and response.headers["Retry-After"] == "3"
    assert _stored(stack, creator) == []
    assert [r["status"] for r in _requests(stack, creator)] == ["failed"]
    # The same key works once the model is back.
    anthropic_api.script(anthropic_api.recorded("concepts_valid.json"))
    retry = _post(stack, creator, {"count": 2}, key=key)
    assert retry.status_code == 200 and retry.json()["replayed"] is False
    assert len(_stored(stack, creator)) == 2
    assert [r["status"] for r in _requests(stack, creator)] == ["succeeded"]


def test_a_model_timeout_is_a_503_with_retry_after_and_writes_nothing(stack, creator, anthropic_api):
    anthropic_api.script(anthropic_api.recorded("concepts_valid.json", delay_s=5))
    response = _post(stack, creator, {"count": 2}, key=f"slow-{uuid.uuid4()}")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert _stored(stack, creator) == []
    assert [r["status"] for r in _requests(stack, creator)] == ["failed"]


def test_the_daily_quota_is_a_429_until_midnight_utc(stack, creator, anthropic_api, settings_env):
    settings_env(LLM_DAILY_QUOTA="1")
    anthropic_api.script(anthropic_api.recorded("concepts_valid.json"))
    assert _post(stack, creator, {"count": 2}, key=f"q1-{uuid.uuid4()}").status_code == 200
    refused = _post(stack, creator, {"count": 2}, key=f"q2-{uuid.uuid4()}")
    assert refused.status_code == 429 and refused.json()["status"] == 429
    # The system clock is frozen for this creator's world, so the wait until midnight UTC is exact.
    now = clock.now()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    assert int(refused.headers["Retry-After"]) == math.ceil((midnight - now).total_seconds())
    assert len(anthropic_api.requests) == 1 and len(_requests(stack, creator)) == 1


def test_offline_generations_do_not_count_against_the_quota(stack, creator, settings_env):
    settings_env(LLM_DAILY_QUOTA="0")
    for _ in range(2):
        assert _post(stack, creator, {"count": 1}).status_code == 200


def test_a_concurrent_duplicate_is_a_409_until_the_first_finishes(stack, creator, anthropic_api):
    key = f"twin-{uuid.uuid4()}"
    anthropic_api.script(anthropic_api.recorded("concepts_valid.json", delay_s=1.0))
    first: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: first.append(_post(stack, creator, {"count": 2}, key=key)))
    worker.start()
    while not anthropic_api.requests:  # the first request is now generating
        threading.Event().wait(0.02)
    twin = _post(stack, creator, {"count": 2}, key=key)
    worker.join()
    assert twin.status_code == 409 and twin.headers["Retry-After"] == "5"
    assert first[0].status_code == 200
    replay = _post(stack, creator, {"count": 2}, key=key).json()
    assert replay["replayed"] is True and replay["request_id"] == first[0].json()["request_id"]
    assert len(anthropic_api.requests) == 1


def test_a_creator_without_history_gets_base_rate_scores(stack, make_user, settings_env):
    user = make_user("newcomer")
    response = _post(stack, user, {"count": 2})
    assert response.status_code == 200, response.text
    recs = response.json()["recommendations"]
    assert [r["virality_score"] for r in recs] == [None, None]
    assert {r["score_details"]["model_status"] for r in recs} == {"insufficient_history"}
    assert all(r["score_details"]["statement"].startswith("Not enough history yet") for r in recs)
    assert all(r["score_details"]["levels_used"] == [] for r in recs)
