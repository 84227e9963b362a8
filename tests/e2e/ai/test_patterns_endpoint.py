"""POST /api/ai/patterns through the local gateway over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.ai.conftest import as_user


def _post(stack, user, body=None, **kw) -> httpx.Response:
    return httpx.post(
        f"{stack.base_url}/api/ai/patterns",
        json=body if body is not None else {},
        headers=user.headers,
        timeout=120,
        **kw,
    )


def test_detection_writes_insights_she_can_read_and_nobody_else_can(stack, creator_with_history, make_user):
    response = _post(stack, creator_with_history, {"window_days": 730})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fdr"] == 0.05 and body["tested"] >= 15 and body["posts_analyzed"] > 1000
    assert len(body["coverage"]) == 20 and {c["verdict"] for c in body["coverage"]} >= {"found", "no_effect"}
    found = {
        (i["data_points"]["attribute"], i["data_points"]["level"], i["data_points"]["metric"])
        for i in body["insights"]
        if i["category"] != "pattern_coverage"
    }
    assert ("camera_angle", "overhead", "save_rate") in found
    assert ("audio_type", "trending_audio", "share_rate") in found
    assert body["virality_model"]["status"] == "ok" and body["virality_model"]["n_test"] > 100
    assert body["virality_model"]["earned"] and body["virality_model"]["auc"] > 0.6
    first = next(i for i in body["insights"] if i["category"] == "camera_angle")
    assert first["insight"].startswith("Overhead shots get") and first["impact"] in ("high", "medium", "low")
    # No level of an attribute is stated as the mirror image of another's effect.
    assert [i["data_points"]["level"] for i in body["insights"] if i["category"] == "camera_angle"] == ["overhead"]

    mine = as_user(stack.database.url, creator_with_history.user_id, "select id::text as id from insights")
    assert {r["id"] for r in mine} == {i["id"] for i in body["insights"]}
    model = as_user(stack.database.url, creator_with_history.user_id, "select report from virality_models")
    assert model[0]["report"]["brier"] == body["virality_model"]["brier"]
    other = make_user("other")
    assert as_user(stack.database.url, other.user_id, "select id from insights") == []
    assert as_user(stack.database.url, other.user_id, "select user_id from virality_models") == []
    assert as_user(stack.database.url, other.user_id, "select post_id from post_attributes") == []


def test_a_second_run_replaces_her_insights(stack, creator_with_history):
    first = _post(stack, creator_with_history).json()
    second = _post(stack, creator_with_history).json()
    rows = as_user(stack.database.url, creator_with_history.user_id, "select id::text as id from insights")
    assert {r["id"] for r in rows} == {i["id"] for i in second["insights"]}
    assert len(second["insights"]) == len(first["insights"])
    assert not {i["id"] for i in first["insights"]} & {r["id"] for r in rows}


def test_a_creator_without_posts_gets_an_honest_empty_answer(stack, make_user):
    user = make_user("empty")
    body = _post(stack, user).json()
    assert body["posts_analyzed"] == 0 and body["tested"] == 0
    assert [i["insight"] for i in body["insights"]] == [
        "Not enough data to judge anything on save rate yet: 0 posts with saves so far.",
        "Not enough data to judge anything on share rate yet: 0 posts with shares so far.",
    ]
    assert {c["verdict"] for c in body["coverage"]} == {"not_testable"}
    assert body["virality_model"]["status"] == "insufficient_history"
    assert body["virality_model"]["base_rate"] == 0.25


@pytest.mark.parametrize(
    "body",
    [
        {"window_days": 10},
        {"window_days": 1000},
        {"min_posts_per_level": 2},
        {"min_posts_per_level": "many"},
        {"fdr": 0.5},
        {"fdr": 0},
        {"surprise": 1},
    ],
)
def test_bad_bodies_are_a_400_problem(stack, make_user, body):
    response = _post(stack, make_user("bad"), body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_it_needs_a_signed_in_user(stack):
    assert httpx.post(f"{stack.base_url}/api/ai/patterns", json={}).status_code == 401
