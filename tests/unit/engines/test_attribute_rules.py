"""The rules extractor reads what the data says and leaves the rest unknown."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from shared.engines.attribute_rules import extract_attributes, hook_speed_from_signals, merge_read_attributes
from shared.errors import InvalidInput

UTC = dt.timezone.utc
COLUMNS = (
    "post_id",
    "platform",
    "type",
    "title",
    "caption",
    "duration_s",
    "posted_at",
    "reels_skip_rate",
    "retention_early",
    "views",
    "saves",
    "shares",
)


def posts_frame(*posts: dict) -> pl.DataFrame:
    defaults = dict.fromkeys(COLUMNS)
    return pl.DataFrame(
        [{**defaults, **p} for p in posts],
        schema={
            "post_id": pl.Utf8,
            "platform": pl.Utf8,
            "type": pl.Utf8,
            "title": pl.Utf8,
            "caption": pl.Utf8,
            "duration_s": pl.Float64,
            "posted_at": pl.Datetime("us", "UTC"),
            "reels_skip_rate": pl.Float64,
            "retention_early": pl.Float64,
            "views": pl.Int64,
            "saves": pl.Int64,
            "shares": pl.Int64,
        },
    )


def levels(frame: pl.DataFrame, post_id: str) -> dict[str, tuple[str, str, float]]:
    return {
        r["attribute"]: (r["level"], r["source"], r["confidence"])
        for r in frame.filter(pl.col("post_id") == post_id).iter_rows(named=True)
    }


REEL = {
    "post_id": "reel",
    "platform": "instagram",
    "type": "reel",
    "duration_s": 22.0,
    "caption": "Top-down glaze pour, wait for it! Save this for later. Which colour next?",
    "posted_at": dt.datetime(2024, 6, 2, 23, 30, tzinfo=UTC),
    "reels_skip_rate": 18.0,
}
VIDEO = {
    "post_id": "video",
    "platform": "youtube",
    "type": "video",
    "duration_s": 480.0,
    "title": "Pottery tutorial: how to trim a bowl",
    "retention_early": 0.5,
    "posted_at": dt.datetime(2024, 6, 4, 16, 0, tzinfo=UTC),
}
PIN = {
    "post_id": "pin",
    "platform": "pinterest",
    "type": "image",
    "posted_at": dt.datetime(2024, 6, 5, 12, 0, tzinfo=UTC),
}


def test_reel_levels_come_from_platform_fields_and_caption_rules():
    found = levels(extract_attributes(posts_frame(REEL), "UTC"), "reel")
    assert found == {
        "duration_bucket": ("15_30s", "platform", 1.0),
        "posting_time": ("night", "platform", 1.0),
        "weekday": ("weekend", "platform", 1.0),
        "caption_length": ("medium", "rules", 0.9),
        "has_question": ("yes", "rules", 0.9),
        "has_cta": ("yes", "rules", 0.9),
        "camera_angle": ("overhead", "rules", 0.7),
        # An 18 % skip rate outranks the caption's "wait for it".
        "hook_speed": ("instant", "platform", 0.8),
    }


def test_time_zone_moves_a_late_sunday_post_to_monday_morning():
    # 23:30 UTC Sunday is 09:30 Monday in Sydney (UTC+10 in June).
    found = levels(extract_attributes(posts_frame(REEL), "Australia/Sydney"), "reel")
    assert found["posting_time"][0] == "morning"
    assert found["weekday"][0] == "weekday"


def test_naive_timestamps_are_read_as_utc():
    frame = posts_frame(REEL).with_columns(pl.col("posted_at").dt.replace_time_zone(None))
    assert levels(extract_attributes(frame, "America/New_York"), "reel")["posting_time"][0] == "evening"


def test_video_title_gives_format_and_early_retention_gives_a_slow_hook():
    found = levels(extract_attributes(posts_frame(VIDEO), "UTC"), "video")
    assert found["content_format"] == ("tutorial", "rules", 0.7)
    assert found["hook_speed"] == ("slow", "platform", 0.8)
    assert found["duration_bucket"][0] == "over_180s"
    assert found["has_question"][0] == "no"
    # No caption: its length is unknown, not "short".
    assert "caption_length" not in found


def test_a_post_without_text_or_duration_has_only_time_attributes():
    found = levels(extract_attributes(posts_frame(PIN), "UTC"), "pin")
    assert set(found) == {"posting_time", "weekday"}


def test_several_named_levels_pick_the_most_named_with_lower_confidence():
    post = {**PIN, "post_id": "mixed", "caption": "Overhead start, then a close-up and a macro detail shot"}
    found = levels(extract_attributes(posts_frame(post), "UTC"), "mixed")
    assert found["camera_angle"] == ("closeup", "rules", 0.5)


def test_cues_match_whole_words_only():
    post = {**PIN, "post_id": "words", "caption": "An impoverished palette and no voiceovers, link in BIO"}
    found = levels(extract_attributes(posts_frame(post), "UTC"), "words")
    assert "camera_angle" not in found and "audio_type" not in found
    assert found["has_cta"][0] == "yes"


def test_hook_cues_are_the_fallback_without_platform_signals():
    post = {**PIN, "post_id": "tt", "platform": "tiktok", "caption": "Slow build… watch till the end"}
    assert levels(extract_attributes(posts_frame(post), "UTC"), "tt")["hook_speed"] == ("slow", "rules", 0.7)


@pytest.mark.parametrize(("skip", "expected"), [(24.9, "instant"), (25.0, "fast"), (45.0, "fast"), (45.1, "slow")])
def test_skip_rate_thresholds(skip, expected):
    assert hook_speed_from_signals("instagram", skip, None) == expected


def test_an_unknown_time_zone_is_invalid_input():
    with pytest.raises(InvalidInput):
        extract_attributes(posts_frame(PIN), "Mars/Olympus")


def test_empty_input_gives_an_empty_long_frame():
    out = extract_attributes(posts_frame(), "UTC")
    assert out.is_empty() and out.columns == ["post_id", "attribute", "level", "source", "confidence"]


def llm(post_id: str, attribute: str, level: str, confidence: float) -> dict:
    return {"post_id": post_id, "attribute": attribute, "level": level, "source": "llm", "confidence": confidence}


def test_read_rows_fill_gaps_and_beat_only_less_sure_rules_never_platform_rows():
    rules = extract_attributes(posts_frame(REEL), "UTC")
    # The reel's caption names "top-down" (camera 0.7) and "wait for it" (hook, but the skip rate wins).
    merged = merge_read_attributes(
        rules,
        [
            llm("reel", "camera_angle", "closeup", 0.7),  # a tie keeps the rule
            llm("reel", "hook_speed", "slow", 0.9),  # platform signal (0.8) wins regardless
            llm("reel", "audio_type", "asmr", 0.6),  # no rule found audio: the reading fills the gap
            llm("reel", "content_format", "timelapse", 0.85),
        ],
    )
    got = levels(merged, "reel")
    assert got["camera_angle"] == ("overhead", "rules", 0.7)
    assert got["hook_speed"] == ("instant", "platform", 0.8)
    assert got["audio_type"] == ("asmr", "llm", 0.6)
    assert got["content_format"] == ("timelapse", "llm", 0.85)
    assert merged.height == rules.height + 2
    assert (
        merge_read_attributes(rules, [llm("reel", "camera_angle", "pov", 0.8)])
        .filter(pl.col("attribute") == "camera_angle")
        .row(0, named=True)["level"]
        == "pov"
    )
