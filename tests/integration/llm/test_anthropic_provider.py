"""The Anthropic provider against recorded Messages API responses, through the real SDK over HTTP."""

from __future__ import annotations

import logging

import pytest

from shared.config import Settings
from shared.errors import ServiceUnavailable
from shared.llm.anthropic_provider import AnthropicProvider
from shared.llm.models import ConceptBatch, Insight, RecommendationContext, Trend
from shared.llm.provider import get_provider

API_KEY = "sk-ant-api03-local-replay-not-a-real-key"
CONTEXT = RecommendationContext(
    niche_keywords=["knitting", "chunky knit"],
    trends=[Trend(topic="chunky knit blanket", heat=82, growth_7d=0.4)],
    insights=[
        Insight(
            text="Overhead shots get 1.6× the save rate of your other posts (95% CI 1.3–1.9×, 48 vs 212 posts).",
            attribute="camera_angle",
            level="overhead",
            ratio=1.6,
        )
    ],
    platforms=["instagram", "youtube"],
)


def provider(server, timeout_s: float = 10.0) -> AnthropicProvider:
    settings = Settings(anthropic_api_key=API_KEY, anthropic_model="claude-test-model", llm_timeout_s=timeout_s)
    return AnthropicProvider(settings, base_url=server.url)


def test_a_valid_tool_call_becomes_a_concept_batch(anthropic_api, caplog):
    anthropic_api.script(anthropic_api.recorded("concepts_valid.json"))
    with caplog.at_level(logging.DEBUG):
        batch = provider(anthropic_api).generate_concepts(CONTEXT, 2)
    assert isinstance(batch, ConceptBatch)
    assert [c.platform for c in batch.concepts] == ["instagram", "youtube"]
    assert batch.concepts[0].attributes["camera_angle"] == "overhead"
    assert batch.concepts[0].trend_topic == "chunky knit blanket"
    assert len(anthropic_api.requests) == 1
    request = anthropic_api.requests[0]
    assert request["path"] == "/v1/messages"
    # SDK versions differ on the header (x-api-key, or a bearer token in newer ones).
    headers = request["headers"]
    assert headers.get("x-api-key") == API_KEY or headers.get("authorization") == f"Bearer {API_KEY}"
    body = request["body"]
    assert body["model"] == "claude-test-model"
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["tool_choice"] == {"type": "tool", "name": "submit_concepts"}
    assert body["tools"][0]["name"] == "submit_concepts"
    assert "$ref" not in str(body["tools"][0]["input_schema"])
    assert "chunky knit blanket" in body["messages"][0]["content"]
    assert API_KEY not in caplog.text


def test_a_malformed_tool_call_is_repaired_once(anthropic_api):
    malformed = anthropic_api.fixture("concepts_malformed.json")
    anthropic_api.script(
        anthropic_api.recorded("concepts_malformed.json"), anthropic_api.recorded("concepts_valid.json")
    )
    batch = provider(anthropic_api).generate_concepts(CONTEXT, 2)
    assert len(batch.concepts) == 2
    assert len(anthropic_api.requests) == 2
    repair = anthropic_api.requests[1]["body"]["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    assert repair[1]["content"][0]["id"] == malformed["content"][0]["id"]
    result = repair[2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert result["tool_use_id"] == malformed["content"][0]["id"]
    assert "camera_angle" in result["content"] and "hashtags" in result["content"]
    assert anthropic_api.requests[1]["body"]["tool_choice"] == {"type": "tool", "name": "submit_concepts"}


def test_two_malformed_tool_calls_are_service_unavailable(anthropic_api):
    anthropic_api.script(anthropic_api.recorded("concepts_malformed.json"))
    with pytest.raises(ServiceUnavailable) as caught:
        provider(anthropic_api).generate_concepts(CONTEXT, 1)
    assert caught.value.retry_after and caught.value.status == 503
    assert len(anthropic_api.requests) == 2


def test_a_server_slower_than_the_timeout_is_service_unavailable(anthropic_api):
    anthropic_api.script(anthropic_api.recorded("concepts_valid.json", delay_s=5))
    # The late answer is valid: only a timeout that cuts it makes this a ServiceUnavailable.
    with pytest.raises(ServiceUnavailable) as caught:
        provider(anthropic_api, timeout_s=0.3).generate_concepts(CONTEXT, 2)
    assert caught.value.retry_after is not None and caught.value.headers["Retry-After"]
    # One SDK retry (max_retries=1), each cut at the timeout, and no more.
    assert len(anthropic_api.requests) == 2


def test_overloaded_529_is_service_unavailable_with_retry_after(anthropic_api):
    anthropic_api.script(anthropic_api.recorded("overloaded_529.json", status=529, headers={"retry-after": "1"}))
    with pytest.raises(ServiceUnavailable) as caught:
        provider(anthropic_api).generate_concepts(CONTEXT, 2)
    assert caught.value.retry_after == 1
    assert len(anthropic_api.requests) == 2
    assert API_KEY not in str(caught.value.detail)


def test_get_provider_picks_anthropic_only_with_a_key():
    assert get_provider(Settings(anthropic_api_key=API_KEY)).name == "anthropic"
    offline = get_provider(Settings())
    assert offline.offline and offline.name == "offline-rules"
