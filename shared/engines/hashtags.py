"""Her own hashtags, ranked by how the posts that carry them did.

A tag's score is the mean relative rate (a post's save or share rate over its platform x type mean,
averaged over the metrics it has) of the posts that carry it, shrunk toward 1 (her typical post) with
the weight of PRIOR_POSTS posts, so a tag on two lucky posts cannot outrank one she uses every week.
"""

from __future__ import annotations

import re

import polars as pl

from shared.engines.patterns import rate_frame

MIN_POSTS = 5
PRIOR_POSTS = 10
_TAG = re.compile(r"#(\w{2,60})", re.UNICODE)


def hashtags_in(text: str | None) -> list[str]:
    """Distinct lower-case hashtags in a caption, in order of appearance."""
    return list(dict.fromkeys(f"#{m.lower()}" for m in _TAG.findall(text or "")))


def hashtag_performance(posts: pl.DataFrame, *, min_posts: int = MIN_POSTS) -> pl.DataFrame:
    """tag, posts, mean_relative_rate, score (shrunk toward 1), best first; tags on fewer than min_posts left out."""
    schema = {"tag": pl.Utf8, "posts": pl.Int64, "mean_relative_rate": pl.Float64, "score": pl.Float64}
    rates = [rate_frame(posts, m).select("post_id", "relative_rate") for m in ("save_rate", "share_rate")]
    relative = pl.concat(rates).group_by("post_id").agg(pl.col("relative_rate").mean())
    if relative.height == 0 or "caption" not in posts.columns:
        return pl.DataFrame(schema=schema)
    tagged = (
        posts.select(
            pl.col("post_id").cast(pl.Utf8),
            pl.col("caption").map_elements(hashtags_in, return_dtype=pl.List(pl.Utf8)).alias("tag"),
        )
        .explode("tag", empty_as_null=True)
        .drop_nulls("tag")
        .unique(["post_id", "tag"])
    )
    stats = (
        tagged.join(relative, on="post_id")
        .group_by("tag")
        .agg(pl.len().cast(pl.Int64).alias("posts"), pl.col("relative_rate").mean().alias("mean_relative_rate"))
        .filter(pl.col("posts") >= min_posts)
        .with_columns(
            ((pl.col("posts") * pl.col("mean_relative_rate") + PRIOR_POSTS) / (pl.col("posts") + PRIOR_POSTS)).alias(
                "score"
            )
        )
    )
    return stats.sort(["score", "posts", "tag"], descending=[True, True, False]).select(list(schema))
