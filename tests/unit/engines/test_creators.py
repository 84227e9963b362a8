"""Creator growth is recovered from exact follower series; formats are described in plain words."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

import polars as pl
import pytest

from shared.engines.creators import creator_growth, format_description, rank_trending_creators

TODAY = date(2024, 6, 30)
NOON = datetime(2024, 6, 30, 12, tzinfo=timezone.utc)


def history(*series: tuple[str, float, list[float]]) -> pl.DataFrame:
    """Rows for (creator_id, daily log-growth rate, days_ago list) starting from 1,000 followers."""
    rows = [
        (cid, f"@{cid}", "instagram", NOON - timedelta(days=d), 1000.0 * math.exp(-rate * d))
        for cid, rate, days in series
        for d in days
    ]
    columns = ["creator_id", "handle", "platform", "observed_at", "followers"]
    return pl.DataFrame(rows, schema=columns, orient="row")


def test_growth_of_an_exact_exponential_follower_series_is_recovered():
    growth = creator_growth(history(("a", 0.01, [0, 3, 9, 14, 22, 28]), ("b", -0.005, [1, 8, 20])), TODAY)
    rows = {r["creator_id"]: r for r in growth.iter_rows(named=True)}
    assert rows["a"]["growth_rate"] == pytest.approx(math.exp(0.3) - 1)
    assert rows["a"]["followers"] == 1000.0 and rows["a"]["n_points"] == 6
    assert rows["b"]["growth_rate"] == pytest.approx(math.exp(-0.15) - 1)


def test_growth_is_per_30_days_whatever_the_window_and_ignores_older_points():
    growth = creator_growth(history(("a", 0.02, [0, 5, 10, 60, 90])), TODAY, window_days=14)
    row = growth.row(0, named=True)
    assert row["n_points"] == 3 and row["span_days"] == 10
    assert row["growth_rate"] == pytest.approx(math.exp(0.6) - 1)


def test_too_few_points_or_too_short_a_span_is_unknown():
    hist = history(("one", 0.01, [2]), ("short", 0.01, [0, 1, 2]), ("old", 0.01, [40, 50]))
    growth = creator_growth(hist, TODAY)
    assert growth["growth_rate"].to_list() == [None, None, None]


def posts(
    n: int, every_days: float, types: list[str], durations: list[float | None], formats: list[str | None]
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "creator_id": ["a"] * n,
            "posted_at": [NOON - timedelta(days=every_days * i) for i in range(n)],
            "duration_s": durations,
            "content_format": formats,
            "type": types,
        },
        schema_overrides={"duration_s": pl.Float64, "content_format": pl.String},
    )


def test_format_description_names_type_length_rate_and_favourite_format():
    frame = posts(
        10,
        2,
        ["reel"] * 7 + ["carousel"] * 3,
        [20.0] * 7 + [None, 45.0, 70.0],
        ["timelapse"] * 6 + ["tutorial"] * 2 + [None] * 2,
    )
    assert format_description(frame) == (
        "Mostly reels (70%), typically 15-30 s, about 4 posts a week; favours timelapse"
    )


def test_format_description_of_a_mixed_infrequent_creator_without_durations():
    frame = posts(4, 10, ["image", "image", "carousel", "video"], [None] * 4, [None, "before_after", None, None])
    assert format_description(frame) == (
        "Mix of images (50%) and carousels (25%), about 4 posts a month; favours before/after"
    )
    assert format_description(frame.clear()) == "No recent posts"


def sized(*series: tuple[str, float, float, list[int]]) -> pl.DataFrame:
    """Rows for (creator_id, followers today, daily log-growth, days_ago)."""
    rows = [
        (cid, f"@{cid}", "youtube", NOON - timedelta(days=d), round(size * math.exp(-rate * d)))
        for cid, size, rate, days in series
        for d in days
    ]
    return pl.DataFrame(rows, schema=["creator_id", "handle", "platform", "observed_at", "followers"], orient="row")


def test_trending_creators_rank_by_size_aware_growth_above_a_floor():
    hist = sized(
        ("tiny", 680.0, 0.004, [0, 10, 20]),  # +12.7 % a month, but 680 followers: under the floor
        ("small", 2_000.0, 0.003, [0, 10, 20]),  # +9.4 %  -> 9.4 % x 2,000 / 7,000 = 2.7 %
        ("big", 50_000.0, 0.001, [0, 10, 20]),  # +3.0 %  -> 3.0 % x 50,000 / 55,000 = 2.8 %
        ("new", 9_000.0, 0.05, [0]),
    )  # one check: growth unknown, listed last
    frame = posts(10, 2, ["reel"] * 10, [20.0] * 10, ["timelapse"] * 10)
    ranked = rank_trending_creators(hist, frame, TODAY, niches={"big": "resin"})
    assert ranked["creator_id"].to_list() == ["big", "small", "new"]
    assert ranked["rank"].to_list() == [1, 2, 3]
    big = ranked.row(0, named=True)
    g = math.exp(0.03) - 1
    assert big["trend_score"] == pytest.approx(g * 50_000 / 55_000, rel=1e-4)
    assert big["followers_gained"] == round(50_000 - 50_000 / (1 + big["growth_rate"]))
    assert big["niche"] == "resin" and big["format_description"] == "No recent posts"
    assert ranked.row(2, named=True)["trend_score"] is None
    assert rank_trending_creators(hist, frame, TODAY, limit=1).height == 1


def test_trend_score_of_one_creator_matches_the_frame_expression():
    from shared.engines.creators import trend_score

    assert trend_score(0.04, 680) == (26, pytest.approx(0.04 * 680 / 5_680))
    assert trend_score(None, 680) == (None, None) and trend_score(0.1, None) == (None, None)
