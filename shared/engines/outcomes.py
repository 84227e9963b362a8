"""How a post that followed a brief did: its rates against her baseline, and whether it reached her top quartile.

- Realised rate = saves / views and shares / views of the post (MIN_VIEWS views or more, as everywhere).
- Baseline = the mean rate of her other posts of the same platform x type over the window, the stratum the
  pattern model and the virality label use (a platform x type with fewer than MIN_STRATUM posts borrows its
  platform's); ratio = realised / baseline, with the baseline's n. Unknown (None) where a platform does not
  measure the metric or too few posts make a baseline.
- Top quartile: exactly the virality model's label (virality.virality_labels) over her posts of the
  window with the post among them: the mean of its platform percentiles of the stratum-relative rates,
  in the top quartile of her platform. `score_percentile` is that mean's rank within the platform (0-1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from shared.engines.patterns import METRIC_COUNTS, MIN_STRATUM, MIN_VIEWS, rate_frame
from shared.engines.virality import virality_labels


@dataclass
class Outcome:
    """One linked post's realised numbers."""

    post_id: str
    views: int | None
    rates: dict[str, float | None] = field(default_factory=dict)
    baseline: dict[str, dict[str, Any]] = field(default_factory=dict)
    ratios: dict[str, float | None] = field(default_factory=dict)
    score_percentile: float | None = None
    top_quartile: bool | None = None


def realised_outcome(posts: pl.DataFrame, post_id: str) -> Outcome:
    """The outcome of `post_id` among her posts (post_id, platform, type, views, saves, shares, posted_at)."""
    post = posts.filter(pl.col("post_id").cast(pl.Utf8) == post_id).row(0, named=True)
    others = posts.filter((pl.col("post_id").cast(pl.Utf8) != post_id) & (pl.col("platform") == post["platform"]))
    outcome = Outcome(post_id=post_id, views=post["views"])
    for metric, count in METRIC_COUNTS.items():
        rate = post[count] / post["views"] if post[count] is not None and (post["views"] or 0) >= MIN_VIEWS else None
        baseline = _baseline(others, post["type"], metric)
        outcome.rates[metric] = rate
        outcome.baseline[metric] = baseline
        mean = baseline.get("mean")
        outcome.ratios[metric] = rate / mean if rate is not None and mean else None
    labels = virality_labels(posts.filter(pl.col("platform") == post["platform"]))
    mine = labels.filter(pl.col("post_id") == post_id)
    if mine.height:
        percentile = (labels.get_column("score").rank("average") / labels.height).to_list()
        index = labels.get_column("post_id").to_list().index(post_id)
        outcome.score_percentile = float(percentile[index])
        outcome.top_quartile = bool(mine.get_column("label")[0])
    return outcome


def _baseline(others: pl.DataFrame, post_type: str | None, metric: str) -> dict[str, Any]:
    """Mean rate of her other posts in the post's stratum (platform x type, else the platform)."""
    rates = rate_frame(others, metric)
    if rates.is_empty():
        return {"mean": None, "n": 0, "stratum": None}
    platform = rates.get_column("platform")[0]
    stratum = f"{platform}/{post_type or ''}"
    same = rates.filter(pl.col("stratum") == stratum)
    if same.height < MIN_STRATUM:
        same, stratum = rates, platform
    mean = same.get_column("rate").mean()
    return {"mean": float(mean) if isinstance(mean, (int, float)) else None, "n": same.height, "stratum": stratum}
