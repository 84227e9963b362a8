"""Matching new posts to briefs: words, TF-IDF cosine, attribute agreement, the window and the assignment."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from shared.engines.brief_matching import (
    MIN_CONFIDENCE,
    TEXT_WEIGHT,
    assign,
    attribute_agreement,
    idf_weights,
    match_candidates,
    text_similarity,
    words,
)

T0 = dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc)


def test_words_fold_plurals_drop_function_words_and_keep_hashtags_whole():
    assert words("Tutorial: Epoxy resin COASTERS, made by hand in my studio! #EpoxyResinCoasters #crafts glass") == {
        "tutorial",
        "epoxy",
        "resin",
        "coaster",
        "made",
        "hand",
        "studio",
        "epoxyresincoaster",
        "craft",
        "glass",
    }


def test_idf_and_cosine_match_a_hand_computed_value():
    idf, unseen = idf_weights(["resin tray", "resin coaster", "crochet bee"])
    assert idf["resin"] == pytest.approx(math.log(4 / 3) + 1) and idf["tray"] == pytest.approx(math.log(2) + 1)
    assert unseen == pytest.approx(math.log(4) + 1)
    # Shared: resin. cos = idf(resin)² / (idf(resin)² + idf(coaster)²), coaster and tray being equally rare.
    expected = idf["resin"] ** 2 / (idf["resin"] ** 2 + idf["tray"] ** 2)
    assert text_similarity({"resin", "coaster"}, {"resin", "tray"}, idf, unseen) == pytest.approx(expected)
    assert expected == pytest.approx(0.366447, abs=1e-6)
    assert text_similarity(set(), {"resin"}, idf, unseen) == 0.0


def test_attribute_agreement_counts_only_what_both_know_and_shrinks_toward_a_half():
    brief = {"camera_angle": "overhead", "content_format": "tutorial", "audio_type": "voiceover"}
    assert attribute_agreement(brief, {"camera_angle": "overhead", "content_format": "showcase"}) == (0.5, 2, 1)
    assert attribute_agreement(brief, {}) == (0.5, 0, 0)
    assert attribute_agreement(brief, dict(brief)) == (4 / 5, 3, 3)


def _frame(rows: list[tuple], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


BRIEFS = {"recommendation_id": pl.Utf8, "platform": pl.Utf8, "generated_at": pl.Datetime("us", "UTC"), "text": pl.Utf8}
POSTS = {"post_id": pl.Utf8, "platform": pl.Utf8, "posted_at": pl.Datetime("us", "UTC"), "text": pl.Utf8}
LEVELS = {"owner": pl.Utf8, "attribute": pl.Utf8, "level": pl.Utf8}


def test_candidates_are_after_the_brief_within_14_days_on_its_platform():
    briefs = _frame(
        [
            ("b-ig", "instagram", T0, "Epoxy resin coasters tutorial"),
            ("b-any", None, T0, "Epoxy resin coasters tutorial"),
        ],
        BRIEFS,
    )
    day = dt.timedelta(days=1)
    posts = _frame(
        [
            ("ig-1", "instagram", T0 + day, "Epoxy resin coasters, a tutorial"),
            ("ig-before", "instagram", T0 - dt.timedelta(hours=1), "Epoxy resin coasters"),
            ("ig-late", "instagram", T0 + 15 * day, "Epoxy resin coasters"),
            ("yt-2", "youtube", T0 + 2 * day, "Epoxy resin coasters"),
        ],
        POSTS,
    )
    brief_levels = _frame(
        [("b-ig", "camera_angle", "overhead"), ("b-ig", "content_format", "tutorial")], LEVELS
    ).rename({"owner": "recommendation_id"})
    post_levels = _frame([("ig-1", "camera_angle", "overhead"), ("ig-1", "content_format", "showcase")], LEVELS).rename(
        {"owner": "post_id"}
    )
    matches = match_candidates(briefs, posts, brief_levels, post_levels, corpus=["resin tray", "crochet bee"])
    pairs = {(r["recommendation_id"], r["post_id"]) for r in matches.iter_rows(named=True)}
    assert pairs == {("b-ig", "ig-1"), ("b-any", "ig-1"), ("b-any", "yt-2")}
    row = matches.filter(pl.col("recommendation_id") == "b-ig").row(0, named=True)
    idf, unseen = idf_weights(["resin tray", "crochet bee"])
    text = text_similarity(
        words("Epoxy resin coasters tutorial"), words("Epoxy resin coasters, a tutorial"), idf, unseen
    )
    assert text == pytest.approx(1.0) and row["text"] == pytest.approx(text)
    assert (row["compared"], row["agreeing"], row["attributes"]) == (2, 1, 0.5)
    assert row["confidence"] == pytest.approx(TEXT_WEIGHT * 1.0 + (1 - TEXT_WEIGHT) * 0.5)
    assert row["days_after"] == pytest.approx(1.0)


def test_each_brief_gets_one_post_and_each_post_one_brief_best_first():
    from shared.engines.brief_matching import MATCH_SCHEMA

    rows = [("b1", "p1", 0.9), ("b1", "p2", 0.8), ("b2", "p1", 0.85), ("b2", "p2", 0.6), ("b3", "p3", 0.4)]
    matches = pl.DataFrame([(b, p, c, c, 0.5, 0, 0, 1.0) for b, p, c in rows], schema=MATCH_SCHEMA, orient="row")
    chosen = assign(matches)
    assert [(r["recommendation_id"], r["post_id"]) for r in chosen.iter_rows(named=True)] == [
        ("b1", "p1"),
        ("b2", "p2"),
    ]
    assert MIN_CONFIDENCE > 0.4
