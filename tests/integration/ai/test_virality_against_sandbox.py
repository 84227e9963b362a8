"""The virality model on sandbox history: its skill is earned where patterns exist, refused where none do,
and it orders planted levels correctly."""
from __future__ import annotations

from shared import clock
from shared.db import service_transaction
from shared.llm.models import ContentConcept, Shot
from shared.services.patterns import load_or_fit_virality_model
from shared.services.recommend import score_concept
from tests.integration.ai.conftest import SANDBOX_TODAY

GOOD = {"camera_angle": "overhead", "audio_type": "trending_audio", "hook_speed": "instant"}
BAD = {"camera_angle": "wide", "audio_type": "original_audio", "hook_speed": "slow"}


def _concept(levels: dict[str, str]) -> ContentConcept:
    return ContentConcept(
        concept="Resin coaster set", hook="Watch the pour", video_length_s=25,
        shot_list=[Shot(order=i, description=f"shot {i}", duration_s=8) for i in (1, 2, 3)],
        editing_style="clean cuts", music="original studio audio", caption="New coasters",
        hashtags=["#resin", "#handmade", "#coasters"], platform="instagram",
        attributes={"content_format": "showcase", **levels}, rationale="test")


def test_with_planted_patterns_the_skill_is_positive_and_earned_on_later_posts(seeded_creators):
    for creator in seeded_creators:
        report = creator.run.virality_report
        assert report["status"] == "ok" and report["n_test"] > 500, creator.seed
        assert report["earned"] and report["skill_ci"][0] > 0 and report["skill"] > 0.04, (creator.seed, report)
        assert report["auc"] > 0.6 and report["brier"] < report["brier_base_rate"]


def test_without_any_effect_the_score_is_not_earned(null_creators):
    for creator in null_creators:
        report = creator.run.virality_report
        assert report["status"] == "ok" and not report["earned"], creator.seed
        assert abs(report["skill"]) < 0.01


def test_planted_good_levels_score_above_planted_bad_levels(seeded_creators):
    for creator in seeded_creators:
        with clock.frozen_at(SANDBOX_TODAY), service_transaction() as conn:
            model = load_or_fit_virality_model(conn, creator.user_id)
        good, good_details = score_concept(model, _concept(GOOD))
        bad, _ = score_concept(model, _concept(BAD))
        assert 0 <= bad < good <= 1, (creator.seed, good, bad)
        assert "camera_angle=overhead" in good_details["levels_used"]
        assert good_details["model_status"] == "ok" and good_details["earned"]
