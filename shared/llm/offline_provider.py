"""Deterministic concepts from trends and measured patterns, for when no LLM is configured."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from shared import attributes as attrs
from shared.errors import InvalidInput
from shared.llm.models import ConceptBatch, ContentConcept, Insight, Platform, RecommendationContext, Shot
from shared.llm.provider import MAX_CONCEPTS

# One template per content format: default angle and sound, the hook and the shots (relative lengths).
TEMPLATES: dict[str, dict[str, Any]] = {
    "tutorial": {
        "camera_angle": "overhead",
        "audio_type": "voiceover",
        "hook": "{Topic} in three steps — step one is the one everyone skips.",
        "shots": [
            ("Finished {topic} held up to the light", 1),
            ("Materials and tools laid out", 1),
            ("Step one, hands only", 2),
            ("Step two, close on the tricky part", 2),
            ("Step three and the finishing touch", 2),
            ("Finished piece in use", 1),
        ],
        "editing": "Clean cuts on each step with on-screen step numbers",
        "music": "Soft acoustic bed under a calm voiceover",
    },
    "timelapse": {
        "camera_angle": "overhead",
        "audio_type": "trending_audio",
        "hook": "Hours of {topic} in seconds — watch it come together.",
        "shots": [
            ("Blank materials on the table", 1),
            ("Sped-up making from above", 4),
            ("Slow down for the final detail", 1),
            ("Reveal of the finished {topic}", 1),
        ],
        "editing": "Speed ramps: fast through the repetitive parts, real time for the reveal",
        "music": "An upbeat trending sound matched to the speed ramps",
    },
    "before_after": {
        "camera_angle": "closeup",
        "audio_type": "trending_audio",
        "hook": "From this… to this. {Topic}, the glow-up.",
        "shots": [
            ("The raw 'before' state, close", 1),
            ("Hand covers the lens as a transition", 1),
            ("The 'after' {topic}, same framing", 2),
            ("Slow pan over the details", 2),
        ],
        "editing": "Match cut on a hand swipe between before and after",
        "music": "A trending sound with a clear beat drop on the reveal",
    },
    "showcase": {
        "camera_angle": "closeup",
        "audio_type": "original_audio",
        "hook": "Meet my new {topic} — look at this detail.",
        "shots": [
            ("Macro on the best detail", 1),
            ("Turn the piece slowly in daylight", 2),
            ("Styled in a real setting", 2),
            ("Packed and ready to ship", 1),
        ],
        "editing": "Slow, steady moves with natural light; no text until the end card",
        "music": "Original studio audio, gentle room sound",
    },
    "behind_the_scenes": {
        "camera_angle": "pov",
        "audio_type": "original_audio",
        "hook": "A day of making {topic} in my tiny studio.",
        "shots": [
            ("Opening the studio, coffee in hand", 1),
            ("POV: prepping materials", 2),
            ("The messy middle, unfiltered", 2),
            ("Packing orders", 1),
            ("Tonight's finished {topic}", 1),
        ],
        "editing": "Jump cuts with short captions, vlog pacing",
        "music": "Original studio sounds with a quiet lo-fi bed",
    },
}
PLATFORM_LENGTH_S = {"instagram": 30, "tiktok": 25, "youtube": 45, "pinterest": 20}
BUCKET_LENGTH_S = {"under_15s": 12, "15_30s": 25, "30_60s": 45, "60_180s": 90, "over_180s": 240}
CRAFT_TAGS = ("#handmade", "#smallbusiness", "#makersgonnamake", "#handmadewithlove", "#craft")


class OfflineProvider:
    """Concepts from templates, the creator's significant patterns and her top trends; no network."""

    name = "offline-rules"
    offline = True

    def generate_concepts(self, context: RecommendationContext, n: int) -> ConceptBatch:
        if not 1 <= n <= MAX_CONCEPTS:
            raise InvalidInput(f"n must be between 1 and {MAX_CONCEPTS}")
        strengths, weak = _strengths(context.insights)
        topics = _topics(context)
        platforms = _platforms(context)
        formats = _formats(strengths, weak)
        concepts = [
            _concept(
                context,
                topics[i % len(topics)],
                formats[i % len(formats)],
                platforms[i % len(platforms)],
                strengths,
                weak,
            )
            for i in range(n)
        ]
        return ConceptBatch(concepts=concepts)


def _strengths(insights: list[Insight]) -> tuple[dict[str, Insight], set[tuple[str, str]]]:
    """Best level above 1x per attribute, and the levels measured below 1x (to avoid)."""
    valid = [i for i in insights if i.level in attrs.LEVELS.get(i.attribute, ())]
    strengths: dict[str, Insight] = {}
    for insight in sorted((i for i in valid if i.ratio > 1), key=lambda i: -i.ratio):
        strengths.setdefault(insight.attribute, insight)
    return strengths, {(i.attribute, i.level) for i in valid if i.ratio < 1}


def _topics(context: RecommendationContext) -> list[tuple[str, Any]]:
    trends = sorted(context.trends, key=lambda t: (-t.heat, t.topic))
    if trends:
        return [(t.topic, t) for t in trends]
    if context.niche_keywords:
        return [(k, None) for k in context.niche_keywords]
    return [("signature piece", None)]


def _platforms(context: RecommendationContext) -> list[Platform]:
    if context.platforms:
        return list(dict.fromkeys(context.platforms))
    counts = Counter(p.platform for p in context.top_posts)
    return [p for p, _ in counts.most_common()] or ["instagram"]


def _formats(strengths: dict[str, Insight], weak: set[tuple[str, str]]) -> list[str]:
    ordered = [f for f in TEMPLATES if (attrs.CONTENT_FORMAT, f) not in weak] or list(TEMPLATES)
    if attrs.CONTENT_FORMAT in strengths:
        best = strengths[attrs.CONTENT_FORMAT].level
        ordered = [best] + [f for f in ordered if f != best]
    return ordered


def _level(attribute: str, default: str, strengths: dict[str, Insight], weak: set[tuple[str, str]]) -> str:
    if attribute in strengths:
        return strengths[attribute].level
    if (attribute, default) not in weak:
        return default
    return next((lv for lv in attrs.LEVELS[attribute] if (attribute, lv) not in weak), default)


def _concept(
    context: RecommendationContext,
    topic: tuple[str, Any],
    fmt: str,
    platform: Platform,
    strengths: dict[str, Insight],
    weak: set[tuple[str, str]],
) -> ContentConcept:
    name, trend = topic
    template = TEMPLATES[fmt]
    levels: dict[str, Any] = {
        attrs.CONTENT_FORMAT: fmt,
        attrs.CAMERA_ANGLE: _level(attrs.CAMERA_ANGLE, template["camera_angle"], strengths, weak),
        attrs.AUDIO_TYPE: _level(attrs.AUDIO_TYPE, template["audio_type"], strengths, weak),
        attrs.HOOK_SPEED: _level(attrs.HOOK_SPEED, "instant", strengths, weak),
        attrs.HAS_CTA: _level(attrs.HAS_CTA, "yes", strengths, weak),
        attrs.HAS_QUESTION: _level(attrs.HAS_QUESTION, "yes", strengths, weak),
    }
    for attribute in (attrs.POSTING_TIME, attrs.WEEKDAY):
        if attribute in strengths:
            levels[attribute] = strengths[attribute].level
    bucket = strengths.get(attrs.DURATION_BUCKET)
    length = BUCKET_LENGTH_S[bucket.level] if bucket else PLATFORM_LENGTH_S[platform]
    levels[attrs.DURATION_BUCKET] = attrs.duration_bucket(length)
    caption = _caption(name, fmt, levels)
    levels[attrs.CAPTION_LENGTH] = attrs.caption_length(caption)
    return ContentConcept(
        concept=f"{_words(fmt).capitalize()}: {name}, shot {_words(levels[attrs.CAMERA_ANGLE])}",
        hook=template["hook"].format(topic=name, Topic=name[:1].upper() + name[1:]),
        video_length_s=length,
        shot_list=_shots(template["shots"], name, length),
        editing_style=template["editing"],
        music=template["music"],
        caption=caption,
        hashtags=_hashtags(name, context),
        platform=platform,
        attributes=levels,
        rationale=_rationale(strengths, trend, fmt),
        trend_topic=trend.topic if trend else None,
    )


def _shots(shots: list[tuple[str, int]], topic: str, length: int) -> list[Shot]:
    total = sum(weight for _, weight in shots)
    return [
        Shot(order=i + 1, description=text.format(topic=topic), duration_s=round(length * weight / total, 1))
        for i, (text, weight) in enumerate(shots)
    ]


def _words(level: str) -> str:
    from shared.engines.patterns import LEVEL_NAMES

    return LEVEL_NAMES.get(level, level.replace("_", " "))


def _caption(topic: str, fmt: str, levels: dict[str, str]) -> str:
    parts = [f"{_words(fmt).capitalize()}: {topic}, made by hand in my studio."]
    if levels[attrs.HAS_QUESTION] == "yes":
        parts.append("Which step would you like to see slowed down?")
    if levels[attrs.HAS_CTA] == "yes":
        parts.append("Save this for your next make.")
    return " ".join(parts)


def _hashtags(topic: str, context: RecommendationContext) -> list[str]:
    """The topic's own tags, then her best-performing tags (those naming the topic first), then her niche."""
    words = topic.split()
    own = [_tag(topic)] + ([_tag(" ".join(words[-2:]))] if len(words) >= 3 else [])
    ranked = [h.tag for h in context.top_hashtags]
    fitting = [t for t in ranked if any(w in t for w in (w.lower() for w in words if len(w) > 3))]
    mine = (fitting + [t for t in ranked if t not in fitting])[:5]
    # Only the niche keywords that share a word with the topic: a resin brief carries no #crochet.
    niche = [_tag(k) for k in context.niche_keywords if set(k.lower().split()) & {w.lower() for w in words}][:2]
    tags = own + mine + niche + list(CRAFT_TAGS[:2])
    return list(dict.fromkeys(t for t in tags if t))[:15]


def _tag(text: str) -> str | None:
    word = re.sub(r"[^\w]", "", text.lower())
    return f"#{word}" if word else None


def _rationale(strengths: dict[str, Insight], trend: Any, fmt: str) -> str:
    reasons = [i.text for i in strengths.values()]
    if trend is not None:
        growth = f", {trend.growth_7d:+.0%} over 7 days" if trend.growth_7d is not None else ""
        reasons.append(f"'{trend.topic}' is a rising search in your niche (heat {trend.heat:.0f}{growth}).")
    if not reasons:
        return (
            f"No measured pattern yet: this {fmt.replace('_', ' ')} tests a format and angle so the next "
            "analysis has something to compare."
        )
    return " ".join(reasons)
