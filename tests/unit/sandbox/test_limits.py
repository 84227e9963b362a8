"""The sandbox's accounting of the platforms' documented limits (scripts/sandbox/limits.py)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from scripts.sandbox.limits import LimitTracker, pinterest_category


class FakeWorld:
    today = dt.date(2026, 11, 25)


def tracker(now: list[float]) -> LimitTracker:
    limits = LimitTracker(FakeWorld(), clock=lambda: now[0])
    limits._impressions = {0: 2.0, 1: 2.0}  # a tiny account: 9,600 calls a day
    return limits


def token(creator: int) -> SimpleNamespace:
    return SimpleNamespace(creator=creator, client_id="sandbox-client")


def test_tiktok_allows_600_a_sliding_minute_per_endpoint_across_all_tokens():
    now = [100.0]
    limits = tracker(now)
    for i in range(600):
        now[0] += 0.05  # 30 s for 600 requests, spread over many creators
        assert limits.admit("open.tiktokapis.com", "/v2/video/list/", token(i)) is None
    assert limits.admit("open.tiktokapis.com", "/v2/user/info/", token(0)) is None  # another endpoint
    name, wait = limits.admit("open.tiktokapis.com", "/v2/video/list/", token(7))
    assert name == "tiktok_600_per_min/v2/video/list/" and 29 < wait < 31
    now[0] += 30.1  # the first requests have left the window
    assert limits.admit("open.tiktokapis.com", "/v2/video/list/", token(7)) is None
    assert limits.over_limit == {"tiktok_600_per_min/v2/video/list/": 1}


def test_pinterest_analytics_allows_60_a_minute_per_user():
    now = [0.0]
    limits = tracker(now)
    for _ in range(60):
        now[0] += 0.5
        assert limits.admit("api.pinterest.com", "/v5/pins/analytics", token(0)) is None
    assert (
        limits.admit("api.pinterest.com", "/v5/pins/analytics", token(0))[0]
        == "pinterest_org_analytics_per_min_per_user"
    )
    assert limits.admit("api.pinterest.com", "/v5/pins/analytics", token(1)) is None  # another user
    assert limits.admit("api.pinterest.com", "/v5/pins", token(0)) is None  # org_read has its own 1,000
    assert limits.admit("api.pinterest.com", "/v5/oauth/token", token(0)) is None


def test_youtube_data_units_are_a_daily_quota_per_app_and_analytics_is_only_counted():
    now = [0.0]
    limits = tracker(now)
    limits._daily[("yt-units", "sandbox-client", "2026-11-25")] = 9_999
    assert limits.admit("www.googleapis.com", "/youtube/v3/videos", token(0)) is None
    assert limits.admit("www.googleapis.com", "/youtube/v3/channels", token(3))[0] == "youtube_data_units_per_day"
    for _ in range(3):
        assert limits.admit("youtubeanalytics.googleapis.com", "/v2/reports", token(0)) is None
    assert limits.usage["youtube_analytics_requests"] == 3


def test_instagram_business_use_case_budget_is_4800_calls_per_impression_per_user():
    now = [0.0]
    limits = tracker(now)
    limits._events[("ig", 0)] = __import__("collections").deque([0.0] * 9_599)
    assert limits.admit("graph.instagram.com", "/v25.0/me", token(0)) is None
    assert limits.admit("graph.instagram.com", "/v25.0/me", token(0))[0] == "instagram_buc_24h_per_user"
    now[0] += 86_400.5
    assert limits.admit("graph.instagram.com", "/v25.0/me", token(0)) is None


def test_pinterest_categories_follow_the_path():
    assert pinterest_category("/v5/user_account") == "org_read"
    assert pinterest_category("/v5/user_account/analytics") == "org_analytics"
    assert pinterest_category("/v5/pins/123/analytics") == "org_analytics"
    assert pinterest_category("/v5/trends/keywords/US/top/growing") == "trends_read"
    assert pinterest_category("/v5/oauth/token") is None
