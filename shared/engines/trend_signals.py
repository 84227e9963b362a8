"""Stored trend observations -> what detection reads: growth readings and comparable interest levels.

Sources report on different scales, and not every number is an amount of interest:
- pinterest_trends `index` (each keyword scaled to its own peak = 100 in every response): a reading is
  put on one scale per keyword by its response's baseline (the mean of its weekly points older than
  8 weeks, trend_sources.series_baseline), value = 100 * index / baseline (100 = the keyword's level
  two months ago and before). These are the velocity readings. A reading without a baseline keeps its
  raw index.
- `volume` readings (a source that reports an amount of searches) pass unchanged.
- Everything else is no amount of interest and is left out of velocity: pinterest `rank` (position
  in a list sorted by growth), youtube_suggest `rank` (a suggestion's position: a keyword that
  stays first while its searches double shows no change), Instagram hashtag counts (how many posts
  were made: supply, not demand) and `group_index` levels (their scale moves with the group's peak).

Interest levels comparable across keywords (`group_levels`): Pinterest with normalize_against_group
scales every keyword of one response to the response's highest weekly point. Two responses of one run
are put on one scale through the keywords they share: factor(B) = median over shared keywords k of
sum(series_ref[k]) / sum(series_B[k]), the reference being the response with the most keywords. A
keyword's level is its latest weekly point times its response's factor (the reference's reading when
it has one); a response sharing no keyword with the reference cannot be placed and is left out.
"""

from __future__ import annotations

import polars as pl

ENGINE_COLUMNS = ("keyword", "source", "region", "observed_at", "value")


def detection_input(obs: pl.DataFrame) -> pl.DataFrame:
    """keyword, source, region, observed_at, value: one interest reading per usable observation."""
    kind, value = pl.col("value_kind"), pl.col("value").cast(pl.Float64)
    baseline = pl.col("baseline").cast(pl.Float64) if "baseline" in obs.columns else pl.lit(None, pl.Float64)
    reading = (
        pl.when((kind == "index") & (pl.col("source") == "pinterest_trends"))
        .then(pl.when(baseline > 0).then(100 * value / baseline).otherwise(value))
        .when(kind == "volume")
        .then(value)
    )
    return obs.with_columns(value=reading).filter(pl.col("value").is_not_null()).select(*ENGINE_COLUMNS)


def group_levels(responses: pl.DataFrame) -> pl.DataFrame:
    """keyword, level, response from rows (response, keyword, latest, total): one response's group-scaled
    latest weekly point and the sum of its series per keyword. Levels are on the reference response's scale."""
    if responses.is_empty():
        return pl.DataFrame(schema={"keyword": pl.String, "level": pl.Float64, "response": pl.Int64})
    sizes = responses.group_by("response").agg(n=pl.len()).sort(["n", "response"], descending=[True, False])
    reference = sizes["response"][0]
    ref = responses.filter(pl.col("response") == reference).select("keyword", ref_total="total")
    factors = (
        responses.join(ref, on="keyword")
        .filter((pl.col("total") > 0) & (pl.col("ref_total") > 0))
        .group_by("response")
        .agg(factor=(pl.col("ref_total") / pl.col("total")).median())
    )
    placed = responses.join(factors, on="response").with_columns(level=pl.col("latest") * pl.col("factor"))
    return (
        placed.with_columns(is_reference=pl.col("response") == reference)
        .sort(["keyword", "is_reference", "response"], descending=[False, True, False])
        .group_by("keyword", maintain_order=True)
        .agg(pl.col("level").first(), pl.col("response").first())
        .select("keyword", pl.col("level").cast(pl.Float64), pl.col("response").cast(pl.Int64))
    )
