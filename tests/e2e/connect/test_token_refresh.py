"""The hourly refresh cron over real HTTP: what is due, Instagram's 24 h rule, rotation, refusals, races."""

from __future__ import annotations

import datetime as dt
import threading

import httpx
import pytest

from shared import clock
from shared.config import get_settings
from tests.e2e.connect.conftest import connection_row, stored_tokens, token_problem


def _run(stack) -> dict:
    response = httpx.post(f"{stack.base_url}/api/auth/refresh", headers=stack.cron_headers, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def _expire_soon(db, user_id: str, platform: str, minutes: int = 30) -> None:
    db.execute(
        "update platform_connections set token_expires_at = now() + %s where user_id = %s and platform = %s",
        (dt.timedelta(minutes=minutes), user_id, platform),
    )


def test_refresh_needs_the_cron_identity(stack, make_user):
    url = f"{stack.base_url}/api/auth/refresh"
    assert httpx.post(url).status_code == 401
    assert httpx.post(url, headers=make_user("cron").headers).status_code == 401
    assert httpx.post(url, headers={"X-Cron-Secret": "wrong"}).status_code == 401


def test_due_tokens_are_refreshed_and_rotating_refresh_tokens_replaced(stack, connector, sandbox, db, make_user):
    user = make_user("refresh")
    for platform in ("youtube", "pinterest", "tiktok"):
        connector.connect(user, platform, creator=3)
        _expire_soon(db, user.user_id, platform)
    before = {p: connection_row(db, user.user_id, p) for p in ("youtube", "pinterest", "tiktok")}
    old = {p: stored_tokens(row) for p, row in before.items()}

    started = clock.now()
    body = _run(stack)
    finished = clock.now()
    assert body["refreshed"] >= 3 and body["run_id"]

    for platform, lifetime_s in (("youtube", 3599), ("pinterest", 2592000), ("tiktok", 7200)):
        row = connection_row(db, user.user_id, platform)
        access, refresh = stored_tokens(row)
        assert row["status"] == "active" and row["last_refreshed_at"] > before[platform]["last_refreshed_at"]
        # The new expiry is the platform's lifetime counted from the moment of the refresh, within the run
        # (bounds taken around it: no assumption on how long the run takes; whole seconds either side).
        lifetime = dt.timedelta(seconds=lifetime_s)
        assert started + lifetime - dt.timedelta(seconds=1) <= row["token_expires_at"] <= finished + lifetime
        assert access != old[platform][0] and token_problem(sandbox, access) is None
        if platform == "youtube":
            assert refresh == old[platform][1]  # Google does not rotate
        else:
            assert refresh != old[platform][1] and token_problem(sandbox, refresh, "refresh") is None
            assert token_problem(sandbox, old[platform][1], "refresh") == "rotated"
    run = db.execute(
        "select status, stats, errors, finished_at from job_runs where id = %s", (body["run_id"],)
    ).fetchone()
    assert run["finished_at"] is not None and run["stats"]["refreshed"] == body["refreshed"]


def test_the_old_rotated_refresh_token_is_refused_by_the_platform(stack, connector, sandbox, db, make_user):
    import asyncio

    from shared.platforms import TokenRevoked, TokenSet, get_platform

    user = make_user("rotated")
    connector.connect(user, "tiktok", creator=4)
    _expire_soon(db, user.user_id, "tiktok")
    _, old_refresh = stored_tokens(connection_row(db, user.user_id, "tiktok"))
    _run(stack)
    tiktok = get_platform("tiktok")

    async def reuse() -> None:
        async with tiktok.open_client(get_settings()) as client:
            await tiktok.refresh(client, get_settings(), TokenSet(access_token="x", refresh_token=old_refresh))

    with pytest.raises(TokenRevoked):
        asyncio.run(reuse())


def test_instagram_tokens_younger_than_a_day_are_skipped_older_ones_refreshed(stack, connector, sandbox, db, make_user):
    from shared.vault import TokenVault

    young, old = make_user("ig-young"), make_user("ig-old")
    connector.connect(young, "instagram", creator=0)
    connector.connect(old, "instagram", creator=1)
    _expire_soon(db, young.user_id, "instagram", minutes=90)
    young_before = connection_row(db, young.user_id, "instagram")
    # A long-lived token obtained two days ago, expiring within the refresh lead (7 days).
    aged = sandbox.mint_token("instagram", creator=1, age_s=2 * 86400)["access_token"]
    blob = TokenVault.from_settings(get_settings()).encrypt(
        aged, user_id=old.user_id, platform="instagram", column="access_token"
    )
    db.execute(
        "update platform_connections set access_token = %s, last_refreshed_at = now() - interval '2 days',"
        " token_expires_at = now() + interval '3 days' where user_id = %s and platform = 'instagram'",
        (blob, old.user_id),
    )

    _run(stack)

    young_after = connection_row(db, young.user_id, "instagram")
    assert young_after["access_token"] == young_before["access_token"]
    assert young_after["token_expires_at"] == young_before["token_expires_at"]
    assert young_after["status"] == "active"
    refreshed = connection_row(db, old.user_id, "instagram")
    access, _ = stored_tokens(refreshed)
    assert access != aged and token_problem(sandbox, access) is None
    assert refreshed["token_expires_at"] - dt.datetime.now(dt.timezone.utc) > dt.timedelta(days=59)


def test_a_refused_refresh_marks_needs_reauth_and_the_run_goes_on(stack, connector, sandbox, db, make_user):
    user = make_user("refused")
    connector.connect(user, "tiktok", creator=5)
    connector.connect(user, "pinterest", creator=5)
    for platform in ("tiktok", "pinterest"):
        _expire_soon(db, user.user_id, platform)
    _, tiktok_refresh = stored_tokens(connection_row(db, user.user_id, "tiktok"))
    sandbox.revoke_token(token=tiktok_refresh)
    pinterest_before = connection_row(db, user.user_id, "pinterest")

    body = _run(stack)

    tiktok = connection_row(db, user.user_id, "tiktok")
    assert tiktok["status"] == "needs_reauth" and "token_revoked" in tiktok["status_reason"]
    assert body["needs_reauth"] >= 1 and body["errors"].get("token_revoked", 0) >= 1
    pinterest = connection_row(db, user.user_id, "pinterest")
    assert pinterest["status"] == "active" and pinterest["last_refreshed_at"] > pinterest_before["last_refreshed_at"]
    # needs_reauth connections are left alone by later runs.
    _run(stack)
    assert connection_row(db, user.user_id, "tiktok")["access_token"] == tiktok["access_token"]


def test_a_refresh_fault_at_the_token_endpoint_marks_needs_reauth(stack, connector, sandbox, db, make_user):
    user = make_user("refresh-fail")
    connector.connect(user, "pinterest", creator=2)
    _expire_soon(db, user.user_id, "pinterest", minutes=1)
    db.execute(
        "update platform_connections set token_expires_at = now() - interval '1 minute'"
        " where user_id = %s and platform = 'pinterest'",
        (user.user_id,),
    )
    # Expiring first in the run, this connection meets the one-shot fault.
    sandbox.add_fault(kind="refresh_fail", host="api.pinterest.com", path="/v5/oauth/token", count=1)
    _run(stack)
    assert connection_row(db, user.user_id, "pinterest")["status"] == "needs_reauth"


def test_transient_failures_are_counted_and_retried_next_run(stack, connector, sandbox, db, make_user):
    user = make_user("transient")
    connector.connect(user, "pinterest", creator=4)
    db.execute(
        "update platform_connections set token_expires_at = now() - interval '2 minutes'"
        " where user_id = %s and platform = 'pinterest'",
        (user.user_id,),
    )
    # One 5xx is asked again at once (the answer was lost, the platform may have refreshed): two fail the run.
    sandbox.add_fault(kind="5xx", host="api.pinterest.com", path="/v5/oauth/token", count=2, status=503)
    body = _run(stack)
    assert body["failed"] >= 1 and body["errors"].get("upstream", 0) >= 1
    row = connection_row(db, user.user_id, "pinterest")
    assert row["status"] == "active" and row["token_expires_at"] < dt.datetime.now(dt.timezone.utc)
    _run(stack)
    assert connection_row(db, user.user_id, "pinterest")["token_expires_at"] > dt.datetime.now(dt.timezone.utc)


def test_overlapping_runs_use_each_refresh_token_exactly_once(stack, connector, sandbox, db, make_user):
    from shared.services.token_refresh import refresh_due_tokens

    user = make_user("race")
    for creator, platform in enumerate(("pinterest", "tiktok", "youtube")):
        connector.connect(user, platform, creator=creator)
        _expire_soon(db, user.user_id, platform)
    old = {p: stored_tokens(connection_row(db, user.user_id, p))[1] for p in ("pinterest", "tiktok", "youtube")}
    # Slow token endpoints so the two runs overlap while each holds its row locks.
    sandbox.add_fault(kind="latency", host="*", path="token", latency_ms=150)
    started = db.execute("select now() as t").fetchone()["t"]
    double_use_before = sandbox.stats()["double_use_attempts"]
    results, barrier = [], threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(refresh_due_tokens(get_settings()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == 2
    assert sandbox.stats()["double_use_attempts"] == double_use_before
    refreshed_rows = db.execute(
        "select count(*) as n from platform_connections where last_refreshed_at >= %s", (started,)
    ).fetchone()["n"]
    assert sum(r.refreshed for r in results) == refreshed_rows  # no connection refreshed twice
    assert sum(r.failed + r.needs_reauth for r in results) == 0
    assert sum(r.skipped for r in results) >= 1  # the runs did meet: one found rows locked or already done
    for platform in ("pinterest", "tiktok"):
        _, new_refresh = stored_tokens(connection_row(db, user.user_id, platform))
        assert new_refresh != old[platform] and token_problem(sandbox, new_refresh, "refresh") is None
        assert token_problem(sandbox, old[platform], "refresh") == "rotated"


def test_refresh_connection_refreshes_one_connection_and_reports_what_happened(
    stack, connector, sandbox, db, make_user
):
    import asyncio

    import psycopg

    from shared.services.token_refresh import refresh_connection

    user = make_user("single")
    connector.connect(user, "tiktok", creator=1)
    connector.connect(user, "instagram", creator=1)
    tiktok = connection_row(db, user.user_id, "tiktok")
    settings = get_settings()

    outcome = asyncio.run(refresh_connection(str(tiktok["id"]), settings))
    assert outcome.status == "refreshed" and outcome.access_expires_at is not None
    assert stored_tokens(connection_row(db, user.user_id, "tiktok"))[1] != stored_tokens(tiktok)[1]

    with psycopg.connect(stack.database.url) as holder:  # another run holds the row lock
        holder.execute("select 1 from platform_connections where id = %s for update", (tiktok["id"],))
        assert asyncio.run(refresh_connection(str(tiktok["id"]), settings)).status == "busy"

    instagram = connection_row(db, user.user_id, "instagram")
    young = asyncio.run(refresh_connection(str(instagram["id"]), settings))
    assert (young.status, young.reason) == ("skipped", "instagram_token_too_young")

    sandbox.revoke_token(token=stored_tokens(connection_row(db, user.user_id, "tiktok"))[1])
    refused = asyncio.run(refresh_connection(str(tiktok["id"]), settings))
    assert (refused.status, refused.reason) == ("needs_reauth", "token_revoked")
    assert connection_row(db, user.user_id, "tiktok")["status"] == "needs_reauth"
