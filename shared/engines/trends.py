"""Trend detection from noisy keyword observations: daily series, velocity, recency and heat.

Input rows are (keyword, source, region, observed_at UTC, value), appended by every detection
run, so a day may hold several readings or none. Formulas:

- Daily value: median of the readings of one (keyword, source, region, UTC day); a day without a
  reading stays missing (never interpolated).
- Velocity over a window of w days (7, 14, 30): Theil-Sen slope b_w of ln(1 + value) against the
  day number, over the observed days in [today - w + 1, today] (median of all pairwise slopes, so
  up to ~29 % of outlying days move nothing); null unless at least max(3, ceil(w / 3)) days are
  observed. growth_w = exp(b_w * w) - 1 is the fractional growth over the window.
- Several sources for one topic (keyword, region): b_w = mean of the sources' b_w weighted by their
  observed days, growth_w = exp(b_w * w) - 1 (the geometric mean of the sources' growths), so a
  rise on one source alone is damped by a flat other one. `sources` lists them.
- growth_rate (the "blended growth", only an input of the velocity score, never shown as "growth") =
  sum(weight_w * growth_w) / sum(weight_w) over the windows that are not null, weights 7 d 0.5,
  14 d 0.3, 30 d 0.2.
- velocity_score = 1 - exp(-max(growth_rate, 0) / 0.5): +20 % -> 0.33, +50 % -> 0.63,
  doubling -> 0.86, flat or declining -> 0.
- recency = freshness * onset, from the same combined log-slopes as velocity:
  freshness = 2 ** (-days_since_last_observation / half_life) (the topic's freshest source, half-life
  7 days); onset = rising * (0.5 + 0.5 * novelty), where rising = 1 - exp(-max(7 * b_7, 0) / 0.1)
  says whether it rises this week at all (a flat series -> 0, +10 % in the week -> 0.61) and
  novelty = clip(1 - max(b_30, 0) / b_7, 0, 1) how much of that rise is new (flat for a month and
  rising this week -> 1, rising at the same pace all month -> 0; unknown b_30 -> 1).
- heat_score = 100 * velocity_score * relevance * recency. Absolute, not rescaled within a run,
  so scores compare across runs and creators; a topic needs all three factors to score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from shared.engines.relevance import relevance_matches

SERIES_KEYS = ["keyword", "source", "region"]
TOPIC_KEYS = ["keyword", "region"]
WINDOWS = (7, 14, 30)
WINDOW_WEIGHTS = {7: 0.5, 14: 0.3, 30: 0.2}
GROWTH_SCALE = 0.5
HALF_LIFE_DAYS = 7.0
RISE_SCALE = 0.1  # log-growth over a week at which `rising` reaches 1 - 1/e
SPARKLINE_DAYS = 30
# The latest value and sparkline come from the most readable source a topic has.
SOURCE_PREFERENCE = ("pinterest_trends", "youtube_suggest", "instagram_hashtag")
VALUE_KINDS = {
    "pinterest_trends": "interest_index",
    "youtube_suggest": "suggest_score",
    "instagram_hashtag": "media_count",
}
# Pairwise slopes are materialised per block of series to bound memory (block x w(w-1)/2 floats).
_THEIL_SEN_BLOCK = 8192


@dataclass(frozen=True)
class _Window:
    """Daily values of every series over the `days` days ending today, as a dense matrix."""

    keys: pl.DataFrame
    values: np.ndarray  # (n_series, days), NaN where the day has no reading


def _daily(obs: pl.DataFrame, today: date, lookback_days: int | None) -> pl.LazyFrame:
    start = date.min if lookback_days is None else today - timedelta(days=lookback_days - 1)
    return (
        obs.lazy()
        .with_columns(day=pl.col("observed_at").dt.date(), value=pl.col("value").cast(pl.Float64))
        .filter(pl.col("day").is_between(start, today), pl.col("value").is_not_nan())
        .group_by([*SERIES_KEYS, "day"])
        .agg(value=pl.col("value").median(), n_readings=pl.len().cast(pl.Int64))
    )


def daily_series(obs: pl.DataFrame, today: date, *, lookback_days: int | None = None) -> pl.DataFrame:
    """keyword, source, region, day, value (median of the day's readings), n_readings; up to today."""
    return _daily(obs, today, lookback_days).sort([*SERIES_KEYS, "day"]).collect()


def _window(daily: pl.DataFrame | pl.LazyFrame, today: date, days: int) -> _Window:
    start = today - timedelta(days=days - 1)
    flat = (
        daily.lazy()
        .filter(pl.col("day").is_between(start, today))
        .select(*SERIES_KEYS, col=(pl.col("day") - pl.lit(start)).dt.total_days(), value=pl.col("value"))
        .sort(SERIES_KEYS)
        .with_columns(row=pl.struct(SERIES_KEYS).rle_id())  # sorted, so one id per series
        .collect()
    )
    keys = flat.unique(subset="row", keep="first", maintain_order=True).select(SERIES_KEYS)
    values = np.full((keys.height, days), np.nan)
    values[flat["row"].to_numpy(), flat["col"].to_numpy()] = flat["value"].to_numpy()
    return _Window(keys, values)


def theil_sen_slopes(y: np.ndarray) -> np.ndarray:
    """Row-wise Theil-Sen slope of y against its column index, ignoring NaN; NaN if < 2 points."""
    n, w = y.shape
    i, j = np.triu_indices(w, k=1)
    gaps = (j - i).astype(np.float64)
    out = np.full(n, np.nan)
    for lo in range(0, n, _THEIL_SEN_BLOCK):
        block = y[lo : lo + _THEIL_SEN_BLOCK]
        slopes = (block[:, j] - block[:, i]) / gaps
        slopes.sort(axis=1)  # NaN sorts last, so the k valid slopes are the first k
        k = np.count_nonzero(~np.isnan(slopes), axis=1)
        low = np.take_along_axis(slopes, np.maximum((k - 1) // 2, 0)[:, None], axis=1)[:, 0]
        high = np.take_along_axis(slopes, (k // 2)[:, None], axis=1)[:, 0]
        out[lo : lo + _THEIL_SEN_BLOCK] = np.where(k > 0, (low + high) / 2, np.nan)
    return out


def min_days(window: int) -> int:
    """Observed days a window needs before its growth is trusted."""
    return max(3, math.ceil(window / 3))


def _velocity(win: _Window, windows: Sequence[int]) -> pl.DataFrame:
    logv = np.log1p(np.clip(win.values, 0.0, None))
    span = logv.shape[1]
    columns = []
    for w in windows:
        block = logv[:, span - w :]
        n_days = np.count_nonzero(~np.isnan(block), axis=1)
        slope = np.where(n_days >= min_days(w), theil_sen_slopes(block), np.nan)
        columns += [
            pl.Series(f"growth_{w}d", np.expm1(slope * w)).fill_nan(None),
            pl.Series(f"log_slope_{w}d", slope).fill_nan(None),
            pl.Series(f"n_days_{w}d", n_days, dtype=pl.Int64),
        ]
    return win.keys.with_columns(columns)


def velocity(daily: pl.DataFrame, today: date, windows: Sequence[int] = WINDOWS) -> pl.DataFrame:
    """Per series: growth_{w}d, log_slope_{w}d (per day), n_days_{w}d for each window w."""
    return _velocity(_window(daily, today, max(windows)), windows)


def _freshness(win: _Window, today: date, half_life_days: float) -> pl.DataFrame:
    # Every series in a window has at least one observed day (the window is built from observations).
    observed = ~np.isnan(win.values)
    days_since_last = np.argmax(observed[:, ::-1], axis=1)
    return win.keys.with_columns(
        # A Series works here; polars' stub says Expr.
        last_day=pl.lit(today) - pl.duration(days=pl.Series(days_since_last)),  # type: ignore[arg-type]
        days_since_last=pl.Series(days_since_last, dtype=pl.Int64),
        freshness=pl.Series(0.5 ** (days_since_last / half_life_days)),
    )


def freshness(daily: pl.DataFrame, today: date, half_life_days: float = HALF_LIFE_DAYS) -> pl.DataFrame:
    """Per series seen in the last 30 days: last_day, days_since_last, freshness (2 ** (-days / half-life))."""
    return _freshness(_window(daily, today, 30), today, half_life_days)


def _window_sizes(velocity_frame: pl.DataFrame) -> list[int]:
    return sorted(
        int(c[len("growth_") : -1]) for c in velocity_frame.columns if c.startswith("growth_") and c.endswith("d")
    )


def _onset() -> pl.Expr:
    b7, b30 = pl.col("log_slope_7d"), pl.col("log_slope_30d").clip(lower_bound=0).fill_null(0.0)
    rising = 1 - (-(7 * b7).clip(lower_bound=0) / RISE_SCALE).exp()
    novelty = pl.when(b7 > 0).then((1 - b30 / b7).clip(0.0, 1.0)).otherwise(0.0)
    return (rising * (0.5 + 0.5 * novelty)).fill_null(0.0)


def heat_scores(
    velocity_frame: pl.DataFrame,
    relevance: Mapping[str, float],
    freshness_frame: pl.DataFrame,
    *,
    weights: Mapping[int, float] | None = None,
    growth_scale: float = GROWTH_SCALE,
) -> pl.DataFrame:
    """Per topic (keyword, region): sources, growth_{w}d, growth_rate, velocity_score, relevance, freshness,
    onset, recency, heat_score; hottest first. Recency needs 7- and 30-day slopes (else onset 0)."""
    windows = _window_sizes(velocity_frame)
    weights = weights or {w: WINDOW_WEIGHTS.get(w, 1.0) for w in windows}
    combined = [pl.col("source").unique().sort().alias("sources")]
    for w in windows:
        slope, n_days = pl.col(f"log_slope_{w}d"), pl.col(f"n_days_{w}d")
        weight = pl.when(slope.is_not_null()).then(n_days).otherwise(0)
        combined.append(pl.when(weight.sum() > 0).then((slope * n_days).sum() / weight.sum()).alias(f"log_slope_{w}d"))
    topics = (
        velocity_frame.group_by(TOPIC_KEYS)
        .agg(combined)
        .with_columns((pl.col(f"log_slope_{w}d") * w).exp().sub(1).alias(f"growth_{w}d") for w in windows)
    )
    for w in (7, 30):
        if f"log_slope_{w}d" not in topics.columns:
            topics = topics.with_columns(pl.lit(None, pl.Float64).alias(f"log_slope_{w}d"))
    known = [pl.col(f"growth_{w}d").is_not_null().cast(pl.Float64) * weights[w] for w in windows]
    weighted = [pl.col(f"growth_{w}d") * weights[w] for w in windows]
    relevance_frame = pl.DataFrame(
        {"keyword": list(relevance), "relevance": list(relevance.values())},
        schema={"keyword": pl.String, "relevance": pl.Float64},
    )
    fresh = freshness_frame.group_by(TOPIC_KEYS).agg(pl.col("freshness").max())
    return (
        topics.with_columns(
            growth_rate=pl.when(pl.sum_horizontal(known) > 0).then(
                pl.sum_horizontal(weighted) / pl.sum_horizontal(known)
            ),
            onset=_onset(),
        )
        .with_columns(velocity_score=1 - (-pl.col("growth_rate").clip(lower_bound=0) / growth_scale).exp())
        .join(relevance_frame, on="keyword", how="left")
        .join(fresh, on=TOPIC_KEYS, how="left")
        .with_columns(recency=pl.col("freshness").fill_null(0.0) * pl.col("onset"))
        .with_columns(heat_score=100 * pl.col("velocity_score") * pl.col("relevance") * pl.col("recency"))
        .select(
            *TOPIC_KEYS,
            "sources",
            *(f"growth_{w}d" for w in windows),
            "growth_rate",
            "velocity_score",
            "relevance",
            "freshness",
            "onset",
            "recency",
            "heat_score",
        )
        .sort(["heat_score", "keyword", "region"], descending=[True, False, False], nulls_last=True)
    )


def _latest_and_sparkline(win: _Window) -> pl.DataFrame:
    values = win.values
    observed = ~np.isnan(values)
    last_col = values.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1)
    latest = values[np.arange(values.shape[0]), last_col]
    sparkline = pl.Series("series", values[:, -SPARKLINE_DAYS:]).arr.to_list()
    rank = {source: i for i, source in enumerate(SOURCE_PREFERENCE)}
    return (
        win.keys.with_columns(
            pl.Series("latest_value", latest).fill_nan(None), sparkline.list.eval(pl.element().fill_nan(None))
        )
        .with_columns(source_rank=pl.col("source").replace_strict(rank, default=len(rank), return_dtype=pl.Int32))
        .sort([*TOPIC_KEYS, "source_rank", "source"])
        .unique(subset=TOPIC_KEYS, keep="first", maintain_order=True)
        .select(
            *TOPIC_KEYS,
            "latest_value",
            value_kind=pl.col("source").replace_strict(VALUE_KINDS, default="value", return_dtype=pl.String),
            series="series",
        )
    )


def detect_trends(
    obs: pl.DataFrame,
    niche_keywords: Sequence[str],
    today: date,
    *,
    windows: Sequence[int] = WINDOWS,
    half_life_days: float = HALF_LIFE_DAYS,
    weights: Mapping[int, float] | None = None,
    growth_scale: float = GROWTH_SCALE,
) -> pl.DataFrame:
    """The whole pipeline for one creator's niche, hottest topic first (one row per keyword and region)."""
    span = max(*windows, SPARKLINE_DAYS)
    win = _window(_daily(obs, today, span), today, span)
    matches = relevance_matches(win.keys["keyword"].unique().sort().to_list(), niche_keywords)
    heat = heat_scores(
        _velocity(win, windows),
        {k: score for k, (score, _) in matches.items()},
        _freshness(win, today, half_life_days),
        weights=weights,
        growth_scale=growth_scale,
    )
    categories = pl.DataFrame(
        {"keyword": list(matches), "category": [category for _, category in matches.values()]},
        schema={"keyword": pl.String, "category": pl.String},
    )
    return (
        heat.join(_latest_and_sparkline(win), on=TOPIC_KEYS, how="left")
        .join(categories, on="keyword", how="left")
        .rename({"keyword": "topic"})
        .select(
            "topic",
            "sources",
            "region",
            *(f"growth_{w}d" for w in windows),
            "growth_rate",
            "velocity_score",
            "relevance",
            "freshness",
            "onset",
            "recency",
            "heat_score",
            "latest_value",
            "value_kind",
            "category",
            "series",
        )
    )
