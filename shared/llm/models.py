"""Pydantic models at the LLM boundary: what we send (context) and what we accept back (concepts)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.attributes import AUDIO_TYPE, CAMERA_ANGLE, CONTENT_FORMAT, HOOK_SPEED, LEVELS

Platform = Literal["instagram", "youtube", "pinterest", "tiktok"]

_HASHTAG = re.compile(r"^#[^\s#]+$")
# Published in the tool schema so the model sees the allowed levels, not just "string".
_ATTRIBUTES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {attribute: {"type": "string", "enum": list(levels)} for attribute, levels in LEVELS.items()},
    "additionalProperties": False,
}


def check_attribute_levels(value: dict[str, str]) -> dict[str, str]:
    """Every key must be a vocabulary attribute and every value one of its levels."""
    for attribute, level in value.items():
        if attribute not in LEVELS:
            raise ValueError(f"unknown attribute {attribute!r}; use one of {sorted(LEVELS)}")
        if level not in LEVELS[attribute]:
            raise ValueError(f"unknown level {level!r} for {attribute}; use one of {list(LEVELS[attribute])}")
    return value


class Shot(BaseModel):
    """One shot of the shot list."""

    order: int = Field(ge=1)
    description: str = Field(min_length=1)
    duration_s: float = Field(gt=0, le=600)


class ContentConcept(BaseModel):
    """A brief the creator can film: hook, shots, edit, sound, caption, tags, and why."""

    concept: str = Field(min_length=1)
    hook: str = Field(min_length=1)
    video_length_s: int = Field(ge=5, le=600)
    shot_list: list[Shot] = Field(min_length=3, max_length=12)
    editing_style: str = Field(min_length=1)
    music: str = Field(min_length=1)
    caption: str = Field(min_length=1)
    hashtags: list[str] = Field(min_length=3, max_length=30)
    platform: Platform
    attributes: dict[str, str] = Field(json_schema_extra=_ATTRIBUTES_SCHEMA)
    rationale: str = Field(min_length=1)
    trend_topic: str | None = None

    @field_validator("hashtags")
    @classmethod
    def _hashtags_are_single_tags(cls, value: list[str]) -> list[str]:
        bad = [tag for tag in value if not _HASHTAG.match(tag)]
        if bad:
            raise ValueError(f"hashtags must start with # and contain no spaces: {bad}")
        return value

    @field_validator("attributes")
    @classmethod
    def _attributes_in_vocabulary(cls, value: dict[str, str]) -> dict[str, str]:
        return check_attribute_levels(value)


class ConceptBatch(BaseModel):
    """The concepts of one request."""

    concepts: list[ContentConcept] = Field(min_length=1, max_length=10)


class ExtractedAttributes(BaseModel):
    """Attribute levels a model read from one post's text or frames; unknown ones are left out."""

    post_id: str
    attributes: dict[str, str] = Field(default_factory=dict, json_schema_extra=_ATTRIBUTES_SCHEMA)
    confidence: float = Field(default=0.6, ge=0, le=1)

    @field_validator("attributes")
    @classmethod
    def _attributes_in_vocabulary(cls, value: dict[str, str]) -> dict[str, str]:
        return check_attribute_levels(value)

    def rows(self) -> list[dict[str, Any]]:
        """Long-format rows as the rules extractor emits them, with source "llm"."""
        return [
            {"post_id": self.post_id, "attribute": a, "level": lv, "source": "llm", "confidence": self.confidence}
            for a, lv in sorted(self.attributes.items())
        ]


# What a model may read from a post's words; the other attributes are platform facts or text rules.
READABLE_ATTRIBUTES: tuple[str, ...] = (CAMERA_ANGLE, AUDIO_TYPE, CONTENT_FORMAT, HOOK_SPEED)
UNKNOWN_LEVEL = "unknown"


def _enum(values: Iterable[str]) -> dict[str, Any]:
    """A JSON schema `enum` of these values (the schema the model is asked to answer in)."""
    return {"enum": list(values)}


class AttributeReading(BaseModel):
    """One attribute of one post as a model read it, or "unknown", with the model's stated confidence."""

    attribute: str = Field(json_schema_extra=_enum(READABLE_ATTRIBUTES))
    level: str = Field(json_schema_extra=_enum([lv for a in READABLE_ATTRIBUTES for lv in LEVELS[a]] + [UNKNOWN_LEVEL]))
    confidence: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _level_of_its_attribute(self) -> AttributeReading:
        if self.attribute not in READABLE_ATTRIBUTES:
            raise ValueError(f"unknown attribute {self.attribute!r}; use one of {list(READABLE_ATTRIBUTES)}")
        allowed = [*LEVELS[self.attribute], UNKNOWN_LEVEL]
        if self.level not in allowed:
            raise ValueError(f"unknown level {self.level!r} for {self.attribute}; use one of {allowed}")
        return self


class PostReadings(BaseModel):
    """The readings of one post, named by the id it was sent with."""

    # Models sometimes echo a numeric-looking id as a number; that is the same post.
    model_config = ConfigDict(coerce_numbers_to_str=True)

    post_id: str = Field(min_length=1)
    readings: list[AttributeReading] = Field(default_factory=list, max_length=len(READABLE_ATTRIBUTES) * 2)


class AttributeReadingBatch(BaseModel):
    """The answer for one batch of posts."""

    posts: list[PostReadings] = Field(default_factory=list)


class Trend(BaseModel):
    topic: str
    heat: float
    growth_7d: float | None = Field(default=None, description="Growth of search interest over the last 7 days")
    growth_30d: float | None = Field(default=None, description="Growth of search interest over the last 30 days")


class TopPost(BaseModel):
    title: str | None = None
    caption_excerpt: str | None = None
    platform: Platform
    save_rate: float | None = None
    share_rate: float | None = None
    attributes: dict[str, str] = Field(default_factory=dict)


class Insight(BaseModel):
    """A significant finding of her pattern model: this level's rate over her typical post's."""

    text: str
    attribute: str
    level: str
    metric: str | None = None
    ratio: float


class HashtagStat(BaseModel):
    """One of her own hashtags and how the posts carrying it did (1.0 = her typical post)."""

    tag: str
    posts: int
    score: float


class RecommendationContext(BaseModel):
    """Everything a provider may use to write concepts; no secrets, no personal data beyond captions."""

    niche_keywords: list[str] = Field(default_factory=list)
    trends: list[Trend] = Field(default_factory=list)
    analytics_summary: dict[str, Any] = Field(default_factory=dict)
    signals: dict[str, Any] = Field(default_factory=dict)
    top_posts: list[TopPost] = Field(default_factory=list)
    insights: list[Insight] = Field(default_factory=list)
    top_hashtags: list[HashtagStat] = Field(default_factory=list)
    platforms: list[Platform] = Field(default_factory=list)


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every $ref replaced by its definition (one self-contained object)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]]))
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)
