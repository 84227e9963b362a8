"""The virality model beats the base rate on later posts and ranks planted levels correctly."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from shared.engines.virality import ViralityModel, fit_virality_model, virality_labels

LEVELS = {
    "camera_angle": ("overhead", "closeup", "face_to_camera", "wide"),
    "audio_type": ("trending_audio", "voiceover", "original_audio"),
    "hook_speed": ("instant", "fast", "slow"),
    "posting_time": ("morning", "midday", "evening"),
}
# Multiplicative effects on both rates; posting_time is pure noise.
LIFTS = {("camera_angle", "overhead"): 1.8, ("audio_type", "trending_audio"): 1.6,
         ("hook_speed", "instant"): 1.5, ("camera_angle", "wide"): 0.6, ("hook_speed", "slow"): 0.6}
GOOD = {"camera_angle": "overhead", "audio_type": "trending_audio", "hook_speed": "instant"}
BAD = {"camera_angle": "wide", "audio_type": "voiceover", "hook_speed": "slow"}


def synthetic_history(seed: int, n: int = 600) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Instagram (saves + shares), Pinterest (saves) and TikTok (shares only) with planted effects."""
    rng = np.random.default_rng(seed)
    platforms = rng.choice(["instagram", "pinterest", "tiktok"], size=n)
    chosen = {a: rng.choice(levels, size=n) for a, levels in LEVELS.items()}
    lift = np.ones(n)
    for (attribute, level), factor in LIFTS.items():
        lift *= np.where(chosen[attribute] == level, factor, 1.0)
    views = np.maximum(60, rng.lognormal(8, 0.7, n)).astype(int)
    save_base = np.select([platforms == "instagram", platforms == "pinterest"], [0.02, 0.05], 0.0)
    share_base = np.select([platforms == "instagram", platforms == "tiktok"], [0.01, 0.006], 0.0)
    saves = rng.binomial(views, np.clip(save_base * lift * rng.lognormal(0, 0.4, n), 0, 1))
    shares = rng.binomial(views, np.clip(share_base * lift * rng.lognormal(0, 0.4, n), 0, 1))
    start = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
    posts = pl.DataFrame({
        "post_id": [f"p{i}" for i in range(n)], "platform": platforms, "views": views,
        "saves": pl.Series([None if p == "tiktok" else int(s) for p, s in zip(platforms, saves)],
                           dtype=pl.Int64),
        "shares": pl.Series([None if p == "pinterest" else int(s) for p, s in zip(platforms, shares)],
                            dtype=pl.Int64),
        "posted_at": [start + dt.timedelta(days=i) for i in range(n)],
    })
    missing = rng.random((len(LEVELS), n)) < 0.15
    rows = [(f"p{i}", a, str(chosen[a][i]))
            for k, a in enumerate(LEVELS) for i in range(n) if not missing[k, i]]
    return posts, pl.DataFrame(rows, schema=["post_id", "attribute", "level"], orient="row")


@pytest.mark.parametrize("seed", [0, 1])
def test_held_out_brier_beats_the_base_rate(seed):
    posts, attributes = synthetic_history(seed)
    report = fit_virality_model(posts, attributes, seed=seed).report
    assert report.status == "ok"
    assert report.n_test == 150 and report.n_train == 450
    assert report.brier < report.brier_base_rate
    assert report.skill > 0.05
    assert sum(b.n for b in report.calibration) == report.n_test


def test_labels_mark_a_quarter_of_each_platform_top_quartile():
    posts, _ = synthetic_history(2)
    labels = virality_labels(posts)
    shares = labels.group_by("platform").agg(pl.col("label").mean()).get_column("label").to_list()
    assert all(0.22 <= s <= 0.26 for s in shares)


def test_planted_good_levels_score_higher_than_bad_ones():
    posts, attributes = synthetic_history(3)
    model = fit_virality_model(posts, attributes)
    good, bad = model.predict(GOOD, "instagram"), model.predict(BAD, "instagram")
    assert 0.0 <= bad < model.report.base_rate < good <= 1.0
    coefficients = model.report.coefficients
    assert coefficients["camera_angle=overhead"] > 0 > coefficients["camera_angle=wide"]
    # Unknown attributes and unseen platforms fall back to the other features, still a probability.
    assert 0.0 <= model.predict({}, "youtube") <= 1.0


def test_model_survives_a_json_round_trip():
    posts, attributes = synthetic_history(4)
    model = fit_virality_model(posts, attributes)
    restored = ViralityModel.from_json_dict(json.loads(json.dumps(model.to_json_dict())))
    assert restored.predict(GOOD, "tiktok") == model.predict(GOOD, "tiktok")
    assert restored.report == model.report


def test_short_history_answers_the_base_rate():
    posts, attributes = synthetic_history(5, n=40)
    model = fit_virality_model(posts, attributes)
    assert model.report.status == "insufficient_history"
    assert model.report.n_posts == 40 and model.report.brier is None
    assert model.report.base_rate == 0.25
    assert model.predict(GOOD, "instagram") == model.predict(BAD, "pinterest") == model.report.base_rate
    restored = ViralityModel.from_json_dict(model.to_json_dict())
    assert restored.predict(GOOD, "instagram") == model.report.base_rate
