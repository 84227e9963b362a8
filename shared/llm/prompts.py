"""The fixed system prompt (cached by the provider) and the rendering of a creator's context."""

from __future__ import annotations

import json
from typing import Any

from shared.attributes import LEVELS
from shared.llm.models import READABLE_ATTRIBUTES, UNKNOWN_LEVEL, RecommendationContext

TOOL_NAME = "submit_concepts"

_VOCABULARY = "\n".join(f"- {attribute}: {', '.join(levels)}" for attribute, levels in LEVELS.items())

# Fixed text only: anything per-creator goes in the user message so this prefix stays cacheable.
SYSTEM_PROMPT = f"""You are a content strategist for a small handmade-crafts creator (pottery, knitting, \
jewellery, sewing, woodwork and similar). You write short-video and pin concepts she can film \
this week with a phone in her own studio.

You receive her context as JSON: niche keywords, rising search trends (topic, heat, growth over 7 and 30 days), a \
summary of her analytics, platform signals, her best posts with their save and share rates, \
insights measured from her own history (each a statistically significant attribute level with its ratio \
to her typical post), and her own hashtags ranked by how the posts carrying them did (1.0 = typical).

Every concept is a complete brief:
- concept: one sentence naming what is made or shown.
- hook: the exact first line or first visual, landing within the first seconds.
- video_length_s and a shot_list of 3-12 shots (order, what the camera sees, seconds per shot); \
the shot durations should add up to roughly the video length.
- editing_style, music (a kind of sound, or "original studio audio"; never invent song titles), \
caption written in her voice, and 3-30 hashtags, each starting with # and without spaces.
- platform: one of instagram, youtube, pinterest, tiktok (one she uses).
- attributes: the concept's levels in this vocabulary, using only these names and levels:
{_VOCABULARY}
- rationale: why this should work for her, citing the insights and trends you used with their numbers.
- trend_topic: the trend it rides, or null.

Rules:
- Build on her measured strengths: prefer the attribute levels her insights show above 1x, avoid \
those below 1x, and say so in the rationale. Do not claim effects the context does not contain.
- Tie concepts to the rising trends when they fit her niche; otherwise use her niche keywords.
- Hashtags: tags for the concept's own topic first, then her best-performing hashtags that fit it; not \
the same set on every concept.
- Make concepts different from each other (format, angle, trend).
- Practical and specific to crafts: materials, tools, steps, the finished piece. No generic marketing talk.
- Answer only by calling the {TOOL_NAME} tool."""

REPAIR_REQUEST = (
    f"The {TOOL_NAME} input did not validate (errors above). Call {TOOL_NAME} again with the "
    "complete corrected input; keep the concepts, fix only what the errors name."
)


def render_context(context: RecommendationContext, n: int) -> str:
    """The user message: the number of concepts wanted and the context as JSON."""
    payload = context.model_dump(mode="json", exclude_none=True)
    return (
        f"Write {n} content concept{'s' if n != 1 else ''} for this creator.\n\n"
        f"Context:\n{json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True)}"
    )


ATTRIBUTES_TOOL_NAME = "submit_attributes"
# Long captions add cost, not cues: how a video was filmed is said in its first lines.
CAPTION_CHARS = 1500

_READABLE_VOCABULARY = "\n".join(f"- {a}: {', '.join(LEVELS[a])}, {UNKNOWN_LEVEL}" for a in READABLE_ATTRIBUTES)

ATTRIBUTES_SYSTEM_PROMPT = f"""You read how a craft creator's videos and pins were made from their \
words alone. For each post you receive its id, platform, title, caption and sometimes a thumbnail URL \
(a URL string only: you cannot see the image, use it only if its words say something).

For every post give these four attributes, using only these levels:
{_READABLE_VOCABULARY}

Meanings:
- camera_angle: overhead = top-down onto the work surface; closeup = macro or detail; face_to_camera = the \
creator talking to the viewer; pov = first person, her hands from her eyes; wide = the whole room or setup.
- audio_type: trending_audio = a popular sound or song; voiceover = her narration recorded over the video; \
original_audio = the real sounds of the studio or her own music; asmr = quiet satisfying sounds, no talking.
- content_format: tutorial = teaches the steps; timelapse = hours sped up; before_after = a transformation; \
showcase = presents a finished piece; behind_the_scenes = studio life, packing orders, a day in her life.
- hook_speed: seconds until the hook lands: instant under 1 s, fast 1-3 s, slow over 3 s.

Rules:
- Use "{UNKNOWN_LEVEL}" when the words do not say or clearly imply the level; never guess from the \
craft alone.
- confidence (0 to 1) is how clearly the words support the level: about 0.9 when stated outright, \
0.6-0.8 when strongly implied; below 0.5 prefer "{UNKNOWN_LEVEL}".
- Answer for every post id you were given, with that exact id, and only by calling the \
{ATTRIBUTES_TOOL_NAME} tool."""

ATTRIBUTES_REPAIR_REQUEST = (
    f"The {ATTRIBUTES_TOOL_NAME} input did not validate (errors above). Call "
    f"{ATTRIBUTES_TOOL_NAME} again with the complete corrected input for every "
    "post; fix only what the errors name."
)


def render_posts(posts: list[dict[str, Any]]) -> str:
    """The user message: each post's id, platform and words (caption cut to CAPTION_CHARS), as JSON."""
    payload = []
    for post in posts:
        caption = post.get("caption")
        item = {
            "post_id": str(post["post_id"]),
            "platform": post.get("platform"),
            "title": post.get("title"),
            "caption": caption[:CAPTION_CHARS] if caption else caption,
            "thumbnail_url": post.get("thumbnail_url"),
        }
        payload.append({k: v for k, v in item.items() if v})
    return (
        f"Read the attributes of these {len(payload)} posts.\n\n"
        f"Posts:\n{json.dumps(payload, ensure_ascii=False, indent=1)}"
    )
