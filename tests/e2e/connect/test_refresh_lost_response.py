"""Refresh-token rotation with a lost response: the platform refreshed, its answer never arrived.

The sandbox answers as each platform does: Instagram's refreshed token leaves the old one valid and
Google never rotates, so asking again recovers without the creator noticing; Pinterest and TikTok retire
the refresh token they were sent, so the lost answer held the only live one and the connection says
exactly that, instead of being retried with a dead token run after run.
"""

from __future__ import annotations

import asyncio

import pytest

from shared.config import get_settings
from shared.vault import TokenVault
from tests.e2e.connect.conftest import connection_row, stored_tokens, token_problem

TOKEN_ENDPOINTS = {
    "instagram": ("graph.instagram.com", "refresh_access_token"),
    "youtube": ("oauth2.googleapis.com", "/token"),
    "pinterest": ("api.pinterest.com", "/v5/oauth/token"),
    "tiktok": ("open.tiktokapis.com", "/v2/oauth/token/"),
}


def _connected(connector, sandbox, db, user, platform: str) -> dict:
    connector.connect(user, platform, creator=4)
    if platform == "instagram":  # refreshable only when at least a day old
        aged = sandbox.mint_token("instagram", creator=4, age_s=2 * 86400)["access_token"]
        blob = TokenVault.from_settings(get_settings()).encrypt(
            aged, user_id=user.user_id, platform="instagram", column="access_token"
        )
        db.execute(
            "update platform_connections set access_token = %s, last_refreshed_at = now() - interval"
            " '2 days' where user_id = %s and platform = 'instagram'",
            (blob, user.user_id),
        )
    return connection_row(db, user.user_id, platform)


def _refresh(connection_id: str):
    from shared.services.token_refresh import refresh_connection

    return asyncio.run(refresh_connection(connection_id, get_settings()))


@pytest.mark.parametrize("platform", ["instagram", "youtube"])
def test_a_lost_refresh_response_is_recovered_where_the_platform_keeps_the_old_token(
    connector, sandbox, db, make_user, platform
):
    user = make_user("lost")
    before = _connected(connector, sandbox, db, user, platform)
    host, path = TOKEN_ENDPOINTS[platform]
    sandbox.add_fault(kind="truncated", host=host, path=path, count=1)

    outcome = _refresh(str(before["id"]))

    assert sandbox.stats()["fault_hits"].get("truncated", 0) >= 1
    assert (outcome.status, outcome.reason) == ("refreshed", "recovered_after_lost_response"), outcome
    after = connection_row(db, user.user_id, platform)
    access, _ = stored_tokens(after)
    assert after["status"] == "active" and after["status_reason"] is None
    assert access != stored_tokens(before)[0] and token_problem(sandbox, access) is None


@pytest.mark.parametrize("platform", ["pinterest", "tiktok"])
def test_a_lost_refresh_response_where_the_platform_retired_the_old_token_says_so(
    connector, sandbox, db, make_user, platform
):
    user = make_user("lost")
    before = _connected(connector, sandbox, db, user, platform)
    _, old_refresh = stored_tokens(before)
    host, path = TOKEN_ENDPOINTS[platform]
    sandbox.add_fault(kind="truncated", host=host, path=path, count=1)

    outcome = _refresh(str(before["id"]))

    assert (outcome.status, outcome.reason) == ("needs_reauth", "refresh_response_lost"), outcome
    after = connection_row(db, user.user_id, platform)
    assert after["status"] == "needs_reauth"
    assert after["status_reason"].startswith("refresh response lost: ") and "reconnect" in after["status_reason"]
    assert token_problem(sandbox, old_refresh, "refresh") == "rotated"  # the platform did rotate it
    # Marked once, not retried with the dead token: the next run leaves it alone.
    uses = sandbox.stats()["refresh_uses"]
    assert _refresh(str(before["id"])).status == "skipped" and sandbox.stats()["refresh_uses"] == uses


def test_a_lost_response_whose_retry_also_fails_is_reported_precisely_on_the_next_refusal(
    connector, sandbox, db, make_user
):
    user = make_user("lost")
    before = _connected(connector, sandbox, db, user, "tiktok")
    sandbox.add_fault(kind="truncated", host="open.tiktokapis.com", path="/v2/oauth/token/", count=1)
    sandbox.add_fault(kind="5xx", host="open.tiktokapis.com", path="/v2/oauth/token/", count=1)

    first = _refresh(str(before["id"]))
    assert (first.status, first.reason) == ("failed", "upstream")
    assert connection_row(db, user.user_id, "tiktok")["status_reason"].startswith("refresh response lost")

    second = _refresh(str(before["id"]))
    assert (second.status, second.reason) == ("needs_reauth", "refresh_response_lost")
