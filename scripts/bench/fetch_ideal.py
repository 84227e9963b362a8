"""The fetch benchmark's reference: the shortest time the platforms' documented limits allow.

Computed from the limits as docs/platform-apis.md states them (not from shared/platforms/quotas.py, the
code under test) and from what the sandbox counted per limit key. A sliding window of W requests per T
seconds lets the first W go at once, the next W one window later, and so on: the n-th request on a key
can start no earlier than floor((n - 1) / W) * T, and its answer comes one latency later. A daily quota
that the run would pass cannot be met within the day at all (reported as such).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# name of the sandbox's limit → (requests allowed, per seconds), from docs/platform-apis.md
DOCUMENTED = {
    "tiktok_600_per_min": (600, 60.0),  # §4.5, per endpoint, sliding minute
    "pinterest_100_per_s_per_user": (100, 1.0),  # §3.5, Standard access
    "pinterest_org_read_per_min_per_user": (1000, 60.0),
    "pinterest_org_analytics_per_min_per_user": (60, 60.0),
    "pinterest_trends_read_per_min_per_user": (60, 60.0),
}
# A daily run's account days: today, yesterday, and the two before (Meta's insights settle within 48 h).
ACCOUNT_DAYS = 4
DAILY = {"youtube_data_units_per_day": 10_000, "youtube_search_calls_per_day": 100}  # §2.5


@dataclass(frozen=True)
class Bound:
    """What one limit key allows: the earliest the last of its `requests` can be answered."""

    limit: str
    requests: int
    seconds: float


def window_bound(limit: str, requests: int, latency_s: float) -> Bound:
    allowed, per_s = next(v for k, v in DOCUMENTED.items() if limit.startswith(k))
    return Bound(limit, requests, math.floor(max(0, requests - 1) / allowed) * per_s + latency_s)


def ideal_seconds(
    busiest_key: dict[str, int],
    daily_used: dict[str, int],
    latency_s: float,
    requests: dict[str, int],
    in_flight: dict[str, int],
) -> tuple[float, list[Bound]]:
    """(ideal, bounds, largest first): every documented limit's bound on its busiest key, and per platform
    its requests x latency / the requests a run may have in flight (the platforms document no
    concurrency limit; the run's own allowance is a setting, PLATFORM_LIMITS_JSON)."""
    bounds = [
        window_bound(name, n, latency_s)
        for name, n in busiest_key.items()
        if any(name.startswith(k) for k in DOCUMENTED)
    ]
    for name, used in daily_used.items():
        if used > DAILY.get(name, math.inf):
            bounds.append(Bound(name, used, math.inf))
    for platform, n in requests.items():
        if n:
            bounds.append(Bound(f"{platform}_{in_flight[platform]}_in_flight", n, n * latency_s / in_flight[platform]))
    bounds.sort(key=lambda b: -b.seconds)
    return bounds[0].seconds, bounds


def minimum_requests(platform: str, posts: list[tuple[float, bool]], now: float, account_days: int) -> int:
    """The fewest requests a daily run of one connection needs, from the APIs' documented shapes: the
    profile, the listing pages that hold the posts of the last 30 days (their metrics still grow) plus the
    first older one (where paging stops), per-post calls where the API takes one post per call
    (Instagram media insights, YouTube retention curves), and the account days (Instagram's total_value
    insights answer one window per call; the others take a date range). `posts`: (posted at, is video)."""
    young = sum(1 for t, _ in posts if t >= now - 30 * 86_400)
    videos = sum(1 for t, video in posts if t >= now - 30 * 86_400 and video)

    def pages(size: int) -> int:
        return young // size + 1

    if platform == "instagram":  # /me, media pages of 50, one insights call per media, per day: metrics + follows
        return 1 + pages(50) + young + 2 * account_days
    if platform == "youtube":  # channels, playlist pages + videos.list per 50, daily and per-video reports, curves
        return 1 + pages(50) + max(1, math.ceil(young / 50)) + 2 + min(young, 25)
    if platform == "pinterest":  # account, its analytics, pins pages of 250, pin analytics per 100 of a kind
        return 2 + pages(250) + math.ceil(videos / 100) + math.ceil((young - videos) / 100)
    return 1 + pages(20)  # tiktok: user/info, video/list pages of 20 (stats come with the list)
