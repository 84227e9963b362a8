"""A kept code's row lifecycle in real Postgres: sealed under a handle, claimed once, by its user, in time."""

from __future__ import annotations

import datetime as dt
import threading

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.config import get_settings
from shared.services.oauth_completion import HANDLE_TTL, await_completion, claim_completion, handle_digest
from shared.services.oauth_state import StateRefused, consume_state, issue_state, purge_states
from shared.vault import TokenVault

CALLBACK = "http://127.0.0.1/api/auth/callback"
T0 = dt.datetime(2030, 6, 3, 9, 0, tzinfo=dt.timezone.utc)
CODE = "sandbox-code-" + "c" * 40


@pytest.fixture()
def conn(stack):
    with psycopg.connect(stack.database.url, autocommit=True, row_factory=dict_row) as connection:
        yield connection


@pytest.fixture()
def vault(stack):
    return TokenVault.from_settings(get_settings())


def _kept(conn, vault, user, platform: str = "youtube", verifier: str | None = "v" * 64) -> str:
    """A state issued and consumed at T0 in a browser without the cookie, its code kept: the handle."""
    issued = issue_state(
        conn,
        get_settings(),
        vault,
        user_id=user.user_id,
        platform=platform,
        redirect_uri=CALLBACK,
        code_verifier=verifier,
        now=T0,
    )
    state = consume_state(conn, get_settings(), vault, issued.value, now=T0)
    return await_completion(conn, vault, state, CODE)


def _row(conn, handle: str) -> dict:
    return conn.execute("select * from oauth_states where handle_digest = %s", (handle_digest(handle),)).fetchone()


def test_a_kept_code_is_sealed_and_claimed_once_with_its_verifier(conn, vault, make_user):
    user = make_user("kept")
    handle = _kept(conn, vault, user)
    row = _row(conn, handle)
    assert CODE.encode() not in bytes(row["authorization_code"]) and row["handle_expires_at"] == T0 + HANDLE_TTL
    pending = claim_completion(conn, vault, handle, caller_user_id=user.user_id, now=T0 + HANDLE_TTL / 2)
    assert (
        pending.code,
        pending.state.user_id,
        pending.state.platform,
        pending.state.redirect_uri,
        pending.state.code_verifier,
    ) == (CODE, user.user_id, "youtube", CALLBACK, "v" * 64)
    assert _row(conn, handle)["authorization_code"] is None
    with pytest.raises(StateRefused, match="state_replayed"):
        claim_completion(conn, vault, handle, caller_user_id=user.user_id, now=T0 + HANDLE_TTL / 2)


def test_a_handle_is_good_until_its_deadline_and_not_at_it(conn, vault, make_user):
    user = make_user("deadline")
    on_time = _kept(conn, vault, user)
    late = _kept(conn, vault, user)
    claim_completion(
        conn, vault, on_time, caller_user_id=user.user_id, now=T0 + HANDLE_TTL - dt.timedelta(microseconds=1)
    )
    with pytest.raises(StateRefused, match="state_expired"):
        claim_completion(conn, vault, late, caller_user_id=user.user_id, now=T0 + HANDLE_TTL)
    assert _row(conn, late)["authorization_code"] is None


def test_another_user_is_refused_and_the_code_discarded(conn, vault, make_user):
    user, other = make_user("owner"), make_user("other")
    handle = _kept(conn, vault, user, platform="pinterest", verifier=None)
    with pytest.raises(StateRefused) as refused:
        claim_completion(conn, vault, handle, caller_user_id=other.user_id, now=T0)
    assert (refused.value.reason, refused.value.platform) == ("wrong_user", "pinterest")
    assert _row(conn, handle)["authorization_code"] is None


@pytest.mark.parametrize("handle", [None, "", "x" * 42, "x" * 44, "é" * 43, "a" * 42 + "\x00", "A" * 43])
def test_malformed_and_unknown_handles_are_invalid(conn, vault, make_user, handle):
    with pytest.raises(StateRefused) as refused:
        claim_completion(conn, vault, handle, caller_user_id=make_user("x").user_id, now=T0)
    assert (refused.value.reason, refused.value.platform) == ("invalid_state", None)


def test_concurrent_claims_of_one_handle_have_exactly_one_winner(stack, vault, make_user):
    user = make_user("race")
    with psycopg.connect(stack.database.url, autocommit=True, row_factory=dict_row) as setup:
        handle = _kept(setup, vault, user)
    outcomes, barrier = [], threading.Barrier(8)

    def attempt() -> None:
        with psycopg.connect(stack.database.url, row_factory=dict_row) as conn:
            barrier.wait()
            try:
                claim_completion(conn, vault, handle, caller_user_id=user.user_id, now=T0)
                outcomes.append("won")
            except StateRefused as refused:
                outcomes.append(refused.reason)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["state_replayed"] * 7 + ["won"]


def test_purging_wipes_codes_whose_handle_expired_and_keeps_live_ones(conn, vault, make_user):
    user = make_user("purge")
    expired, live = _kept(conn, vault, user), _kept(conn, vault, user)
    conn.execute(
        "update oauth_states set handle_expires_at = %s where handle_digest = %s",
        (T0 + HANDLE_TTL * 3, handle_digest(live)),
    )
    purge_states(conn, now=T0 + HANDLE_TTL * 2)
    assert _row(conn, expired)["authorization_code"] is None
    assert _row(conn, live)["authorization_code"] is not None
