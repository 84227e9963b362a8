"""The fetch benchmark's reference, on hand-computed numbers."""

from __future__ import annotations

import math

from scripts.bench.fetch_ideal import ideal_seconds, minimum_requests, window_bound


def test_a_sliding_minute_lets_600_go_at_once_and_the_next_600_a_minute_later():
    assert window_bound("tiktok_600_per_min/v2/video/list/", 600, 0.2).seconds == 0.2
    assert window_bound("tiktok_600_per_min/v2/video/list/", 601, 0.2).seconds == 60.2
    assert window_bound("tiktok_600_per_min/v2/video/list/", 1302, 0.2).seconds == 120.2


def test_the_ideal_is_the_largest_bound_and_a_spent_day_is_unreachable():
    ideal, bounds = ideal_seconds(
        {"tiktok_600_per_min/v2/user/info/": 1000},
        {},
        0.2,
        {"tiktok": 2000, "instagram": 800},
        {"tiktok": 8, "instagram": 8},
    )
    assert ideal == 60.2 and bounds[0].limit == "tiktok_600_per_min/v2/user/info/"
    assert [b.seconds for b in bounds[1:]] == [50.0, 20.0]  # 2000 x 0.2 / 8, 800 x 0.2 / 8
    spent, _ = ideal_seconds({}, {"youtube_data_units_per_day": 10_001}, 0.2, {}, {})
    assert math.isinf(spent)


def test_minimum_requests_follow_each_apis_shape():
    now, day = 100 * 86_400.0, 86_400.0
    posts = [(now - i * day, i % 2 == 0) for i in range(40)]  # one a day: 31 within 30 days, 16 videos
    assert minimum_requests("instagram", posts, now, 4) == 1 + 1 + 31 + 8
    assert minimum_requests("youtube", posts, now, 4) == 1 + 1 + 1 + 2 + 25
    assert minimum_requests("pinterest", posts, now, 4) == 2 + 1 + 1 + 1
    assert minimum_requests("tiktok", posts, now, 4) == 1 + 2
