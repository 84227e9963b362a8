"""Every sandbox fault: the run completes, the faulty connection gets its verdict, the others are fetched."""

from __future__ import annotations

import datetime as dt

import pytest
from ingest_support import PLATFORMS, connection, fetch, table

from shared.db import service_transaction

CREATOR = 5


def _as_if_backfilled_yesterday(ids: dict[str, str]) -> None:
    """Incremental runs keep these tests fast; backfill is covered in test_ingest_backfill."""
    with service_transaction() as conn:
        conn.execute(
            "update platform_connections set backfilled_at = now() - interval '1 day',"
            " last_fetched_at = now() - interval '1 day' where id = any(%s::uuid[])",
            (list(ids.values()),),
        )


@pytest.fixture
def creator(connected):
    user, ids = connected(CREATOR)
    _as_if_backfilled_yesterday(ids)
    return user, ids


def _outcome(result, ids, faulty: str | None) -> dict[str, dict]:
    rows = {p: connection(cid) for p, cid in ids.items()}
    for platform, row in rows.items():
        assert row["lease_owner"] is None, platform  # every lease released
        if platform != faulty:
            assert row["last_fetch_error"] is None and row["status"] == "active", platform
    assert result.connections_leased == 4
    return rows


# (name, faulty platform, fault rule, expected error kind or None when retries absorb it)
TRANSIENT = [
    ("429_then_ok", "pinterest", {"kind": "429", "host": "api.pinterest.com", "count": 2}),
    ("429_retry_after_short", "tiktok", {"kind": "429", "host": "open.tiktokapis.com", "count": 2, "retry_after": 1}),
    (
        "instagram_code_4_then_ok",
        "instagram",
        {"kind": "429", "host": "graph.instagram.com", "count": 2, "status": 403},
    ),
    ("5xx_then_ok", "youtube", {"kind": "5xx", "host": "www.googleapis.com", "count": 2}),
    ("timeout_then_ok", "pinterest", {"kind": "timeout", "host": "api.pinterest.com", "count": 1, "latency_ms": 2500}),
    ("malformed_then_ok", "tiktok", {"kind": "malformed", "host": "open.tiktokapis.com", "count": 1}),
    ("truncated_then_ok", "instagram", {"kind": "truncated", "host": "graph.instagram.com", "count": 1}),
]


@pytest.mark.parametrize("name,platform,rule", TRANSIENT, ids=[t[0] for t in TRANSIENT])
def test_transient_faults_are_retried_within_the_run(name, platform, rule, creator, clean_sandbox, settings):
    user, ids = creator
    clean_sandbox.add_fault(**rule)
    hits_before = clean_sandbox.stats()["fault_hits"].get(rule["kind"], 0)

    result = fetch(settings, user)

    assert clean_sandbox.stats()["fault_hits"].get(rule["kind"], 0) > hits_before
    assert result.status == "succeeded" and result.connections_done == 4 and result.errors == {}, result
    _outcome(result, ids, None)
    assert table("posts", user.user_id, platform)


PERSISTENT = [
    (
        "429_long_retry_after",
        "youtube",
        {"kind": "429", "host": "www.googleapis.com", "retry_after": 7200},
        "rate_limited",
        "deferred",
    ),
    ("429_without_retry_after", "pinterest", {"kind": "429", "host": "api.pinterest.com"}, "rate_limited", "deferred"),
    (
        "instagram_code_4",
        "instagram",
        {"kind": "429", "host": "graph.instagram.com", "status": 403},
        "rate_limited",
        "deferred",
    ),
    (
        "youtube_quota",
        "youtube",
        {"kind": "429", "host": "youtubeanalytics.googleapis.com", "status": 403},
        "rate_limited",
        "deferred",
    ),
    ("5xx", "tiktok", {"kind": "5xx", "host": "open.tiktokapis.com"}, "upstream", "failed"),
    (
        "timeout",
        "pinterest",
        {"kind": "timeout", "host": "api.pinterest.com", "latency_ms": 2500},
        "upstream",
        "failed",
    ),
    ("malformed", "instagram", {"kind": "malformed", "host": "graph.instagram.com"}, "malformed", "failed"),
    ("truncated", "youtube", {"kind": "truncated", "host": "www.googleapis.com"}, "malformed", "failed"),
]


@pytest.mark.parametrize("name,platform,rule,kind,verdict", PERSISTENT, ids=[t[0] for t in PERSISTENT])
def test_persistent_faults_are_recorded_and_the_others_fetched(
    name, platform, rule, kind, verdict, creator, clean_sandbox, settings
):
    user, ids = creator
    clean_sandbox.add_fault(**rule)
    started = dt.datetime.now(dt.timezone.utc)

    result = fetch(settings, user)

    assert result.errors == {kind: 1}, result
    assert result.connections_done == 3
    assert getattr(result, f"connections_{verdict}") == 1
    assert result.status == ("partial" if verdict == "failed" else "succeeded")
    rows = _outcome(result, ids, platform)
    faulty = rows[platform]
    assert faulty["status"] == "active" and faulty["last_fetch_error"]
    assert faulty["next_fetch_at"] >= started + dt.timedelta(minutes=50)  # not retried by the next run at once
    if "retry_after" in rule:
        assert faulty["next_fetch_at"] >= started + dt.timedelta(seconds=rule["retry_after"] - 60)
    with service_transaction() as conn:
        run = conn.execute("select status, errors, stats from job_runs where id = %s", (result.run_id,)).fetchone()
    assert run["errors"] == {kind: 1} and run["stats"]["connections_done"] == 3


def _access_token(connection_id: str) -> str:
    from shared.config import get_settings
    from shared.services.connections import CONNECTION_COLUMNS, load_tokens
    from shared.vault import TokenVault

    with service_transaction() as conn:
        row = conn.execute(
            f"select {CONNECTION_COLUMNS} from platform_connections where id = %s", (connection_id,)
        ).fetchone()
    return load_tokens(TokenVault.from_settings(get_settings()), row).access_token.get_secret_value()


# YouTube is left out: the sandbox's admin-minted refresh tokens belong to client "sandbox-client", which
# Google-style refresh rightly refuses for our app's client id (unauthorized_client).
@pytest.mark.parametrize("platform", ["pinterest", "tiktok"])
def test_expired_token_is_refreshed_and_the_fetch_retried(platform, creator, clean_sandbox, settings):
    user, ids = creator
    clean_sandbox.expire_token(token=_access_token(ids[platform]))  # the refresh token stays valid
    refreshed_before = connection(ids[platform])["last_refreshed_at"]

    result = fetch(settings, user)

    assert result.status == "succeeded" and result.connections_done == 4 and result.errors == {}, result
    row = connection(ids[platform])
    assert row["last_refreshed_at"] > refreshed_before and row["status"] == "active"
    assert row["last_fetch_error"] is None


def test_expired_token_fault_once_is_refreshed(creator, clean_sandbox, settings):
    user, ids = creator
    clean_sandbox.add_fault(kind="expired_token", host="api.pinterest.com", count=1)

    result = fetch(settings, user)

    assert result.connections_done == 4 and result.errors == {}, result
    assert connection(ids["pinterest"])["last_refreshed_at"] > connection(ids["pinterest"])["connected_at"]


def test_revoked_token_needs_reauth_and_the_others_are_fetched(creator, clean_sandbox, settings):
    user, ids = creator
    clean_sandbox.revoke_token(platform="youtube", creator=CREATOR)

    result = fetch(settings, user)

    assert result.connections_needs_reauth == 1 and result.connections_done == 3, result
    assert set(result.errors) <= {"token_revoked", "token_expired"} and sum(result.errors.values()) == 1
    rows = _outcome(result, ids, "youtube")
    assert rows["youtube"]["status"] == "needs_reauth"
    # A connection that needs reauth is skipped until the creator reconnects.
    with service_transaction() as conn:
        conn.execute("update platform_connections set next_fetch_at = now() where id = %s", (ids["youtube"],))
    assert fetch(settings, user).connections_leased == 0


def test_refused_refresh_needs_reauth(creator, clean_sandbox, settings):
    user, ids = creator
    clean_sandbox.expire_token(platform="tiktok", creator=CREATOR)
    clean_sandbox.add_fault(kind="refresh_fail", host="open.tiktokapis.com")

    result = fetch(settings, user)

    assert result.connections_needs_reauth == 1 and result.connections_done == 3, result
    assert connection(ids["tiktok"])["status"] == "needs_reauth"
    assert all(connection(ids[p])["status"] == "active" for p in PLATFORMS if p != "tiktok")
