"""The oauth_states row lifecycle in real Postgres: issue, consume once, refuse, purge."""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.config import get_settings
from shared.services.oauth_state import StateRefused, binding_value, consume_state, issue_state, purge_states
from shared.vault import TokenVault

CALLBACK = "http://127.0.0.1/api/auth/callback"


@pytest.fixture()
def conn(stack):
    with psycopg.connect(stack.database.url, autocommit=True, row_factory=dict_row) as connection:
        yield connection


@pytest.fixture()
def vault(stack):
    return TokenVault.from_settings(get_settings())


def _consume(conn, value, user=None, **kw):
    """Consume as the callback does, in the browser of `user` (its binding cookie) when given."""
    if user is not None:
        kw.setdefault("binding", binding_value(get_settings(), user.user_id))
    return consume_state(conn, get_settings(), TokenVault.from_settings(get_settings()), value, **kw)


def test_a_state_is_consumed_once_and_returns_what_it_was_bound_to(conn, vault, make_user):
    user = make_user("state")
    issued = issue_state(
        conn,
        get_settings(),
        vault,
        user_id=user.user_id,
        platform="youtube",
        redirect_uri=CALLBACK,
        code_verifier="v" * 64,
    )
    verified = _consume(conn, issued.value, user)
    assert (verified.user_id, verified.platform, verified.redirect_uri, verified.code_verifier) == (
        user.user_id,
        "youtube",
        CALLBACK,
        "v" * 64,
    )
    row = conn.execute(
        "select used_at, code_verifier from oauth_states where nonce = %s", (issued.value.split(".")[0],)
    ).fetchone()
    assert row["used_at"] is not None and b"v" * 64 not in bytes(row["code_verifier"])
    with pytest.raises(StateRefused) as replay:
        _consume(conn, issued.value, user)
    assert (replay.value.reason, replay.value.platform) == ("state_replayed", "youtube")


def test_two_callbacks_racing_for_one_state_have_exactly_one_winner(stack, vault, make_user):
    user = make_user("race")
    with psycopg.connect(stack.database.url, autocommit=True, row_factory=dict_row) as setup:
        issued = issue_state(
            setup, get_settings(), vault, user_id=user.user_id, platform="tiktok", redirect_uri=CALLBACK
        )
    outcomes, barrier = [], threading.Barrier(8)

    def attempt() -> None:
        with psycopg.connect(stack.database.url, row_factory=dict_row) as conn:
            barrier.wait()
            try:
                _consume(conn, issued.value, user)
                outcomes.append("won")
            except StateRefused as refused:
                outcomes.append(refused.reason)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["state_replayed"] * 7 + ["won"]


def test_expired_and_cross_user_states_are_refused_and_spent(conn, vault, make_user):
    user, other = make_user("state"), make_user("other")
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=15)
    stale = issue_state(
        conn, get_settings(), vault, user_id=user.user_id, platform="pinterest", redirect_uri=CALLBACK, now=past
    )
    with pytest.raises(StateRefused, match="state_expired"):
        _consume(conn, stale.value, user)
    fresh = issue_state(conn, get_settings(), vault, user_id=user.user_id, platform="pinterest", redirect_uri=CALLBACK)
    with pytest.raises(StateRefused, match="wrong_user"):
        _consume(conn, fresh.value, user, caller_user_id=other.user_id)
    with pytest.raises(StateRefused, match="state_replayed"):
        _consume(conn, fresh.value, user, caller_user_id=user.user_id)


@pytest.mark.parametrize("browser, reason", [("other", "wrong_user"), ("forged", "wrong_user")])
def test_a_state_completed_in_a_browser_bound_to_another_user_is_refused_and_spent(
    conn, vault, make_user, browser, reason
):
    user, other = make_user("state"), make_user("other")
    issued = issue_state(conn, get_settings(), vault, user_id=user.user_id, platform="tiktok", redirect_uri=CALLBACK)
    genuine = binding_value(get_settings(), user.user_id)
    # Forged: the genuine value with its last character changed (to a different one: one in 64 ends in A).
    forged = genuine[:-1] + ("B" if genuine.endswith("A") else "A")
    binding = {"other": binding_value(get_settings(), other.user_id), "forged": forged}[browser]
    with pytest.raises(StateRefused, match=reason):
        _consume(conn, issued.value, binding=binding)
    with pytest.raises(StateRefused, match="state_replayed"):
        _consume(conn, issued.value, user)


def test_a_state_consumed_without_a_binding_cookie_is_spent_but_not_browser_bound(conn, vault, make_user):
    user = make_user("state")
    issued = issue_state(conn, get_settings(), vault, user_id=user.user_id, platform="tiktok", redirect_uri=CALLBACK)
    assert _consume(conn, issued.value).browser_bound is False
    with pytest.raises(StateRefused, match="state_replayed"):
        _consume(conn, issued.value, user)
    fresh = issue_state(conn, get_settings(), vault, user_id=user.user_id, platform="tiktok", redirect_uri=CALLBACK)
    assert _consume(conn, fresh.value, user).browser_bound is True


def test_old_states_are_purged_and_live_ones_kept(conn, vault, make_user):
    user = make_user("purge")
    ancient = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3)
    old = issue_state(
        conn, get_settings(), vault, user_id=user.user_id, platform="instagram", redirect_uri=CALLBACK, now=ancient
    )
    live = issue_state(conn, get_settings(), vault, user_id=user.user_id, platform="instagram", redirect_uri=CALLBACK)
    assert purge_states(conn) >= 1
    nonces = {
        r["nonce"]
        for r in conn.execute("select nonce from oauth_states where user_id = %s", (user.user_id,)).fetchall()
    }
    assert nonces == {live.value.split(".")[0]}
    assert old.value.split(".")[0] not in nonces
