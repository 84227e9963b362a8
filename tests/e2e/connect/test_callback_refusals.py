"""Every way a callback can go wrong ends in a 302 to the frontend with a specific error, never a 500."""

from __future__ import annotations

import datetime as dt

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from shared.config import Settings, get_settings
from shared.services.oauth_state import issue_state, sign
from tests.e2e.connect.conftest import FRONTEND, PLATFORMS, connection_row, query_of


def _assert_clean(flow, code: str | None = None) -> None:
    """Our redirect names an error and a platform only: no code, state or token."""
    assert set(flow.outcome) <= {"error", "platform", "request_id"}
    if code:
        assert code not in flow.location
    assert "state=" not in flow.location and "code=" not in flow.location and "token" not in flow.location


def test_replayed_state_is_refused(connector, sandbox, make_user, db):
    user = make_user("replay")
    flow = connector.connect(user, "youtube")
    exchanges = sandbox.stats()["requests"].get("oauth2.googleapis.com/token", 0)
    replay = connector.callback(flow)
    assert replay.outcome == {"error": "state_replayed", "platform": "youtube"}
    _assert_clean(replay, query_of(flow.callback_url)["code"])
    assert sandbox.stats()["requests"].get("oauth2.googleapis.com/token", 0) == exchanges  # never re-exchanged
    assert connection_row(db, user.user_id, "youtube")["status"] == "active"


def test_expired_state_is_refused(stack, connector, make_user):
    user = make_user("expired")
    flow = connector.authorize(connector.start(user, "tiktok"))
    code = query_of(flow.callback_url)["code"]
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=11)
    with psycopg.connect(stack.database.url, row_factory=dict_row, autocommit=True) as conn:
        stale = issue_state(
            conn,
            get_settings(),
            None,
            user_id=user.user_id,
            platform="tiktok",
            redirect_uri=f"{stack.base_url}/api/auth/callback",
            now=past,
        )
    assert stale.expires_at < dt.datetime.now(dt.timezone.utc)
    url = f"{stack.base_url}/api/auth/callback?code={code}&state={stale.value}"
    refused = connector.callback(flow, url)
    assert refused.outcome == {"error": "state_expired", "platform": "tiktok"}
    _assert_clean(refused, code)


@pytest.mark.parametrize("tamper", ["signature", "nonce", "secret", "garbage", "missing"])
def test_forged_state_is_refused(stack, connector, make_user, tamper):
    user = make_user("forged")
    flow = connector.authorize(connector.start(user, "pinterest"))
    params = query_of(flow.callback_url)
    nonce, signature = params["state"].split(".")
    expires = dt.datetime.fromisoformat(flow.start["state_expires_at"])
    guessed = Settings(state_secret="guessed-" + "g" * 40)
    forged = {
        "signature": f"{nonce}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        "nonce": f"{'x' * 32}.{sign(get_settings(), 'x' * 32, user.user_id, 'pinterest', expires)}",
        "secret": f"{nonce}.{sign(guessed, nonce, user.user_id, 'pinterest', expires)}",
        "garbage": "not-a-state",
        "missing": None,
    }[tamper]
    url = f"{stack.base_url}/api/auth/callback?code={params['code']}" + (f"&state={forged}" if forged else "")
    refused = connector.callback(flow, url)
    assert refused.outcome == {"error": "invalid_state"}
    _assert_clean(refused, params["code"])
    # The real state was not burnt by the forgeries: the creator can still finish.
    assert connector.callback(flow).outcome == {"connected": "pinterest"}


def test_state_completed_by_another_signed_in_user_is_refused(connector, make_user, db):
    alice, mallory = make_user("alice"), make_user("mallory")
    flow = connector.authorize(connector.start(alice, "youtube"))
    refused = connector.callback(flow, headers=mallory.headers, cookies={})
    assert refused.outcome == {"error": "wrong_user", "platform": "youtube"}
    _assert_clean(refused, query_of(flow.callback_url)["code"])
    assert connection_row(db, alice.user_id, "youtube") is None
    assert connection_row(db, mallory.user_id, "youtube") is None


def test_state_completed_in_a_browser_bound_to_another_user_is_refused(connector, make_user, db):
    alice, mallory = make_user("alice"), make_user("mallory")
    flow = connector.authorize(connector.start(alice, "instagram"))
    mallorys_browser = connector.start(mallory, "instagram").cookies
    refused = connector.callback(flow, cookies=mallorys_browser)
    assert refused.outcome == {"error": "wrong_user", "platform": "instagram"}
    assert connection_row(db, alice.user_id, "instagram") is None


def test_a_consent_link_completed_without_the_starters_browser_cookie_is_never_linked(
    connector, sandbox, make_user, db
):
    """The attack of issue 14: Mallory starts a flow and sends its consent link to Alice; Alice's browser
    comes back without Mallory's binding cookie. The callback exchanges nothing and keeps the code for the
    flow's starter, behind a handle only Alice's browser was given; Alice's frontend, completing it as
    Alice, is refused and the code discarded. Nothing is linked, and Mallory's own connection stays."""
    alice, mallory = make_user("alice"), make_user("mallory")
    connector.connect(mallory, "pinterest", creator=1)
    before = connection_row(db, mallory.user_id, "pinterest")
    exchanges = sandbox.stats()["requests"].get("api.pinterest.com/v5/oauth/token", 0)
    link = connector.authorize(connector.start(mallory, "pinterest"), sandbox_creator="2")
    kept = connector.callback(link, cookies={})
    assert set(kept.outcome) == {"complete", "platform"}
    assert query_of(link.callback_url)["code"] not in kept.location
    handle = kept.handle
    refused = connector.complete(alice, handle)
    assert refused.status_code == 403 and refused.json()["code"] == "wrong_user"
    assert sandbox.stats()["requests"].get("api.pinterest.com/v5/oauth/token", 0) == exchanges
    after = connection_row(db, mallory.user_id, "pinterest")
    assert (after["platform_user_id"], after["access_token"]) == (before["platform_user_id"], before["access_token"])
    assert connection_row(db, alice.user_id, "pinterest") is None
    # All spent: Mallory can finish it neither in her own browser nor with the handle.
    assert connector.callback(link).outcome == {"error": "state_replayed", "platform": "pinterest"}
    assert connector.complete(mallory, handle).json()["code"] == "state_replayed"


@pytest.mark.parametrize("state", ["\x00", "a\x00b.c", "x" * 32 + ".\x00" + "y" * 42, "é" * 32 + "." + "y" * 43])
def test_a_state_with_a_nul_byte_or_foreign_characters_is_an_invalid_state(stack, state):
    response = httpx.get(
        f"{stack.base_url}/api/auth/callback", params={"state": state, "code": "c"}, follow_redirects=False
    )
    assert response.status_code == 302
    assert query_of(response.headers["location"]) == {"error": "invalid_state"}


def test_the_owners_own_bearer_and_cookie_are_accepted(connector, make_user):
    alice = make_user("alice")
    flow = connector.authorize(connector.start(alice, "tiktok"))
    assert connector.callback(flow, headers=alice.headers).outcome == {"connected": "tiktok"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_consent_denied_on_the_platform_is_reported(connector, make_user, db, platform):
    user = make_user("deny")
    flow = connector.authorize(connector.start(user, platform), sandbox_consent="deny")
    assert query_of(flow.callback_url)["error"] == "access_denied"
    refused = connector.callback(flow)
    assert refused.outcome == {"error": "consent_denied", "platform": platform}
    assert connection_row(db, user.user_id, platform) is None


@pytest.mark.parametrize(
    "platform, host, path, fault, expected",
    [
        ("youtube", "oauth2.googleapis.com", "/token", {"kind": "5xx", "status": 500}, "platform_unavailable"),
        (
            "tiktok",
            "open.tiktokapis.com",
            "/v2/oauth/token/",
            {"kind": "429", "retry_after": 30},
            "platform_unavailable",
        ),
        ("pinterest", "api.pinterest.com", "/v5/oauth/token", {"kind": "refresh_fail"}, "exchange_failed"),
        ("instagram", "api.instagram.com", "/oauth/access_token", {"kind": "malformed"}, "platform_unavailable"),
        ("tiktok", "open.tiktokapis.com", "/v2/oauth/token/", {"kind": "refresh_fail"}, "exchange_failed"),
    ],
)
def test_token_endpoint_failures_redirect_with_the_error_and_store_nothing(
    connector, sandbox, make_user, db, platform, host, path, fault, expected
):
    user = make_user("exchange")
    flow = connector.authorize(connector.start(user, platform))
    sandbox.add_fault(host=host, path=path, count=1, **fault)
    refused = connector.callback(flow)
    assert refused.outcome == {"error": expected, "platform": platform}
    _assert_clean(refused, query_of(flow.callback_url)["code"])
    assert connection_row(db, user.user_id, platform) is None


def test_a_code_from_another_platform_fails_the_exchange(stack, connector, make_user, db):
    user = make_user("mismatch")
    youtube = connector.start(user, "youtube")
    pinterest = connector.authorize(connector.start(user, "pinterest"))
    pinterest_code = query_of(pinterest.callback_url)["code"]
    youtube_state = query_of(youtube.start["authorize_url"])["state"]
    url = f"{stack.base_url}/api/auth/callback?code={pinterest_code}&state={youtube_state}"
    refused = connector.callback(youtube, url)
    assert refused.outcome == {"error": "exchange_failed", "platform": "youtube"}
    assert connection_row(db, user.user_id, "youtube") is None


def test_a_state_moved_to_another_platform_is_forged(connector, make_user, db):
    user = make_user("mismatch")
    flow = connector.authorize(connector.start(user, "youtube"))
    nonce = query_of(flow.callback_url)["state"].split(".")[0]
    db.execute("update oauth_states set platform = 'tiktok' where nonce = %s", (nonce,))
    assert connector.callback(flow).outcome == {"error": "invalid_state"}
    assert connection_row(db, user.user_id, "tiktok") is None


def test_callback_without_code_or_with_odd_parameters_never_fails_hard(stack, connector, make_user):
    user = make_user("odd")
    flow = connector.authorize(connector.start(user, "youtube"))
    state = query_of(flow.callback_url)["state"]
    base = f"{stack.base_url}/api/auth/callback"
    no_code = connector.callback(flow, f"{base}?state={state}&authuser=0&prompt=consent")
    assert no_code.outcome == {"error": "authorization_failed", "platform": "youtube"}
    for url in (
        f"{base}",
        f"{base}?state=a&state=b&code=c&code=d",
        f"{base}?state={'x' * 5000}",
        f"{base}?error=server_error",
    ):
        response = httpx.get(url, follow_redirects=False)
        assert response.status_code == 302 and response.headers["location"].startswith(FRONTEND)
        assert query_of(response.headers["location"])["error"] == "invalid_state"
