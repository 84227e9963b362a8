"""Turning stored observations into detection readings, and the cron's planning helpers."""

from __future__ import annotations

import datetime as dt

import polars as pl

from shared.engines.relevance import on_topic, topic_words
from shared.engines.trend_signals import detection_input, group_levels
from shared.services.trend_detection import hashtag_plan, niche_words
from shared.services.trend_queries import series_kind

T = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def _obs(rows):
    return pl.DataFrame(
        rows,
        schema={
            "keyword": pl.String,
            "source": pl.String,
            "region": pl.String,
            "observed_at": pl.Datetime("us", "UTC"),
            "value": pl.Float64,
            "value_kind": pl.String,
            "baseline": pl.Float64,
        },
        orient="row",
    )


def test_only_amounts_of_interest_are_velocity_readings():
    out = detection_input(
        _obs(
            [
                ("resin", "pinterest_trends", "US", T, 80.0, "index", 40.0),  # 2x its typical week -> 200
                ("resin", "pinterest_trends", "US", T, 50.0, "index", None),  # no baseline: raw index
                ("resin", "pinterest_trends", "US", T, 3.0, "rank", None),  # rank in a growth list: dropped
                ("resin", "youtube_suggest", "US", T, 1.0, "rank", None),  # a suggestion's position: dropped
                ("resin", "pinterest_trends", "US", T, 64.0, "group_index", None),  # scale moves with the group
                ("#resin", "instagram_hashtag_recent", "GLOBAL", T, 25.0, "count", None),  # posts made: supply
                ("resin", "search_console", "US", T, 1234.0, "volume", None),  # an absolute amount passes
            ]
        )
    )
    assert out.columns == ["keyword", "source", "region", "observed_at", "value"]
    assert out["value"].to_list() == [200.0, 50.0, 1234.0]


def test_group_levels_bridge_responses_through_shared_keywords():
    # Response 1 (reference, 3 keywords): group peak P; response 2 scaled to a peak half as large, so its
    # numbers are twice as big for the same searches. crochet's series sums say so (40 vs 80).
    rows = pl.DataFrame(
        {
            "response": [1, 1, 1, 2, 2],
            "keyword": ["resin", "crochet", "boho", "crochet", "punch needle"],
            "latest": [50.0, 10.0, 30.0, 20.0, 8.0],
            "total": [500.0, 40.0, 300.0, 80.0, 30.0],
        }
    )
    levels = {r["keyword"]: r["level"] for r in group_levels(rows).iter_rows(named=True)}
    assert levels == {"boho": 30.0, "crochet": 10.0, "punch needle": 4.0, "resin": 50.0}


def test_a_response_sharing_no_keyword_cannot_be_placed():
    rows = pl.DataFrame(
        {
            "response": [1, 1, 2],
            "keyword": ["resin", "boho", "yarn"],
            "latest": [5.0, 6.0, 7.0],
            "total": [50.0, 60.0, 70.0],
        }
    )
    assert sorted(group_levels(rows)["keyword"].to_list()) == ["boho", "resin"]
    assert group_levels(rows.clear()).is_empty()


def test_niche_words_put_shared_phrases_first_then_distinctive_words():
    niches = {"a": ["epoxy resin", "handmade decor"], "b": ["epoxy resin", "crochet"]}
    assert niche_words(niches) == ["epoxy resin", "crochet", "handmade decor", "epoxy", "resin", "decor"]


def test_hashtag_plan_repeats_are_free_and_new_tags_stay_under_the_weekly_cap():
    recent = [f"tag{i}" for i in range(29)]
    assert hashtag_plan(["resin art", "tag3", "crochet"], recent, 10) == ["tag3", "resinart"]
    assert hashtag_plan(["resin art", "crochet"], [], 1) == ["resinart"]


def test_a_post_is_on_a_topic_with_half_of_its_words():
    topic = topic_words("epoxy resin coasters")
    assert on_topic(topic_words("Pouring resin coasters today"), topic)
    assert not on_topic(topic_words("resin tray"), topic)


def test_series_kind_follows_the_engine_source_preference():
    assert series_kind(["youtube_suggest", "pinterest_trends"]) == "interest_index"
    assert series_kind(["instagram_hashtag_recent"]) == "media_count"
