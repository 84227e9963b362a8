"""Content gaps grow with demand, shrink with supply, stay in 0-100 and explain themselves."""

from __future__ import annotations

import math

import polars as pl
import pytest

from shared.engines.opportunities import content_ideas, opportunity_gaps, significant_strengths


def gap(
    interest: float | None = 50.0,
    relevance: float | None = 1.0,
    rate: float | None = None,
    n: int = 0,
    niche: float | None = None,
    youtube: float | None = 30.0,
    instagram: float | None = None,
    tracked: float | None = None,
) -> dict:
    demand = pl.DataFrame(
        {
            "topic": ["t"],
            "interest_index": [interest],
            "relevance": [relevance],
            "engagement_rate": [rate],
            "n_related": [n],
            "niche_engagement": [niche],
        },
        schema_overrides={
            "interest_index": pl.Float64,
            "relevance": pl.Float64,
            "engagement_rate": pl.Float64,
            "niche_engagement": pl.Float64,
        },
    )
    supply = pl.DataFrame(
        {
            "topic": ["t"],
            "youtube_uploads_30d": [youtube],
            "instagram_posts_24h": [instagram],
            "tracked_posts_30d": [tracked],
        },
        schema_overrides={c: pl.Float64 for c in ("youtube_uploads_30d", "instagram_posts_24h", "tracked_posts_30d")},
    )
    return opportunity_gaps(demand, supply).row(0, named=True)


def test_gap_is_relevance_weighted_interest_per_fresh_post():
    row = gap(interest=60.0, relevance=0.5, youtube=30.0, instagram=2.0)
    per_week = 30 * 7 / 30 + 2 * 7  # 21 posts a week
    assert row["demand_index"] == 30.0 and row["posts_per_week"] == pytest.approx(per_week)
    assert row["gap_ratio"] == pytest.approx(30 / (1 + per_week))
    assert row["gap_score"] == pytest.approx(100 * row["gap_ratio"] / (row["gap_ratio"] + 10))
    assert row["supply_basis"] == "youtube+instagram" and row["engagement_factor"] == 1.0


def test_related_posts_nudge_demand_within_bounds_and_few_posts_barely():
    # 10 related posts at twice the niche rate: shrunk = (10 * 0.08 + 10 * 0.04) / 20 = 0.06 -> sqrt(1.5)
    assert gap(rate=0.08, n=10, niche=0.04)["engagement_factor"] == pytest.approx(math.sqrt(1.5))
    assert gap(rate=0.40, n=500, niche=0.04)["engagement_factor"] == 1.25
    assert gap(rate=0.0, n=500, niche=0.04)["engagement_factor"] == 0.8
    assert gap(rate=0.08, n=1, niche=0.04)["engagement_factor"] == pytest.approx(math.sqrt((0.08 + 0.4) / 11 / 0.04))


def test_gap_rises_with_interest_and_relevance_and_falls_with_supply():
    assert gap(interest=80)["gap_score"] > gap(interest=40)["gap_score"]
    assert gap(relevance=1.0)["gap_score"] > gap(relevance=0.3)["gap_score"]
    scores = [gap(youtube=u)["gap_score"] for u in (0, 5, 50, 500)]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4
    assert gap(interest=50, youtube=0.0)["gap_score"] == pytest.approx(100 * 50 / 60)


def test_unmeasured_supply_is_unknown_not_zero_and_tracked_creators_are_a_lower_bound():
    unknown = gap(youtube=None)
    assert unknown["posts_per_week"] is None and unknown["gap_score"] is None and unknown["supply_basis"] is None
    tracked = gap(youtube=None, tracked=6.0)
    assert tracked["posts_per_week"] == pytest.approx(1.4) and tracked["supply_basis"] == "tracked_creators_lower_bound"
    assert gap(interest=None)["demand_index"] is None and gap(interest=None)["gap_score"] is None


def test_unknown_gaps_sort_last():
    demand = pl.DataFrame({"topic": ["a", "b", "c"], "interest_index": [10.0, 90.0, 50.0], "relevance": [1.0] * 3})
    supply = pl.DataFrame({"topic": ["a", "c"], "youtube_uploads_30d": [0.0, 0.0]})
    assert opportunity_gaps(demand, supply)["topic"].to_list() == ["c", "a", "b"]


def test_strengths_come_only_from_findings_whose_interval_lies_above_one():
    findings = [
        {
            "attribute": "camera_angle",
            "level": "overhead",
            "metric": "save_rate",
            "ratio": 1.5,
            "ci_low": 1.4,
            "ci_high": 1.7,
        },
        {
            "attribute": "camera_angle",
            "level": "pov",
            "metric": "save_rate",
            "ratio": 0.8,
            "ci_low": 0.7,
            "ci_high": 0.9,
        },
        {
            "attribute": "content_format",
            "level": "tutorial",
            "metric": "save_rate",
            "ratio": 1.3,
            "ci_low": 0.9,
            "ci_high": 1.6,
        },  # the interval holds 1: not significant
        {
            "attribute": "audio_type",
            "level": "trending_audio",
            "metric": "share_rate",
            "ratio": 1.5,
            "ci_low": 1.3,
            "ci_high": 1.6,
        },
    ]
    strengths, used = significant_strengths(findings)
    assert strengths == {"camera_angle": "overhead", "audio_type": "trending_audio"}
    assert [f["level"] for f in used] == ["overhead", "trending_audio"]


def test_content_ideas_use_the_creators_best_format_length_and_angle():
    strengths = {
        "content_format": "timelapse",
        "duration_bucket": "15_30s",
        "camera_angle": "overhead",
        "audio_type": "asmr",
        "hook_speed": "instant",
    }
    ideas = content_ideas("resin coasters", "resin", strengths)
    assert ideas[0] == "Timelapse: pour resin coasters start to finish in 30 s, shot overhead"
    assert 2 <= len(ideas) <= 3 and len(set(ideas)) == len(ideas)
    assert all("resin coasters" in idea for idea in ideas)
    assert any("ASMR" in idea for idea in ideas)
    assert content_ideas("resin coasters", "resin", strengths) == ideas  # deterministic


def test_content_ideas_fall_back_for_unknown_category_and_strengths():
    ideas = content_ideas("bonsai pots", None, {})
    assert ideas[0] == "Timelapse: make bonsai pots start to finish in 30 s"  # no angle finding: none claimed
    assert content_ideas("granny squares", "crochet", {"content_format": "tutorial"})[0].startswith(
        "Tutorial: crochet granny squares step by step"
    )
