"""Trend velocity, recency and heat recover known growth from noisy, gappy, duplicated readings."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

import numpy as np
import polars as pl
import pytest

from shared.engines.trends import daily_series, detect_trends, freshness, heat_scores, theil_sen_slopes, velocity

TODAY = date(2024, 6, 30)
SCHEMA = {
    "keyword": pl.String,
    "source": pl.String,
    "region": pl.String,
    "observed_at": pl.Datetime("us", "UTC"),
    "value": pl.Float64,
}


def at(days_ago: int, hour: int = 12) -> datetime:
    day = TODAY - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def observations(readings: list[tuple[str, str, int, float]], region: str = "US") -> pl.DataFrame:
    """Rows from (keyword, source, days_ago, value); several rows on one day are duplicates."""
    rows = [(k, s, region, at(d, 8 + i % 12), v) for i, (k, s, d, v) in enumerate(readings)]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def exponential(rate: float, days_ago: int, level: float = 10.0) -> float:
    """A value whose log(1 + value) is exactly linear in the day number."""
    return level * math.exp(rate * (40 - days_ago)) - 1


def test_daily_series_takes_the_median_of_a_days_readings_and_invents_no_missing_day():
    obs = observations(
        [
            ("resin", "pinterest_trends", 3, 10.0),
            ("resin", "pinterest_trends", 3, 12.0),
            ("resin", "pinterest_trends", 3, 90.0),
            ("resin", "pinterest_trends", 1, 20.0),
            ("resin", "pinterest_trends", -1, 99.0),
        ]
    )  # tomorrow's reading is ignored
    daily = daily_series(obs, TODAY)
    assert daily["day"].to_list() == [TODAY - timedelta(days=3), TODAY - timedelta(days=1)]
    assert daily["value"].to_list() == [12.0, 20.0]
    assert daily["n_readings"].to_list() == [3, 1]


def test_velocity_recovers_the_growth_of_an_exact_exponential_series():
    obs = observations([("resin", "pinterest_trends", d, exponential(0.05, d)) for d in range(40)])
    row = velocity(daily_series(obs, TODAY), TODAY).row(0, named=True)
    assert row["growth_7d"] == pytest.approx(math.exp(0.05 * 7) - 1, abs=1e-9)
    assert row["growth_14d"] == pytest.approx(math.exp(0.05 * 14) - 1, abs=1e-9)
    assert row["growth_30d"] == pytest.approx(math.exp(0.05 * 30) - 1, abs=1e-9)
    assert (row["n_days_7d"], row["n_days_14d"], row["n_days_30d"]) == (7, 14, 30)


def test_velocity_is_unmoved_by_missing_days_a_duplicated_noisy_day_and_one_outlier():
    missing = {2, 5, 6, 11, 17, 18, 19, 25}
    readings = [("resin", "pinterest_trends", d, exponential(0.04, d)) for d in range(40) if d not in missing]
    true_4 = exponential(0.04, 4)
    readings += [("resin", "pinterest_trends", 4, true_4 * 5), ("resin", "pinterest_trends", 4, 0.0)]
    readings = [(k, s, d, 500.0 if d == 9 else v) for k, s, d, v in readings]  # a one-day spike
    row = velocity(daily_series(observations(readings), TODAY), TODAY).row(0, named=True)
    for w in (7, 14, 30):
        assert row[f"growth_{w}d"] == pytest.approx(math.exp(0.04 * w) - 1, abs=1e-9)
    assert row["n_days_7d"] == 4  # days 0, 1, 3, 4 of the last 7
    assert row["n_days_30d"] == 30 - len([d for d in missing if d < 30])


def test_a_window_with_too_few_observed_days_has_no_growth():
    # Last 7 days: days 0 and 3 only (< 3 needed); last 14: 0, 3, 8, 12 (< 5 needed); last 30: + 20, 25.
    obs = observations([("resin", "youtube_suggest", d, 10.0 + d) for d in (0, 3, 8, 12, 20, 25)])
    row = velocity(daily_series(obs, TODAY), TODAY).row(0, named=True)
    assert row["growth_7d"] is None and row["growth_14d"] is None
    assert row["growth_30d"] is None  # 6 days observed, 10 needed
    assert (row["n_days_7d"], row["n_days_14d"], row["n_days_30d"]) == (2, 4, 6)


def test_theil_sen_takes_the_median_pairwise_slope_and_skips_gaps():
    y = np.array([[0.0, 1.0, np.nan, 3.0, 4.0, 50.0], [np.nan, np.nan, 1.0, np.nan, np.nan, np.nan]])
    # Row 0 pairwise slopes: six of 1 among days 0, 1, 3, 4, then 10, 12.25, 23.5, 46 -> median 1.
    slopes = theil_sen_slopes(y)
    assert slopes[0] == 1.0
    assert math.isnan(slopes[1])


def test_freshness_halves_per_half_life_since_the_last_reading():
    obs = observations(
        [("old", "pinterest_trends", d, 10.0) for d in range(7, 21)]
        + [("new", "pinterest_trends", d, 10.0) for d in range(0, 10)]
    )
    rows = {r["keyword"]: r for r in freshness(daily_series(obs, TODAY), TODAY, half_life_days=7).iter_rows(named=True)}
    assert (rows["old"]["days_since_last"], rows["old"]["freshness"]) == (7, 0.5)
    assert rows["old"]["last_day"] == TODAY - timedelta(days=7)
    assert (rows["new"]["days_since_last"], rows["new"]["freshness"]) == (0, 1.0)


def velocity_row(keyword: str, source: str, slopes: dict[int, float | None], n_days: int = 10) -> dict:
    row: dict = {"keyword": keyword, "source": source, "region": "US"}
    for w, b in slopes.items():
        row |= {f"growth_{w}d": None if b is None else math.expm1(b * w), f"log_slope_{w}d": b, f"n_days_{w}d": n_days}
    return row


def fresh_rows(*keywords_and_values: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"keyword": k, "source": s, "region": "US", "freshness": f} for k, s, f in keywords_and_values]
    )


def test_heat_is_the_product_of_velocity_relevance_and_recency_on_an_absolute_scale():
    vel = pl.DataFrame([velocity_row("resin tray", "pinterest_trends", {7: 0.03, 14: 0.02, 30: None})])
    heat = heat_scores(vel, {"resin tray": 0.8}, fresh_rows(("resin tray", "pinterest_trends", 0.6)))
    row = heat.row(0, named=True)
    g7, g14 = math.expm1(0.21), math.expm1(0.28)
    growth = (0.5 * g7 + 0.3 * g14) / 0.8  # the 30-day window is unknown, so weights renormalise
    assert row["growth_rate"] == pytest.approx(growth)
    assert row["velocity_score"] == pytest.approx(1 - math.exp(-growth / 0.5))
    # Rising this week (7 x 0.03 = 0.21 in log terms), 30-day slope unknown: all of the rise counts as new.
    onset = 1 - math.exp(-0.21 / 0.1)
    assert (row["onset"], row["recency"]) == (pytest.approx(onset), pytest.approx(0.6 * onset))
    assert row["heat_score"] == pytest.approx(100 * (1 - math.exp(-growth / 0.5)) * 0.8 * 0.6 * onset)


@pytest.mark.parametrize(
    ("b7", "b30", "onset"),
    [
        (0.0, 0.0, 0.0),  # flat: not recent at all
        (0.0005, 0.0, 1 - math.exp(-0.0035 / 0.1)),  # a noise-sized wiggle: nearly 0
        (0.02, 0.0, 1 - math.exp(-0.14 / 0.1)),  # new this week: novelty 1
        (0.02, 0.02, (1 - math.exp(-0.14 / 0.1)) * 0.5),  # same pace all month: novelty 0
        (0.02, 0.01, (1 - math.exp(-0.14 / 0.1)) * 0.75),  # half of it is new
        (-0.03, 0.02, 0.0),  # falling this week
    ],
)
def test_recency_comes_from_the_velocity_slopes_so_a_flat_series_is_not_recent(b7, b30, onset):
    vel = pl.DataFrame([velocity_row("resin tray", "pinterest_trends", {7: b7, 14: b7, 30: b30})])
    row = heat_scores(vel, {"resin tray": 1.0}, fresh_rows(("resin tray", "pinterest_trends", 1.0))).row(0, named=True)
    assert row["onset"] == pytest.approx(onset) and row["recency"] == pytest.approx(onset)


def test_a_declining_topic_has_zero_velocity_score_and_zero_heat():
    vel = pl.DataFrame([velocity_row("crochet top", "youtube_suggest", {7: -0.05, 14: -0.02, 30: 0.01})])
    recent = fresh_rows(("crochet top", "youtube_suggest", 1.0))
    row = heat_scores(vel, {"crochet top": 1.0}, recent).row(0, named=True)
    assert row["growth_rate"] < 0
    assert row["velocity_score"] == 0.0
    assert row["heat_score"] == 0.0


def test_sources_of_one_topic_combine_as_a_day_weighted_mean_of_log_slopes():
    vel = pl.DataFrame(
        [
            velocity_row("boho", "pinterest_trends", {7: 0.02}, n_days=6),
            velocity_row("boho", "instagram_hashtag", {7: 0.08}, n_days=3),
        ]
    )
    row = heat_scores(
        vel, {"boho": 1.0}, fresh_rows(("boho", "pinterest_trends", 0.4), ("boho", "instagram_hashtag", 0.9))
    ).row(0, named=True)
    assert row["sources"] == ["instagram_hashtag", "pinterest_trends"]
    assert row["growth_7d"] == pytest.approx(math.expm1((6 * 0.02 + 3 * 0.08) / 9 * 7))
    assert row["freshness"] == 0.9  # the freshest source


def test_detect_trends_returns_one_explained_row_per_topic():
    readings = [
        (k, s, d, exponential(0.05, d))
        for k in ("epoxy coasters", "crypto")
        for s in ("pinterest_trends", "instagram_hashtag")
        for d in range(35)
        if d != 3
    ]
    trends = detect_trends(observations(readings), ["eco resin", "crochet"], TODAY)
    assert trends.columns == [
        "topic",
        "sources",
        "region",
        "growth_7d",
        "growth_14d",
        "growth_30d",
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
    ]
    top = trends.row(0, named=True)
    assert top["topic"] == "epoxy coasters" and top["category"] == "resin"
    assert top["value_kind"] == "interest_index"  # Pinterest's index is preferred for display
    assert top["latest_value"] == pytest.approx(exponential(0.05, 0))
    assert len(top["series"]) == 30 and top["series"][-4] is None  # day 3 was never observed
    assert top["heat_score"] == pytest.approx(100 * top["velocity_score"] * top["relevance"] * top["recency"])
    crypto = trends.filter(pl.col("topic") == "crypto").row(0, named=True)
    assert crypto["relevance"] == 0.0 and crypto["heat_score"] == 0.0 and crypto["category"] is None


def test_detect_trends_accepts_no_observations():
    assert detect_trends(pl.DataFrame(schema=SCHEMA), ["crochet"], TODAY).is_empty()


BACKGROUND = [
    f"{head} {tail}"
    for head in (
        "resin",
        "crochet",
        "boho",
        "candle",
        "football",
        "skincare",
        "iphone",
        "sourdough",
        "macrame",
        "pottery",
        "crypto",
        "yarn",
    )
    for tail in ("ideas", "tutorial", "haul", "review", "gift")
]


def test_a_planted_on_niche_rise_tops_the_heat_and_an_off_niche_rise_does_not():
    rng = np.random.default_rng(11)
    rows = []
    planted = {"epoxy geode coasters": 0.06, "protein pancakes": 0.08}
    for keyword in [*BACKGROUND, *planted]:
        level = rng.uniform(10, 70)
        for source in ("pinterest_trends", "youtube_suggest", "instagram_hashtag"):
            for days_ago in range(45):
                if rng.random() < 0.2:
                    continue  # missing day
                rise = planted.get(keyword, 0.0) * max(0, 14 - days_ago)  # rising over the last 2 weeks
                for _ in range(rng.integers(1, 4)):  # duplicated readings per day
                    rows.append((keyword, source, days_ago, level * math.exp(rise) * rng.lognormal(0, 0.1)))
    niche = ["eco resin", "crochet", "handmade decor", "slow crafting"]
    trends = detect_trends(observations(rows), niche, TODAY)
    ranked = trends["topic"].to_list()
    assert len(ranked) == len(BACKGROUND) + 2
    assert "epoxy geode coasters" in ranked[:3]
    assert "protein pancakes" not in ranked[:10]
    assert trends.row(0, named=True)["heat_score"] > 2 * trends.row(3, named=True)["heat_score"]
