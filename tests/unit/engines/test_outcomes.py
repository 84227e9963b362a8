"""A linked post's realised rates against her baseline for its platform and type, and the virality label."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shared.engines.outcomes import realised_outcome

START = dt.datetime(2026, 9, 1, 12, tzinfo=dt.timezone.utc)


def _posts(linked_saves: int, linked_shares: int) -> pl.DataFrame:
    # 24 reels with save rates 0.001..0.024 (mean 0.0125) and share rate 0.005; 3 images with large save
    # rates (another type: not her reel baseline); the linked reel last.
    rows = [(f"r{i}", "instagram", "reel", 1000, i + 1, 5, START + dt.timedelta(days=i)) for i in range(24)]
    rows += [
        (f"i{i}", "instagram", "image", 1000, 100 + 10 * i, 1, START + dt.timedelta(days=30 + i)) for i in range(3)
    ]
    rows += [("tt", "tiktok", "video", 1000, None, 3, START)]
    rows += [("linked", "instagram", "reel", 1000, linked_saves, linked_shares, START + dt.timedelta(days=40))]
    return pl.DataFrame(
        rows,
        schema={
            "post_id": pl.Utf8,
            "platform": pl.Utf8,
            "type": pl.Utf8,
            "views": pl.Int64,
            "saves": pl.Int64,
            "shares": pl.Int64,
            "posted_at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


def test_rates_against_her_reels_and_the_top_quartile():
    outcome = realised_outcome(_posts(30, 10), "linked")
    assert outcome.rates == {"save_rate": 0.03, "share_rate": 0.01} and outcome.views == 1000
    assert outcome.baseline["save_rate"] == {"mean": pytest.approx(0.0125), "n": 24, "stratum": "instagram/reel"}
    assert outcome.baseline["share_rate"]["mean"] == pytest.approx(0.005)
    assert outcome.ratios["save_rate"] == pytest.approx(2.4) and outcome.ratios["share_rate"] == pytest.approx(2.0)
    # The best relative save and share rate of her 28 Instagram posts: percentile 1, top quartile.
    assert outcome.score_percentile == 1.0 and outcome.top_quartile is True


def test_a_weak_post_is_below_her_baseline_and_not_top_quartile():
    outcome = realised_outcome(_posts(1, 1), "linked")
    assert outcome.ratios["save_rate"] == pytest.approx(0.08) and outcome.ratios["share_rate"] == pytest.approx(0.2)
    assert outcome.top_quartile is False and outcome.score_percentile < 0.25


def test_too_few_views_leave_the_rates_unknown():
    posts = _posts(3, 1).with_columns(
        pl.when(pl.col("post_id") == "linked").then(20).otherwise(pl.col("views")).alias("views")
    )
    outcome = realised_outcome(posts, "linked")
    assert outcome.rates == {"save_rate": None, "share_rate": None} and outcome.ratios["save_rate"] is None
    assert outcome.top_quartile is None and outcome.baseline["save_rate"]["n"] == 24
