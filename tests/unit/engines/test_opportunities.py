"""Content gaps grow with demand, shrink with supply, stay in 0-100 and explain themselves."""
from __future__ import annotations

import math

import polars as pl
import pytest

from shared.engines.opportunities import content_ideas, opportunity_gaps


def gap(interest: float | None = 50.0, growth: float | None = 0.2, engagement: float | None = 0.03,
        creators: int | None = 2, per_week: float | None = 4.0) -> dict:
    demand = pl.DataFrame({"topic": ["t"], "search_interest": [interest], "growth_rate": [growth],
                           "engagement_rate": [engagement]}, schema_overrides={
        "search_interest": pl.Float64, "growth_rate": pl.Float64, "engagement_rate": pl.Float64})
    supply = pl.DataFrame({"topic": ["t"], "active_creators": [creators], "posts_per_week": [per_week]},
                          schema_overrides={"active_creators": pl.Int64, "posts_per_week": pl.Float64})
    return opportunity_gaps(demand, supply).row(0, named=True)


def test_gap_score_follows_the_documented_formula():
    row = gap(interest=60.0, growth=0.5, engagement=0.05, creators=3, per_week=2.0)
    demand = 0.4 * 0.6 + 0.3 * (1 - math.exp(-1)) + 0.3 * (1 - math.exp(-1))
    assert row["demand_index"] == pytest.approx(demand)
    assert row["supply_index"] == 4.0
    assert row["gap_score"] == pytest.approx(100 * demand / (1 + math.log(5)))


def test_gap_rises_with_every_demand_signal():
    assert gap(interest=80)["gap_score"] > gap(interest=40)["gap_score"]
    assert gap(growth=1.0)["gap_score"] > gap(growth=0.1)["gap_score"]
    assert gap(engagement=0.08)["gap_score"] > gap(engagement=0.01)["gap_score"]


def test_gap_falls_as_more_creators_post_more_often():
    scores = [gap(creators=c, per_week=2.0 * c)["gap_score"] for c in (0, 1, 5, 50)]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4


def test_zero_supply_is_finite_and_the_score_is_bounded():
    top = gap(interest=100.0, growth=50.0, engagement=5.0, creators=0, per_week=0.0)
    assert top["gap_score"] == pytest.approx(100.0, abs=1e-6)
    assert gap(interest=0.0, growth=-0.5, engagement=0.0, creators=500, per_week=900.0)["gap_score"] == 0.0


def test_a_topic_nobody_posts_on_has_zero_supply_and_unknown_demand_stays_unknown():
    demand = pl.DataFrame({"topic": ["new", "blank"], "search_interest": [70.0, None],
                           "growth_rate": [None, None], "engagement_rate": [None, None]})
    supply = pl.DataFrame({"topic": ["other"], "active_creators": [4], "posts_per_week": [3.0]})
    rows = {r["topic"]: r for r in opportunity_gaps(demand, supply).iter_rows(named=True)}
    assert rows["new"]["supply_index"] == 0.0
    assert rows["new"]["gap_score"] == pytest.approx(70.0)  # interest alone, weights renormalised
    assert rows["blank"]["demand_index"] is None and rows["blank"]["gap_score"] is None


def test_every_input_column_is_kept_to_explain_the_score():
    row = gap()
    for column in ("search_interest", "growth_rate", "engagement_rate", "active_creators", "posts_per_week",
                   "interest_term", "growth_term", "engagement_term", "demand_index", "supply_index"):
        assert column in row


def test_content_ideas_use_the_creators_best_format_length_and_angle():
    strengths = {"content_format": "timelapse", "duration_bucket": "15_30s", "camera_angle": "overhead",
                 "audio_type": "asmr", "hook_speed": "instant"}
    ideas = content_ideas("resin coasters", "resin", strengths)
    assert ideas[0] == "Timelapse: pour resin coasters start to finish in 30 s, shot overhead"
    assert 2 <= len(ideas) <= 3 and len(set(ideas)) == len(ideas)
    assert all("resin coasters" in idea for idea in ideas)
    assert any("ASMR" in idea for idea in ideas)
    assert content_ideas("resin coasters", "resin", strengths) == ideas  # deterministic


def test_content_ideas_fall_back_for_unknown_category_and_strengths():
    ideas = content_ideas("bonsai pots", None, {})
    assert ideas[0] == "Timelapse: make bonsai pots start to finish in 30 s, shot overhead"
    assert content_ideas("granny squares", "crochet", {"content_format": "tutorial"})[0].startswith(
        "Tutorial: crochet granny squares step by step")
