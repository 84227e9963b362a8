"""The pattern detector finds planted lifts, stays quiet on noise and states only what holds."""
from __future__ import annotations

import datetime as dt
import time

import numpy as np
import polars as pl
import pytest

from shared.engines.patterns import benjamini_hochberg, detect_patterns, findings, insight_text

PLATFORM_BASE = {  # (save rate, share rate): very different base rates per platform
    "instagram": (0.020, 0.010), "pinterest": (0.060, 0.002), "youtube": (0.006, 0.004),
}
ATTRIBUTE_LEVELS = {
    "camera_angle": ("overhead", "closeup", "face_to_camera", "pov", "wide"),
    "audio_type": ("trending_audio", "voiceover", "original_audio", "asmr"),
    "content_format": ("tutorial", "timelapse", "before_after", "showcase", "behind_the_scenes"),
    "posting_time": ("morning", "midday", "afternoon", "evening", "night"),
    "has_cta": ("yes", "no"),
}
SAVE_LIFT = ("camera_angle", "overhead", 1.6)
SHARE_LIFT = ("audio_type", "trending_audio", 1.5)


def synthetic_history(seed: int, n: int = 800, *, planted: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Posts over three platforms with two planted lifts (unless not planted); the rest is noise."""
    rng = np.random.default_rng(seed)
    platforms = rng.choice(list(PLATFORM_BASE), size=n)
    views = np.maximum(60, rng.lognormal(8.0, 0.8, size=n)).astype(int)
    chosen = {a: rng.choice(levels, size=n) for a, levels in ATTRIBUTE_LEVELS.items()}
    unknown = {a: rng.random(n) < 0.1 for a in ATTRIBUTE_LEVELS}  # ~10 % unknown, never guessed
    save_base = np.array([PLATFORM_BASE[p][0] for p in platforms])
    share_base = np.array([PLATFORM_BASE[p][1] for p in platforms])
    save_lift = np.where(planted & (chosen[SAVE_LIFT[0]] == SAVE_LIFT[1]), SAVE_LIFT[2], 1.0)
    share_lift = np.where(planted & (chosen[SHARE_LIFT[0]] == SHARE_LIFT[1]), SHARE_LIFT[2], 1.0)
    saves = rng.binomial(views, np.clip(save_base * save_lift * rng.lognormal(0, 0.5, n), 0, 1))
    shares = rng.binomial(views, np.clip(share_base * share_lift * rng.lognormal(0, 0.5, n), 0, 1))
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    posts = pl.DataFrame({
        "post_id": [f"p{i}" for i in range(n)], "platform": platforms, "views": views,
        "saves": saves, "shares": shares, "posted_at": [start + dt.timedelta(hours=9 * i) for i in range(n)],
    })
    rows = [(f"p{i}", a, str(chosen[a][i]), "rules", 0.9)
            for a in ATTRIBUTE_LEVELS for i in range(n) if not unknown[a][i]]
    # A rare level: only 8 posts are over three minutes long.
    rows += [(f"p{i}", "duration_bucket", "over_180s" if i < 8 else "30_60s", "platform", 1.0)
             for i in range(n)]
    schema = ["post_id", "attribute", "level", "source", "confidence"]
    attributes = pl.DataFrame(rows, schema=schema, orient="row")
    return posts, attributes


def row(result: pl.DataFrame, attribute: str, level: str, metric: str) -> dict:
    return result.filter((pl.col("attribute") == attribute) & (pl.col("level") == level)
                         & (pl.col("metric") == metric)).row(0, named=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_lifts_are_found_with_ci_covering_the_truth(seed):
    posts, attributes = synthetic_history(seed)
    result = detect_patterns(posts, attributes, seed=seed)
    for (attribute, level, lift), metric in ((SAVE_LIFT, "save_rate"), (SHARE_LIFT, "share_rate")):
        r = row(result, attribute, level, metric)
        assert r["status"] == "finding"
        assert r["ci_low"] <= lift <= r["ci_high"]
        assert r["q_value"] <= 0.05
        assert r["top_share"] > r["base_share"]


def test_pure_noise_yields_no_findings_across_seeds():
    for seed in range(3):
        posts, attributes = synthetic_history(seed + 20, planted=False)
        result = detect_patterns(posts, attributes, seed=seed)
        assert result.filter(pl.col("status") == "finding").is_empty()
        assert result.filter(pl.col("p_value").is_not_null()).height >= 40


def test_false_findings_stay_near_the_fdr_when_real_effects_exist():
    # Besides the planted levels, the other levels of the same attribute truly sit below their
    # rest (the rest holds the lifted level), so only other (attribute, metric) pairs are null.
    # BH bounds the expected share of false findings at 5 %; 5 seeds get some slack.
    effect_pairs = {(SAVE_LIFT[0], "save_rate"), (SHARE_LIFT[0], "share_rate")}
    false_findings = all_findings = 0
    for seed in range(5):
        posts, attributes = synthetic_history(seed + 10)
        result = detect_patterns(posts, attributes, seed=seed).filter(pl.col("status") == "finding")
        all_findings += result.height
        false_findings += sum((r["attribute"], r["metric"]) not in effect_pairs
                              for r in result.iter_rows(named=True))
    assert all_findings >= 10
    assert false_findings <= 0.1 * all_findings


def test_small_levels_are_insufficient_and_never_tested():
    posts, attributes = synthetic_history(3)
    result = detect_patterns(posts, attributes)
    rare = row(result, "duration_bucket", "over_180s", "save_rate")
    assert rare["status"] == "insufficient_data"
    assert rare["n_level"] == 8
    assert rare["p_value"] is None and rare["q_value"] is None and rare["ratio"] is None
    # Its complement has no rest of 15 posts to compare with either.
    assert row(result, "duration_bucket", "30_60s", "save_rate")["status"] == "insufficient_data"


def test_percentile_ci_covers_a_known_ratio_about_95_percent_of_the_time():
    rng = np.random.default_rng(42)
    covered, runs, n = 0, 150, 120
    for run in range(runs):
        level = rng.random(n) < 0.3
        rate = 0.02 * np.where(level, 1.4, 1.0) * rng.lognormal(0, 0.6, n)
        posts = pl.DataFrame({"post_id": [str(i) for i in range(n)], "platform": ["instagram"] * n,
                              "views": [100_000] * n, "saves": np.round(rate * 100_000).astype(int),
                              "shares": None})
        attributes = pl.DataFrame({"post_id": [str(i) for i in range(n)], "attribute": ["camera_angle"] * n,
                                   "level": np.where(level, "overhead", "closeup")})
        r = row(detect_patterns(posts, attributes, metrics=("save_rate",), n_boot=1000, seed=run),
                "camera_angle", "overhead", "save_rate")
        covered += r["ci_low"] <= 1.4 <= r["ci_high"]
    assert 0.88 <= covered / runs <= 0.99


def test_benjamini_hochberg_matches_hand_computed_values():
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.20]))
    # Sorted p 0.01, 0.03, 0.04, 0.20 scale by 4/rank to 0.04, 0.06, 0.0533, 0.20,
    # then a running minimum from the top.
    assert np.allclose(q, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.20])


def test_posts_without_the_metric_or_with_few_views_are_left_out():
    posts, attributes = synthetic_history(4)
    posts = posts.with_columns(
        pl.when(pl.col("platform") == "youtube").then(None).otherwise(pl.col("saves")).alias("saves"),
        pl.when(pl.col("post_id") == "p0").then(10).otherwise(pl.col("views")).alias("views"))
    result = detect_patterns(posts, attributes, metrics=("save_rate",))
    eligible = posts.filter((pl.col("platform") != "youtube") & (pl.col("post_id") != "p0")).height
    known = attributes.filter(pl.col("attribute") == "has_cta").join(
        posts.filter((pl.col("platform") != "youtube") & (pl.col("post_id") != "p0")), on="post_id").height
    r = row(result, "has_cta", "yes", "save_rate")
    assert r["n_level"] + r["n_rest"] == known < eligible


def test_insight_text_states_the_numbers_and_refuses_non_findings():
    posts, attributes = synthetic_history(0)
    result = detect_patterns(posts, attributes)
    found = {(f.attribute, f.level, f.metric): f for f in findings(result)}
    overhead = found[("camera_angle", "overhead", "save_rate")]
    assert overhead.text == (
        f"Overhead shots get {overhead.ratio:.1f}× the save rate of your other posts "
        f"(95% CI {overhead.ci_low:.1f}–{overhead.ci_high:.1f}×, "
        f"{overhead.n_level} vs {overhead.n_rest} posts).")
    assert overhead.impact in {"high", "medium"} and overhead.category == "camera_angle"
    quiet = result.filter(pl.col("status") != "finding").row(0, named=True)
    with pytest.raises(ValueError):
        insight_text(quiet)


def test_two_thousand_posts_run_in_a_few_seconds():
    posts, attributes = synthetic_history(5, n=2000)
    # Pad the vocabulary to ~40 levels as in production.
    padding = {"caption_length": ("short", "medium", "long"), "hook_speed": ("instant", "fast", "slow"),
               "weekday": ("weekday", "weekend"), "has_question": ("yes", "no")}
    extra = pl.DataFrame([(f"p{i}", a, levels[i % len(levels)], "rules", 0.9)
                          for a, levels in padding.items() for i in range(2000)],
                         schema=attributes.schema, orient="row")
    attributes = pl.concat([attributes, extra])
    started = time.perf_counter()
    result = detect_patterns(posts, attributes, n_boot=2000)
    elapsed = time.perf_counter() - started
    assert result.filter(pl.col("metric") == "save_rate").height >= 30
    assert elapsed < 5.0
