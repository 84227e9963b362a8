"""The virality model is scored on posts it had not seen, earns its decimals only when it beats the base
rate, and responds to the levels her patterns found."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from shared.engines.virality import ViralityModel, auc, fit_virality_model, virality_labels

LEVELS = {
    "camera_angle": ("overhead", "closeup", "face_to_camera", "wide"),
    "audio_type": ("trending_audio", "voiceover", "original_audio"),
    "hook_speed": ("instant", "fast", "slow"),
    "posting_time": ("morning", "midday", "evening"),
}
# Multiplicative effects on both rates; posting_time is pure noise.
LIFTS = {("camera_angle", "overhead"): 1.8, ("audio_type", "trending_audio"): 1.6, ("hook_speed", "instant"): 1.5}
GOOD = {"camera_angle": "overhead", "audio_type": "trending_audio", "hook_speed": "instant"}
BAD = {"camera_angle": "wide", "audio_type": "voiceover", "hook_speed": "slow"}


def synthetic_history(seed: int, n: int = 900, *, lifts: dict | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Instagram (saves + shares), Pinterest (saves) and TikTok (shares only) with planted effects."""
    lifts = LIFTS if lifts is None else lifts
    rng = np.random.default_rng(seed)
    platforms = rng.choice(["instagram", "pinterest", "tiktok"], size=n)
    chosen = {a: rng.choice(levels, size=n) for a, levels in LEVELS.items()}
    lift = np.ones(n)
    for (attribute, level), factor in lifts.items():
        lift *= np.where(chosen[attribute] == level, factor, 1.0)
    views = np.maximum(60, rng.lognormal(8, 0.7, n)).astype(int)
    save_base = np.select([platforms == "instagram", platforms == "pinterest"], [0.02, 0.05], 0.0)
    share_base = np.select([platforms == "instagram", platforms == "tiktok"], [0.01, 0.006], 0.0)
    saves = rng.poisson(views * save_base * lift * rng.lognormal(-0.045, 0.3, n))
    shares = rng.poisson(views * share_base * lift * rng.lognormal(-0.045, 0.3, n))
    start = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
    posts = pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "platform": platforms,
            "views": views,
            "saves": pl.Series([None if p == "tiktok" else int(s) for p, s in zip(platforms, saves)], dtype=pl.Int64),
            "shares": pl.Series(
                [None if p == "pinterest" else int(s) for p, s in zip(platforms, shares)], dtype=pl.Int64
            ),
            "posted_at": [start + dt.timedelta(days=i) for i in range(n)],
        }
    )
    missing = rng.random((len(LEVELS), n)) < 0.15
    rows = [(f"p{i}", a, str(chosen[a][i])) for k, a in enumerate(LEVELS) for i in range(n) if not missing[k, i]]
    return posts, pl.DataFrame(rows, schema=["post_id", "attribute", "level"], orient="row")


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_patterns_give_a_skill_that_is_earned_on_later_posts(seed):
    report = fit_virality_model(*synthetic_history(seed), seed=seed).report
    assert report.status == "ok" and report.earned
    # Rolling origin: the latest half of the posts is predicted, each eighth by a model of all earlier posts.
    assert report.n_train == 450 and report.n_test == 450
    assert report.brier < report.brier_base_rate and report.skill > 0.05
    assert 0 < report.skill_ci[0] < report.skill < report.skill_ci[1]
    assert report.auc > 0.65
    assert sum(b.n for b in report.calibration) == report.n_test


def test_without_patterns_the_score_is_not_earned_and_stays_at_the_base_rate():
    posts, attributes = synthetic_history(2, lifts={})
    model = fit_virality_model(posts, attributes)
    assert model.report.status == "ok" and not model.report.earned
    assert model.effects == [] and abs(model.report.skill) < 0.02
    assert model.predict(GOOD, "instagram") == pytest.approx(model.predict(BAD, "instagram"))


def test_labels_mark_a_quarter_of_each_platform_top_quartile():
    labels = virality_labels(synthetic_history(2)[0])
    shares = labels.group_by("platform").agg(pl.col("label").mean()).get_column("label").to_list()
    assert all(0.22 <= s <= 0.26 for s in shares)


def test_planted_good_levels_score_higher_than_bad_ones_and_unmeasured_metrics_do_not_count():
    model = fit_virality_model(*synthetic_history(3))
    good, bad = model.predict(GOOD, "instagram"), model.predict(BAD, "instagram")
    assert 0.0 <= bad < model.report.base_rate < good <= 1.0
    assert {"camera_angle=overhead", "audio_type=trending_audio"} <= model.levels_used()
    # TikTok has no saves: only the share weights apply there.
    assert not any(key == "tiktok:save_rate" for key in model.weights)
    assert 0.0 <= model.predict({}, "youtube") <= 1.0


def test_a_probability_comes_with_an_interval_that_narrows_with_more_history():
    short = fit_virality_model(*synthetic_history(6, n=400)).predict_interval(GOOD, "instagram")
    long = fit_virality_model(*synthetic_history(6, n=1600)).predict_interval(GOOD, "instagram")
    for low, p, high in ((short[1], short[0], short[2]), (long[1], long[0], long[2])):
        assert 0 < low < p < high < 1
    assert long[2] - long[1] < short[2] - short[1]


def test_auc_matches_a_hand_computed_value():
    # Positives scored 0.9 and 0.4, negatives 0.5, 0.4, 0.1: pairs won 3 + 1.5 (tie) of 6.
    assert auc(np.array([0.9, 0.4, 0.5, 0.4, 0.1]), np.array([1, 1, 0, 0, 0])) == pytest.approx(4.5 / 6)


def test_model_survives_a_json_round_trip():
    model = fit_virality_model(*synthetic_history(4))
    restored = ViralityModel.from_json_dict(json.loads(json.dumps(model.to_json_dict())))
    assert restored.predict(GOOD, "tiktok") == model.predict(GOOD, "tiktok")
    assert restored.predict_interval(GOOD, "instagram") == model.predict_interval(GOOD, "instagram")
    assert restored.report == model.report


def test_short_history_answers_the_base_rate():
    posts, attributes = synthetic_history(5, n=40)
    model = fit_virality_model(posts, attributes)
    assert model.report.status == "insufficient_history" and not model.report.earned
    assert model.report.n_posts == 40 and model.report.brier is None and model.report.base_rate == 0.25
    assert model.predict(GOOD, "instagram") == model.predict(BAD, "pinterest") == model.report.base_rate


def test_realised_calibration_scores_the_briefs_against_the_base_rate_they_were_made_with():
    from shared.engines.virality import realised_calibration

    report = realised_calibration(np.array([0.8, 0.2, 0.6, 0.3]), np.array([1, 0, 0, 0]), np.full(4, 0.25))
    # (0.2² + 0.2² + 0.6² + 0.3²) / 4 = 0.1325 against (0.75² + 3 x 0.25²) / 4 = 0.1875.
    assert report.n == 4 and report.n_top_quartile == 1 and report.observed_rate == 0.25
    assert report.brier == pytest.approx(0.1325) and report.brier_base_rate == pytest.approx(0.1875)
    assert report.skill == pytest.approx(1 - 0.1325 / 0.1875)
    assert report.skill_ci is None and not report.acted_on  # 4 briefs: no interval, nothing acted on
    assert [(b.lower, b.n, b.mean_predicted, b.observed_rate) for b in report.calibration] == [
        (0.2, 2, pytest.approx(0.25), 0.0),
        (0.6, 1, 0.6, 0.0),
        (0.8, 1, 0.8, 1.0),
    ]
    assert realised_calibration(np.array([]), np.array([]), np.array([])).n == 0


def test_enough_briefs_that_did_worse_than_the_base_rate_withdraw_the_score():
    from shared.engines.virality import realised_calibration

    posts, attributes = synthetic_history(0)
    assert fit_virality_model(posts, attributes).report.earned
    overconfident = realised_calibration(np.full(40, 0.9), np.r_[np.ones(8), np.zeros(32)], np.full(40, 0.25))
    assert overconfident.acted_on and overconfident.skill_ci[1] < 0
    refitted = fit_virality_model(posts, attributes, realised=overconfident).report
    assert not refitted.earned and refitted.realised == overconfident
    # Fewer than MIN_REALISED measured briefs: reported, not acted on.
    few = realised_calibration(np.full(12, 0.9), np.zeros(12), np.full(12, 0.25))
    assert not few.acted_on and fit_virality_model(posts, attributes, realised=few).report.earned
