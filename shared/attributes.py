"""The vocabulary of post attributes the pattern detector tests and the virality model uses.

One place for attribute names, their levels and the bucketing rules, so the extractor, the
engines and the platform sandbox's planted effects all speak the same words.
"""

from __future__ import annotations

from typing import Final

DURATION_BUCKET: Final = "duration_bucket"
HOOK_SPEED: Final = "hook_speed"
CAMERA_ANGLE: Final = "camera_angle"
AUDIO_TYPE: Final = "audio_type"
POSTING_TIME: Final = "posting_time"
CONTENT_FORMAT: Final = "content_format"
CAPTION_LENGTH: Final = "caption_length"
HAS_QUESTION: Final = "has_question"
HAS_CTA: Final = "has_cta"
WEEKDAY: Final = "weekday"

LEVELS: Final[dict[str, tuple[str, ...]]] = {
    DURATION_BUCKET: ("under_15s", "15_30s", "30_60s", "60_180s", "over_180s"),
    # Seconds until the hook lands: instant < 1 s, fast 1-3 s, slow > 3 s.
    HOOK_SPEED: ("instant", "fast", "slow"),
    CAMERA_ANGLE: ("overhead", "closeup", "face_to_camera", "pov", "wide"),
    AUDIO_TYPE: ("trending_audio", "voiceover", "original_audio", "asmr"),
    # In the creator's own time zone.
    POSTING_TIME: ("morning", "midday", "afternoon", "evening", "night"),
    CONTENT_FORMAT: ("tutorial", "timelapse", "before_after", "showcase", "behind_the_scenes"),
    CAPTION_LENGTH: ("short", "medium", "long"),
    HAS_QUESTION: ("yes", "no"),
    HAS_CTA: ("yes", "no"),
    WEEKDAY: ("weekday", "weekend"),
}

METRICS: Final = ("save_rate", "share_rate")


def duration_bucket(seconds: float | None) -> str | None:
    """Bucket a duration in seconds; None when the platform does not expose one."""
    if seconds is None:
        return None
    if seconds < 15:
        return "under_15s"
    if seconds < 30:
        return "15_30s"
    if seconds < 60:
        return "30_60s"
    if seconds <= 180:
        return "60_180s"
    return "over_180s"


def hook_speed(hook_seconds: float | None) -> str | None:
    """Bucket the time until the hook lands."""
    if hook_seconds is None:
        return None
    if hook_seconds < 1:
        return "instant"
    if hook_seconds <= 3:
        return "fast"
    return "slow"


def posting_time(local_hour: int) -> str:
    """Bucket a local posting hour (0-23)."""
    if 6 <= local_hour < 11:
        return "morning"
    if 11 <= local_hour < 15:
        return "midday"
    if 15 <= local_hour < 18:
        return "afternoon"
    if 18 <= local_hour < 22:
        return "evening"
    return "night"


def caption_length(text: str | None) -> str | None:
    """Bucket a caption by word count."""
    if text is None:
        return None
    words = len(text.split())
    if words < 12:
        return "short"
    if words < 40:
        return "medium"
    return "long"
