"""Equal windows over covered days: each platform compared on the days both periods report, or not at all."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shared.engines.overview import compare_platform, totals

TODAY = dt.date(2026, 11, 25)
SCHEMA = {
    "day": pl.Date,
    "followers": pl.Float64,
    "reach": pl.Float64,
    "views": pl.Float64,
    "saves": pl.Float64,
    "shares": pl.Float64,
    "watch_hours": pl.Float64,
    "engagements": pl.Float64,
    "engagement_base": pl.Float64,
}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in SCHEMA} for r in rows], schema=SCHEMA)


def day(back: int) -> dt.date:
    return TODAY - dt.timedelta(days=back)


def test_a_lagging_platform_is_compared_on_its_own_last_complete_days():
    # Views on days -3..-16 (YouTube Analytics lags 3 days): current = -3..-9 at 20 a day, previous -10..-16 at 10.
    rows = [{"day": day(b), "views": 20.0 if b <= 9 else 10.0} for b in range(3, 17)]
    result = compare_platform(frame(rows), TODAY, 7)
    assert result["window"] == {"start": day(9), "end": day(3), "previous_start": day(16), "previous_end": day(10)}
    views = result["metrics"]["views"]
    assert (views["value"], views["previous"], views["change"], views["change_pct"]) == (140.0, 70.0, 70.0, 100.0)
    assert (views["days_compared"], views["coverage"]) == (7, 1.0)
    assert result["metrics"]["saves"]["value"] is None and result["metrics"]["saves"]["change_pct"] is None


def test_today_is_never_a_complete_day():
    rows = [{"day": day(b), "views": 5.0} for b in range(0, 15)]
    assert compare_platform(frame(rows), TODAY, 7)["window"]["end"] == day(1)


def test_a_missing_day_drops_its_partner_so_both_sides_cover_the_same_days():
    rows = [{"day": day(b), "views": float(b)} for b in range(1, 15) if b != 10]  # day -10 pairs with day -3
    views = compare_platform(frame(rows), TODAY, 7)["metrics"]["views"]
    current = [1, 2, 4, 5, 6, 7]
    assert views["value"] == sum(current) and views["previous"] == sum(b + 7 for b in current)
    assert views["days_compared"] == 6 and views["coverage"] == round(6 / 7, 4)


def test_below_eighty_percent_coverage_there_is_no_percent_only_what_each_window_has():
    rows = [{"day": day(b), "views": 10.0} for b in range(1, 8)] + [{"day": day(b), "views": 30.0} for b in (8, 9)]
    views = compare_platform(frame(rows), TODAY, 7)["metrics"]["views"]
    assert (views["value"], views["previous"]) == (70.0, 60.0)
    assert views["change"] is None and views["change_pct"] is None and views["days_compared"] == 2


def test_engagement_rate_is_pooled_over_the_paired_days():
    rows = [{"day": day(b), "views": 100.0, "engagements": 5.0, "engagement_base": 100.0} for b in range(1, 8)]
    rows += [{"day": day(b), "views": 100.0, "engagements": 2.0, "engagement_base": 100.0} for b in range(8, 15)]
    rate = compare_platform(frame(rows), TODAY, 7)["metrics"]["engagement_rate"]
    assert rate["value"] == pytest.approx(0.05) and rate["previous"] == pytest.approx(0.02)
    assert rate["change_pct"] == 150.0


def test_followers_compare_with_the_count_one_period_earlier():
    rows = [
        {"day": day(0), "followers": 1100.0},
        {"day": day(8), "followers": 1000.0},
        {"day": day(20), "followers": 900.0},
    ]
    followers = compare_platform(frame(rows), TODAY, 7)["metrics"]["followers"]
    assert (followers["value"], followers["previous"], followers["change_pct"]) == (1100.0, 1000.0, 10.0)
    alone = compare_platform(frame([{"day": day(0), "followers": 77.0}]), TODAY, 7)["metrics"]["followers"]
    assert alone["value"] == 77.0 and alone["previous"] is None and alone["change"] is None


def test_a_total_is_compared_only_when_every_platform_in_it_is():
    full = frame([{"day": day(b), "views": 20.0 if b <= 7 else 10.0} for b in range(1, 15)])
    also = frame([{"day": day(b), "views": 5.0} for b in range(1, 15)])
    young = frame([{"day": day(b), "views": 50.0} for b in range(1, 8)])  # nothing before: no comparison
    both = totals({"youtube": compare_platform(full, TODAY, 7), "instagram": compare_platform(also, TODAY, 7)}, 7)
    assert (both["views"]["value"], both["views"]["previous"], both["views"]["change_pct"]) == (175.0, 105.0, 66.67)
    partial = totals({"youtube": compare_platform(full, TODAY, 7), "pinterest": compare_platform(young, TODAY, 7)}, 7)
    views = partial["views"]
    assert (views["value"], views["previous"], views["change"], views["change_pct"]) == (490.0, None, None, None)
    assert views["platforms"] == ["youtube", "pinterest"] and views["not_compared"] == ["pinterest"]
