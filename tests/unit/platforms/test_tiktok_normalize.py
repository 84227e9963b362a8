"""TikTok raw pages → snapshots and posts, per the mapping in shared/platforms/tiktok.py."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.platforms import tiktok


@pytest.fixture
def pages(recorded):
    return recorded("tiktok")


def test_only_current_followers_exist(pages):
    [snapshot] = tiktok.normalize_snapshots(pages)
    assert snapshot.snapshot_date == dt.date(2026, 5, 3)
    assert snapshot.followers == 5120
    assert snapshot.views is None and snapshot.likes is None and snapshot.reach is None
    assert snapshot.follower_change is None and snapshot.engagement_rate is None


def test_videos_from_every_page_with_unknowns_none(pages):
    posts = {p.platform_post_id: p for p in tiktok.normalize_posts(pages)}
    assert set(posts) == {"7350000000000000001", "7350000000000000002"}
    first = posts["7350000000000000001"]
    assert first.type == "video"
    assert first.posted_at == dt.datetime.fromtimestamp(1777300000, dt.timezone.utc)
    assert first.duration_s == 23.0
    assert (first.views, first.likes, first.comments, first.shares) == (33100, 2900, 71, 130)
    assert first.saves is None and first.reach is None and first.watch_time_hrs is None
    assert first.avg_watch_time_s is None and first.completion_rate is None
    assert first.title is None and first.caption == "Speckled mug glaze reveal #pottery"
    assert posts["7350000000000000002"].shares == 0  # a real zero stays zero
