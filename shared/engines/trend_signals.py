"""Stored trend observations -> the "more is more interest" readings detect_trends expects.

Sources report on different scales, and not every number is an amount of interest:
- pinterest_trends `index`: each response scales a keyword to its own peak (= 100), so a rising
  keyword's past readings shrink in every newer response. A reading is put on one scale by its
  response's one-year median: value = 100 * index / baseline (100 = the keyword's typical week).
  A reading without a baseline keeps its raw index.
- pinterest_trends `rank`: position in a list already sorted by growth; says nothing about the
  amount of interest, so it is left out (the index points of the same response carry it).
- youtube_suggest `rank` r of up to SUGGEST_SLOTS suggestions: score = SUGGEST_SLOTS + 1 - r
  (first suggestion 10, tenth 1), so climbing the list reads as growth. Ranks past the slots score 0.
- `count` and `volume` readings (Instagram hashtag counts) are amounts already and pass unchanged.
"""
from __future__ import annotations

import polars as pl

SUGGEST_SLOTS = 10
ENGINE_COLUMNS = ("keyword", "source", "region", "observed_at", "value")


def detection_input(obs: pl.DataFrame) -> pl.DataFrame:
    """keyword, source, region, observed_at, value: one interest reading per usable observation."""
    kind, source, value = pl.col("value_kind"), pl.col("source"), pl.col("value").cast(pl.Float64)
    baseline = pl.col("baseline").cast(pl.Float64) if "baseline" in obs.columns else pl.lit(None, pl.Float64)
    reading = (
        pl.when(kind == "index")
        .then(pl.when(baseline > 0).then(100 * value / baseline).otherwise(value))
        .when((kind == "rank") & (source == "youtube_suggest"))
        .then((SUGGEST_SLOTS + 1 - value).clip(lower_bound=0))
        .when(kind.is_in(["count", "volume"]))
        .then(value)
    )
    return (
        obs.with_columns(value=reading)
        .filter(pl.col("value").is_not_null())
        .select(*ENGINE_COLUMNS)
    )
