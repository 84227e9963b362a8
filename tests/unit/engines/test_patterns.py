"""The pattern detector finds planted lifts against her typical post, states no mirror images, and says
what it could not judge."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from shared.engines.patterns import benjamini_hochberg, chi2_sf, coverage_text, detect_patterns, findings, insight_text

PLATFORM_BASE = {  # (save rate, share rate): very different base rates per platform
    "instagram": (0.020, 0.010),
    "pinterest": (0.060, 0.002),
    "youtube": (0.006, 0.004),
}
ATTRIBUTE_LEVELS = {
    "camera_angle": ("overhead", "closeup", "face_to_camera", "pov", "wide"),
    "audio_type": ("trending_audio", "voiceover", "original_audio", "asmr"),
    "content_format": ("tutorial", "timelapse", "before_after", "showcase", "behind_the_scenes"),
    "posting_time": ("morning", "midday", "afternoon", "evening", "night"),
    "has_cta": ("yes", "no"),
}
PLANTED = {("camera_angle", "overhead", "save_rate"): 1.6, ("audio_type", "trending_audio", "share_rate"): 1.5}


def synthetic_history(
    seed: int, n: int = 900, *, lifts: dict | None = None, overhead_given_tutorial: float = 0.0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Posts over three platforms with planted lifts (attribute, level, metric) -> factor; the rest is noise."""
    lifts = PLANTED if lifts is None else lifts
    rng = np.random.default_rng(seed)
    platforms = rng.choice(list(PLATFORM_BASE), size=n)
    views = np.maximum(60, rng.lognormal(8.0, 0.8, size=n)).astype(int)
    chosen = {a: rng.choice(levels, size=n) for a, levels in ATTRIBUTE_LEVELS.items()}
    # Tutorials are often shot overhead: the two attributes travel together.
    together = (chosen["content_format"] == "tutorial") & (rng.random(n) < overhead_given_tutorial)
    chosen["camera_angle"] = np.where(together, "overhead", chosen["camera_angle"])
    unknown = {a: rng.random(n) < 0.1 for a in ATTRIBUTE_LEVELS}  # ~10 % unknown, never guessed
    factor = {"save_rate": np.ones(n), "share_rate": np.ones(n)}
    for (attribute, level, metric), lift in lifts.items():
        factor[metric] = factor[metric] * np.where(chosen[attribute] == level, lift, 1.0)
    counts = {}
    for k, metric in enumerate(("save_rate", "share_rate")):
        base = np.array([PLATFORM_BASE[p][k] for p in platforms])
        counts[metric] = rng.poisson(views * base * factor[metric] * rng.lognormal(-0.045, 0.3, n))
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    posts = pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "platform": platforms,
            "views": views,
            "saves": counts["save_rate"],
            "shares": counts["share_rate"],
            "posted_at": [start + dt.timedelta(hours=9 * i) for i in range(n)],
        }
    )
    rows = [
        (f"p{i}", a, str(chosen[a][i]), "rules", 0.9) for a in ATTRIBUTE_LEVELS for i in range(n) if not unknown[a][i]
    ]
    # A rare attribute: only 8 posts carry a duration at all.
    rows += [(f"p{i}", "duration_bucket", "over_180s" if i < 4 else "30_60s", "platform", 1.0) for i in range(8)]
    attributes = pl.DataFrame(rows, schema=["post_id", "attribute", "level", "source", "confidence"], orient="row")
    return posts, attributes


def level_row(result, attribute: str, level: str, metric: str) -> dict:
    return result.levels.filter(
        (pl.col("attribute") == attribute) & (pl.col("level") == level) & (pl.col("metric") == metric)
    ).row(0, named=True)


def coverage_row(result, attribute: str, metric: str) -> dict:
    return result.coverage.filter((pl.col("attribute") == attribute) & (pl.col("metric") == metric)).row(0, named=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_lifts_are_found_against_the_neutral_levels_with_ci_covering_the_truth(seed):
    result = detect_patterns(*synthetic_history(seed))
    for (attribute, level, metric), lift in PLANTED.items():
        r = level_row(result, attribute, level, metric)
        assert r["status"] == "finding" and r["ci_low"] <= lift <= r["ci_high"], r
        # The reference is every other level: the ones that do nothing.
        assert sorted(r["reference"]) == sorted(set(ATTRIBUTE_LEVELS[attribute]) - {level})
        assert r["q_value"] <= 0.05 and r["top_share"] > r["base_share"]
        assert coverage_row(result, attribute, metric)["verdict"] == "found"


@pytest.mark.parametrize("seed", range(4))
def test_neutral_levels_of_a_lifted_attribute_are_never_stated_as_mirror_images(seed):
    result = detect_patterns(*synthetic_history(seed + 30))
    stated = {(f.attribute, f.metric): [] for f in findings(result)}
    for f in findings(result):
        stated[(f.attribute, f.metric)].append(f.level)
    assert stated == {("camera_angle", "save_rate"): ["overhead"], ("audio_type", "share_rate"): ["trending_audio"]}
    pov = level_row(result, "camera_angle", "pov", "save_rate")
    assert pov["status"] == "reference" and pov["ci_low"] <= 1 <= pov["ci_high"]


def test_a_binary_attribute_is_stated_once_from_the_lifted_side():
    lifts = {("has_cta", "yes", "share_rate"): 1.3}
    for seed in range(3):
        found = findings(detect_patterns(*synthetic_history(seed + 40, lifts=lifts)))
        assert [(f.attribute, f.level, f.reference) for f in found] == [("has_cta", "yes", ["no"])]
        assert found[0].text.startswith("Posts with a call to action get ")
        assert "× the share rate of posts without a call to action (95% CI" in found[0].text


def test_two_lifted_levels_are_each_measured_against_the_neutral_ones():
    lifts = {("camera_angle", "overhead", "save_rate"): 1.6, ("camera_angle", "wide", "save_rate"): 0.6}
    result = detect_patterns(*synthetic_history(5, n=1500, lifts=lifts))
    overhead = level_row(result, "camera_angle", "overhead", "save_rate")
    wide = level_row(result, "camera_angle", "wide", "save_rate")
    assert overhead["status"] == wide["status"] == "finding"
    assert sorted(overhead["reference"]) == ["closeup", "face_to_camera", "pov"]
    assert overhead["ci_low"] <= 1.6 <= overhead["ci_high"] and wide["ci_low"] <= 0.6 <= wide["ci_high"]


def test_correlated_attributes_do_not_claim_each_others_effect():
    posts, attributes = synthetic_history(
        6, n=1500, lifts={("camera_angle", "overhead", "save_rate"): 1.6}, overhead_given_tutorial=0.8
    )
    # Looked at alone, tutorials do save better: most of them are shot overhead.
    rates = posts.with_columns((pl.col("saves") / pl.col("views")).alias("r")).join(
        attributes.filter(pl.col("attribute") == "content_format"), on="post_id"
    )
    marginal = (
        rates.filter(pl.col("level") == "tutorial")["r"].mean()
        / rates.filter(pl.col("level") != "tutorial")["r"].mean()
    )
    assert marginal > 1.2
    result = detect_patterns(posts, attributes)
    assert [(f.attribute, f.level) for f in findings(result)] == [("camera_angle", "overhead")]
    assert coverage_row(result, "content_format", "save_rate")["verdict"] == "no_effect"


def test_pure_noise_yields_no_findings_and_bounds_what_it_rules_out():
    for seed in range(6):
        result = detect_patterns(*synthetic_history(seed + 20, lifts={}))
        assert findings(result) == []
        row = coverage_row(result, "camera_angle", "save_rate")
        assert row["verdict"] == "no_effect" and "ruled out" in row["reason"]


def test_an_attribute_on_too_few_posts_is_not_testable_and_says_why():
    result = detect_patterns(*synthetic_history(3))
    row = coverage_row(result, "duration_bucket", "save_rate")
    assert row["verdict"] == "not_testable" and row["n_known"] == 8 and row["p_value"] is None
    assert row["reason"].startswith("8 posts carry both a duration and saves")
    assert level_row(result, "duration_bucket", "over_180s", "save_rate")["status"] == "not_enough_data"
    assert coverage_text(row).startswith("Not enough data to judge lengths on save rate: 8 posts")


def test_a_platform_without_the_attribute_or_the_metric_is_named_in_the_reason():
    posts, attributes = synthetic_history(7)
    # Durations only on YouTube posts; YouTube posts have no saves; Instagram has no duration.
    youtube = posts.filter(pl.col("platform") == "youtube").get_column("post_id").to_list()
    attributes = pl.concat(
        [
            attributes.filter(pl.col("attribute") != "duration_bucket"),
            pl.DataFrame(
                [(p, "duration_bucket", "30_60s", "platform", 1.0) for p in youtube],
                schema=attributes.schema,
                orient="row",
            ),
        ]
    )
    posts = posts.with_columns(
        pl.when(pl.col("platform") == "youtube").then(None).otherwise(pl.col("saves")).alias("saves")
    )
    reason = coverage_row(detect_patterns(posts, attributes), "duration_bucket", "save_rate")["reason"]
    assert reason.startswith("0 posts carry both a duration and saves")
    assert "Instagram does not expose duration" in reason and "YouTube does not expose saves" in reason


def test_intervals_cover_a_known_ratio_about_95_percent_of_the_time():
    rng = np.random.default_rng(42)
    covered, runs, n = 0, 120, 300
    for _ in range(runs):
        level = rng.random(n) < 0.3
        views = np.maximum(60, rng.lognormal(7.5, 0.8, n)).astype(int)
        saves = rng.poisson(views * 0.02 * np.where(level, 1.4, 1.0) * rng.lognormal(-0.045, 0.3, n))
        posts = pl.DataFrame(
            {
                "post_id": [str(i) for i in range(n)],
                "platform": ["instagram"] * n,
                "views": views,
                "saves": saves,
                "shares": [None] * n,
            }
        )
        attributes = pl.DataFrame(
            {
                "post_id": [str(i) for i in range(n)],
                "attribute": ["camera_angle"] * n,
                "level": np.where(level, "overhead", "closeup"),
            }
        )
        r = level_row(
            detect_patterns(posts, attributes, metrics=("save_rate",)), "camera_angle", "overhead", "save_rate"
        )
        covered += r["ci_low"] <= 1.4 <= r["ci_high"]
    assert 0.9 <= covered / runs <= 0.99


def test_posts_without_the_metric_or_with_few_views_are_left_out():
    posts, attributes = synthetic_history(4)
    posts = posts.with_columns(
        pl.when(pl.col("platform") == "youtube").then(None).otherwise(pl.col("saves")).alias("saves"),
        pl.when(pl.col("post_id") == "p0").then(10).otherwise(pl.col("views")).alias("views"),
    )
    result = detect_patterns(posts, attributes, metrics=("save_rate",))
    eligible = posts.filter((pl.col("platform") != "youtube") & (pl.col("post_id") != "p0"))
    known = attributes.filter(pl.col("attribute") == "has_cta").join(eligible, on="post_id").height
    row = coverage_row(result, "has_cta", "save_rate")
    assert row["n_posts"] == eligible.height and row["n_known"] == known < eligible.height


def test_insight_text_names_the_reference_and_refuses_non_findings():
    result = detect_patterns(*synthetic_history(0))
    found = {(f.attribute, f.level, f.metric): f for f in findings(result)}
    overhead = found[("camera_angle", "overhead", "save_rate")]
    assert overhead.text == (
        f"Overhead shots get {overhead.ratio:.1f}× the save rate of your posts with other camera angles "
        f"(close-up, talking to camera, POV, wide) (95% CI {overhead.ci_low:.1f}–{overhead.ci_high:.1f}×, "
        f"{overhead.n_level} vs {overhead.n_reference} posts)."
    )
    assert overhead.impact in {"high", "medium"} and overhead.category == "camera_angle"
    with pytest.raises(ValueError):
        insight_text(level_row(result, "camera_angle", "pov", "save_rate"))


def test_benjamini_hochberg_matches_hand_computed_values():
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.20]))
    # Sorted p 0.01, 0.03, 0.04, 0.20 scale by 4/rank to 0.04, 0.06, 0.0533, 0.20, then a running minimum.
    assert np.allclose(q, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.20])


@pytest.mark.parametrize(("x", "k"), [(3.841459, 1), (5.991465, 2), (7.814728, 3), (9.487729, 4)])
def test_chi_square_tail_matches_the_tabulated_five_percent_points(x, k):
    assert chi2_sf(x, k) == pytest.approx(0.05, abs=1e-6)
