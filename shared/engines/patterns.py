"""Which attribute levels go with high save and share rates, with honest uncertainty.

Statistical choices:
- Rate per post = saves / views (shares / views); posts with the metric missing or fewer than
  MIN_VIEWS views are left out of that metric (a rate over 12 views is noise).
- Platforms and formats have very different base rates (Pinterest saves are not Instagram saves),
  so each rate is divided by the mean rate of the creator's posts in the same stratum (platform x
  post type, or the platform when the stratum has under MIN_STRATUM posts): every stratum then
  averages exactly 1 and a level's platform mix cannot masquerade as an effect.
- Effect of a level = mean relative rate of posts at that level / mean relative rate of the
  other posts where the attribute is known (ratio to the rest; unknown posts take no part).
- 95 % CI: stratified percentile bootstrap; every level of the attribute is resampled within
  itself (n_boot x n index matrices), so the level and the rest keep their sizes.
- p-value: normal approximation on log(ratio) with the bootstrap standard error of log(ratio).
- Benjamini-Hochberg across all (attribute, level, metric) tests actually run; a finding needs
  q <= fdr and a CI that excludes 1. Levels (or rests) under min_n posts get no test at all.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

MIN_VIEWS = 50
MIN_STRATUM = 20
METRIC_COUNTS = {"save_rate": "saves", "share_rate": "shares"}

Impact = Literal["high", "medium", "low"]

OUTPUT_SCHEMA = {
    "attribute": pl.Utf8, "level": pl.Utf8, "metric": pl.Utf8, "n_level": pl.Int64, "n_rest": pl.Int64,
    "ratio": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64, "p_value": pl.Float64,
    "q_value": pl.Float64, "status": pl.Utf8, "top_share": pl.Float64, "base_share": pl.Float64,
}


@dataclass(frozen=True)
class PatternFinding:
    """One effect that holds (status finding), ready to show."""

    attribute: str
    level: str
    metric: str
    n_level: int
    n_rest: int
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


def relative_rates(posts: pl.DataFrame, metric: str, *, min_views: int = MIN_VIEWS) -> pl.DataFrame:
    """post_id, platform, rate, relative_rate for posts where the metric is measurable."""
    count = METRIC_COUNTS[metric]
    if count not in posts.columns:
        return pl.DataFrame(schema={"post_id": pl.Utf8, "platform": pl.Utf8, "rate": pl.Float64,
                                    "relative_rate": pl.Float64})
    kind = pl.col("type").cast(pl.Utf8).fill_null("") if "type" in posts.columns else pl.lit("")
    rates = (
        posts.filter(pl.col(count).is_not_null() & (pl.col("views").fill_null(0) >= min_views))
        .select(pl.col("post_id").cast(pl.Utf8), "platform",
                (pl.col(count).cast(pl.Float64) / pl.col("views").cast(pl.Float64)).alias("rate"),
                (pl.col("platform").cast(pl.Utf8) + "/" + kind).alias("stratum"))
    )
    # Strata (platform x post type) with too few posts borrow their platform's scale.
    rates = rates.with_columns(
        pl.when(pl.len().over("stratum") >= MIN_STRATUM).then(pl.col("stratum"))
        .otherwise(pl.col("platform").cast(pl.Utf8)).alias("stratum"))
    # Dividing by the stratum MEAN makes every stratum average exactly 1, so a level concentrated on
    # one platform or format (long YouTube videos, say) is not credited with that stratum's base rate.
    scale = pl.col("rate").mean().over("stratum")
    return (rates.with_columns((pl.col("rate") / scale).alias("relative_rate"))
            .drop("stratum").filter(pl.col("relative_rate").is_finite()))


def detect_patterns(posts: pl.DataFrame, attributes: pl.DataFrame, *,
                    metrics: Sequence[str] = ("save_rate", "share_rate"), top_n: int = 50, min_n: int = 15,
                    fdr: float = 0.05, n_boot: int = 2000, seed: int = 0) -> pl.DataFrame:
    """One row per (attribute, level, metric): ratio to the rest, 95 % CI, p, BH q and status."""
    rng = np.random.default_rng(seed)
    known = attributes.select(pl.col("post_id").cast(pl.Utf8), "attribute", "level").unique(
        subset=["post_id", "attribute"], keep="first", maintain_order=True)
    rows: list[dict[str, Any]] = []
    for metric in metrics:
        rates = relative_rates(posts, metric)
        top = rates.sort("relative_rate", descending=True).head(top_n)
        top_ids = set(top.get_column("post_id").to_list())
        joined = known.join(rates.select("post_id", "relative_rate"), on="post_id", how="inner")
        for attribute in sorted(known.get_column("attribute").unique().to_list()):
            sub = joined.filter(pl.col("attribute") == attribute)
            rows.extend(_attribute_tests(sub, attribute, metric, rates.height, top_ids, min_n, n_boot, rng))
    frame = pl.DataFrame(rows, schema=OUTPUT_SCHEMA) if rows else pl.DataFrame(schema=OUTPUT_SCHEMA)
    return _with_fdr(frame, fdr)


def _attribute_tests(sub: pl.DataFrame, attribute: str, metric: str, n_eligible: int, top_ids: set[str],
                     min_n: int, n_boot: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    levels = sorted(sub.get_column("level").unique().to_list())
    values = {lv: sub.filter(pl.col("level") == lv) for lv in levels}
    n_known = sub.height
    n_top = max(len(top_ids), 1)
    # Bootstrap sums per level, drawn once per attribute and reused for every level's "rest".
    sums = {lv: _bootstrap_sums(v.get_column("relative_rate").to_numpy(), n_boot, rng)
            for lv, v in values.items()}
    total_sum = sum(sums.values())
    total = float(sub.get_column("relative_rate").sum())
    rows = []
    for lv in levels:
        rel = values[lv].get_column("relative_rate").to_numpy()
        ids = values[lv].get_column("post_id").to_list()
        n_level, n_rest = len(rel), n_known - len(rel)
        row = {"attribute": attribute, "level": lv, "metric": metric, "n_level": n_level, "n_rest": n_rest,
               "ratio": None, "ci_low": None, "ci_high": None, "p_value": None, "q_value": None,
               "status": "insufficient_data",
               "top_share": sum(i in top_ids for i in ids) / n_top if top_ids else 0.0,
               "base_share": n_level / n_eligible if n_eligible else 0.0}
        if n_level >= min_n and n_rest >= min_n:
            row.update(_ratio_test(rel.sum(), n_level, total - rel.sum(), n_rest,
                                   sums[lv], total_sum - sums[lv]))
        rows.append(row)
    return rows


def _bootstrap_sums(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """n_boot resampled sums of values (with replacement, same size)."""
    if len(values) == 0:
        return np.zeros(n_boot)
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    return values[idx].sum(axis=1)


def _ratio_test(level_sum: float, n_level: int, rest_sum: float, n_rest: int,
                boot_level: np.ndarray, boot_rest: np.ndarray) -> dict[str, Any]:
    level_mean, rest_mean = level_sum / n_level, rest_sum / n_rest
    if level_mean <= 0 or rest_mean <= 0:
        return {"status": "not_significant"}
    ratio = level_mean / rest_mean
    with np.errstate(divide="ignore", invalid="ignore"):
        boot_ratio = (boot_level / n_level) / (boot_rest / n_rest)
        log_ratio = np.log(boot_ratio)
    ci_low, ci_high = np.quantile(boot_ratio, [0.025, 0.975])
    finite = log_ratio[np.isfinite(log_ratio)]
    # A resample with a zero mean has no log; with many of them the normal approximation fails.
    se = float(finite.std(ddof=1)) if len(finite) >= 0.99 * len(log_ratio) and len(finite) > 1 else 0.0
    p_value = math.erfc(abs(math.log(ratio)) / se / math.sqrt(2)) if se > 0 else 1.0
    return {"ratio": ratio, "ci_low": float(ci_low), "ci_high": float(ci_high), "p_value": p_value,
            "status": "tested"}


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


def _with_fdr(frame: pl.DataFrame, fdr: float) -> pl.DataFrame:
    tested = frame.get_column("p_value").is_not_null().to_numpy()
    q = np.full(frame.height, np.nan)
    q[tested] = benjamini_hochberg(frame.get_column("p_value").to_numpy()[tested])
    frame = frame.with_columns(pl.Series("q_value", q).fill_nan(None))
    holds = (pl.col("q_value") <= fdr) & ((pl.col("ci_low") > 1) | (pl.col("ci_high") < 1))
    return frame.with_columns(
        pl.when(pl.col("status") == "insufficient_data").then(pl.lit("insufficient_data"))
        .when(holds).then(pl.lit("finding"))
        .otherwise(pl.lit("not_significant")).alias("status")
    ).sort("metric", "attribute", "level")


LEVEL_PHRASES: dict[tuple[str, str], str] = {
    ("camera_angle", "overhead"): "Overhead shots", ("camera_angle", "closeup"): "Close-ups",
    ("camera_angle", "face_to_camera"): "Talking-to-camera posts", ("camera_angle", "pov"): "POV shots",
    ("camera_angle", "wide"): "Wide studio shots",
    ("audio_type", "trending_audio"): "Posts with trending audio", ("audio_type", "voiceover"): "Voiceovers",
    ("audio_type", "original_audio"): "Posts with original audio", ("audio_type", "asmr"): "ASMR posts",
    ("content_format", "tutorial"): "Tutorials", ("content_format", "timelapse"): "Timelapses",
    ("content_format", "before_after"): "Before-and-after posts", ("content_format", "showcase"): "Showcases",
    ("content_format", "behind_the_scenes"): "Behind-the-scenes posts",
    ("hook_speed", "instant"): "Posts with an instant hook", ("hook_speed", "fast"): "Posts with a fast hook",
    ("hook_speed", "slow"): "Posts with a slow build-up",
    ("duration_bucket", "under_15s"): "Videos under 15 s", ("duration_bucket", "15_30s"): "15-30 s videos",
    ("duration_bucket", "30_60s"): "30-60 s videos", ("duration_bucket", "60_180s"): "1-3 min videos",
    ("duration_bucket", "over_180s"): "Videos over 3 min",
    ("posting_time", "morning"): "Morning posts", ("posting_time", "midday"): "Midday posts",
    ("posting_time", "afternoon"): "Afternoon posts", ("posting_time", "evening"): "Evening posts",
    ("posting_time", "night"): "Late-night posts",
    ("caption_length", "short"): "Short captions", ("caption_length", "medium"): "Medium-length captions",
    ("caption_length", "long"): "Long captions",
    ("has_question", "yes"): "Captions that ask a question",
    ("has_question", "no"): "Captions without a question",
    ("has_cta", "yes"): "Posts with a call to action", ("has_cta", "no"): "Posts without a call to action",
    ("weekday", "weekday"): "Weekday posts", ("weekday", "weekend"): "Weekend posts",
}


def level_phrase(attribute: str, level: str) -> str:
    """How a person would name posts at this level."""
    fallback = f"Posts with {attribute.replace('_', ' ')} {level.replace('_', ' ')}"
    return LEVEL_PHRASES.get((attribute, level), fallback)


def _fmt_ratio(value: float) -> str:
    text = f"{value:.1f}"
    # 1.04 shown as "1.0x" would read as no effect at all.
    return f"{value:.2f}" if text == "1.0" else text


def insight_text(row: Mapping[str, Any] | PatternFinding) -> str:
    """One sentence stating a finding with its numbers; refuses anything that is not a finding."""
    r = row if isinstance(row, Mapping) else row.__dict__
    if r.get("status", "finding") != "finding":
        raise ValueError("only findings are stated")
    metric = r["metric"].replace("_", " ")
    return (f"{level_phrase(r['attribute'], r['level'])} get {_fmt_ratio(r['ratio'])}× the {metric} of your "
            f"other posts (95% CI {_fmt_ratio(r['ci_low'])}–{_fmt_ratio(r['ci_high'])}×, "
            f"{r['n_level']} vs {r['n_rest']} posts).")


def impact(ratio: float, ci_low: float, ci_high: float) -> Impact:
    """High: at least 1.5x (or 1/1.5) with the CI's near end past 1.2x; medium: at least 1.2x."""
    size = abs(math.log(ratio))
    near_end = min(abs(math.log(ci_low)), abs(math.log(ci_high)))
    if size >= math.log(1.5) and near_end >= math.log(1.2):
        return "high"
    return "medium" if size >= math.log(1.2) else "low"


def findings(patterns: pl.DataFrame) -> list[PatternFinding]:
    """The rows that hold, strongest first, as typed findings with their sentence."""
    held = patterns.filter(pl.col("status") == "finding")
    held = held.with_columns(pl.col("ratio").log().abs().alias("_size")).sort("_size", descending=True)
    out = []
    for r in held.iter_rows(named=True):
        out.append(PatternFinding(
            attribute=r["attribute"], level=r["level"], metric=r["metric"], n_level=r["n_level"],
            n_rest=r["n_rest"], ratio=r["ratio"], ci_low=r["ci_low"], ci_high=r["ci_high"],
            p_value=r["p_value"], q_value=r["q_value"], top_share=r["top_share"], base_share=r["base_share"],
            text=insight_text(r), impact=impact(r["ratio"], r["ci_low"], r["ci_high"]),
            category=r["attribute"]))
    return out
