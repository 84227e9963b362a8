"""GET /api/analytics/best-times through the local gateway."""

from __future__ import annotations

import httpx
import pytest


def _get(stack, user, **params) -> httpx.Response:
    return httpx.get(f"{stack.base_url}/api/analytics/best-times", params=params, headers=user.headers, timeout=60)


def test_every_platform_gets_a_week_of_windows_with_intervals_and_her_habit(stack, creator_with_history):
    response = _get(stack, creator_with_history)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] == "Europe/London" and body["blocks"]["evening"] == "18-22"
    assert [p["platform"] for p in body["platforms"]] == ["instagram", "pinterest", "tiktok", "youtube"]
    for platform in body["platforms"]:
        assert platform["status"] == "ok" and platform["n_posts"] > 100
        assert len(platform["windows"]) == 35 and len(platform["weekdays"]) == 7 and len(platform["blocks"]) == 5
        ratios = [w["ratio"] for w in platform["best"]]
        assert ratios == sorted(ratios, reverse=True) and len(ratios) == 3
        assert all(w["ci_low"] < w["ratio"] < w["ci_high"] for w in platform["windows"] if w["ratio"] is not None)
        habit = platform["versus_habit"]
        assert habit["ci_low"] < habit["ratio"] < habit["ci_high"] and habit["habit_posts"] > 0


def test_one_platform_only_and_nobody_elses_posts(stack, creator_with_history, make_user):
    body = _get(stack, creator_with_history, platform="tiktok").json()
    assert [p["platform"] for p in body["platforms"]] == ["tiktok"]
    assert _get(stack, make_user("no-posts")).json()["platforms"] == []


@pytest.mark.parametrize("params", [{"platform": "myspace"}, {"surprise": "1"}])
def test_bad_parameters_are_a_400_problem(stack, make_user, params):
    response = _get(stack, make_user("bad"), **params)
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"


def test_it_needs_a_signed_in_user(stack):
    assert httpx.get(f"{stack.base_url}/api/analytics/best-times").status_code == 401
