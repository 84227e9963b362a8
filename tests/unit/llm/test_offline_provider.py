"""The offline provider writes valid, deterministic concepts from whatever context it gets."""

from __future__ import annotations

import pytest

from shared.config import Settings
from shared.errors import InvalidInput
from shared.llm.models import ConceptBatch, HashtagStat, Insight, RecommendationContext, TopPost, Trend
from shared.llm.offline_provider import OfflineProvider
from shared.llm.prompts import SYSTEM_PROMPT, render_context
from shared.llm.provider import LLMProvider, get_provider

CONTEXT = RecommendationContext(
    niche_keywords=["pottery", "ceramic mugs"],
    trends=[Trend(topic="speckled glaze mugs", heat=91, growth_7d=0.35), Trend(topic="pottery wheel asmr", heat=64)],
    analytics_summary={"posts": 212, "median_save_rate": 0.018},
    signals={"best_posting_time": "morning"},
    top_posts=[
        TopPost(
            title="Glazing 20 mugs",
            caption_excerpt="Top-down glaze pour",
            platform="instagram",
            save_rate=0.041,
            share_rate=0.012,
            attributes={"camera_angle": "overhead"},
        ),
        TopPost(title="Trimming a bowl", platform="youtube", save_rate=None, share_rate=0.004),
    ],
    insights=[
        Insight(
            text="Overhead shots get 1.6× the save rate of your other posts (95% CI 1.3–1.9×, 48 vs 212 posts).",
            attribute="camera_angle",
            level="overhead",
            ratio=1.6,
        ),
        Insight(
            text="Posts with trending audio get 1.4× the share rate of your other posts "
            "(95% CI 1.2–1.7×, 60 vs 150 posts).",
            attribute="audio_type",
            level="trending_audio",
            ratio=1.4,
        ),
        Insight(
            text="Posts with a slow build-up get 0.7× the save rate of your other posts "
            "(95% CI 0.6–0.8×, 40 vs 170 posts).",
            attribute="hook_speed",
            level="slow",
            ratio=0.7,
        ),
        Insight(text="Morning posts get 1.3× ...", attribute="posting_time", level="morning", ratio=1.3),
        Insight(text="not in the vocabulary", attribute="mood", level="cosy", ratio=2.0),
    ],
    top_hashtags=[
        HashtagStat(tag="#wheelthrown", posts=40, score=1.12),
        HashtagStat(tag="#glazemugs", posts=12, score=1.05),
    ],
)


def test_concepts_use_strengths_avoid_weaknesses_and_ride_trends():
    batch = OfflineProvider().generate_concepts(CONTEXT, 4)
    assert len(batch.concepts) == 4
    for concept in batch.concepts:
        assert concept.attributes["camera_angle"] == "overhead"
        assert concept.attributes["audio_type"] == "trending_audio"
        assert concept.attributes["posting_time"] == "morning"
        assert concept.attributes["hook_speed"] != "slow"
        assert "mood" not in concept.attributes
        assert "1.6×" in concept.rationale
        assert abs(sum(s.duration_s for s in concept.shot_list) - concept.video_length_s) < 1
    assert batch.concepts[0].trend_topic == "speckled glaze mugs"
    assert "#speckledglazemugs" in batch.concepts[0].hashtags
    assert len({c.attributes["content_format"] for c in batch.concepts}) == 4
    assert {c.platform for c in batch.concepts} == {"instagram", "youtube"}


def test_hashtags_come_from_each_concepts_topic_and_her_best_tags_not_one_fixed_set():
    batch = OfflineProvider().generate_concepts(CONTEXT, 2)
    first, second = batch.concepts[0].hashtags, batch.concepts[1].hashtags
    # The topic's own tags lead, then her tags that name the topic, then her other best tags.
    # Then the niche keywords that share a word with the topic: a mug brief gets #ceramicmugs, not #pottery.
    assert first[:4] == ["#speckledglazemugs", "#glazemugs", "#wheelthrown", "#ceramicmugs"]
    assert second[:5] == ["#potterywheelasmr", "#wheelasmr", "#wheelthrown", "#glazemugs", "#pottery"]
    assert "#pottery" not in first and "#ceramicmugs" not in second
    assert first != second


def test_an_empty_context_still_gives_valid_concepts():
    batch = OfflineProvider().generate_concepts(RecommendationContext(), 3)
    ConceptBatch.model_validate(batch.model_dump())
    assert all(c.platform == "instagram" and c.trend_topic is None for c in batch.concepts)
    assert all("No measured pattern yet" in c.rationale for c in batch.concepts)


def test_the_same_context_gives_the_same_concepts():
    assert OfflineProvider().generate_concepts(CONTEXT, 5) == OfflineProvider().generate_concepts(CONTEXT, 5)


def test_a_request_outside_one_to_ten_concepts_is_invalid():
    with pytest.raises(InvalidInput):
        OfflineProvider().generate_concepts(CONTEXT, 0)


def test_offline_is_the_default_provider_and_fits_the_protocol():
    provider = get_provider(Settings())
    assert isinstance(provider, LLMProvider)
    assert provider.offline and provider.name == "offline-rules"


def test_the_prompt_is_fixed_and_the_context_travels_in_the_user_message():
    assert "camera_angle: overhead, closeup" in SYSTEM_PROMPT
    message = render_context(CONTEXT, 3)
    assert message.startswith("Write 3 content concepts")
    assert "speckled glaze mugs" in message and "speckled" not in SYSTEM_PROMPT
