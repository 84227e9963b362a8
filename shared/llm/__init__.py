"""Content concepts from a language model, or from rules when no model is configured."""

from shared.llm.models import ConceptBatch, ContentConcept, ExtractedAttributes, RecommendationContext, Shot
from shared.llm.provider import LLMProvider, get_provider

__all__ = [
    "ConceptBatch",
    "ContentConcept",
    "ExtractedAttributes",
    "LLMProvider",
    "RecommendationContext",
    "Shot",
    "get_provider",
]
