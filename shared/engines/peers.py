"""Where a creator stands among tracked niche creators of her size: percentiles with bootstrap intervals.

- Follower tiers (the usual industry cut points): starter < 1,000 <= nano < 10,000 <= micro < 100,000 <= mid
  < 500,000 <= macro < 1,000,000 <= mega. Her peers: tracked creators relevant to her niche, on the same
  platform, in her tier on that platform.
- Engagement rate, like for like: (likes + comments) / views of a post with at least MIN_VIEWS views: the
  public counts other accounts expose (their saves and shares are not public, so hers are left out here);
  a creator's value = the median over those of her RECENT_POSTS most recent posts, as a tracked creator's
  last check sees its own latest uploads.
- Follower growth: 30-day growth from the log-linear fit of follower counts (engines/creators.creator_growth),
  the estimator tracked creators' growth comes from.
- Percentile = mid-rank of her value among her peers' (0-100; 100 = above every peer), shown as a whole
  number. Its 95 % interval is for where she stands among all niche creators of her size, of which the
  tracked peers are a sample: each of BOOTSTRAP_DRAWS draws (fixed seed) resamples every creator's posts
  (her median and theirs; a growth is one estimate per creator and stays fixed), counts the peers below
  her (k, ties half) and draws the population share from Jeffreys' Beta(k + 1/2, n - k + 1/2). Resampling
  the peers themselves cannot move a creator above all of them: it gave 100-100 with six peers.
- Fewer than MIN_PEERS peers with the metric: no percentile ("no peers yet").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

TIERS: tuple[tuple[str, int, int | None], ...] = (
    ("starter", 0, 1_000),
    ("nano", 1_000, 10_000),
    ("micro", 10_000, 100_000),
    ("mid", 100_000, 500_000),
    ("macro", 500_000, 1_000_000),
    ("mega", 1_000_000, None),
)
MIN_VIEWS = 50
RECENT_POSTS = 12
MIN_POSTS = 3
MIN_PEERS = 5
BOOTSTRAP_DRAWS = 2000


def follower_tier(followers: int) -> tuple[str, int, int | None]:
    """(name, lower bound, upper bound or None) of the tier a follower count is in."""
    return next(t for t in TIERS if followers >= t[1] and (t[2] is None or followers < t[2]))


def engagement_per_view(posts: pl.DataFrame) -> np.ndarray:
    """(likes + comments) / views of those of the RECENT_POSTS most recent posts that have MIN_VIEWS views and
    a known like or comment count (posts: posted_at, views, likes, comments): what a check of the latest
    uploads sees."""
    recent = posts.sort("posted_at", descending=True, nulls_last=True).head(RECENT_POSTS)
    usable = recent.filter(
        (pl.col("views").fill_null(0) >= MIN_VIEWS) & (pl.col("likes").is_not_null() | pl.col("comments").is_not_null())
    )
    rates = (pl.col("likes").fill_null(0) + pl.col("comments").fill_null(0)) / pl.col("views")
    return usable.select(rates).to_series().to_numpy().astype(float)


def percentile(value: float, others: Sequence[float]) -> float:
    """Mid-rank percentile of `value` among `others`, 0-100."""
    values = np.asarray(others, dtype=float)
    below, equal = float((values < value).sum()), float((values == value).sum())
    return 100.0 * (below + 0.5 * equal) / len(values)


def percentile_interval(
    mine: np.ndarray, peers: Sequence[np.ndarray], *, draws: int = BOOTSTRAP_DRAWS, seed: int = 0
) -> tuple[float, float]:
    """95 % interval of the percentile of median(mine) among the peers' medians, by the two-level bootstrap."""
    rng = np.random.default_rng(seed)
    mine_b = _bootstrap_medians(np.asarray(mine, dtype=float), draws, rng)
    peer_b = np.stack([_bootstrap_medians(np.asarray(p, dtype=float), draws, rng) for p in peers])  # (peers, draws)
    below = (peer_b < mine_b).sum(axis=0) + 0.5 * (peer_b == mine_b).sum(axis=0)  # (draws,)
    share = rng.beta(below + 0.5, len(peers) - below + 0.5)
    low, high = np.quantile(100.0 * share, [0.025, 0.975])
    return float(low), float(high)


def _bootstrap_medians(values: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    if len(values) == 1:
        return np.full(draws, values[0])
    return np.median(values[rng.integers(0, len(values), size=(draws, len(values)))], axis=1)
