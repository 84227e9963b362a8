"""Pinterest raw pages → snapshots and posts, per the mapping in shared/platforms/pinterest.py."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.platforms import pinterest


@pytest.fixture
def pages(recorded):
    return recorded("pinterest")


def test_ready_days_map_impressions_saves_and_clicks(pages):
    by_day = {s.snapshot_date: s for s in pinterest.normalize_snapshots(pages)}
    apr30 = by_day[dt.date(2026, 4, 30)]
    assert (apr30.views, apr30.saves, apr30.outbound_clicks, apr30.engagements) == (2400, 40, 12, 120)
    assert apr30.engagement_rate == pytest.approx(120 / 2400)
    assert apr30.reach is None and apr30.shares is None and apr30.follower_change is None
    may1 = by_day[dt.date(2026, 5, 1)]
    assert may1.outbound_clicks is None  # not in that day's metrics: unknown
    assert may1.profile_visits == 9


def test_processing_days_are_not_trusted(pages):
    by_day = {s.snapshot_date: s for s in pinterest.normalize_snapshots(pages)}
    assert dt.date(2026, 5, 2) not in by_day
    assert by_day[dt.date(2026, 5, 3)].followers == 3920


def test_video_pin_converts_ms_and_computes_completion(pages):
    video = {p.platform_post_id: p for p in pinterest.normalize_posts(pages)}["1055599000000001"]
    assert video.type == "video"
    assert video.duration_s == 15.5
    assert video.views == 5200 and video.saves == 64 and video.pin_clicks == 85 and video.outbound_clicks == 25
    assert video.comments == 3 and video.likes == 12  # lifetime_metrics win over the list's counts
    assert video.completion_rate == pytest.approx(420 / 1680)
    assert video.avg_watch_time_s == pytest.approx(2.50775)
    assert video.watch_time_hrs == pytest.approx(2.0)
    assert video.shares is None and video.reach is None
    assert video.thumbnail_url == "https://i.pinimg.com/videos/thumb.jpg"
    assert video.posted_at == dt.datetime(2026, 4, 27, 14, tzinfo=dt.timezone.utc)


def test_batch_analytics_keyed_by_pin_id(pages):
    image = {p.platform_post_id: p for p in pinterest.normalize_posts(pages)}["1055599000000002"]
    assert image.type == "pin"
    assert (image.views, image.saves, image.pin_clicks, image.outbound_clicks) == (900, 12, 30, 4)
    assert image.comments is None and image.completion_rate is None and image.duration_s is None
    assert image.caption is None
    assert image.thumbnail_url == "https://i.pinimg.com/600x/a.jpg"


def test_old_pins_keep_lifetime_list_metrics(pages):
    posts = {p.platform_post_id: p for p in pinterest.normalize_posts(pages)}
    idea = posts["1055599000000003"]
    assert idea.type == "idea_pin"
    assert (idea.views, idea.saves, idea.pin_clicks, idea.outbound_clicks, idea.likes, idea.comments) == (
        12000,
        310,
        400,
        15,
        40,
        5,
    )
    carousel = posts["1055599000000004"]
    assert carousel.type == "carousel"
    assert carousel.views is None and carousel.title is None
