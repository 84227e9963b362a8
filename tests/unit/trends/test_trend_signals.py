"""Turning stored observations into detection readings, and the cron's planning helpers."""
from __future__ import annotations

import datetime as dt

import polars as pl

from shared.engines.trend_signals import detection_input
from shared.services.opportunity_gaps import on_topic, topic_words
from shared.services.trend_detection import hashtag_plan, niche_words
from shared.services.trend_queries import series_kind

T = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def _obs(rows):
    return pl.DataFrame(rows, schema={"keyword": pl.String, "source": pl.String, "region": pl.String,
                                      "observed_at": pl.Datetime("us", "UTC"), "value": pl.Float64,
                                      "value_kind": pl.String, "baseline": pl.Float64}, orient="row")


def test_indices_are_rescaled_by_their_response_median_and_ranks_become_scores():
    out = detection_input(_obs([
        ("resin", "pinterest_trends", "US", T, 80.0, "index", 40.0),   # 2x its typical week -> 200
        ("resin", "pinterest_trends", "US", T, 50.0, "index", None),   # no baseline: raw index
        ("resin", "pinterest_trends", "US", T, 3.0, "rank", None),     # rank in a growth list: dropped
        ("resin", "youtube_suggest", "US", T, 1.0, "rank", None),      # first suggestion -> 10
        ("resin", "youtube_suggest", "US", T, 12.0, "rank", None),     # past the slots -> 0
        ("#resin", "instagram_hashtag_recent", "GLOBAL", T, 25.0, "count", None),
    ]))
    assert out.columns == ["keyword", "source", "region", "observed_at", "value"]
    assert out["value"].to_list() == [200.0, 50.0, 10.0, 0.0, 25.0]


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
