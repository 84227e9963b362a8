"""When to post, per platform: the effect of weekday and time of day on reach-normalised engagement, with
intervals, shrunk where her data is thin, and how much better the best window is than her habit.

Statistical choices:
- Engagement = likes + comments + saves + shares (those the post has) over reach (views where a platform
  has no reach); posts under MIN_EXPOSURE are left out. Strata (platform x type x which counters the
  post has) absorb formats and Pinterest's saves that exist for recent pins only.
- One negative-binomial regression per platform (and one over all her platforms): weekday and time
  block in her time zone as additive factors (robust HC3 errors, `count_model`). A level's effect is its
  rate over her post-weighted average rate on that platform.
- Shrinkage (empirical Bayes): each platform's level effects are pulled toward her all-platform effect
  with weight tau^2 / (tau^2 + se^2), tau^2 the between-platform spread beyond sampling noise (at least
  MIN_TAU^2); thin levels move most, well-measured ones hardly at all. A level with fewer than MIN_LEVEL_POSTS
  posts is "not enough data".
- A window (weekday x block) = the product of its two effects; interval from the two posterior variances.
- Habit: her own mix of windows over the last HABIT_DAYS; best versus habit with a 95 % interval by
  simulation from the posterior (SIMULATIONS draws, fixed seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
import polars as pl

from shared.attributes import LEVELS, posting_time
from shared.engines.count_model import fit_count_model, independent_columns

MIN_EXPOSURE = 50
MIN_PLATFORM_POSTS = 40
MIN_LEVEL_POSTS = 3
HABIT_DAYS = 90
SIMULATIONS = 4000
# Prior spread of a platform's own effect around her all-platform one (log scale): +-20 % at 2 sd.
MIN_TAU = math.log(1.2) / 2
TOP_WINDOWS = 3
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
BLOCKS = LEVELS["posting_time"]
Z95 = NormalDist().inv_cdf(0.975)
_COUNTERS = ("likes", "comments", "saves", "shares")


@dataclass
class LevelEffect:
    """log(rate at this weekday or block / her average rate) with its standard error and posts."""

    value: float | None
    se: float | None
    n: int


@dataclass
class PlatformTimes:
    """One platform's answer."""

    platform: str
    status: str  # "ok" or "not_enough_data"
    n_posts: int
    weekdays: dict[str, LevelEffect] = field(default_factory=dict)
    blocks: dict[str, LevelEffect] = field(default_factory=dict)
    windows: list[dict[str, Any]] = field(default_factory=list)
    best: list[dict[str, Any]] = field(default_factory=list)
    versus_habit: dict[str, Any] | None = None


def engagement_frame(posts: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """platform, stratum, weekday, block, count, exposure, posted_at for posts with a usable exposure."""
    present = [c for c in _COUNTERS if c in posts.columns]
    exposure = pl.coalesce([pl.col(c) for c in ("reach", "views") if c in posts.columns]).cast(pl.Float64)
    has = pl.concat_str([pl.col(c).is_not_null().cast(pl.Utf8) for c in present], separator="")
    frame = posts.select(
        pl.col("platform").cast(pl.Utf8),
        pl.col("type").cast(pl.Utf8).fill_null(""),
        pl.col("posted_at"),
        exposure.alias("exposure"),
        pl.sum_horizontal([pl.col(c).fill_null(0) for c in present]).cast(pl.Float64).alias("count"),
        has.alias("counters"),
    ).filter(pl.col("exposure") >= MIN_EXPOSURE)
    local = frame.get_column("posted_at").dt.convert_time_zone(timezone)
    return frame.with_columns(
        pl.Series("weekday", [WEEKDAYS[d - 1] for d in local.dt.weekday().to_list()], dtype=pl.Utf8),
        pl.Series("block", [posting_time(h) for h in local.dt.hour().to_list()], dtype=pl.Utf8),
        (pl.col("platform") + "/" + pl.col("type") + "/" + pl.col("counters")).alias("stratum"),
    )


def level_effects(frame: pl.DataFrame) -> tuple[dict[str, LevelEffect], dict[str, LevelEffect]]:
    """Weekday and block effects (vs her post-weighted average) from one additive NB regression."""
    names, columns = [], []
    for stratum in sorted(set(frame.get_column("stratum").to_list())):
        names.append(("stratum", stratum))
        columns.append((frame.get_column("stratum") == stratum).to_numpy().astype(float))
    counts = {}
    for factor, levels in (("weekday", WEEKDAYS), ("block", BLOCKS)):
        values = frame.get_column(factor).to_numpy()
        counts[factor] = {lv: int((values == lv).sum()) for lv in levels}
        present = [lv for lv in levels if counts[factor][lv] > 0]
        reference = max(present, key=lambda lv: counts[factor][lv])
        for lv in present:
            if lv != reference:
                names.append((factor, lv))
                columns.append((values == lv).astype(float))
    x = np.column_stack(columns)
    keep = independent_columns(x)
    index = {names[j]: k for k, j in enumerate(keep)}
    fit = fit_count_model(
        x[:, keep], frame.get_column("count").to_numpy(), np.log(frame.get_column("exposure").to_numpy())
    )
    out = []
    for factor, levels in (("weekday", WEEKDAYS), ("block", BLOCKS)):
        present = [
            lv
            for lv in levels
            if counts[factor][lv] > 0 and ((factor, lv) in index or not any(n == (factor, lv) for n in names))
        ]
        coef = {lv: float(fit.beta[index[(factor, lv)]]) if (factor, lv) in index else 0.0 for lv in present}
        weights = np.array([counts[factor][lv] * math.exp(coef[lv]) for lv in present])
        share = weights / weights.sum()
        mean_log = math.log(weights.sum() / sum(counts[factor][lv] for lv in present))
        effects = {}
        for lv in levels:
            if lv not in present:
                effects[lv] = LevelEffect(None, None, counts[factor][lv])
                continue
            gradient = np.zeros(len(fit.beta))
            if (factor, lv) in index:
                gradient[index[(factor, lv)]] += 1.0
            for other, s in zip(present, share):
                if (factor, other) in index:
                    gradient[index[(factor, other)]] -= float(s)
            effects[lv] = LevelEffect(
                coef[lv] - mean_log, math.sqrt(max(float(gradient @ fit.cov @ gradient), 0.0)), counts[factor][lv]
            )
        out.append(effects)
    return out[0], out[1]


def shrink(own: dict[str, LevelEffect], pooled: dict[str, LevelEffect], tau2: float) -> dict[str, LevelEffect]:
    """Each level pulled toward her all-platform effect; thin levels (few posts) are not enough data."""
    out = {}
    for lv, e in own.items():
        prior = pooled.get(lv)
        if e.value is None or e.se is None or e.n < MIN_LEVEL_POSTS:
            out[lv] = LevelEffect(None, None, e.n)
        elif prior is None or prior.value is None:
            out[lv] = e
        else:
            w = tau2 / (tau2 + e.se**2) if tau2 + e.se**2 > 0 else 0.0
            out[lv] = LevelEffect(prior.value + w * (e.value - prior.value), math.sqrt(w) * e.se, e.n)
    return out


def between_platform_variance(per_platform: list[dict[str, LevelEffect]], pooled: dict[str, LevelEffect]) -> float:
    """tau^2: spread of platform effects around the pooled ones beyond their sampling variance, at least
    MIN_TAU^2 (platforms' audiences differ: a platform's own +-20 % is always plausible)."""
    excess = [
        (e.value - pooled[lv].value) ** 2 - e.se**2  # type: ignore[operator]
        for effects in per_platform
        for lv, e in effects.items()
        if e.value is not None and e.se is not None and pooled.get(lv) and pooled[lv].value is not None
    ]
    return max(MIN_TAU**2, float(np.mean(excess)) if excess else 0.0)


def best_times(posts: pl.DataFrame, timezone: str, now: datetime, *, seed: int = 0) -> list[PlatformTimes]:
    """Per platform: weekday and block effects, every window, the best ones, and the best versus her habit."""
    frame = engagement_frame(posts, timezone)
    platforms = sorted(set(frame.get_column("platform").to_list()))
    usable = [p for p in platforms if frame.filter(pl.col("platform") == p).height >= MIN_PLATFORM_POSTS]
    if not usable:
        return [PlatformTimes(p, "not_enough_data", frame.filter(pl.col("platform") == p).height) for p in platforms]
    pooled_weekdays, pooled_blocks = level_effects(frame.filter(pl.col("platform").is_in(usable)))
    own = {p: level_effects(frame.filter(pl.col("platform") == p)) for p in usable}
    tau_w = between_platform_variance([own[p][0] for p in usable], pooled_weekdays)
    tau_b = between_platform_variance([own[p][1] for p in usable], pooled_blocks)
    rng = np.random.default_rng(seed)
    out = []
    for platform in platforms:
        sub = frame.filter(pl.col("platform") == platform)
        if platform not in own:
            out.append(PlatformTimes(platform, "not_enough_data", sub.height))
            continue
        result = PlatformTimes(
            platform,
            "ok",
            sub.height,
            shrink(own[platform][0], pooled_weekdays, tau_w),
            shrink(own[platform][1], pooled_blocks, tau_b),
        )
        result.windows = _windows(result, sub)
        ranked = sorted((w for w in result.windows if w["ratio"] is not None), key=lambda w: -w["ratio"])
        result.best = ranked[:TOP_WINDOWS]
        result.versus_habit = _versus_habit(result, sub, now, rng)
        out.append(result)
    return out


def _windows(result: PlatformTimes, sub: pl.DataFrame) -> list[dict[str, Any]]:
    cells = sub.group_by("weekday", "block").len()
    n = {(d, b): c for d, b, c in cells.iter_rows()}
    windows = []
    for d in WEEKDAYS:
        for b in BLOCKS:
            wd, bl = result.weekdays[d], result.blocks[b]
            row: dict[str, Any] = {
                "weekday": d,
                "block": b,
                "n_posts": n.get((d, b), 0),
                "ratio": None,
                "ci_low": None,
                "ci_high": None,
            }
            if wd.value is not None and bl.value is not None:
                value, se = wd.value + bl.value, math.sqrt(wd.se**2 + bl.se**2)  # type: ignore[operator]
                row.update(ratio=math.exp(value), ci_low=math.exp(value - Z95 * se), ci_high=math.exp(value + Z95 * se))
            windows.append(row)
    return windows


def _versus_habit(
    result: PlatformTimes, sub: pl.DataFrame, now: datetime, rng: np.random.Generator
) -> dict[str, Any] | None:
    """The best window's rate over the rate of her own recent mix of windows, with a simulated 95 % CI."""
    if not result.best:
        return None
    recent = sub.filter(pl.col("posted_at") >= now - timedelta(days=HABIT_DAYS))
    mix = {(d, b): c for d, b, c in recent.group_by("weekday", "block").len().iter_rows()}
    mix = {
        k: c
        for k, c in mix.items()
        if result.weekdays[k[0]].value is not None and result.blocks[k[1]].value is not None
    }
    if not mix:
        return None
    best = result.best[0]

    def draws(effects: dict[str, LevelEffect]) -> dict[str, np.ndarray]:
        return {
            lv: rng.normal(e.value, e.se, SIMULATIONS)
            for lv, e in effects.items()
            if e.value is not None and e.se is not None
        }

    wd, bl = draws(result.weekdays), draws(result.blocks)
    total = sum(mix.values())
    habit = sum(c / total * np.exp(wd[d] + bl[b]) for (d, b), c in mix.items())
    ratio = np.exp(wd[best["weekday"]] + bl[best["block"]]) / habit
    point_habit = sum(
        c / total * math.exp(result.weekdays[d].value + result.blocks[b].value)  # type: ignore[operator]
        for (d, b), c in mix.items()
    )
    low, high = np.quantile(ratio, [0.025, 0.975])
    return {
        "best_weekday": best["weekday"],
        "best_block": best["block"],
        "habit_posts": total,
        "ratio": best["ratio"] / point_habit,
        "ci_low": float(low),
        "ci_high": float(high),
    }
