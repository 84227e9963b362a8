"""GET /api/analytics/growth through the local gateway over real HTTP."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import jwt
import psycopg
import pytest

from scripts.localstack.identity import SigningKey, mint_token
from shared import clock


def _snapshots(url: str, user_id: str, platform: str, rows: list[tuple[str, int]]) -> None:
    with psycopg.connect(url) as conn:
        for day, followers in rows:
            conn.execute(
                "insert into analytics_snapshots (user_id, platform, snapshot_date, followers) values (%s, %s, %s, %s)",
                (user_id, platform, day, followers),
            )


@pytest.fixture()
def creator(stack, make_user):
    user = make_user("growth")
    _snapshots(
        stack.database.url,
        user.user_id,
        "instagram",
        [("2026-10-01", 1000), ("2026-10-02", 1010), ("2026-10-04", 1040), ("2026-10-05", 1050)],
    )
    _snapshots(stack.database.url, user.user_id, "tiktok", [("2026-10-03", 500), ("2026-10-05", 520)])
    return user


def _get(stack, headers, **params) -> httpx.Response:
    return httpx.get(f"{stack.base_url}/api/analytics/growth", params=params, headers=headers, timeout=10)


def test_daily_series_has_values_changes_and_explicit_gaps(stack, creator):
    response = _get(stack, creator.headers, **{"from": "2026-10-01", "to": "2026-10-05"})
    assert response.status_code == 200, response.text
    body = response.json()
    series = {s["platform"]: s for s in body["series"]}
    assert set(series) == {"instagram", "tiktok"}
    ig = series["instagram"]
    assert [p["followers"] for p in ig["points"]] == [1000, 1010, None, 1040, 1050]
    assert [p["change"] for p in ig["points"]] == [None, 10, None, 30, 10]
    assert ig["gaps"] == [{"start": "2026-10-03", "end": "2026-10-03"}]
    assert ig["total_change"] == 50
    assert series["tiktok"]["gaps"] == [
        {"start": "2026-10-01", "end": "2026-10-02"},
        {"start": "2026-10-04", "end": "2026-10-04"},
    ]


def test_weekly_interval_takes_the_last_snapshot_of_each_week(stack, creator):
    body = _get(
        stack,
        creator.headers,
        **{"from": "2026-09-28", "to": "2026-10-11", "interval": "week", "platform": "instagram"},
    ).json()
    (ig,) = body["series"]
    assert [(p["period_start"], p["followers"]) for p in ig["points"]] == [("2026-09-28", 1040), ("2026-10-05", 1050)]


def test_another_users_data_is_invisible(stack, creator, make_user):
    other = make_user("other")
    body = _get(stack, other.headers, **{"from": "2026-10-01", "to": "2026-10-05"}).json()
    assert body["series"] == []
    body = _get(stack, other.headers, **{"from": "2026-10-01", "to": "2026-10-05", "platform": "instagram"}).json()
    assert all(p["followers"] is None for p in body["series"][0]["points"])


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-10-05", "to": "2026-10-01"},
        {"from": "yesterday"},
        {"platform": "myspace"},
        {"interval": "hour"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"unknown": "1"},
    ],
)
def test_bad_parameters_are_a_400_problem(stack, creator, params):
    response = _get(stack, creator.headers, **params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["detail"] and problem["request_id"]


def test_bad_tokens_are_a_401(stack, creator):
    issuer = f"{stack.base_url}/auth/v1"
    expired = mint_token(
        stack.signing_key, user_id=creator.user_id, email=creator.email, issuer=issuer, now=time.time() - 7200
    )
    foreign_key = SigningKey.generate()
    foreign_key.kid = stack.signing_key.kid
    wrong_signature = mint_token(foreign_key, user_id=creator.user_id, email=creator.email, issuer=issuer)
    wrong_audience = mint_token(
        stack.signing_key, user_id=creator.user_id, email=creator.email, issuer=issuer, audience="someone-else"
    )
    anon_role = mint_token(stack.signing_key, user_id=creator.user_id, email=creator.email, issuer=issuer, role="anon")
    hs256_unconfigured = jwt.encode(
        {
            "sub": creator.user_id,
            "aud": "authenticated",
            "iss": issuer,
            "role": "authenticated",
            "exp": int(time.time()) + 600,
        },
        "g" * 40,
        algorithm="HS256",
    )
    for token in (expired, wrong_signature, wrong_audience, anon_role, hs256_unconfigured, "not-a-jwt"):
        response = _get(stack, {"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.headers["content-type"] == "application/problem+json"
        assert "Bearer" in response.headers["WWW-Authenticate"]
    assert _get(stack, {}).status_code == 401
    assert _get(stack, {"Authorization": creator.token}).status_code == 401


def test_cors_preflight_allows_only_the_frontend_origin(stack):
    url = f"{stack.base_url}/api/analytics/growth"
    ok = httpx.options(url, headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"})
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == "http://localhost:3000"
    other = httpx.options(url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in other.headers


def test_wrong_method_is_a_405_problem(stack, creator):
    response = httpx.post(f"{stack.base_url}/api/analytics/growth", headers=creator.headers)
    assert response.status_code == 405 and response.json()["status"] == 405


def test_default_range_is_the_last_90_days(stack, creator):
    with clock.frozen_at("2026-11-25T23:59:59Z"):
        body = _get(stack, creator.headers).json()
    today = dt.date(2026, 11, 25)
    assert body["to"] == today.isoformat()
    assert body["from"] == (today - dt.timedelta(days=89)).isoformat()
