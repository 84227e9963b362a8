"""YouTube raw pages → snapshots and posts, per the mapping in shared/platforms/youtube.py."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.platforms import youtube


@pytest.fixture
def pages(recorded):
    return recorded("youtube")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("PT1M5S", 65.0),
        ("PT15S", 15.0),
        ("P0D", 0.0),
        ("PT12M5S", 725.0),
        ("PT1H", 3600.0),
        ("P1DT2H3M4S", 93784.0),
        ("PT0.5S", 0.5),
        ("", None),
        (None, None),
        ("1:05", None),
    ],
)
def test_iso8601_durations(value, seconds):
    assert youtube.parse_duration(value) == seconds


def test_daily_rows_map_by_column_name(pages):
    by_day = {s.snapshot_date: s for s in youtube.normalize_snapshots(pages)}
    apr29 = by_day[dt.date(2026, 4, 29)]
    assert apr29.views == 1234
    assert apr29.watch_time_hrs == pytest.approx(5678 / 60)
    assert apr29.engagements == 80 + 12 + 8
    assert apr29.engagement_rate == pytest.approx(100 / 1234)
    assert apr29.follower_change == 30 - 4
    assert apr29.reach is None and apr29.saves is None  # YouTube has neither


def test_zero_view_day_has_no_engagement_rate(pages):
    apr30 = {s.snapshot_date: s for s in youtube.normalize_snapshots(pages)}[dt.date(2026, 4, 30)]
    assert apr30.views == 0 and apr30.engagements == 0
    assert apr30.engagement_rate is None
    assert apr30.follower_change == -1


def test_report_without_rows_yields_no_days(pages):
    days = {s.snapshot_date for s in youtube.normalize_snapshots(pages)}
    assert dt.date(2026, 5, 1) not in days and dt.date(2026, 5, 2) not in days


def test_subscriber_count_string_lands_on_the_fetch_day(pages):
    may3 = {s.snapshot_date: s for s in youtube.normalize_snapshots(pages)}[dt.date(2026, 5, 3)]
    assert may3.followers == 12300


def test_short_combines_statistics_strings_with_analytics(pages):
    short = {p.platform_post_id: p for p in youtube.normalize_posts(pages)}["vidShort001"]
    assert short.type == "short"
    assert short.duration_s == 59.0
    assert (short.views, short.likes, short.comments) == (48211, 3120, 85)  # Data API strings → int
    assert short.shares == 410
    assert short.watch_time_hrs == pytest.approx(600.0)
    assert short.avg_watch_time_s == 45.0
    assert short.completion_rate == 1.0  # 112.4 % on a looping Short, capped
    assert short.raw_metrics["averageViewPercentage"] == 112.4
    assert short.retention_early == pytest.approx(0.84)
    assert short.saves is None and short.reach is None
    assert short.url == "https://www.youtube.com/shorts/vidShort001"
    assert short.thumbnail_url.endswith("hqdefault.jpg")


def test_long_video_with_hidden_likes_falls_back_to_analytics(pages):
    long = {p.platform_post_id: p for p in youtube.normalize_posts(pages)}["vidLong0002"]
    assert long.type == "video" and long.duration_s == 725.0
    assert long.likes == 350  # likeCount absent from statistics
    assert long.completion_rate == pytest.approx(0.248)
    assert long.retention_early is None
    assert long.caption is None  # empty description is unknown text, not ""
    assert long.url == "https://www.youtube.com/watch?v=vidLong0002"


def test_upcoming_live_has_unknown_duration_and_no_analytics(pages):
    live = {p.platform_post_id: p for p in youtube.normalize_posts(pages)}["vidLive0003"]
    assert live.duration_s is None and live.type == "video"
    assert live.views == 0  # the platform said 0
    assert live.shares is None and live.watch_time_hrs is None and live.completion_rate is None
