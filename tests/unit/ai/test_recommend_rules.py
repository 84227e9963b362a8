"""The pure parts of recommendations: idempotency keys, fingerprints, quota reset, scores and ranking."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from shared.engines.virality import LevelEffect, ViralityModel, ViralityReport
from shared.errors import InvalidInput
from shared.llm.models import ContentConcept, Shot
from shared.models.ai import RecommendBody
from shared.services.recommend import (
    fingerprint,
    idempotency_key,
    rank_concepts,
    score_concept,
    seconds_until_utc_midnight,
)

MODEL = ViralityModel(
    effects=[
        LevelEffect(attribute="camera_angle", level="overhead", metric="save_rate", log_ratio=math.log(1.6)),
        LevelEffect(attribute="camera_angle", level="wide", metric="save_rate", log_ratio=math.log(0.6)),
    ],
    weights={"instagram:save_rate": 2.0},
    intercept=-1.2,
    covariance=[[0.01, 0.0], [0.0, 0.04]],
    report=ViralityReport(
        status="ok",
        n_posts=400,
        n_train=200,
        n_test=200,
        base_rate=0.25,
        brier=0.17,
        brier_base_rate=0.18,
        skill=1 - 0.17 / 0.18,
        skill_ci=[0.02, 0.09],
        auc=0.66,
        earned=True,
    ),
)


def _concept(angle: str, platform: str = "instagram") -> ContentConcept:
    return ContentConcept(
        concept="c",
        hook="h",
        video_length_s=20,
        shot_list=[Shot(order=i, description="s", duration_s=5) for i in (1, 2, 3)],
        editing_style="e",
        music="m",
        caption="c",
        hashtags=["#a", "#b", "#c"],
        platform=platform,
        attributes={"camera_angle": angle, "audio_type": "asmr"},
        rationale="r",
    )


def test_body_and_header_keys_must_agree():
    assert idempotency_key("key-12345", None) == "key-12345"
    assert idempotency_key(None, " key-12345 ") == "key-12345"
    assert idempotency_key("key-12345", "key-12345") == "key-12345"
    with pytest.raises(InvalidInput):
        idempotency_key("key-12345", "key-67890")
    with pytest.raises(InvalidInput):
        idempotency_key(None, "short")


def test_a_request_without_a_key_gets_a_fresh_one():
    assert idempotency_key(None, None) != idempotency_key(None, None)


def test_the_fingerprint_follows_count_and_platform_only():
    keyed = RecommendBody(count=3, idempotency_key="abcdefgh")
    assert fingerprint(RecommendBody(count=3)) == fingerprint(keyed)
    assert fingerprint(RecommendBody(count=3)) != fingerprint(RecommendBody(count=2))
    assert fingerprint(RecommendBody(count=3)) != fingerprint(RecommendBody(count=3, platform="tiktok"))


def test_the_quota_resets_at_the_next_utc_midnight():
    assert seconds_until_utc_midnight(dt.datetime(2026, 11, 25, 23, 0, tzinfo=dt.timezone.utc)) == 3600
    almost = dt.datetime(2026, 11, 25, 23, 59, 59, 900000, tzinfo=dt.timezone.utc)
    assert seconds_until_utc_midnight(almost) == 1


def test_a_score_is_the_model_probability_with_what_it_rests_on():
    score, details = score_concept(MODEL, _concept("overhead"))
    assert score == pytest.approx(1 / (1 + math.exp(-(-1.2 + 2.0 * math.log(1.6)))))
    assert details["levels_used"] == ["camera_angle=overhead"] and details["model_probability"] == score
    assert details["levels_unknown"] == ["audio_type=asmr"]
    assert details["brier"] == 0.17 and details["n_test"] == 200 and details["base_rate"] == 0.25
    # Whole percentages: the model has earned a probability, not two decimals of one; and its interval.
    low, high = details["probability_ci"]
    logit, se = -1.2 + 2.0 * math.log(1.6), math.sqrt(0.01 + 0.04 * math.log(1.6) ** 2)
    assert low == pytest.approx(1 / (1 + math.exp(-(logit - 1.959964 * se))))
    assert high == pytest.approx(1 / (1 + math.exp(-(logit + 1.959964 * se))))
    assert details["earned"] and details["statement"].startswith(
        f"{score:.0%} (95% CI {low:.0%}–{high:.0%}) chance of reaching your top quartile"
    )


def test_concepts_are_ranked_by_score_and_a_chosen_platform_is_kept():
    ranked = rank_concepts([_concept("wide"), _concept("overhead"), _concept("closeup")], MODEL, "instagram")
    assert [c.attributes["camera_angle"] for c, _, _ in ranked] == ["overhead", "closeup", "wide"]
    on_tiktok = rank_concepts([_concept("wide"), _concept("overhead")], MODEL, "tiktok")
    assert {c.platform for c, _, _ in on_tiktok} == {"tiktok"}
    # No save weight on TikTok: the two concepts score alike there.
    assert on_tiktok[0][1] == pytest.approx(on_tiktok[1][1])


def test_a_model_no_better_than_the_base_rate_prints_no_probability():
    unearned = MODEL.model_copy(
        update={"report": MODEL.report.model_copy(update={"skill": 0.004, "skill_ci": [-0.01, 0.02], "earned": False})}
    )
    ranked = rank_concepts([_concept("wide"), _concept("overhead")], unearned, None)
    assert [c.attributes["camera_angle"] for c, _, _ in ranked] == ["wide", "overhead"]  # the writer's order
    score, details = ranked[0][1], ranked[0][2]
    assert score is None and details["probability"] is None and not details["earned"]
    # Not shown, but kept: realised outcomes are scored against what the model said.
    assert details["model_probability"] == pytest.approx(MODEL.predict(ranked[0][0].attributes, "instagram"))
    assert details["statement"].startswith("No better than your base rate: 25% of your posts")


def test_without_enough_history_every_concept_says_so():
    model = ViralityModel(
        intercept=0.0, report=ViralityReport(status="insufficient_history", n_posts=12, base_rate=0.25)
    )
    score, details = score_concept(model, _concept("overhead"))
    assert score is None and details["model_status"] == "insufficient_history"
    assert details["model_probability"] is None
    assert details["levels_used"] == [] and details["statement"].startswith("Not enough history yet (12 posts")
