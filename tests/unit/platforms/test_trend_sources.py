"""Trend sources turn only what the platform returned into observations, and refuse odd shapes."""

from __future__ import annotations

import asyncio

import pytest

from shared.platforms.models import raw_page
from shared.platforms.transport import PlatformClient
from shared.platforms.trend_sources import (
    InstagramHashtagSource,
    PinterestTrendsSource,
    SourceUnavailable,
    YouTubeSuggestSource,
)

TRENDS_BODY = {
    "trends": [
        {
            "keyword": "speckled mug",
            "pct_growth_wow": 50,
            "pct_growth_mom": 400,
            "pct_growth_yoy": -5,
            "time_series": {"2026-04-12": 31, "2026-04-19": 54, "2026-04-26": 100},
            "has_prediction": False,
            "predicted_time_series": None,
            "demographics": None,
        },
        {
            "keyword": "punch needle rug",
            "pct_growth_wow": 10001,
            "pct_growth_mom": 20,
            "pct_growth_yoy": 3,
            "time_series": {},
        },
    ]
}


def test_pinterest_trends_give_rank_and_weekly_index():
    page = raw_page(
        "trends_keywords",
        {"interests": "diy_and_crafts", "limit": 50, "region": "US", "trend_type": "growing"},
        TRENDS_BODY,
    )
    obs = PinterestTrendsSource.normalize([page])
    ranks = [(o["keyword"], o["value"]) for o in obs if o["value_kind"] == "rank"]
    assert ranks == [("speckled mug", 1), ("punch needle rug", 2)]
    index = [(o["observed_at"][:10], o["value"]) for o in obs if o["value_kind"] == "index"]
    assert index == [("2026-04-12", 31), ("2026-04-19", 54), ("2026-04-26", 100)]
    assert all(o["region"] == "US" and o["source"] == "pinterest_trends" for o in obs)
    rank_extra = {o["keyword"]: o["extra"] for o in obs if o["value_kind"] == "rank"}
    assert rank_extra["speckled mug"]["pct_growth_mom"] == 400
    assert rank_extra["punch needle rug"]["pct_growth_wow"] == 10001  # "more than 10000 %", kept as sent


def test_pinterest_trends_without_a_list_is_unavailable():
    with pytest.raises(SourceUnavailable):
        PinterestTrendsSource.normalize([raw_page("trends_keywords", {}, {"message": "nope"})])


def test_youtube_suggestions_are_ranked():
    page = raw_page("suggest", {"q": "pottery", "gl": "US"}, ["pottery", ["pottery wheel", "pottery for beginners"]])
    obs = YouTubeSuggestSource.normalize([page])
    assert [(o["keyword"], o["value"], o["value_kind"]) for o in obs] == [
        ("pottery wheel", 1, "rank"),
        ("pottery for beginners", 2, "rank"),
    ]
    assert obs[0]["extra"]["seed"] == "pottery"


@pytest.mark.parametrize("body", [{"oops": 1}, ["pottery"], ["pottery", "x"], ["pottery", [1, 2]], None])
def test_youtube_suggestions_with_unexpected_shape_are_unavailable(body):
    with pytest.raises(SourceUnavailable):
        YouTubeSuggestSource.normalize([raw_page("suggest", {"q": "p"}, body)])


def test_instagram_hashtags_need_facebook_login():
    async def go():
        async with PlatformClient("instagram") as client:
            await InstagramHashtagSource(client, "tok", "1784", login="instagram").fetch("pottery")

    with pytest.raises(SourceUnavailable, match="Facebook Login"):
        asyncio.run(go())


def test_instagram_hashtag_pages_become_counts():
    pages = [
        raw_page("hashtag_search", {"q": "pottery", "hashtag": "pottery"}, {"data": [{"id": "17873440459141021"}]}),
        raw_page(
            "top_media",
            {"hashtag": "pottery"},
            {
                "data": [
                    {"id": "1", "like_count": 100, "comments_count": 5},
                    {"id": "2", "comments_count": 7},
                    {"id": "3"},
                ],
                "paging": {"cursors": {"after": "x"}},
            },
        ),
        raw_page("recent_media", {"hashtag": "pottery"}, {"data": [{"id": "4"}, {"id": "5"}]}),
    ]
    obs = {o["source"]: o for o in InstagramHashtagSource.normalize(pages)}
    assert obs["instagram_hashtag_top_interactions"]["value"] == 112
    assert obs["instagram_hashtag_top_interactions"]["extra"]["posts"] == 2
    assert obs["instagram_hashtag_recent"]["value"] == 2
    assert all(o["keyword"] == "pottery" and o["value_kind"] == "count" for o in obs.values())


def test_a_channel_description_names_its_other_accounts():
    from shared.platforms.creator_lookup import linked_handles

    text = "Resin videos. Instagram: @Maki.Crafts | TikTok: @maki_crafts  pinterest.com/makicrafts"
    assert linked_handles(text) == {"instagram": "maki.crafts", "tiktok": "maki_crafts", "pinterest": "makicrafts"}
    assert linked_handles("Follow me on IG @resin.rose.") == {"instagram": "resin.rose"}
    assert linked_handles(None) == {} and linked_handles("Slow crafting on Instagram and TikTok.") == {}
