"""Which attribute levels go with high save and share rates: one joint model, honest uncertainty, no mirrors.

Statistical choices:
- One negative-binomial regression per metric (saves, shares) with log(views) as exposure, a fixed
  effect per platform x post-type stratum (platforms and formats have their own base rates), and
  every attribute at once as a factor (plus an "unknown" level). Correlated attributes (tutorials are
  often shot overhead) therefore do not claim each other's effect. Robust (sandwich) errors.
  Posts under MIN_VIEWS views are left out of that metric (a rate over 12 views is noise).
- Two stages, so false discoveries are controlled over the family actually reported:
  1. each attribute x metric with at least two levels of min_n posts is tested as a whole (Wald,
     all its levels equal); Benjamini-Hochberg at `fdr` across these families;
  2. within a selected family (at fdr x R / m, Benjamini-Bogomolov), levels are peeled off one at a
     time (Holm): the level that differs most from the pool of the remaining levels is a finding
     when it differs by more than MIN_EFFECT; it leaves the pool and the rest are tested again.
  A finding is stated against the pool left at the end, "her typical post for that attribute", so
  the levels that do nothing are never reported as mirror images of the one that does.
- A level's ratio is its rate over the pool's post-weighted mean rate, other attributes held fixed;
  95 % CI by the delta method on the log scale.
- Every attribute x metric gets a verdict: found, no effect, or not testable with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import polars as pl

from shared.attributes import LEVELS, METRICS
from shared.engines.count_model import CountFit, fit_count_model, independent_columns

MIN_VIEWS = 50
MIN_STRATUM = 20
# The smallest lift worth telling a creator about; a level must differ from her typical post by more.
MIN_EFFECT = 1.05
METRIC_COUNTS = {"save_rate": "saves", "share_rate": "shares"}
UNKNOWN = "(unknown)"
Z95 = NormalDist().inv_cdf(0.975)

Impact = Literal["high", "medium", "low"]
Verdict = Literal["found", "no_effect", "not_testable"]

LEVEL_SCHEMA: dict[str, Any] = {
    "attribute": pl.Utf8,
    "level": pl.Utf8,
    "metric": pl.Utf8,
    "n_level": pl.Int64,
    "n_reference": pl.Int64,
    "reference": pl.List(pl.Utf8),
    "ratio": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "q_value": pl.Float64,
    "status": pl.Utf8,
    "top_share": pl.Float64,
    "base_share": pl.Float64,
}
COVERAGE_SCHEMA: dict[str, Any] = {
    "attribute": pl.Utf8,
    "metric": pl.Utf8,
    "verdict": pl.Utf8,
    "n_posts": pl.Int64,
    "n_known": pl.Int64,
    "testable_levels": pl.List(pl.Utf8),
    "p_value": pl.Float64,
    "q_value": pl.Float64,
    "reason": pl.Utf8,
}


@dataclass(frozen=True)
class PatternResult:
    """Per level (status finding / no_effect / reference / not_enough_data) and per attribute x metric."""

    levels: pl.DataFrame
    coverage: pl.DataFrame
    families_tested: int
    fdr: float


@dataclass(frozen=True)
class PatternFinding:
    """One effect that holds, ready to show."""

    attribute: str
    level: str
    metric: str
    n_level: int
    n_reference: int
    reference: list[str]
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    q_value: float
    top_share: float
    base_share: float
    text: str
    impact: Impact
    category: str


# Measurable rates ------------------------------------------------------------------------------------


def rate_frame(posts: pl.DataFrame, metric: str, *, min_views: int = MIN_VIEWS) -> pl.DataFrame:
    """post_id, platform, stratum, count, views, rate, relative_rate for posts where the metric is measured."""
    count = METRIC_COUNTS[metric]
    schema = {
        "post_id": pl.Utf8,
        "platform": pl.Utf8,
        "stratum": pl.Utf8,
        "count": pl.Float64,
        "views": pl.Float64,
        "rate": pl.Float64,
        "relative_rate": pl.Float64,
    }
    if count not in posts.columns or posts.height == 0:
        return pl.DataFrame(schema=schema)
    kind = pl.col("type").cast(pl.Utf8).fill_null("") if "type" in posts.columns else pl.lit("")
    rates = posts.filter(pl.col(count).is_not_null() & (pl.col("views").fill_null(0) >= min_views)).select(
        pl.col("post_id").cast(pl.Utf8),
        pl.col("platform").cast(pl.Utf8),
        (pl.col("platform").cast(pl.Utf8) + "/" + kind).alias("stratum"),
        pl.col(count).cast(pl.Float64).alias("count"),
        pl.col("views").cast(pl.Float64),
    )
    # Strata (platform x post type) with too few posts borrow their platform's scale.
    rates = rates.with_columns(
        pl.when(pl.len().over("stratum") >= MIN_STRATUM)
        .then(pl.col("stratum"))
        .otherwise(pl.col("platform"))
        .alias("stratum"),
        (pl.col("count") / pl.col("views")).alias("rate"),
    )
    # Dividing by the stratum mean makes every stratum average exactly 1 (used for "top posts").
    return (
        rates.with_columns((pl.col("rate") / pl.col("rate").mean().over("stratum")).alias("relative_rate"))
        .filter(pl.col("relative_rate").is_finite())
        .select(list(schema))
    )


def relative_rates(posts: pl.DataFrame, metric: str, *, min_views: int = MIN_VIEWS) -> pl.DataFrame:
    """post_id, platform, rate, relative_rate (rate over its stratum's mean) where the metric is measured."""
    return rate_frame(posts, metric, min_views=min_views).select("post_id", "platform", "rate", "relative_rate")


def known_levels(attributes: pl.DataFrame) -> pl.DataFrame:
    """post_id, attribute, level: one vocabulary level per post and attribute."""
    vocabulary = pl.DataFrame(
        [(a, lv) for a, levels in LEVELS.items() for lv in levels], schema=["attribute", "level"], orient="row"
    )
    return (
        attributes.select(pl.col("post_id").cast(pl.Utf8), "attribute", "level")
        .join(vocabulary, on=["attribute", "level"], how="semi")
        .unique(subset=["post_id", "attribute"], keep="first", maintain_order=True)
    )


# The joint model -----------------------------------------------------------------------------------


@dataclass
class _MetricModel:
    """One metric's fitted model and the bookkeeping to read level contrasts out of it."""

    metric: str
    rates: pl.DataFrame
    levels: dict[str, list[str | None]]  # attribute -> level per post (None = unknown)
    counts: dict[str, dict[str, int]]  # attribute -> level -> posts
    column: dict[tuple[str, str], int] = field(default_factory=dict)  # (attribute, level) -> coefficient
    reference: dict[str, str] = field(default_factory=dict)  # attribute -> level with coefficient 0
    fit: CountFit | None = None

    def identifiable(self, attribute: str, level: str) -> bool:
        return self.reference.get(attribute) == level or (attribute, level) in self.column

    def contrast(self, attribute: str, level: str, pool: Sequence[str]) -> tuple[float, float]:
        """log(rate at level / post-weighted mean rate of the pool) and its standard error."""
        assert self.fit is not None
        weights = np.array([self.counts[attribute][lv] * math.exp(self._coef(attribute, lv)) for lv in pool])
        share = weights / weights.sum()
        gradient = np.zeros(len(self.fit.beta))
        self._add(gradient, attribute, level, 1.0)
        for lv, s in zip(pool, share):
            self._add(gradient, attribute, lv, -float(s))
        value = self._coef(attribute, level) - math.log(
            float(weights.sum()) / sum(self.counts[attribute][lv] for lv in pool)
        )
        return value, math.sqrt(max(float(gradient @ self.fit.cov @ gradient), 0.0))

    def wald_equal(self, attribute: str, levels: Sequence[str]) -> float:
        """p-value of the Wald test that all these levels have the same rate."""
        assert self.fit is not None
        rows = []
        for lv in levels[1:]:
            row = np.zeros(len(self.fit.beta))
            self._add(row, attribute, lv, 1.0)
            self._add(row, attribute, levels[0], -1.0)
            rows.append(row)
        c = np.array(rows)
        diff = np.array([self._coef(attribute, lv) - self._coef(attribute, levels[0]) for lv in levels[1:]])
        cov = c @ self.fit.cov @ c.T
        try:
            statistic = float(diff @ np.linalg.solve(cov, diff))
        except np.linalg.LinAlgError:
            return 1.0
        return chi2_sf(statistic, len(diff))

    def _coef(self, attribute: str, level: str) -> float:
        j = self.column.get((attribute, level))
        return 0.0 if j is None else float(self.fit.beta[j])  # type: ignore[union-attr]

    def _add(self, vector: np.ndarray, attribute: str, level: str, value: float) -> None:
        j = self.column.get((attribute, level))
        if j is not None:
            vector[j] += value


def _fit_metric(posts: pl.DataFrame, known: pl.DataFrame, metric: str) -> _MetricModel:
    rates = rate_frame(posts, metric)
    ids = rates.get_column("post_id").to_list()
    levels: dict[str, list[str | None]] = {}
    counts: dict[str, dict[str, int]] = {}
    for attribute in LEVELS:
        by_post = dict(known.filter(pl.col("attribute") == attribute).select("post_id", "level").iter_rows())
        levels[attribute] = [by_post.get(i) for i in ids]
        counts[attribute] = {lv: sum(1 for x in levels[attribute] if x == lv) for lv in LEVELS[attribute]}
    model = _MetricModel(metric, rates, levels, counts)
    if rates.height < 2:
        return model
    names, columns = [], []
    for stratum in sorted(set(rates.get_column("stratum").to_list())):
        names.append(("stratum", stratum))
        columns.append((rates.get_column("stratum") == stratum).to_numpy().astype(float))
    unknown_columns = []
    for attribute in LEVELS:
        present = [lv for lv in LEVELS[attribute] if counts[attribute][lv] > 0]
        if not present:
            continue
        # The most common level is the coefficient-0 reference; contrasts never depend on this choice.
        model.reference[attribute] = max(present, key=lambda lv: (counts[attribute][lv], -present.index(lv)))
        values = np.array([x or UNKNOWN for x in levels[attribute]])
        for lv in present:
            if lv != model.reference[attribute]:
                names.append((attribute, lv))
                columns.append((values == lv).astype(float))
        if (values == UNKNOWN).any():
            unknown_columns.append(((attribute, UNKNOWN), (values == UNKNOWN).astype(float)))
    for name, column in unknown_columns:  # last: an unknown level aliased with a stratum is the one dropped
        names.append(name)
        columns.append(column)
    x = np.column_stack(columns)
    keep = independent_columns(x)
    model.column = {names[j]: k for k, j in enumerate(keep) if names[j][0] != "stratum"}
    y = rates.get_column("count").to_numpy()
    offset = np.log(rates.get_column("views").to_numpy())
    model.fit = fit_count_model(x[:, keep], y, offset)
    return model


# Testing -----------------------------------------------------------------------------------------


def detect_patterns(
    posts: pl.DataFrame,
    attributes: pl.DataFrame,
    *,
    metrics: Sequence[str] = METRICS,
    top_n: int = 50,
    min_n: int = 15,
    fdr: float = 0.05,
    min_effect: float = MIN_EFFECT,
) -> PatternResult:
    """Fit each metric's joint model, test every attribute, peel off the levels that differ (see module doc)."""
    known = known_levels(attributes)
    models = {m: _fit_metric(posts, known, m) for m in metrics}
    families = []
    for metric, model in models.items():
        for attribute in LEVELS:
            testable = [
                lv
                for lv in LEVELS[attribute]
                if model.counts[attribute][lv] >= min_n and model.identifiable(attribute, lv)
            ]
            p = model.wald_equal(attribute, testable) if model.fit is not None and len(testable) >= 2 else None
            families.append((metric, attribute, testable, p))
    tested = [f for f in families if f[3] is not None]
    q = dict(zip([(f[0], f[1]) for f in tested], benjamini_hochberg(np.array([f[3] for f in tested]))))
    selected = [f for f in tested if q[(f[0], f[1])] <= fdr]
    level_alpha = fdr * len(selected) / len(tested) if tested else 0.0
    level_rows, coverage_rows = [], []
    for metric, attribute, testable, p in families:
        model = models[metric]
        top = _top_ids(model.rates, top_n)
        found = (
            _peel(model, attribute, testable, level_alpha, min_effect)
            if (metric, attribute) in {(f[0], f[1]) for f in selected}
            else {}
        )
        level_rows.extend(_level_rows(model, attribute, testable, found, q.get((metric, attribute)), top, min_n))
        coverage_rows.append(
            _coverage_row(posts, known, model, attribute, testable, found, p, q.get((metric, attribute)), min_n)
        )
    return PatternResult(
        levels=pl.DataFrame(level_rows, schema=LEVEL_SCHEMA, orient="row"),
        coverage=pl.DataFrame(coverage_rows, schema=COVERAGE_SCHEMA, orient="row"),
        families_tested=len(tested),
        fdr=fdr,
    )


def _peel(
    model: _MetricModel, attribute: str, testable: list[str], alpha: float, min_effect: float
) -> dict[str, tuple[float, float, float]]:
    """Levels that differ from the pool of the others: level -> (log ratio, se, p). Holm step-down."""
    delta = math.log(min_effect)
    found: list[str] = []
    for _ in range(2 * len(testable)):  # bounded: each pass either adds a level or drops one back
        pool = [lv for lv in testable if lv not in found]
        while len(pool) >= 2:
            candidates = []
            for lv in pool:
                value, se = model.contrast(attribute, lv, [x for x in pool if x != lv])
                strength = (abs(value) - delta) / se if se > 0 else -math.inf
                candidates.append((-round(strength, 9), -value, lv, _beyond_p(value, se, delta)))
            # The strongest first; on a tie (two levels that mirror each other, as yes/no do) the level
            # above the pool, so "questions get 1.3x" is said rather than "no question gets 0.77x".
            *_, best, p = min(candidates)
            if p > alpha / len(pool):
                break
            found.append(best)
            pool.remove(best)
        final = {lv: model.contrast(attribute, lv, pool) for lv in found}
        weak = [lv for lv in found if _beyond_p(*final[lv], delta) > alpha]
        if not weak:
            return {lv: (v, se, _beyond_p(v, se, delta)) for lv, (v, se) in final.items()}
        found = [lv for lv in found if lv not in weak]
    return {}


def _beyond_p(value: float, se: float, delta: float) -> float:
    """p-value against "the effect is within +-delta on the log scale" (one-sided past the bound)."""
    if se <= 0:
        return 1.0
    return 0.5 * math.erfc(((abs(value) - delta) / se) / math.sqrt(2))


def _level_rows(
    model: _MetricModel,
    attribute: str,
    testable: list[str],
    found: dict[str, tuple[float, float, float]],
    family_q: float | None,
    top: set[str],
    min_n: int,
) -> list[dict[str, Any]]:
    ids = model.rates.get_column("post_id").to_list()
    pool = [lv for lv in testable if lv not in found]
    n_pool = sum(model.counts[attribute][lv] for lv in pool)
    rows = []
    for lv in LEVELS[attribute]:
        n = model.counts[attribute][lv]
        if n == 0:
            continue
        members = [i for i, x in zip(ids, model.levels[attribute]) if x == lv]
        row = {
            "attribute": attribute,
            "level": lv,
            "metric": model.metric,
            "n_level": n,
            "n_reference": None,
            "reference": None,
            "ratio": None,
            "ci_low": None,
            "ci_high": None,
            "p_value": None,
            "q_value": family_q,
            "status": "not_enough_data",
            "top_share": sum(i in top for i in members) / len(top) if top else 0.0,
            "base_share": n / len(ids) if ids else 0.0,
        }
        if lv in found:
            value, se, p = found[lv]
            row.update(
                n_reference=n_pool,
                reference=pool,
                ratio=math.exp(value),
                ci_low=math.exp(value - Z95 * se),
                ci_high=math.exp(value + Z95 * se),
                p_value=p,
                status="finding",
            )
        elif lv in testable:
            row["status"] = "no_effect"
            if found and len(pool) >= 2:
                value, se = model.contrast(attribute, lv, [x for x in pool if x != lv])
                row.update(
                    ratio=math.exp(value),
                    ci_low=math.exp(value - Z95 * se),
                    ci_high=math.exp(value + Z95 * se),
                    status="reference",
                )
            elif found:
                row["status"] = "reference"
        elif n >= min_n:
            row["status"] = "not_identifiable"
        rows.append(row)
    n_unknown = sum(x is None for x in model.levels[attribute])
    if found and n_unknown and (attribute, UNKNOWN) in model.column:
        # Posts whose level could not be read still carry the attribute's average effect; the virality
        # score uses this ratio for them.
        value, se = model.contrast(attribute, UNKNOWN, pool)
        rows.append(
            {
                "attribute": attribute,
                "level": UNKNOWN,
                "metric": model.metric,
                "n_level": n_unknown,
                "n_reference": n_pool,
                "reference": pool,
                "ratio": math.exp(value),
                "ci_low": math.exp(value - Z95 * se),
                "ci_high": math.exp(value + Z95 * se),
                "p_value": None,
                "q_value": family_q,
                "status": "unknown",
                "top_share": None,
                "base_share": n_unknown / len(ids),
            }
        )
    return rows


def _top_ids(rates: pl.DataFrame, top_n: int) -> set[str]:
    return set(rates.sort("relative_rate", descending=True).head(top_n).get_column("post_id").to_list())


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """BH-adjusted q-values (monotone, capped at 1)."""
    m = len(p_values)
    if m == 0:
        return np.array([])
    order = np.argsort(p_values)
    scaled = p_values[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(scaled[::-1])[::-1].clip(max=1.0)
    q = np.empty(m)
    q[order] = q_sorted
    return q


def chi2_sf(x: float, k: int) -> float:
    """P(chi-square with k degrees of freedom > x), closed form for integer k."""
    if x <= 0:
        return 1.0
    half = x / 2
    if k % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, k // 2):
            term *= half / i
            total += term
        return min(1.0, math.exp(-half) * total)
    root = math.sqrt(x)
    total = math.erfc(root / math.sqrt(2))
    term = root * math.exp(-half) * math.sqrt(2 / math.pi)
    for i in range(1, (k + 1) // 2):
        total += term
        term *= x / (2 * i + 1)
    return min(1.0, total)


# Coverage: what could be judged, and why not -------------------------------------------------------

PLATFORM_NAMES = {"instagram": "Instagram", "youtube": "YouTube", "pinterest": "Pinterest", "tiktok": "TikTok"}
METRIC_NOUNS = {"save_rate": "saves", "share_rate": "shares"}
ATTRIBUTE_NOUNS = {
    "duration_bucket": "a duration",
    "hook_speed": "a readable hook speed",
    "camera_angle": "a camera angle",
    "audio_type": "an audio type",
    "content_format": "a format",
    "posting_time": "a posting time",
    "caption_length": "a caption",
    "has_question": "a caption",
    "has_cta": "a caption",
    "weekday": "a posting day",
}
# What a platform's API never gives, as opposed to what her posts happen not to show.
NOT_EXPOSED = {("instagram", "duration_bucket"): "Instagram does not expose duration"}
# Where a platform gives a metric for part of the history only.
PARTIAL_METRIC = {("pinterest", "save_rate"): "saves exist only for pins of the last 90 days"}


def _coverage_row(
    posts: pl.DataFrame,
    known: pl.DataFrame,
    model: _MetricModel,
    attribute: str,
    testable: list[str],
    found: Mapping[str, Any],
    p: float | None,
    q: float | None,
    min_n: int,
) -> dict[str, Any]:
    n_known = sum(model.counts[attribute].values())
    verdict: Verdict = "found" if found else ("no_effect" if p is not None else "not_testable")
    if verdict == "not_testable":
        reason = _untestable_reason(posts, known, model, attribute, min_n)
    elif verdict == "no_effect":
        reason = (
            f"no level differs detectably from the others; differences beyond "
            f"{_largest_plausible(model, attribute, testable):.2f}x are ruled out (95% CI, {n_known} posts)"
        )
    else:
        reason = None
    return {
        "attribute": attribute,
        "metric": model.metric,
        "verdict": verdict,
        "n_posts": model.rates.height,
        "n_known": n_known,
        "testable_levels": testable,
        "p_value": p,
        "q_value": q,
        "reason": reason,
    }


def _largest_plausible(model: _MetricModel, attribute: str, testable: list[str]) -> float:
    """The farthest 95 % bound, as a ratio >= 1, of any level against the others."""
    bound = 1.0
    for lv in testable:
        value, se = model.contrast(attribute, lv, [x for x in testable if x != lv])
        bound = max(bound, math.exp(abs(value) + Z95 * se))
    return bound


def _untestable_reason(
    posts: pl.DataFrame, known: pl.DataFrame, model: _MetricModel, attribute: str, min_n: int
) -> str:
    metric_noun = METRIC_NOUNS[model.metric]
    n_known = sum(model.counts[attribute].values())
    if n_known < 2 * min_n:
        head = f"{n_known} posts carry both {ATTRIBUTE_NOUNS[attribute]} and {metric_noun}"
    else:
        spread = ", ".join(f"{lv} {n}" for lv, n in model.counts[attribute].items() if n)
        head = f"fewer than two levels have {min_n} posts with {metric_noun} ({spread})"
    with_metric = set(model.rates.get_column("platform").to_list())
    with_attribute = (
        set(
            posts.join(known.filter(pl.col("attribute") == attribute), on="post_id", how="semi")
            .get_column("platform")
            .cast(pl.Utf8)
            .to_list()
        )
        if posts.height
        else set()
    )
    notes = []
    both = (
        model.rates.get_column("platform")
        .filter(pl.Series([x is not None for x in model.levels[attribute]], dtype=pl.Boolean))
        .to_list()
    )
    for platform in sorted(with_metric & with_attribute):
        partial = PARTIAL_METRIC.get((platform, model.metric))
        if partial:
            notes.append(f"{both.count(platform)} from {PLATFORM_NAMES.get(platform, platform)}, where {partial}")
    for platform in sorted(with_metric - with_attribute):
        notes.append(
            NOT_EXPOSED.get(
                (platform, attribute),
                f"no {PLATFORM_NAMES.get(platform, platform)} post with {metric_noun} has {ATTRIBUTE_NOUNS[attribute]}",
            )
        )
    missing_metric = sorted(with_attribute - with_metric)
    if missing_metric:
        names = [PLATFORM_NAMES.get(p, p) for p in missing_metric]
        verb = "does" if len(names) == 1 else "do"
        notes.append(f"{' and '.join(names)} {verb} not expose {metric_noun}")
    return head + (": " + "; ".join(notes) if notes else "")


# Sentences -----------------------------------------------------------------------------------------

LEVEL_PHRASES: dict[tuple[str, str], str] = {
    ("camera_angle", "overhead"): "Overhead shots",
    ("camera_angle", "closeup"): "Close-ups",
    ("camera_angle", "face_to_camera"): "Talking-to-camera posts",
    ("camera_angle", "pov"): "POV shots",
    ("camera_angle", "wide"): "Wide studio shots",
    ("audio_type", "trending_audio"): "Posts with trending audio",
    ("audio_type", "voiceover"): "Voiceovers",
    ("audio_type", "original_audio"): "Posts with original audio",
    ("audio_type", "asmr"): "ASMR posts",
    ("content_format", "tutorial"): "Tutorials",
    ("content_format", "timelapse"): "Timelapses",
    ("content_format", "before_after"): "Before-and-after posts",
    ("content_format", "showcase"): "Showcases",
    ("content_format", "behind_the_scenes"): "Behind-the-scenes posts",
    ("hook_speed", "instant"): "Posts with an instant hook",
    ("hook_speed", "fast"): "Posts with a fast hook",
    ("hook_speed", "slow"): "Posts with a slow build-up",
    ("duration_bucket", "under_15s"): "Videos under 15 s",
    ("duration_bucket", "15_30s"): "15-30 s videos",
    ("duration_bucket", "30_60s"): "30-60 s videos",
    ("duration_bucket", "60_180s"): "1-3 min videos",
    ("duration_bucket", "over_180s"): "Videos over 3 min",
    ("posting_time", "morning"): "Morning posts",
    ("posting_time", "midday"): "Midday posts",
    ("posting_time", "afternoon"): "Afternoon posts",
    ("posting_time", "evening"): "Evening posts",
    ("posting_time", "night"): "Late-night posts",
    ("caption_length", "short"): "Short captions",
    ("caption_length", "medium"): "Medium-length captions",
    ("caption_length", "long"): "Long captions",
    ("has_question", "yes"): "Captions that ask a question",
    ("has_question", "no"): "Captions without a question",
    ("has_cta", "yes"): "Posts with a call to action",
    ("has_cta", "no"): "Posts without a call to action",
    ("weekday", "weekday"): "Weekday posts",
    ("weekday", "weekend"): "Weekend posts",
}
LEVEL_NAMES: dict[str, str] = {
    "overhead": "overhead",
    "closeup": "close-up",
    "face_to_camera": "talking to camera",
    "pov": "POV",
    "wide": "wide",
    "trending_audio": "trending audio",
    "voiceover": "voiceover",
    "original_audio": "original audio",
    "asmr": "ASMR",
    "tutorial": "tutorial",
    "timelapse": "timelapse",
    "before_after": "before-and-after",
    "showcase": "showcase",
    "behind_the_scenes": "behind the scenes",
    "instant": "instant",
    "fast": "fast",
    "slow": "slow",
    "under_15s": "under 15 s",
    "15_30s": "15-30 s",
    "30_60s": "30-60 s",
    "60_180s": "1-3 min",
    "over_180s": "over 3 min",
    "morning": "morning",
    "midday": "midday",
    "afternoon": "afternoon",
    "evening": "evening",
    "night": "night",
    "short": "short",
    "medium": "medium",
    "long": "long",
}
ATTRIBUTE_PLURALS = {
    "camera_angle": "camera angles",
    "audio_type": "audio types",
    "content_format": "formats",
    "hook_speed": "hook speeds",
    "duration_bucket": "lengths",
    "posting_time": "posting times",
    "caption_length": "caption lengths",
}


def level_phrase(attribute: str, level: str) -> str:
    """How a person would name posts at this level."""
    fallback = f"Posts with {attribute.replace('_', ' ')} {level.replace('_', ' ')}"
    return LEVEL_PHRASES.get((attribute, level), fallback)


def reference_phrase(attribute: str, levels: Sequence[str]) -> str:
    """The posts a finding is compared with: the one other level, or the pool of her other levels."""
    if len(levels) == 1:
        phrase = level_phrase(attribute, levels[0])
        return phrase if phrase.startswith("POV") else phrase[:1].lower() + phrase[1:]
    names = ", ".join(LEVEL_NAMES.get(lv, lv.replace("_", " ")) for lv in levels)
    return f"your posts with other {ATTRIBUTE_PLURALS.get(attribute, attribute.replace('_', ' '))} ({names})"


def format_ratio(value: float) -> str:
    """One decimal, two when one would read as "no effect" (1.04 -> "1.04", not "1.0")."""
    text = f"{value:.1f}"
    return f"{value:.2f}" if text == "1.0" else text


def insight_text(row: Mapping[str, Any] | PatternFinding) -> str:
    """One sentence stating a finding with its reference and numbers; refuses anything that is not one."""
    r = row if isinstance(row, Mapping) else row.__dict__
    if r.get("status", "finding") != "finding":
        raise ValueError("only findings are stated")
    metric = r["metric"].replace("_", " ")
    return (
        f"{level_phrase(r['attribute'], r['level'])} get {format_ratio(r['ratio'])}× the {metric} of "
        f"{reference_phrase(r['attribute'], r['reference'])} (95% CI {format_ratio(r['ci_low'])}–"
        f"{format_ratio(r['ci_high'])}×, {r['n_level']} vs {r['n_reference']} posts)."
    )


def impact(ratio: float, ci_low: float, ci_high: float) -> Impact:
    """High: at least 1.5x (or 1/1.5) with the CI's near end past 1.2x; medium: at least 1.2x."""
    size = abs(math.log(ratio))
    near_end = min(abs(math.log(ci_low)), abs(math.log(ci_high)))
    if size >= math.log(1.5) and near_end >= math.log(1.2):
        return "high"
    return "medium" if size >= math.log(1.2) else "low"


def findings(result: PatternResult) -> list[PatternFinding]:
    """The levels that hold, strongest first, as typed findings with their sentence."""
    held = result.levels.filter(pl.col("status") == "finding")
    held = held.with_columns(pl.col("ratio").log().abs().alias("_size")).sort(
        "_size", "attribute", descending=[True, False]
    )
    return [
        PatternFinding(
            attribute=r["attribute"],
            level=r["level"],
            metric=r["metric"],
            n_level=r["n_level"],
            n_reference=r["n_reference"],
            reference=list(r["reference"]),
            ratio=r["ratio"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            p_value=r["p_value"],
            q_value=r["q_value"],
            top_share=r["top_share"],
            base_share=r["base_share"],
            text=insight_text(r),
            impact=impact(r["ratio"], r["ci_low"], r["ci_high"]),
            category=r["attribute"],
        )
        for r in held.iter_rows(named=True)
    ]


def coverage_text(row: Mapping[str, Any]) -> str:
    """What could not be judged (or showed no effect), as one sentence."""
    subject = ATTRIBUTE_PLURALS.get(row["attribute"], row["attribute"].replace("_", " "))
    metric = row["metric"].replace("_", " ")
    if row["verdict"] == "not_testable":
        return f"Not enough data to judge {subject} on {metric}: {row['reason']}."
    if row["verdict"] == "no_effect":
        return f"No effect of {subject} on {metric}: {row['reason']}."
    return f"{subject.capitalize()} matter for {metric}."
