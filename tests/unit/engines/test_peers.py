"""Peer benchmarks: tiers, like-for-like engagement per view, mid-rank percentiles and their bootstrap interval."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from shared.engines.peers import RECENT_POSTS, engagement_per_view, follower_tier, percentile, percentile_interval


@pytest.mark.parametrize(
    "followers, tier",
    [
        (0, "starter"),
        (999, "starter"),
        (1_000, "nano"),
        (26_172, "micro"),
        (99_999, "micro"),
        (100_000, "mid"),
        (999_999, "macro"),
        (1_000_000, "mega"),
    ],
)
def test_tiers_have_the_usual_cut_points(followers, tier):
    assert follower_tier(followers)[0] == tier
    assert follower_tier(26_172) == ("micro", 10_000, 100_000) and follower_tier(5_000_000)[2] is None


def test_engagement_is_likes_and_comments_per_view_of_the_latest_posts_with_views():
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    rows = [(start + dt.timedelta(days=i), 1000.0, float(i), 10.0) for i in range(20)]
    rows += [
        (start + dt.timedelta(days=30), 40.0, 5.0, 5.0),  # too few views
        (start + dt.timedelta(days=31), 1000.0, None, None),
    ]  # nothing public
    frame = pl.DataFrame(
        rows,
        schema={
            "posted_at": pl.Datetime("us", "UTC"),
            "views": pl.Float64,
            "likes": pl.Float64,
            "comments": pl.Float64,
        },
        orient="row",
    )
    values = engagement_per_view(frame)
    # The 12 latest posts, as a check of someone's latest uploads sees them; two of them cannot be read.
    assert RECENT_POSTS == 12 and len(values) == 10
    assert values.tolist() == pytest.approx([(i + 10) / 1000 for i in range(19, 9, -1)])


def test_the_percentile_is_her_mid_rank_among_peers():
    # Two peers below her, one equal, two above: (2 + 0.5) / 5.
    assert percentile(0.05, [0.01, 0.02, 0.05, 0.08, 0.10]) == 50.0
    assert percentile(0.2, [0.01, 0.02]) == 100.0 and percentile(0.0, [0.01, 0.02]) == 0.0


def test_above_every_peer_is_not_above_every_creator_and_the_interval_covers_the_estimate():
    # Above all 5 sampled peers: Jeffreys' Beta(5.5, 0.5) puts her share of the population at 62-100 %.
    peers = [np.array([v]) for v in (0.01, 0.02, 0.03, 0.04, 0.05)]
    low, high = percentile_interval(np.array([0.09, 0.1, 0.11]), peers)
    assert 58 < low < 66 and high > 99.9  # 2,000 draws: the quantile within a few points
    rng = np.random.default_rng(3)
    mine = rng.lognormal(np.log(0.05), 0.3, 12)
    crowd = [rng.lognormal(np.log(m), 0.3, 12) for m in rng.lognormal(np.log(0.05), 0.4, 30)]
    point = percentile(float(np.median(mine)), [float(np.median(p)) for p in crowd])
    low, high = percentile_interval(mine, crowd)
    assert low < point < high and 20 < high - low < 80
    # Her posts' spread is part of it: with her median known exactly, the interval narrows.
    exact_low, exact_high = percentile_interval(np.array([np.median(mine)]), crowd)
    assert exact_high - exact_low < high - low
    assert percentile_interval(mine, crowd) == (low, high)  # fixed seed
