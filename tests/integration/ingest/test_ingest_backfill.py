"""Backfill, incremental runs and paging against the sandbox's ground truth, per platform."""

from __future__ import annotations

import datetime as dt

import pytest
from ingest_support import connection, fetch, make_due, requests_to, table

from shared.db import service_transaction

# Requests of one platform in the sandbox's stats (endpoint templates start with the host).
HOSTS = {
    "instagram": "graph.instagram.com",
    "youtube": "googleapis.com",
    "pinterest": "api.pinterest.com",
    "tiktok": "open.tiktokapis.com",
}
CREATOR = {"instagram": 1, "youtube": 2, "pinterest": 3, "tiktok": 4}
NULL_POST_METRICS = {
    "tiktok": ("saves", "save_rate", "reach"),
    "youtube": ("saves", "save_rate", "reach"),
    "pinterest": ("shares", "share_rate", "reach"),
    "instagram": (),
}


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


@pytest.mark.parametrize("platform", ["instagram", "youtube", "pinterest", "tiktok"])
def test_backfill_then_incremental_matches_the_sandbox(platform, connected, clean_sandbox, settings):
    sandbox, creator = clean_sandbox, CREATOR[platform]
    user, ids = connected(creator, (platform,))
    before = requests_to(sandbox, HOSTS[platform])

    result = fetch(settings, user)

    assert result.status == "succeeded" and result.connections_done == 1, result
    backfill_requests = requests_to(sandbox, HOSTS[platform]) - before
    truth = {p["id"]: p for p in sandbox.posts(platform, creator)}
    posts = {p["platform_post_id"]: p for p in table("posts", user.user_id, platform)}
    assert set(posts) == set(truth)  # paged to the end: every post the sandbox has, once
    for metric in NULL_POST_METRICS[platform]:
        assert all(p[metric] is None for p in posts.values()), metric
    assert all(p["views"] is not None for p in posts.values())
    if platform == "tiktok":
        assert all(
            p["views"] == truth[pid]["views"] and p["shares"] == truth[pid]["shares"] for pid, p in posts.items()
        )

    snapshots = table("analytics_snapshots", user.user_id, platform)
    days = [s["snapshot_date"] for s in snapshots]
    assert len(days) == len(set(days)) and max(days) == _today()
    assert snapshots[-1]["followers"] is not None  # today's followers come from the profile
    if platform == "instagram":
        assert days == [_today() - dt.timedelta(days=729 - i) for i in range(730)]
    elif platform == "youtube":
        assert min(days) == _today() - dt.timedelta(days=729) and len(days) >= 720
    elif platform == "pinterest":
        assert min(days) >= _today() - dt.timedelta(days=89) and len(days) == 90
    else:
        assert days == [_today()]
    row = connection(ids[platform])
    assert row["backfilled_at"] is not None and row["last_fetch_error"] is None and row["lease_owner"] is None
    assert row["next_fetch_at"] > dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=20)

    # Incremental: corrupt every stored view count; only young posts are re-fetched and restored.
    backfilled_views = {pid: p["views"] for pid, p in posts.items()}
    with service_transaction() as conn:
        conn.execute("update posts set views = 1 where user_id = %s", (user.user_id,))
    make_due(ids[platform])
    before = requests_to(sandbox, HOSTS[platform])

    again = fetch(settings, user)

    assert again.status == "succeeded" and again.connections_done == 1
    incremental_requests = requests_to(sandbox, HOSTS[platform]) - before
    assert incremental_requests < backfill_requests
    after = {p["platform_post_id"]: p for p in table("posts", user.user_id, platform)}
    assert set(after) == set(truth)  # no duplicates, none lost
    young = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=29)
    assert all(p["views"] == backfilled_views[pid] for pid, p in after.items() if p["posted_at"] >= young)
    if platform != "tiktok" and len(after) > 100:
        assert any(p["views"] == 1 for p in after.values())  # old posts were not asked again
    assert len(table("analytics_snapshots", user.user_id, platform)) == len(snapshots)


def test_incremental_snapshots_ask_again_the_days_not_settled(connected, clean_sandbox, settings):
    from shared.services.fetch_connection import snapshot_windows

    today = _today()
    last = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(3), dt.timezone.utc)
    row = {"backfilled_at": last, "last_fetched_at": last}
    # Instagram settles within 48 h: at the last fetch (yesterday 03:00) the day three days back (ended 27 h
    # earlier) was still open, the one before it (ended 51 h earlier) final: today and three days back, not 4.
    assert snapshot_windows("instagram", row, today) == [(today - dt.timedelta(days=3), today)]
    assert snapshot_windows("youtube", row, today) == [(today - dt.timedelta(days=4), today)]
    assert snapshot_windows("tiktok", row, today) == [(today, today)]
    first = snapshot_windows("instagram", {"backfilled_at": None}, today)
    assert len(first) == 25 and first[0][0] == today - dt.timedelta(days=729) and first[-1][1] == today
    assert all((end - start).days < 30 for start, end in first)
    assert snapshot_windows("pinterest", {"backfilled_at": None}, today) == [(today - dt.timedelta(days=89), today)]
