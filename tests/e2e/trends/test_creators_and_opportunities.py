"""GET /api/creators/trending and /api/opportunities through the gateway, on hand-checkable fixtures."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from tests.e2e.trends.conftest import NOW, assert_pages_are_the_list, insert, trend


def _creator(
    url: str,
    handle: str,
    platform: str,
    niche: str,
    growth: float | None,
    followers: int,
    origin: str = "seed",
    via: str | None = None,
) -> str:
    from shared.engines.creators import trend_score

    gained, score = trend_score(growth, followers)
    return insert(
        url,
        "trending_creators",
        {
            "handle": handle,
            "platform": platform,
            "niche": niche,
            "growth_rate": growth,
            "followers": followers,
            "followers_gained": gained,
            "trend_score": score,
            "discovered_via": via,
            "format_description": "Mostly reels (80%), typically 15-30 s, about 3 posts a week",
            "origin": origin,
            "last_checked": NOW,
        },
    )


@pytest.fixture()
def creators(stack, niche):
    url, tok = stack.database.url, niche["token"]
    ids = {
        "fast": _creator(
            url,
            f"{tok}.fast",
            "instagram",
            tok,
            0.30,
            1200,
            "discovered",
            f"YouTube channel @{tok}big, which names this account",
        ),
        "big": _creator(url, f"@{tok}big", "youtube", tok, 0.08, 40_000, "discovered", f'YouTube search for "{tok}"'),
        "new": _creator(url, f"{tok}.new", "instagram", tok, None, 3000),
        "tiny": _creator(url, f"{tok}.tiny", "instagram", tok, 0.90, 600),  # under the floor
        "potter": _creator(url, f"{tok}.potter", "instagram", "pottery", 0.90, 9000),  # another niche
    }
    return {**niche, "ids": ids}


def test_trending_creators_rank_by_size_aware_growth_above_a_floor_and_say_why(get, creators):
    tok = creators["token"]
    body = get("creators/trending", creators["user"]).json()
    # +8 % of 40,000 outranks +30 % of 1,200: 0.08 x 40,000 / 45,000 = 7.1 % against 0.30 x 1,200 / 6,200 = 5.8 %
    assert [c["handle"] for c in body["items"]] == [f"@{tok}big", f"{tok}.fast", f"{tok}.new"]
    assert body["min_followers"] == 1000 and set(body["not_covered"]) == {"pinterest", "tiktok"}
    big, fast, new = body["items"]
    assert big["trend_score"] == pytest.approx(0.08 * 40_000 / 45_000) and big["followers_gained"] == 2963
    assert big["why_listed"] == (
        f"#1 of 2 by size-aware growth: +2,963 followers in 30 days (+8.0%) at 40,000; "
        f'posts about {tok}, like your "{tok}"; found via YouTube search for "{tok}".'
    )
    assert fast["platform"] == "instagram"
    assert fast["why_listed"].endswith(f"found via YouTube channel @{tok}big, which names this account.")
    assert new["trend_score"] is None and new["why_listed"].startswith("Listed for its niche; growth not known yet")
    assert new["why_listed"].endswith("on the tracked list.")
    assert fast["format_description"].startswith("Mostly reels") and fast["relevance"] == 1.0
    assert [c["handle"] for c in get("creators/trending", creators["user"], platform="youtube").json()["items"]] == [
        f"@{tok}big"
    ]
    assert len(get("creators/trending", creators["user"], limit="2").json()["items"]) == 2


def test_trending_creators_page_with_a_cursor_and_keep_their_rank(get, creators, make_user):
    assert_pages_are_the_list(
        get, "creators/trending", creators["user"], make_user("stranger"), "handle", {"platform": "instagram"}
    )
    second = get("creators/trending", creators["user"], limit="1").json()["next_cursor"]
    (fast,) = get("creators/trending", creators["user"], limit="1", cursor=second).json()["items"]
    assert fast["why_listed"].startswith("#2 of 2 by size-aware growth")


def test_opportunities_weigh_relevant_interest_against_fresh_content(stack, get, creators, make_user):
    url, key, user = stack.database.url, creators["key"], creators["user"]
    measured = (NOW - dt.timedelta(hours=6)).isoformat()
    insert(
        url,
        "trends",
        trend(
            key,
            "resin coasters",
            70,
            category="resin",
            relevance=1.0,
            interest_index=80.0,
            supply={"youtube": {"uploads_30d": 30, "channels": 4, "observed_at": measured}},
        ),
    )
    insert(
        url,
        "trends",
        trend(
            key, "crochet tote", 0, category="crochet", relevance=0.5, interest_index=40.0, sources=["youtube_suggest"]
        ),
    )
    insert(url, "trends", trend(key, "no index", 50, relevance=1.0))  # Pinterest never reported it: no demand
    recent = (NOW - dt.timedelta(days=3)).isoformat()
    insert(
        url,
        "creator_observations",
        {
            "creator_id": creators["ids"]["fast"],
            "observed_at": NOW,
            "followers": 1000,
            "recent_posts": [
                {"text": "pouring resin coasters", "likes": 40, "comments": 10, "views": 1000, "posted_at": recent},
                {"text": "resin coasters set of 4", "likes": 20, "comments": 0, "views": 1000, "posted_at": recent},
                {"text": "studio tour", "likes": 5, "comments": 0, "views": 100, "posted_at": recent},
            ],
        },
    )
    insert(
        url,
        "posts",
        {
            "user_id": user.user_id,
            "platform": "instagram",
            "platform_post_id": "tote",
            "type": "reel",
            "caption": "my crochet tote pattern tutorial",
            "likes": 10,
            "views": 100,
            "posted_at": NOW - dt.timedelta(days=10),
        },
    )
    finding = {"metric": "save_rate", "ci_high": 1.7}
    insert(
        url,
        "insights",
        {
            "user_id": user.user_id,
            "insight": "Overhead shots...",
            "impact": "high",
            "category": "camera_angle",
            "data_points": {**finding, "attribute": "camera_angle", "level": "overhead", "ratio": 1.5, "ci_low": 1.3},
        },
    )
    insert(
        url,
        "insights",
        {
            "user_id": user.user_id,
            "insight": "Tutorials...",
            "impact": "low",
            "category": "content_format",
            "data_points": {  # its interval holds 1
                **finding,
                "attribute": "content_format",
                "level": "tutorial",
                "ratio": 1.2,
                "ci_low": 0.9,
            },
        },
    )
    body = get("opportunities", user).json()
    assert body["status"] == "ok" and body["creator_strengths"] == {"camera_angle": "overhead"}
    assert [f["level"] for f in body["ideas_based_on"]] == ["overhead"]
    tote, coasters = body["items"]
    niche = (0.05 + 0.02 + 0.10) / 3  # every related post: the creator's two on coasters, her one on the tote
    # crochet tote: her post at 10 %, half relevant, interest 40; no search measured it, and the tracked
    # creators posted nothing on it: 0 posts a week as a lower bound.
    factor = math.sqrt((0.10 + 10 * niche) / 11 / niche)
    ratio = 0.5 * 40 * factor / (1 + 0)
    assert tote["topic"] == "crochet tote" and tote["demand"]["engagement_factor"] == pytest.approx(factor)
    assert tote["supply"]["basis"] == "tracked_creators_lower_bound" and tote["supply"]["youtube_uploads_30d"] is None
    assert (tote["supply"]["tracked_creators_active"], tote["supply"]["tracked_posts_30d"]) == (0, 0)
    assert tote["gap_ratio"] == pytest.approx(ratio) and tote["gap_score"] == pytest.approx(100 * ratio / (ratio + 10))
    # resin coasters: two creator posts at 5 % and 2 %, interest 80, 30 uploads in 30 days = 7 a week.
    factor = math.sqrt((2 * 0.035 + 10 * niche) / 12 / niche)
    assert coasters["demand"]["engagement_rate"] == pytest.approx(0.035)
    assert coasters["demand"]["demand_index"] == pytest.approx(80 * factor)
    assert coasters["supply"]["posts_per_week"] == 7.0 and coasters["supply"]["youtube_channels"] == 4
    assert coasters["supply"]["tracked_creators_active"] == 1 and coasters["supply"]["tracked_posts_30d"] == 2
    assert coasters["gap_ratio"] == pytest.approx(80 * factor / 8)
    assert coasters["ideas"][0] == "Timelapse: pour resin coasters start to finish in 30 s, shot overhead"
    assert get("opportunities", user, limit="1").json()["items"][0]["topic"] == "crochet tote"
    assert_pages_are_the_list(get, "opportunities", user, make_user("stranger"), "topic", None)


def test_a_topic_nothing_measured_has_an_unknown_gap_not_a_zero_supply(stack, get, niche):
    insert(stack.database.url, "trends", trend(niche["key"], "punch needle", 10, relevance=1.0, interest_index=30.0))
    (only,) = get("opportunities", niche["user"]).json()["items"]
    assert only["supply"]["posts_per_week"] is None and only["supply"]["basis"] is None
    assert only["gap_score"] is None and only["gap_ratio"] is None
