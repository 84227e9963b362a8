"""Transparent rules that read post attributes from platform fields and caption wording.

Every row says where it came from (`source`) and how sure the rule is (`confidence`); an
attribute no rule can read stays absent (unknown), it is never guessed.

Hook speed prefers a platform signal over caption cues:
- Instagram `reels_skip_rate` is the % of plays skipped within the first 3 s. Below 25 % the
  hook holds almost everyone from the first frame (instant), 25-45 % is a typical Reel (fast),
  above 45 % most viewers leave before the hook lands (slow).
- YouTube `audienceWatchRatio` at ~5-10 % of the video: 0.75 or more of viewers still there
  means the opening lands at once (instant), 0.55-0.75 fast, below 0.55 slow.
These cut points are heuristics from published platform averages, hence confidence 0.8.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from shared import attributes as attrs
from shared.attribute_cues import CTA_PHRASES, CUES
from shared.errors import InvalidInput

SKIP_RATE_INSTANT_BELOW = 25.0
SKIP_RATE_SLOW_ABOVE = 45.0
RETENTION_INSTANT_FROM = 0.75
RETENTION_SLOW_BELOW = 0.55

PLATFORM_SIGNAL_CONFIDENCE = 0.8
TEXT_RULE_CONFIDENCE = 0.9
CUE_CONFIDENCE = 0.7
# Several levels named in one caption: we still pick one, but say we are less sure.
AMBIGUOUS_CUE_CONFIDENCE = 0.5

OUTPUT_SCHEMA = {
    "post_id": pl.Utf8,
    "attribute": pl.Utf8,
    "level": pl.Utf8,
    "source": pl.Utf8,
    "confidence": pl.Float64,
}


def extract_attributes(posts: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Long frame (post_id, attribute, level, source, confidence) of every attribute a rule can read."""
    _check_zone(timezone)
    rows: list[tuple[str, str, str, str, float]] = []
    local = _local_times(posts, timezone)
    for post, local_time in zip(posts.iter_rows(named=True), local):
        rows.extend(_post_rows(post, local_time))
    frame = pl.DataFrame(rows, schema=OUTPUT_SCHEMA, orient="row")
    return frame.sort("post_id", "attribute")


def _post_rows(post: dict, local_time) -> Iterable[tuple[str, str, str, str, float]]:
    post_id = str(post["post_id"])
    text = _text(post.get("title"), post.get("caption"))

    def row(attribute: str, level: str | None, source: str, confidence: float):
        return None if level is None else (post_id, attribute, level, source, confidence)

    found = [
        row(attrs.DURATION_BUCKET, attrs.duration_bucket(post.get("duration_s")), "platform", 1.0),
        row(attrs.CAPTION_LENGTH, attrs.caption_length(post.get("caption")), "rules", TEXT_RULE_CONFIDENCE),
    ]
    if local_time is not None:
        found.append(row(attrs.POSTING_TIME, attrs.posting_time(local_time.hour), "platform", 1.0))
        weekday = "weekend" if local_time.weekday() >= 5 else "weekday"
        found.append(row(attrs.WEEKDAY, weekday, "platform", 1.0))
    if text is not None:
        found.append(row(attrs.HAS_QUESTION, "yes" if "?" in text else "no", "rules", TEXT_RULE_CONFIDENCE))
        found.append(row(attrs.HAS_CTA, "yes" if _cta_pattern().search(text) else "no", "rules", TEXT_RULE_CONFIDENCE))
    for attribute in (attrs.CAMERA_ANGLE, attrs.AUDIO_TYPE, attrs.CONTENT_FORMAT):
        found.append(row(attribute, *_cue_level(attribute, text)))
    hook = hook_speed_from_signals(post.get("platform"), post.get("reels_skip_rate"), post.get("retention_early"))
    if hook is not None:
        found.append(row(attrs.HOOK_SPEED, hook, "platform", PLATFORM_SIGNAL_CONFIDENCE))
    else:
        found.append(row(attrs.HOOK_SPEED, *_cue_level(attrs.HOOK_SPEED, text)))
    return [r for r in found if r is not None]


def merge_read_attributes(extracted: pl.DataFrame, read: list[dict]) -> pl.DataFrame:
    """Rule rows plus rows read by a model: platform rows always win, otherwise the more confident row
    (a rule row on a tie); a model row with no rule row fills the gap."""
    if not read:
        return extracted
    both = pl.concat([extracted, pl.DataFrame(read, schema=OUTPUT_SCHEMA)])
    ranked = both.sort(
        [pl.col("source") == "platform", "confidence", pl.col("source") != "llm"], descending=True, maintain_order=True
    )
    return ranked.unique(subset=["post_id", "attribute"], keep="first", maintain_order=True).sort(
        "post_id", "attribute"
    )


def hook_speed_from_signals(
    platform: str | None, reels_skip_rate: float | None, retention_early: float | None
) -> str | None:
    """Hook speed from Instagram's 3-second skip rate or YouTube's early retention, when present."""
    if platform == "instagram" and reels_skip_rate is not None:
        if reels_skip_rate < SKIP_RATE_INSTANT_BELOW:
            return "instant"
        return "fast" if reels_skip_rate <= SKIP_RATE_SLOW_ABOVE else "slow"
    if platform == "youtube" and retention_early is not None:
        if retention_early >= RETENTION_INSTANT_FROM:
            return "instant"
        return "fast" if retention_early >= RETENTION_SLOW_BELOW else "slow"
    return None


def cue_level(attribute: str, text: str | None) -> str | None:
    """The level whose cue phrases the text names most (first named on a tie), or None."""
    return _cue_level(attribute, text)[0]


def _cue_level(attribute: str, text: str | None) -> tuple[str | None, str, float]:
    if not text:
        return None, "rules", 0.0
    scores: list[tuple[int, int, str]] = []
    for level, pattern in _cue_patterns(attribute).items():
        matches = list(pattern.finditer(text))
        if matches:
            # Most matches wins; on a tie the level named first in the text wins.
            scores.append((-len(matches), matches[0].start(), level))
    if not scores:
        return None, "rules", 0.0
    scores.sort()
    confidence = CUE_CONFIDENCE if len(scores) == 1 else AMBIGUOUS_CUE_CONFIDENCE
    return scores[0][2], "rules", confidence


def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    # Lookarounds instead of \b so phrases ending in punctuation ("before/after") still match whole.
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


@cache
def _cue_patterns(attribute: str) -> dict[str, re.Pattern[str]]:
    return {level: _phrase_pattern(phrases) for level, phrases in CUES[attribute].items()}


@lru_cache(maxsize=1)
def _cta_pattern() -> re.Pattern[str]:
    return _phrase_pattern(CTA_PHRASES)


def _text(title: str | None, caption: str | None) -> str | None:
    parts = [p for p in (title, caption) if p]
    return "\n".join(parts) if parts else None


def _check_zone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {timezone!r}") from exc


def _local_times(posts: pl.DataFrame, timezone: str) -> list:
    """posted_at in the creator's zone; naive timestamps are taken as UTC (how platforms report them)."""
    if "posted_at" not in posts.columns or posts.height == 0:
        return [None] * posts.height
    column = posts.get_column("posted_at")
    if column.dtype == pl.Utf8:
        column = column.str.to_datetime(time_zone="UTC")
    if getattr(column.dtype, "time_zone", None) is None:
        column = column.dt.replace_time_zone("UTC")
    return column.dt.convert_time_zone(timezone).to_list()
