"""Words creators use in captions and titles that reveal how a post was made.

The rules extractor reads these cues to derive camera angle, audio type, format and hook
speed when no platform field exposes them; the platform sandbox writes captions in the
same everyday wording. Each level lists several phrasings so neither side depends on one
exact string.
"""

from __future__ import annotations

from typing import Final

from shared.attributes import AUDIO_TYPE, CAMERA_ANGLE, CONTENT_FORMAT, HOOK_SPEED

CUES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    CAMERA_ANGLE: {
        "overhead": ("overhead", "top-down", "top down", "bird's eye", "from above", "flat lay"),
        "closeup": ("close-up", "closeup", "up close", "macro", "detail shot", "zoomed in"),
        "face_to_camera": ("talking to you", "face cam", "chatting with you", "storytime", "me explaining"),
        "pov": ("pov", "point of view", "my hands", "first person"),
        "wide": ("wide shot", "whole studio", "full setup", "studio tour", "full room"),
    },
    AUDIO_TYPE: {
        "trending_audio": ("trending sound", "trending audio", "this sound", "viral audio", "song in bio"),
        "voiceover": ("voiceover", "voice over", "narrated", "i explain", "talking you through"),
        "original_audio": ("original audio", "original sound", "my own music", "studio sounds"),
        "asmr": ("asmr", "satisfying sounds", "no talking", "crunchy sounds", "relaxing sounds"),
    },
    CONTENT_FORMAT: {
        "tutorial": ("tutorial", "how to", "step by step", "step-by-step", "learn to", "pattern"),
        "timelapse": ("timelapse", "time-lapse", "sped up", "hours in seconds"),
        "before_after": ("before and after", "before/after", "transformation", "glow up", "makeover"),
        "showcase": ("finished piece", "showcase", "new drop", "just finished", "meet my"),
        "behind_the_scenes": ("behind the scenes", "bts", "day in the life", "studio vlog", "packing orders"),
    },
    HOOK_SPEED: {
        "instant": ("straight to the reveal", "no intro", "instant reveal", "right away", "first second"),
        "fast": ("quick intro", "in seconds", "quick start"),
        "slow": ("wait for it", "watch till the end", "slow build", "stay to the end", "the ending"),
    },
}

CTA_PHRASES: Final = (
    "link in bio",
    "shop now",
    "follow for",
    "save this",
    "save for later",
    "share with",
    "tag a friend",
    "comment below",
    "dm me",
    "check out",
)
