"""Trend sources against the sandbox: Pinterest Trends and YouTube suggestions over real HTTP."""

from __future__ import annotations

from shared.platforms.trend_sources import PinterestTrendsSource, YouTubeSuggestSource


def test_pinterest_trends_for_craft_interests(connect, call):
    tokens, _ = connect("pinterest")

    async def fetch(module, client):
        return await PinterestTrendsSource(client, tokens.access_token.get_secret_value()).fetch(
            region="US", trend_type="growing", interests=("diy_and_crafts", "home_decor"), limit=20
        )

    observations, pages = call("pinterest", fetch)
    ranks = [o for o in observations if o["value_kind"] == "rank"]
    assert 0 < len(ranks) <= 20 and [o["value"] for o in ranks] == list(range(1, len(ranks) + 1))
    assert all(0 <= o["value"] <= 100 for o in observations if o["value_kind"] == "index")
    assert PinterestTrendsSource.normalize(pages) == observations


def test_youtube_suggestions(call):
    async def fetch(module, client):
        return await YouTubeSuggestSource(client).fetch("pottery")

    observations, _ = call("youtube", fetch)
    assert all(o["value_kind"] == "rank" and o["keyword"] for o in observations)
