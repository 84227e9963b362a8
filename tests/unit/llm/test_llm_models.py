"""Concepts must speak the attribute vocabulary and the platforms' rules before anyone sees them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from shared.llm.models import (
    AttributeReading,
    AttributeReadingBatch,
    ConceptBatch,
    ContentConcept,
    ExtractedAttributes,
    inline_schema,
)

CONCEPT = {
    "concept": "Overhead timelapse of a chunky knit blanket",
    "hook": "One skein, no needles.",
    "video_length_s": 28,
    "shot_list": [{"order": i + 1, "description": f"shot {i + 1}", "duration_s": 7} for i in range(4)],
    "editing_style": "Speed ramps",
    "music": "Trending sound",
    "caption": "Would you try this?",
    "hashtags": ["#chunkyknit", "#handmade", "#knitting"],
    "platform": "instagram",
    "attributes": {"camera_angle": "overhead", "content_format": "timelapse"},
    "rationale": "Overhead shots get 1.6x your save rate.",
    "trend_topic": "chunky knit blanket",
}


def test_a_complete_concept_validates():
    concept = ContentConcept.model_validate(CONCEPT)
    assert concept.attributes == {"camera_angle": "overhead", "content_format": "timelapse"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("attributes", {"camera_angle": "drone"}),
        ("attributes", {"mood": "cosy"}),
        ("hashtags", ["#knitting", "#chunky knit", "#handmade"]),
        ("hashtags", ["knitting", "#chunkyknit", "#handmade"]),
        ("hashtags", ["#a", "#b"]),
        ("shot_list", [{"order": 1, "description": "only", "duration_s": 5}] * 2),
        ("video_length_s", 4),
        ("video_length_s", 601),
        ("platform", "facebook"),
    ],
)
def test_concepts_outside_the_rules_are_refused(field, value):
    with pytest.raises(ValidationError) as caught:
        ContentConcept.model_validate({**CONCEPT, field: value})
    assert caught.value.errors()[0]["loc"][0] == field


def test_the_tool_schema_is_self_contained_and_lists_the_levels():
    schema = inline_schema(ConceptBatch)
    assert "$ref" not in str(schema) and "$defs" not in schema
    attributes = schema["properties"]["concepts"]["items"]["properties"]["attributes"]
    assert attributes["properties"]["camera_angle"]["enum"][0] == "overhead"
    assert attributes["additionalProperties"] is False


def test_extracted_attributes_become_llm_rows():
    extracted = ExtractedAttributes(
        post_id="p1", attributes={"audio_type": "asmr", "camera_angle": "pov"}, confidence=0.7
    )
    assert extracted.rows() == [
        {"post_id": "p1", "attribute": "audio_type", "level": "asmr", "source": "llm", "confidence": 0.7},
        {"post_id": "p1", "attribute": "camera_angle", "level": "pov", "source": "llm", "confidence": 0.7},
    ]
    with pytest.raises(ValidationError):
        ExtractedAttributes(post_id="p1", attributes={"camera_angle": "drone"})


@pytest.mark.parametrize(
    "reading",
    [
        {"attribute": "camera_angle", "level": "drone", "confidence": 0.8},
        {"attribute": "content_format", "level": "overhead", "confidence": 0.8},
        {"attribute": "duration_bucket", "level": "under_15s", "confidence": 0.8},
        {"attribute": "audio_type", "level": "asmr", "confidence": 1.5},
    ],
)
def test_readings_outside_the_readable_vocabulary_are_refused(reading):
    with pytest.raises(ValidationError):
        AttributeReading.model_validate(reading)


def test_unknown_is_a_reading_and_numeric_post_ids_are_text():
    batch = AttributeReadingBatch.model_validate(
        {"posts": [{"post_id": 42, "readings": [{"attribute": "hook_speed", "level": "unknown", "confidence": 0.1}]}]}
    )
    assert batch.posts[0].post_id == "42" and batch.posts[0].readings[0].level == "unknown"


def test_importing_the_llm_package_does_not_load_the_sdk():
    code = "import sys, shared.llm, shared.llm.provider; sys.exit('anthropic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
