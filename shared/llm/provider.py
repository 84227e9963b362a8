"""The one interface every concept writer implements, and the choice between them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from shared.llm.models import ConceptBatch, RecommendationContext

if TYPE_CHECKING:
    from shared.config import Settings

__all__ = ["LLMProvider", "RecommendationContext", "get_provider"]

MAX_CONCEPTS = 10


@runtime_checkable
class LLMProvider(Protocol):
    """Writes content concepts from a creator's context."""

    name: str
    offline: bool

    def generate_concepts(self, context: RecommendationContext, n: int) -> ConceptBatch: ...


def get_provider(settings: Settings) -> LLMProvider:
    """Anthropic when an API key is configured, otherwise the deterministic offline rules."""
    if settings.anthropic_api_key is not None and settings.anthropic_api_key.get_secret_value():
        from shared.llm.anthropic_provider import AnthropicProvider

        return AnthropicProvider(settings, base_url=getattr(settings, "anthropic_base_url", None))
    from shared.llm.offline_provider import OfflineProvider

    return OfflineProvider()
