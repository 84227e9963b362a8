"""Captions, titles and descriptions that show a post's attributes the way real creators write them.

A caption always satisfies the drawn caption_length, has_question and has_cta; the camera angle,
audio, format and hook cues are present for most posts and absent (unknown) for some, and a caption
never mentions a cue of a level the post does not have.
"""

from __future__ import annotations

import random

from shared.attribute_cues import CTA_PHRASES, CUES
from shared.attributes import caption_length

CUE_ORDER = ("content_format", "camera_angle", "audio_type", "hook_speed")
# Where a caption is too short or too long, cues go in this order (least natural to keep first).
DROP_ORDER = ("hook_speed", "audio_type", "camera_angle", "content_format")
CUE_SHARE = {"content_format": 0.85, "camera_angle": 0.85, "audio_type": 0.85, "hook_speed": 0.4}


def mentioned_cues(text: str) -> dict[str, set[str]]:
    """Every (attribute -> levels) whose cue phrases appear in a text, plus 'cta'."""
    lower = text.lower()
    found: dict[str, set[str]] = {}
    for attribute, levels in CUES.items():
        for level, phrases in levels.items():
            if any(p in lower for p in phrases):
                found.setdefault(attribute, set()).add(level)
    if any(p in lower for p in CTA_PHRASES):
        found["cta"] = {"yes"}
    return found


def _clean_phrases() -> dict[str, dict[str, tuple[str, ...]]]:
    # "hours in seconds" (timelapse) contains "in seconds" (fast hook): keep only unambiguous phrases.
    clean: dict[str, dict[str, tuple[str, ...]]] = {}
    for attribute, levels in CUES.items():
        clean[attribute] = {}
        for level, phrases in levels.items():
            keep = tuple(p for p in phrases if mentioned_cues(p) == {attribute: {level}})
            clean[attribute][level] = keep or phrases
    return clean


CLEAN_CUES = _clean_phrases()

_CUE_SENTENCES = {
    "camera_angle": ("Filmed {p}.", "Camera: {p}.", "Shot {p} this time.", "{P} again, you asked for it."),
    "audio_type": ("Audio: {p}.", "{P} on this one.", "Sound: {p}.", "{P}, headphones on."),
    "content_format": ("{P}: {item}.", "Today's post: {p}.", "A little {p} for you.", "{P} time!"),
    "hook_speed": ("{P}!", "{P} this time.", "{P}, as promised."),
}

_QUESTIONS = (
    "Which colour would you pick?",
    "What should I make next?",
    "Would you hang this in your home?",
    "Have you ever tried this?",
    "Which one is your favourite?",
    "Thoughts?",
    "Which one?",
)
_CTA_SENTENCES = {
    "link in bio": "Kits are up, link in bio.",
    "shop now": "Shop now while this batch lasts.",
    "follow for": "Follow for more slow crafting.",
    "save this": "Save this for your next weekend project.",
    "save for later": "Save for later!",
    "share with": "Share with a friend who needs a new hobby.",
    "tag a friend": "Tag a friend who would love this.",
    "comment below": "Comment below with your favourite.",
    "dm me": "DM me for custom orders.",
    "check out": "Check out the full process on my channel.",
}
_SHORT_CTA = {
    "link in bio": "Link in bio.",
    "shop now": "Shop now.",
    "save this": "Save this!",
    "save for later": "Save for later.",
    "dm me": "DM me.",
    "tag a friend": "Tag a friend!",
    "follow for": "Follow for more.",
    "share with": "Share with a friend.",
    "comment below": "Comment below!",
    "check out": "Check out my shop.",
}
_FILLERS = (
    "Slow crafting is my favourite way to unwind after a long week.",
    "Every piece turns out a little different and I love that.",
    "Made with love and a lot of patience.",
    "This was my third attempt and I am finally happy with it.",
    "Colours inspired by the sea on a grey afternoon.",
    "Small batch, made by hand at my kitchen table.",
    "I used leftover materials so nothing goes to waste.",
    "Honestly this took way longer than I planned.",
    "Mixing the colours is always the best part for me.",
    "Sustainable materials only, as always.",
    "Each one is sanded and finished by hand.",
    "Still learning, still experimenting, still loving it.",
    "Perfect for a cosy corner or a little gift.",
    "Took a whole weekend, but worth it.",
    "Keeping it simple and slow this week.",
    "Thank you all for the kind messages lately.",
    "The texture on this one came out even better than expected.",
    "Nothing fancy, just a quiet afternoon of making.",
    "A few tiny bubbles, but that is the charm of handmade.",
    "Restocking the shop with a few of these soon.",
)


def _fill(template: str, phrase: str, item: str) -> str:
    return template.replace("{P}", phrase[:1].upper() + phrase[1:]).replace("{p}", phrase).replace("{item}", item)


def _pick_cues(attrs: dict, rng: random.Random) -> dict[str, str]:
    """Phrase per attribute for the cues this caption will carry."""
    chosen = {}
    for attribute in CUE_ORDER:
        level = attrs.get(attribute)
        if level is not None and rng.random() < CUE_SHARE[attribute]:
            chosen[attribute] = rng.choice(CLEAN_CUES[attribute][level])
    return chosen


def write_caption(attrs: dict, niche: dict, rng: random.Random, max_chars: int | None = None) -> tuple[str, str, dict]:
    """(item name, caption, cues actually rendered as attribute -> phrase) for one post."""
    item = rng.choice(niche["items"])
    cues = _pick_cues(attrs, rng)
    length = attrs["caption_length"]
    cta = rng.choice(CTA_PHRASES) if attrs["has_cta"] == "yes" else None
    text = ""
    for _ in range(16):
        if length == "short":
            text = _short(item, cues, cta, attrs["has_question"] == "yes")
        else:
            text = _sentences(item, cues, cta, attrs["has_question"] == "yes", length, niche, rng, max_chars)
        if _faithful(text, attrs, cues) and (max_chars is None or len(text) <= max_chars):
            return item, text, cues
        # Drop a cue and try again: real short captions carry fewer cues.
        for attribute in DROP_ORDER:
            if attribute in cues:
                del cues[attribute]
                break
        else:
            cues = {}
    raise RuntimeError(f"could not write a caption for {attrs}")  # a bug in the phrase tables


def _faithful(text: str, attrs: dict, cues: dict) -> bool:
    """The caption shows exactly the drawn levels and nothing contradicting them."""
    found = mentioned_cues(text)
    expected = {a: {attrs[a]} for a in cues}
    if attrs["has_cta"] == "yes":
        expected["cta"] = {"yes"}
    return (
        found == expected
        and caption_length(text) == attrs["caption_length"]
        and ("?" in text) == (attrs["has_question"] == "yes")
    )


def _short(item: str, cues: dict, cta: str | None, question: bool) -> str:
    cta_text = (_SHORT_CTA.get(cta) or _CTA_SENTENCES[cta]) if cta else ""
    while True:
        head = ", ".join([item[:1].upper() + item[1:]] + [cues[a] for a in CUE_ORDER if a in cues]) + "."
        text = " ".join(p for p in (head, cta_text, "Which one?" if question else "") if p)
        if len(text.split()) < 12 or not cues:
            return text
        for attribute in DROP_ORDER:
            if attribute in cues:
                del cues[attribute]
                break


def _sentences(
    item: str,
    cues: dict,
    cta: str | None,
    question: bool,
    length: str,
    niche: dict,
    rng: random.Random,
    max_chars: int | None,
) -> str:
    low, high = (12, 39) if length == "medium" else (40, 95)
    opener = f"{item[:1].upper() + item[1:]}."
    if max_chars:  # TikTok's 150-character description: terse cue words instead of sentences
        high = min(high, 22)
        cue_parts = [", ".join(cues[a] for a in CUE_ORDER if a in cues).capitalize() + "."] if cues else []
    else:
        cue_parts = [_fill(rng.choice(_CUE_SENTENCES[a]), cues[a], item) for a in CUE_ORDER if a in cues]
    tail = [_CTA_SENTENCES[cta]] if cta else []
    if question:
        tail.append(rng.choice(_QUESTIONS[:5]))
    tags = " ".join(rng.sample(niche["tags"], k=min(len(niche["tags"]), rng.randint(1, 3))))
    pool = rng.sample(_FILLERS, k=len(_FILLERS))
    before: list[str] = []
    after: list[str] = []

    def compose() -> str:
        return " ".join([opener, *before, *cue_parts, *after, *tail, tags])

    text = compose()
    while len(text.split()) < low and pool:
        (before if rng.random() < 0.4 else after).append(pool.pop())
        text = compose()
    while len(text.split()) > high and (before or after):
        (after or before).pop()
        text = compose()
    return text


def youtube_title(item: str, cues: dict) -> str:
    """A title people would write; carries the format cue when the caption does."""
    title = item.title()
    if "content_format" in cues:
        return f"{title} | {cues['content_format'].title()}"
    return title
