"""Period-over-period comparison of daily account snapshots on equal windows over covered days.

Input: one row per (platform, day) with followers and the summed metrics (reach, views, saves, shares,
watch_hours, engagements, engagement_base); null where the platform did not report a metric that day.

- A platform's windows end on its last complete day (`as_of`): the latest day before today that reports
  any summed metric (today is still running; YouTube Analytics lags ~3 days, so its windows end earlier).
  Current = the `days` days ending as_of, previous = the `days` days before those.
- A metric is compared on paired days: day d of the current window counts only when d and d - days both
  report it. value and previous are the sums over those days, change = value - previous,
  change_pct = change / previous * 100; coverage = paired days / days.
- With coverage below MIN_COVERAGE (80 %) there is no fair comparison: value = the sum over the current
  window's reported days, previous = the same over the previous window (null when none), and change and
  change_pct are null: "not enough data", never a misleading percent.
- engagement_rate = sum(engagements) / sum(engagement_base) over the paired days reporting both.
- followers: the latest reported count up to today against the count `days` earlier (the latest one
  reported in the 3 days up to that day); no change without one.
- Totals add, per metric, the platforms that report it (`platforms`). The total is compared only when
  every one of them was (each on its own windows); otherwise it shows the current sum alone and names
  the platforms without a fair comparison (`not_compared`): a partial sum is no basis for a percent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

SUMMED = ("reach", "views", "saves", "shares", "watch_hours")
MIN_COVERAGE = 0.8
FOLLOWER_LOOKBACK_DAYS = 3


def _comparison(
    value: float | None, previous: float | None, paired: int | None, days: int, compared: bool
) -> dict[str, Any]:
    change = value - previous if compared and value is not None and previous is not None else None
    pct = round(change / previous * 100, 2) if change is not None and previous else None
    return {
        "value": value,
        "previous": previous,
        "change": change,
        "change_pct": pct,
        "days_compared": paired,
        "coverage": None if paired is None else round(paired / days, 4),
    }


def _sum(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _summed(series: dict[dt.date, dict[str, Any]], name: str, current: list[dt.date], days: int) -> dict[str, Any]:
    pairs = [
        d
        for d in current
        if series.get(d, {}).get(name) is not None and series.get(d - dt.timedelta(days=days), {}).get(name) is not None
    ]
    if len(pairs) >= MIN_COVERAGE * days:
        value = sum(series[d][name] for d in pairs)
        previous = sum(series[d - dt.timedelta(days=days)][name] for d in pairs)
        return _comparison(value, previous, len(pairs), days, True)
    value = _sum([series.get(d, {}).get(name) for d in current])
    previous = _sum([series.get(d - dt.timedelta(days=days), {}).get(name) for d in current])
    return _comparison(value, previous, len(pairs) if value is not None else None, days, False)


def _rate(series: dict[dt.date, dict[str, Any]], current: list[dt.date], days: int) -> dict[str, Any]:
    def both(day: dt.date) -> bool:
        row = series.get(day, {})
        return row.get("engagements") is not None and bool(row.get("engagement_base"))

    def rate(days_: list[dt.date]) -> float | None:
        base = sum(series[d]["engagement_base"] for d in days_)
        return sum(series[d]["engagements"] for d in days_) / base if days_ and base else None

    pairs = [d for d in current if both(d) and both(d - dt.timedelta(days=days))]
    if len(pairs) >= MIN_COVERAGE * days:
        return _comparison(rate(pairs), rate([d - dt.timedelta(days=days) for d in pairs]), len(pairs), days, True)
    value = rate([d for d in current if both(d)])
    previous = rate([d - dt.timedelta(days=days) for d in current if both(d - dt.timedelta(days=days))])
    return _comparison(value, previous, len(pairs) if value is not None else None, days, False)


def _followers(series: dict[dt.date, dict[str, Any]], today: dt.date, days: int) -> dict[str, Any]:
    reported = sorted(d for d, row in series.items() if row.get("followers") is not None and d <= today)
    if not reported:
        return _comparison(None, None, None, days, False)
    last = reported[-1]
    then = [
        d
        for d in reported
        if last - dt.timedelta(days=days + FOLLOWER_LOOKBACK_DAYS) < d <= last - dt.timedelta(days=days)
    ]
    previous = series[then[-1]]["followers"] if then else None
    return _comparison(series[last]["followers"], previous, None, days, previous is not None)


def compare_platform(rows: pl.DataFrame, today: dt.date, days: int) -> dict[str, Any]:
    """One platform's rows (day, followers, SUMMED..., engagements, engagement_base) -> as_of, windows and
    {metric: comparison} for followers, the summed metrics and engagement_rate."""
    series = {r["day"]: r for r in rows.iter_rows(named=True)}
    complete = [d for d, r in series.items() if d < today and any(r.get(m) is not None for m in SUMMED)]
    as_of = max(complete) if complete else None
    metrics: dict[str, Any] = {"followers": _followers(series, today, days)}
    current = [as_of - dt.timedelta(days=k) for k in range(days)] if as_of else []
    for name in SUMMED:
        metrics[name] = _summed(series, name, current, days) if as_of else _comparison(None, None, None, days, False)
    metrics["engagement_rate"] = _rate(series, current, days) if as_of else _comparison(None, None, None, days, False)
    window = (
        None
        if as_of is None
        else {
            "start": as_of - dt.timedelta(days=days - 1),
            "end": as_of,
            "previous_start": as_of - dt.timedelta(days=2 * days - 1),
            "previous_end": as_of - dt.timedelta(days=days),
        }
    )
    return {
        "as_of": as_of,
        "window": window,
        "metrics": metrics,
        "engagement_sums": _engagement_sums(series, current, days),
    }


def _engagement_sums(series: dict[dt.date, dict[str, Any]], current: list[dt.date], days: int) -> dict[str, Any]:
    """Sums behind the total's engagement rate: over the current window's reporting days (`current`), and
    over the paired days (`paired`: engagements, base, previous engagements, previous base) or None."""

    def both(day: dt.date) -> bool:
        row = series.get(day, {})
        return row.get("engagements") is not None and bool(row.get("engagement_base"))

    reporting = [d for d in current if both(d)]
    pairs = [d for d in reporting if both(d - dt.timedelta(days=days))]
    now = (sum(series[d]["engagements"] for d in reporting), sum(series[d]["engagement_base"] for d in reporting))
    if not current or len(pairs) < MIN_COVERAGE * days:
        return {"current": now if reporting else None, "paired": None}
    back = [d - dt.timedelta(days=days) for d in pairs]
    return {
        "current": now,
        "paired": (
            sum(series[d]["engagements"] for d in pairs),
            sum(series[d]["engagement_base"] for d in pairs),
            sum(series[d]["engagements"] for d in back),
            sum(series[d]["engagement_base"] for d in back),
        ),
    }


def totals(platforms: dict[str, dict[str, Any]], days: int) -> dict[str, Any]:
    """Per metric: the sum over the platforms reporting it, compared only when each of them was."""
    out: dict[str, Any] = {}
    for name in ("followers", *SUMMED):
        reporting = [p for p, r in platforms.items() if r["metrics"][name]["value"] is not None]
        not_compared = [p for p in reporting if platforms[p]["metrics"][name]["change"] is None]
        compared = bool(reporting) and not not_compared
        value = _sum([platforms[p]["metrics"][name]["value"] for p in reporting])
        previous = _sum([platforms[p]["metrics"][name]["previous"] for p in reporting]) if compared else None
        out[name] = {
            **_comparison(value, previous, None, days, compared),
            "platforms": reporting,
            "not_compared": not_compared,
        }
    sums = {p: r["engagement_sums"] for p, r in platforms.items() if r["engagement_sums"]["current"] is not None}
    not_compared = [p for p, s in sums.items() if s["paired"] is None]
    if sums and not not_compared:
        eng, base, prev_eng, prev_base = (sum(s["paired"][k] for s in sums.values()) for k in range(4))
        rate = _comparison(eng / base if base else None, prev_eng / prev_base if prev_base else None, None, days, True)
    else:
        eng, base = (sum(s["current"][k] for s in sums.values()) for k in range(2)) if sums else (0, 0)
        rate = _comparison(eng / base if base else None, None, None, days, False)
    out["engagement_rate"] = {**rate, "platforms": list(sums), "not_compared": not_compared}
    return out
