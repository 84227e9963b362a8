"""Instagram raw pages → snapshots and posts, per the mapping in shared/platforms/instagram.py."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.platforms import instagram


@pytest.fixture
def pages(recorded):
    return recorded("instagram")


def test_daily_snapshot_maps_total_values_and_net_follows(pages):
    by_day = {s.snapshot_date: s for s in instagram.normalize_snapshots(pages)}
    may1 = by_day[dt.date(2026, 5, 1)]
    assert (may1.reach, may1.views, may1.engagements) == (1200, 5400, 180)
    assert may1.engagement_rate == pytest.approx(180 / 1200)
    assert (may1.likes, may1.comments, may1.saves, may1.shares) == (120, 14, 31, 15)
    assert may1.outbound_clicks == 7
    assert may1.follower_change == 23 - 5
    assert may1.followers is None  # no follower history on Instagram
    assert may1.profile_visits is None and may1.watch_time_hrs is None


def test_empty_insights_day_is_all_none_not_zero(pages):
    may2 = {s.snapshot_date: s for s in instagram.normalize_snapshots(pages)}[dt.date(2026, 5, 2)]
    assert may2.reach is None and may2.views is None and may2.engagement_rate is None
    assert may2.follower_change is None


def test_followers_belong_to_the_day_they_were_fetched(pages):
    may3 = {s.snapshot_date: s for s in instagram.normalize_snapshots(pages)}[dt.date(2026, 5, 3)]
    assert may3.followers == 2481


def test_reel_metrics_convert_milliseconds_and_percent(pages):
    reel = {p.platform_post_id: p for p in instagram.normalize_posts(pages)}["18000000000000001"]
    assert reel.type == "reel"
    assert reel.posted_at == dt.datetime(2026, 4, 28, 17, 2, 11, tzinfo=dt.timezone.utc)
    assert (reel.views, reel.reach, reel.likes, reel.comments, reel.saves, reel.shares) == (
        15230,
        9870,
        412,
        22,
        150,
        61,
    )
    assert reel.avg_watch_time_s == pytest.approx(8.45)
    assert reel.watch_time_hrs == pytest.approx(128_700_000 / 3_600_000)
    assert reel.skip_rate == pytest.approx(0.375)
    assert reel.duration_s is None and reel.completion_rate is None  # IG media have no duration
    assert reel.url == "https://www.instagram.com/reel/AbC123/"
    assert reel.raw_metrics["total_interactions"] == 645


def test_feed_image_has_no_reel_metrics(pages):
    image = {p.platform_post_id: p for p in instagram.normalize_posts(pages)}["18000000000000002"]
    assert image.type == "image"
    assert image.saves == 40 and image.reach == 1500
    assert image.avg_watch_time_s is None and image.watch_time_hrs is None and image.skip_rate is None


def test_carousel_with_partial_insights_keeps_unknowns_none(pages):
    carousel = {p.platform_post_id: p for p in instagram.normalize_posts(pages)}["18000000000000003"]
    assert carousel.type == "carousel"
    assert carousel.views == 800
    assert carousel.likes is None  # likes hidden and no insight: unknown, not 0
    assert carousel.comments == 3  # list count as fallback
    assert carousel.saves is None and carousel.reach is None
    assert carousel.caption is None


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"media_product_type": "REELS", "media_type": "VIDEO"}, "reel"),
        ({"media_product_type": "STORY", "media_type": "IMAGE"}, "story"),
        ({"media_product_type": "FEED", "media_type": "CAROUSEL_ALBUM"}, "carousel"),
        ({"media_product_type": "FEED", "media_type": "VIDEO"}, "video"),
        ({"media_product_type": "FEED", "media_type": "IMAGE"}, "image"),
        ({"media_type": "IMAGE"}, "image"),
    ],
)
def test_post_type_mapping(item, expected):
    assert instagram.post_type(item) == expected


def test_renormalizing_the_archive_is_deterministic(pages):
    assert instagram.normalize_posts(pages) == instagram.normalize_posts(list(pages))
    assert instagram.normalize_snapshots(pages) == instagram.normalize_snapshots(pages[::-1])
