"""DELETE /api/auth/{platform}: revoke where the platform offers it, delete only the caller's row."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.connect.conftest import connection_row, stored_tokens, token_problem


def _delete(stack, user, platform: str) -> httpx.Response:
    return httpx.delete(f"{stack.base_url}/api/auth/{platform}", headers=user.headers, timeout=30)


@pytest.mark.parametrize(
    "platform, revocable", [("youtube", True), ("tiktok", True), ("instagram", False), ("pinterest", False)]
)
def test_disconnect_revokes_where_offered_and_deletes_only_the_callers_row(
    stack, connector, sandbox, db, make_user, platform, revocable
):
    user, neighbour = make_user("leaving"), make_user("staying")
    connector.connect(user, platform, creator=2)
    connector.connect(neighbour, platform, creator=2)
    access, refresh = stored_tokens(connection_row(db, user.user_id, platform))
    neighbour_row = connection_row(db, neighbour.user_id, platform)

    response = _delete(stack, user, platform)

    assert response.status_code == 200, response.text
    assert response.json() == {"platform": platform, "disconnected": True, "revoked": True if revocable else None}
    assert connection_row(db, user.user_id, platform) is None
    if revocable:
        assert token_problem(sandbox, access) == "revoked"
        if refresh:
            assert token_problem(sandbox, refresh, "refresh") == "revoked"
    else:
        assert token_problem(sandbox, access) is None  # nothing to call; the creator removes the app there
    assert connection_row(db, neighbour.user_id, platform) == neighbour_row
    assert token_problem(sandbox, stored_tokens(neighbour_row)[0]) is None


def test_a_revoked_token_is_refused_by_the_platform_api(stack, connector, sandbox, db, make_user):
    import asyncio

    from shared.config import get_settings
    from shared.platforms import TokenExpired, TokenRevoked, get_platform

    user = make_user("revoked")
    connector.connect(user, "youtube", creator=1)
    access, _ = stored_tokens(connection_row(db, user.user_id, "youtube"))
    assert _delete(stack, user, "youtube").status_code == 200
    youtube = get_platform("youtube")

    async def profile() -> None:
        async with youtube.open_client(get_settings()) as client:
            await youtube.fetch_profile(client, access)

    with pytest.raises((TokenExpired, TokenRevoked)):
        asyncio.run(profile())


def test_disconnect_succeeds_when_the_platform_revoke_fails(stack, connector, sandbox, db, make_user):
    user = make_user("revoke-fails")
    connector.connect(user, "tiktok", creator=3)
    sandbox.add_fault(kind="5xx", host="open.tiktokapis.com", path="/v2/oauth/revoke/", count=5, status=500)
    response = _delete(stack, user, "tiktok")
    assert response.status_code == 200 and response.json()["revoked"] is False
    assert connection_row(db, user.user_id, "tiktok") is None


def test_disconnecting_nothing_is_harmless_and_unknown_platforms_are_404(stack, make_user):
    user = make_user("nothing")
    response = _delete(stack, user, "pinterest")
    assert response.status_code == 200 and response.json()["disconnected"] is False
    assert _delete(stack, user, "myspace").status_code == 404
    assert httpx.delete(f"{stack.base_url}/api/auth/youtube").status_code == 401
