"""Every fault kind is observable, and bad tokens fail in each platform's own envelope."""

from __future__ import annotations

import json
import time

import httpx
import pytest


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(autouse=True)
def _no_faults(sandbox):
    sandbox.clear_faults()
    yield
    sandbox.clear_faults()


def _ig_me(sandbox, http, token):
    return http.get(sandbox.url("graph.instagram.com", "/v25.0/me"), params={"fields": "id", "access_token": token})


def test_instagram_throttling_uses_graph_error_codes_not_429(sandbox, http):
    token = sandbox.mint_token("instagram")["access_token"]
    sandbox.add_fault(kind="429", host="graph.instagram.com", path="/me", count=1)
    throttled = _ig_me(sandbox, http, token)
    assert throttled.status_code in (400, 403) and throttled.json()["error"]["code"] == 4
    assert throttled.json()["error"]["is_transient"] is True
    assert _ig_me(sandbox, http, token).status_code == 200  # count ran out


def test_pinterest_429_carries_retry_after(sandbox, http):
    token = sandbox.mint_token("pinterest")["access_token"]
    sandbox.add_fault(kind="429", host="api.pinterest.com", path="user_account", count=1, retry_after=3)
    resp = http.get(sandbox.url("api.pinterest.com", "/v5/user_account"), headers=_bearer(token))
    assert resp.status_code == 429 and resp.headers["retry-after"] == "3" and set(resp.json()) == {"code", "message"}


def test_5xx_malformed_and_truncated_bodies(sandbox, http):
    token = sandbox.mint_token("tiktok")["access_token"]
    url = sandbox.url("open.tiktokapis.com", "/v2/user/info/")
    params = {"fields": "open_id,follower_count"}
    sandbox.add_fault(kind="5xx", host="open.tiktokapis.com", status=502, count=1)
    failed = http.get(url, params=params, headers=_bearer(token))
    assert failed.status_code == 502 and failed.json()["error"]["code"] == "internal_error"
    sandbox.add_fault(kind="malformed", host="open.tiktokapis.com", count=1)
    html = http.get(url, params=params, headers=_bearer(token))
    assert html.status_code == 200 and html.text.startswith("<!DOCTYPE html>")
    sandbox.add_fault(kind="truncated", host="open.tiktokapis.com", count=1)
    cut = http.get(url, params=params, headers=_bearer(token))
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)
    assert http.get(url, params=params, headers=_bearer(token)).json()["error"]["code"] == "ok"


def test_latency_and_timeout_faults_hold_the_request(sandbox, http):
    token = sandbox.mint_token("youtube")["access_token"]
    url = sandbox.url("www.googleapis.com", "/youtube/v3/channels")
    sandbox.add_fault(kind="latency", host="www.googleapis.com", latency_ms=300, count=1)
    start = time.perf_counter()
    assert http.get(url, params={"part": "id", "mine": "true"}, headers=_bearer(token)).status_code == 200
    assert time.perf_counter() - start >= 0.3
    sandbox.add_fault(kind="timeout", host="www.googleapis.com", latency_ms=3000, count=1)
    with pytest.raises(httpx.ReadTimeout):
        http.get(url, params={"part": "id", "mine": "true"}, headers=_bearer(token), timeout=0.5)


def test_token_faults_and_refresh_fail(sandbox, http):
    minted = sandbox.mint_token("youtube")
    sandbox.add_fault(kind="expired_token", host="www.googleapis.com", count=1)
    resp = http.get(
        sandbox.url("www.googleapis.com", "/youtube/v3/channels"),
        params={"part": "id", "mine": "true"},
        headers=_bearer(minted["access_token"]),
    )
    assert resp.status_code == 401
    sandbox.add_fault(kind="refresh_fail", host="oauth2.googleapis.com", count=1)
    refresh = http.post(
        sandbox.url("oauth2.googleapis.com", "/token"),
        data={"grant_type": "refresh_token", "refresh_token": minted["refresh_token"], "client_id": "sandbox-client"},
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"
    ok = http.post(
        sandbox.url("oauth2.googleapis.com", "/token"),
        data={"grant_type": "refresh_token", "refresh_token": minted["refresh_token"], "client_id": "sandbox-client"},
    )
    assert ok.status_code == 200
    assert sandbox.stats()["fault_hits"]["refresh_fail"] >= 1


def test_expired_and_revoked_tokens_fail_in_each_platforms_envelope(sandbox, http):
    ig = sandbox.mint_token("instagram")["access_token"]
    sandbox.expire_token(token=ig)
    err = _ig_me(sandbox, http, ig).json()["error"]
    assert (err["code"], err["error_subcode"], err["type"]) == (190, 463, "OAuthException")
    ig2 = sandbox.mint_token("instagram")["access_token"]
    sandbox.revoke_token(token=ig2)
    assert _ig_me(sandbox, http, ig2).json()["error"]["error_subcode"] == 460

    yt = sandbox.mint_token("youtube")["access_token"]
    sandbox.expire_token(token=yt)
    resp = http.get(
        sandbox.url("www.googleapis.com", "/youtube/v3/channels"),
        params={"part": "id", "mine": "true"},
        headers=_bearer(yt),
    )
    assert resp.status_code == 401 and resp.json()["error"]["code"] == 401

    pin = sandbox.mint_token("pinterest")["access_token"]
    sandbox.revoke_token(token=pin)
    resp = http.get(sandbox.url("api.pinterest.com", "/v5/user_account"), headers=_bearer(pin))
    assert resp.status_code == 401 and resp.json() == {"code": 2, "message": "Authentication failed."}

    tt = sandbox.mint_token("tiktok")["access_token"]
    sandbox.expire_token(token=tt)
    resp = http.get(
        sandbox.url("open.tiktokapis.com", "/v2/user/info/"), params={"fields": "open_id"}, headers=_bearer(tt)
    )
    body = resp.json()
    assert resp.status_code == 401 and body["data"] == {} and body["error"]["code"] == "access_token_invalid"


def test_stats_count_requests_per_endpoint(sandbox, http):
    token = sandbox.mint_token("pinterest")["access_token"]
    before = sandbox.stats()["requests"].get("api.pinterest.com/v5/user_account", 0)
    http.get(sandbox.url("api.pinterest.com", "/v5/user_account"), headers=_bearer(token))
    assert sandbox.stats()["requests"]["api.pinterest.com/v5/user_account"] == before + 1
