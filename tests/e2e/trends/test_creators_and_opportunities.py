"""GET /api/creators/trending and /api/opportunities through the gateway, on hand-checkable fixtures."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from tests.e2e.trends.conftest import NOW, insert, trend


def _creator(url: str, handle: str, platform: str, niche: str, growth: float | None, followers: int) -> str:
    return insert(url, "trending_creators", {
        "handle": handle, "platform": platform, "niche": niche, "growth_rate": growth, "followers": followers,
        "format_description": "Mostly reels (80%), typically 15-30 s, about 3 posts a week", "origin": "seed",
        "last_checked": NOW})


@pytest.fixture()
def creators(stack, niche):
    url, tok = stack.database.url, niche["token"]
    ids = {
        "fast": _creator(url, f"{tok}.fast", "instagram", tok, 0.30, 1000),
        "slow": _creator(url, f"@{tok}slow", "youtube", tok, 0.10, 5000),
        "new": _creator(url, f"{tok}.new", "instagram", tok, None, 200),
        "potter": _creator(url, f"{tok}.potter", "instagram", "pottery", 0.90, 900),
    }
    return {**niche, "ids": ids}


def test_trending_creators_in_her_niche_by_growth(get, creators):
    tok = creators["token"]
    body = get("creators/trending", creators["user"]).json()
    assert [c["handle"] for c in body["creators"]] == [f"{tok}.fast", f"@{tok}slow", f"{tok}.new"]
    fast = body["creators"][0]
    assert (fast["platform"], fast["followers"], fast["growth_rate"], fast["niche"]) == ("instagram", 1000, 0.3, tok)
    assert fast["format_description"].startswith("Mostly reels") and fast["relevance"] == 1.0
    assert fast["origin"] == "seed" and fast["last_checked"]
    assert [c["handle"] for c in get("creators/trending", creators["user"], platform="youtube").json()["creators"]] \
        == [f"@{tok}slow"]
    assert len(get("creators/trending", creators["user"], limit="2").json()["creators"]) == 2


def test_opportunities_weigh_demand_against_supply(stack, get, creators):
    url, key, user = stack.database.url, creators["key"], creators["user"]
    insert(url, "trends", trend(key, "resin coasters", 70, category="resin", growth_rate=0.5,
                                search_volume=80, search_volume_kind="index"))
    insert(url, "trends", trend(key, "crochet tote", 40, category="crochet", growth_rate=0.2,
                                sources=["youtube_suggest"], search_volume=3, search_volume_kind="rank"))
    recent = (NOW - dt.timedelta(days=3)).isoformat()
    insert(url, "creator_observations", {"creator_id": creators["ids"]["fast"], "observed_at": NOW, "followers": 1000,
                                         "recent_posts": [
        {"text": "pouring resin coasters", "likes": 40, "comments": 10, "views": 1000, "posted_at": recent},
        {"text": "resin coasters set of 4", "likes": 20, "comments": 0, "views": 1000, "posted_at": recent},
        {"text": "studio tour", "likes": 5, "comments": 0, "views": 100, "posted_at": recent}]})
    for caption, likes in (("my crochet tote pattern tutorial", 10), ("granny square tutorial", 30)):
        post = insert(url, "posts", {"user_id": user.user_id, "platform": "instagram", "platform_post_id": caption,
                                     "type": "reel", "caption": caption, "likes": likes, "views": 100,
                                     "posted_at": NOW - dt.timedelta(days=10)})
        insert(url, "post_attributes", {"post_id": post, "user_id": user.user_id, "attribute": "content_format",
                                        "level": "tutorial", "source": "rules", "confidence": 0.9})
    body = get("opportunities", user).json()
    assert body["status"] == "ok" and body["creator_strengths"] == {"content_format": "tutorial"}
    tote, coasters = body["opportunities"]
    # crochet tote: no index (rank only), growth 0.2, her post at 10 % engagement, nobody else posts it.
    growth_term, engagement_term = 1 - math.exp(-0.2 / 0.5), 1 - math.exp(-0.10 / 0.05)
    demand = (0.3 * growth_term + 0.3 * engagement_term) / 0.6
    assert tote["topic"] == "crochet tote" and tote["supply"] == {"active_creators": 0, "posts_per_week": 0.0,
                                                                 "supply_index": 0.0}
    assert tote["demand"]["search_interest"] is None and tote["demand"]["related_posts"] == 1
    assert tote["gap_score"] == pytest.approx(100 * demand)
    # resin coasters: index 80, growth 0.5, two creator posts at 5 % and 2 %, one active creator.
    demand = 0.4 * 0.8 + 0.3 * (1 - math.exp(-1)) + 0.3 * (1 - math.exp(-0.035 / 0.05))
    supply = 1 + 0.5 * (2 / (30 / 7))
    assert coasters["demand"]["engagement_rate"] == pytest.approx(0.035)
    assert coasters["supply"]["active_creators"] == 1 and coasters["supply"]["supply_index"] == pytest.approx(supply)
    assert coasters["gap_score"] == pytest.approx(100 * demand / (1 + math.log(1 + supply)))
    assert len(coasters["ideas"]) == 3 and coasters["ideas"][0].startswith("Tutorial: pour resin coasters")
    assert get("opportunities", user, limit="1").json()["opportunities"][0]["topic"] == "crochet tote"
