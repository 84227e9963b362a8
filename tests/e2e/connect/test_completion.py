"""A callback without the starter's binding cookie keeps the code; POST /api/auth/complete finishes it.

What a frontend on another site than the API goes through (its browser never holds the cookie), over
real HTTP through the gateway and the sandbox: the handle works once, for the creator who started the
flow, within its five minutes; replayed, expired, forged and other users' handles are refused with the
callback's codes and messages, and a refused handle's code is gone.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading

import psycopg
import pytest

from shared import clock
from shared.models.auth import CALLBACK_MESSAGES
from shared.services.oauth_completion import HANDLE_TTL, handle_digest
from tests.e2e.connect.conftest import PLATFORMS, connection_row, query_of, stored_tokens, token_problem

TOKEN_ENDPOINTS = {
    "instagram": "api.instagram.com/oauth/access_token",
    "youtube": "oauth2.googleapis.com/token",
    "pinterest": "api.pinterest.com/v5/oauth/token",
    "tiktok": "open.tiktokapis.com/v2/oauth/token/",
}
T0 = dt.datetime(2030, 6, 3, 9, 0, tzinfo=dt.timezone.utc)


def _exchanges(sandbox, platform: str) -> int:
    return sandbox.stats()["requests"].get(TOKEN_ENDPOINTS[platform], 0)


def _kept(connector, user, platform: str, creator: int = 0):
    """Start as `user`, consent, and come back to the callback in a browser without the binding cookie."""
    flow = connector.callback(
        connector.authorize(connector.start(user, platform), sandbox_creator=str(creator)), cookies={}
    )
    assert set(flow.outcome) == {"complete", "platform"} and flow.outcome["platform"] == platform, flow.location
    return flow


def _state(db, flow) -> dict:
    nonce = query_of(flow.callback_url)["state"].split(".")[0]
    return db.execute("select * from oauth_states where nonce = %s", (nonce,)).fetchone()


def _refused(response, status: int, code: str, platform: str | None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], body["platform"], body["detail"]) == (code, platform, CALLBACK_MESSAGES[code])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_callback_keeps_the_code_and_the_starter_completes_it(connector, sandbox, make_user, db, platform):
    user = make_user(f"complete-{platform}")
    before = _exchanges(sandbox, platform)
    flow = _kept(connector, user, platform, creator=1)
    code = query_of(flow.callback_url)["code"]
    assert code not in flow.location and "state=" not in flow.location
    assert _exchanges(sandbox, platform) == before  # nothing exchanged as anyone yet
    assert connection_row(db, user.user_id, platform) is None

    kept = _state(db, flow)
    assert bytes(kept["handle_digest"]) == handle_digest(flow.handle) and flow.handle not in str(kept)
    assert code.encode() not in bytes(kept["authorization_code"])
    assert kept["handle_expires_at"] - kept["used_at"] == HANDLE_TTL

    done = connector.complete(user, flow.handle)
    assert done.status_code == 200, done.text
    assert done.json() == {"platform": platform, "connected": True}
    assert _exchanges(sandbox, platform) == before + 1
    row = connection_row(db, user.user_id, platform)
    assert row["status"] == "active"
    assert row["platform_user_id"] == str(sandbox.creators()[1]["user_ids"][platform])
    assert token_problem(sandbox, stored_tokens(row)[0]) is None  # exchanged with the state's PKCE verifier
    spent = _state(db, flow)
    assert spent["authorization_code"] is None and spent["claimed_at"] is not None


def test_a_replayed_handle_is_refused_and_never_re_exchanged(connector, sandbox, make_user, db):
    user = make_user("replay")
    flow = _kept(connector, user, "youtube")
    assert connector.complete(user, flow.handle).status_code == 200
    exchanges = _exchanges(sandbox, "youtube")
    _refused(connector.complete(user, flow.handle), 409, "state_replayed", "youtube")
    assert _exchanges(sandbox, "youtube") == exchanges
    assert connection_row(db, user.user_id, "youtube")["status"] == "active"


def test_a_handle_past_its_five_minutes_is_refused_and_its_code_discarded(connector, sandbox, make_user, db):
    user = make_user("late")
    with clock.frozen_at(T0):
        flow = _kept(connector, user, "tiktok")
    assert _state(db, flow)["handle_expires_at"] == T0 + HANDLE_TTL
    with clock.frozen_at(T0 + HANDLE_TTL):
        _refused(connector.complete(user, flow.handle), 409, "state_expired", "tiktok")
    assert _state(db, flow)["authorization_code"] is None
    _refused(connector.complete(user, flow.handle), 409, "state_replayed", "tiktok")
    assert connection_row(db, user.user_id, "tiktok") is None


@pytest.mark.parametrize("forgery", ["random", "one_char_off", "the_state", "the_digest", "short", "non_ascii"])
def test_forged_handles_are_refused_and_leave_the_real_one_usable(connector, make_user, db, forgery):
    user = make_user("forged")
    flow = _kept(connector, user, "pinterest")
    handle = flow.handle
    forged = {
        "random": secrets.token_urlsafe(32),
        "one_char_off": handle[:-1] + ("A" if handle[-1] != "A" else "B"),
        "the_state": query_of(flow.callback_url)["state"],
        "the_digest": handle_digest(handle).hex(),
        "short": handle[:20],
        "non_ascii": "é" * 43,
    }[forgery]
    _refused(connector.complete(user, forged), 404, "invalid_state", None)
    assert connector.complete(user, handle).status_code == 200


@pytest.mark.parametrize(
    "body", [{}, {"handle": ""}, {"handle": "x" * 129}, {"handle": 7}, {"handle": "h", "user_id": "someone"}]
)
def test_malformed_completion_bodies_are_a_400(connector, stack, make_user, body):
    import httpx

    user = make_user("malformed")
    response = httpx.post(f"{stack.base_url}/api/auth/complete", json=body, headers=user.headers)
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"


def test_another_users_completion_is_refused_and_the_code_discarded(connector, sandbox, make_user, db):
    alice, mallory = make_user("alice"), make_user("mallory")
    before = _exchanges(sandbox, "instagram")
    flow = _kept(connector, alice, "instagram")
    _refused(connector.complete(mallory, flow.handle), 403, "wrong_user", "instagram")
    assert _state(db, flow)["authorization_code"] is None
    # Discarded, not just refused: Alice cannot finish it after that either; start again.
    _refused(connector.complete(alice, flow.handle), 409, "state_replayed", "instagram")
    assert _exchanges(sandbox, "instagram") == before
    assert connection_row(db, alice.user_id, "instagram") is None
    assert connection_row(db, mallory.user_id, "instagram") is None


def test_a_completion_without_a_valid_token_is_a_401_and_spends_nothing(connector, stack, make_user, db):
    user = make_user("signin")
    flow = _kept(connector, user, "tiktok")
    assert connector.complete(None, flow.handle).status_code == 401
    forged = {"Authorization": "Bearer " + user.token[:-4] + "AAAA"}
    assert connector.complete(None, flow.handle, headers=forged).status_code == 401
    assert _state(db, flow)["authorization_code"] is not None
    assert connector.complete(user, flow.handle).status_code == 200


def test_concurrent_completions_of_one_handle_have_exactly_one_winner(connector, sandbox, make_user, db):
    user = make_user("race")
    flow = _kept(connector, user, "pinterest")
    statuses, barrier = [], threading.Barrier(6)

    def attempt() -> None:
        barrier.wait()
        statuses.append(connector.complete(user, flow.handle).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [409] * 5


@pytest.mark.parametrize(
    "fault, code",
    [({"kind": "refresh_fail"}, "exchange_failed"), ({"kind": "5xx", "status": 500}, "platform_unavailable")],
)
def test_a_platform_refusing_the_kept_code_is_a_502_with_the_reason(connector, sandbox, make_user, db, fault, code):
    user = make_user("exchange")
    flow = _kept(connector, user, "youtube")
    sandbox.add_fault(host="oauth2.googleapis.com", path="/token", count=1, **fault)
    _refused(connector.complete(user, flow.handle), 502, code, "youtube")
    assert connection_row(db, user.user_id, "youtube") is None
    _refused(connector.complete(user, flow.handle), 409, "state_replayed", "youtube")  # one attempt per code


def test_a_same_site_browser_with_the_cookie_is_still_completed_by_the_callback(connector, sandbox, make_user, db):
    user = make_user("samesite")
    flow = connector.connect(user, "tiktok")  # the start response's cookie comes back
    assert flow.outcome == {"connected": "tiktok"}
    kept = _state(db, flow)
    assert kept["handle_digest"] is None and kept["authorization_code"] is None


def test_the_authenticated_role_cannot_read_kept_codes(stack, connector, make_user):
    user = make_user("rls")
    _kept(connector, user, "pinterest")
    claims = f'{{"sub": "{user.user_id}", "role": "authenticated"}}'
    for column in ("authorization_code", "handle_digest", "nonce"):
        with psycopg.connect(stack.database.url) as conn:
            conn.execute(
                "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
                (claims,),
            )
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select {column} from oauth_states")
