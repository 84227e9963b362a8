"""Her hashtags ranked by how the posts carrying them did, shrunk so a lucky pair cannot lead."""

from __future__ import annotations

import polars as pl
import pytest

from shared.engines.hashtags import PRIOR_POSTS, hashtag_performance, hashtags_in


def test_hashtags_are_read_once_each_in_lower_case():
    assert hashtags_in("New drop! #Resin #resin #eco_resin and #a, #slowcrafting.") == [
        "#resin",
        "#eco_resin",
        "#slowcrafting",
    ]
    assert hashtags_in(None) == []


def test_tags_are_ranked_by_shrunk_relative_rate_and_rare_tags_are_left_out():
    # Instagram only: 20 posts with #good save at twice the rate of 20 with #plain; #lucky is on 2 posts.
    rows = [(f"g{i}", 1000, 40, "#good #common") for i in range(20)]
    rows += [(f"p{i}", 1000, 20, "#plain #common") for i in range(20)]
    rows += [("l0", 1000, 80, "#lucky"), ("l1", 1000, 80, "#lucky")]
    posts = pl.DataFrame(rows, schema=["post_id", "views", "saves", "caption"], orient="row").with_columns(
        pl.lit("instagram").alias("platform"), pl.lit("reel").alias("type"), pl.lit(None, pl.Int64).alias("shares")
    )
    ranked = hashtag_performance(posts)
    assert ranked.get_column("tag").to_list() == ["#good", "#common", "#plain"]
    mean = (20 * 40 + 20 * 20 + 2 * 80) / 42 / 1000  # the stratum's mean save rate
    good = ranked.row(0, named=True)
    assert good["posts"] == 20 and good["mean_relative_rate"] == pytest.approx(0.04 / mean)
    assert good["score"] == pytest.approx((20 * 0.04 / mean + PRIOR_POSTS) / (20 + PRIOR_POSTS))
