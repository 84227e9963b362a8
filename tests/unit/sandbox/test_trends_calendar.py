"""The trends sandbox's keyword model lives on the market calendar: a rise happens on its dates whatever day
the trends clock answers for, and the ground truth it reports is the model's own noiseless growth."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from scripts.sandbox.trends import daily_volume, keyword_catalog, trend_rows, truth

ANCHOR = date(2026, 11, 25)  # the sandbox's start-up today
SCENARIO = {
    "keywords": [
        {"keyword": "Epoxy Resin Coasters", "base": 30, "daily_growth": 0.05, "start_days_ago": 45, "noise": 0.08},
        {"keyword": "dried flower frames", "base": 40, "daily_growth": -0.02, "start": "2026-11-01", "days": 10},
    ]
}


def _entry(keyword: str) -> dict:
    return next(e for e in keyword_catalog(SCENARIO, ANCHOR) if e["keyword"] == keyword)


def test_a_rise_starts_on_its_calendar_date_not_relative_to_the_replay_day():
    entry = _entry("epoxy resin coasters")
    assert entry["start"] == ANCHOR - timedelta(days=45)
    # The volume on one calendar date is the same seen from any later day.
    seen_late = daily_volume(7, entry, ANCHOR, days=60)
    seen_early = daily_volume(7, entry, ANCHOR - timedelta(days=21), days=39)
    assert seen_early == pytest.approx(seen_late[:39])


def test_replayed_days_show_the_rise_happening():
    week_ends = {}
    for back in (21, 14, 7, 0):
        day = ANCHOR - timedelta(days=back)
        row = next(
            r for r in trend_rows(7, SCENARIO, day, anchor=ANCHOR) if r["entry"]["keyword"] == "epoxy resin coasters"
        )
        week_ends[day] = row["weekly"][-1]
    levels = list(week_ends.values())
    assert levels == sorted(levels) and levels[-1] / levels[0] > math.exp(0.05 * 21) * 0.8


def test_truth_reports_the_planted_growth_per_window():
    during = {r["keyword"]: r for r in truth(7, SCENARIO, ANCHOR, ANCHOR)}
    rising = during["epoxy resin coasters"]["growth"]
    assert rising["d7"] == pytest.approx(math.expm1(0.05 * 7))
    assert rising["d14"] == pytest.approx(math.expm1(0.05 * 14))
    before = {r["keyword"]: r for r in truth(7, SCENARIO, ANCHOR, ANCHOR - timedelta(days=60))}
    assert abs(before["epoxy resin coasters"]["growth"]["d7"]) < 0.02  # flat before its start date
    assert during["epoxy resin coasters"]["volume_7d"] > 5 * before["epoxy resin coasters"]["volume_7d"]


def test_a_bounded_fall_holds_its_level_after_its_last_day():
    falling = _entry("dried flower frames")
    volume = daily_volume(7, {**falling, "noise": 0.0}, date(2026, 11, 30), days=40)
    start = 40 - (date(2026, 11, 30) - date(2026, 11, 1)).days
    assert volume[start + 10] / volume[start] == pytest.approx(math.exp(-0.2), rel=0.02)
    assert volume[-1] / volume[start + 10] == pytest.approx(1.0, rel=0.05)  # only seasonality moves it after
