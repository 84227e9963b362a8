"""Post attributes read by Claude, through the real SDK against recorded Messages API responses."""

from __future__ import annotations

import datetime as dt
import json
import logging

import psycopg
from psycopg.rows import dict_row

from shared.config import Settings
from shared.llm.attribute_extractor import extract_attributes_llm
from tests.integration.llm.conftest import Reply

API_KEY = "sk-ant-api03-local-replay-not-a-real-key"
POSTS = [
    {
        "post_id": "101",
        "platform": "instagram",
        "title": None,
        "caption": "Glazing the big platter tonight, so calming",
        "thumbnail_url": "https://cdn.example/101.jpg",
    },
    {
        "post_id": "102",
        "platform": "youtube",
        "title": "Throwing a tall vase",
        "caption": "Centering, opening, pulling up the walls.",
        "thumbnail_url": None,
    },
    {
        "post_id": "103",
        "platform": "pinterest",
        "title": "Speckled mugs",
        "caption": None,
        "thumbnail_url": "https://i.pinimg.example/103.jpg",
    },
]


def settings(server, timeout_s: float = 10.0) -> Settings:
    return Settings(
        anthropic_api_key=API_KEY,
        anthropic_model="claude-test-model",
        anthropic_base_url=server.url,
        llm_timeout_s=timeout_s,
    )


def our_logs(caplog) -> str:
    """What our code logged, with its structured fields (the SDK's own DEBUG lines are not ours)."""
    return "\n".join(
        f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records if r.name.startswith("shared.")
    )


def sent_posts(request: dict) -> list[dict]:
    text = request["body"]["messages"][0]["content"]
    return json.loads(text.split("Posts:\n", 1)[1])


def test_a_valid_tool_call_becomes_llm_rows_in_the_vocabulary(anthropic_api, caplog):
    anthropic_api.script(anthropic_api.recorded("attributes_valid.json"))
    with caplog.at_level(logging.DEBUG):
        rows = extract_attributes_llm(settings(anthropic_api), POSTS)
    # "unknown" gives no row, post 999 was never sent, and 0.95 is clipped to 0.9.
    assert {r["source"] for r in rows} == {"llm"}
    assert [(r["post_id"], r["attribute"], r["level"], r["confidence"]) for r in rows] == [
        ("101", "audio_type", "asmr", 0.9),
        ("101", "camera_angle", "overhead", 0.85),
        ("102", "content_format", "tutorial", 0.8),
        ("102", "hook_speed", "slow", 0.6),
    ]
    assert len(anthropic_api.requests) == 1
    assert "attributes read" in our_logs(caplog)
    assert API_KEY not in our_logs(caplog) and "Glazing" not in our_logs(caplog)


def test_the_request_caches_the_system_block_and_carries_only_text_fields(anthropic_api):
    anthropic_api.script(anthropic_api.recorded("attributes_valid.json"))
    extract_attributes_llm(settings(anthropic_api), POSTS)
    body = anthropic_api.requests[0]["body"]
    assert body["model"] == "claude-test-model"
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["tool_choice"] == {"type": "tool", "name": "submit_attributes"}
    assert "$ref" not in str(body["tools"][0]["input_schema"])
    # One text message: no image block, the thumbnail travels as its URL string.
    [message] = body["messages"]
    assert message["role"] == "user" and isinstance(message["content"], str)
    assert sent_posts(anthropic_api.requests[0]) == [
        {
            "post_id": "101",
            "platform": "instagram",
            "caption": "Glazing the big platter tonight, so calming",
            "thumbnail_url": "https://cdn.example/101.jpg",
        },
        {
            "post_id": "102",
            "platform": "youtube",
            "title": "Throwing a tall vase",
            "caption": "Centering, opening, pulling up the walls.",
        },
        {
            "post_id": "103",
            "platform": "pinterest",
            "title": "Speckled mugs",
            "thumbnail_url": "https://i.pinimg.example/103.jpg",
        },
    ]


def test_an_invalid_level_is_repaired_once(anthropic_api):
    invalid = anthropic_api.fixture("attributes_invalid_level.json")
    anthropic_api.script(
        anthropic_api.recorded("attributes_invalid_level.json"), anthropic_api.recorded("attributes_valid.json")
    )
    rows = extract_attributes_llm(settings(anthropic_api), POSTS)
    assert {(r["post_id"], r["attribute"], r["level"]) for r in rows} == {
        ("101", "audio_type", "asmr"),
        ("101", "camera_angle", "overhead"),
        ("102", "content_format", "tutorial"),
        ("102", "hook_speed", "slow"),
    }
    assert len(anthropic_api.requests) == 2
    repair = anthropic_api.requests[1]["body"]["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    result = repair[2]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert result["tool_use_id"] == invalid["content"][0]["id"]
    assert "'drone'" in result["content"] and "'overhead' for content_format" in result["content"]


def test_two_invalid_answers_give_no_rows_and_no_exception(anthropic_api):
    anthropic_api.script(anthropic_api.recorded("attributes_invalid_level.json"))
    assert extract_attributes_llm(settings(anthropic_api), POSTS) == []
    assert len(anthropic_api.requests) == 2


def test_a_timeout_gives_no_rows_and_no_exception(anthropic_api, caplog):
    anthropic_api.script(anthropic_api.recorded("attributes_valid.json", delay_s=5))
    with caplog.at_level(logging.INFO):
        rows = extract_attributes_llm(settings(anthropic_api, timeout_s=0.3), POSTS * 20)
    # No rows although the (late) answer is valid: the timeout cut it. The first batch times out (one SDK
    # retry) and the remaining batches are not tried.
    assert rows == []
    assert len(anthropic_api.requests) == 2
    assert "APITimeoutError" in our_logs(caplog)
    assert API_KEY not in our_logs(caplog) and "Glazing" not in our_logs(caplog)


def test_an_overloaded_api_keeps_the_rows_of_earlier_batches(anthropic_api):
    overloaded = anthropic_api.recorded("overloaded_529.json", status=529, headers={"retry-after": "0"})
    anthropic_api.script(anthropic_api.recorded("attributes_valid.json"), overloaded)
    rows = extract_attributes_llm(settings(anthropic_api), POSTS * 10)  # 30 posts: two batches
    assert len(rows) == 4
    assert [len(sent_posts(r)) for r in anthropic_api.requests] == [25, 5, 5]


# The service: a pattern run with a key stores what the model read, and asks about each post once.


def _answer(readings: dict[int, list[tuple[str, str, float]]]) -> Reply:
    posts = [
        {"post_id": str(post_id), "readings": [{"attribute": a, "level": lv, "confidence": c} for a, lv, c in found]}
        for post_id, found in readings.items()
    ]
    return Reply(
        {
            "id": "msg_01ServiceReplay",
            "type": "message",
            "role": "assistant",
            "model": "claude-test-model",
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_01ServiceReplay",
                    "name": "submit_attributes",
                    "input": {"posts": posts},
                }
            ],
            "usage": {"input_tokens": 300, "output_tokens": 120},
        }
    )


def _insert_post(conn, user_id: str, key: str, caption: str | None, skip_rate: float | None = None) -> int:
    posted_at = dt.datetime(2026, 11, 1, 12, tzinfo=dt.timezone.utc) + dt.timedelta(hours=len(key))
    return conn.execute(
        "insert into posts (user_id, platform, platform_post_id, caption, type, views, saves, shares,"
        " skip_rate, posted_at) values (%s, 'instagram', %s, %s, 'reel', 1000, 30, 10, %s, %s) returning id",
        (user_id, key, caption, skip_rate, posted_at),
    ).fetchone()["id"]


def _stored(conn, user_id: str) -> dict[tuple[int, str], tuple[str, str, float]]:
    rows = conn.execute(
        "select post_id, attribute, level, source, confidence from post_attributes where user_id = %s", (user_id,)
    ).fetchall()
    return {(r["post_id"], r["attribute"]): (r["level"], r["source"], r["confidence"]) for r in rows}


def test_a_pattern_run_with_a_key_stores_llm_rows_and_sends_each_post_once(anthropic_api, database_url, make_user):
    from shared import clock
    from shared.services.patterns import run_pattern_detection

    user = make_user("llm-attributes")
    run_settings = settings(anthropic_api)
    # The posts are dated November 2026: the analysis window ends at the clock's "now".
    with clock.frozen_at("2026-11-20"), psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as conn:
        plain = _insert_post(conn, user.user_id, "plain", "Sunday in the studio with the new glaze")
        cued = _insert_post(conn, user.user_id, "cued", "Overhead view of the wheel")
        measured = _insert_post(conn, user.user_id, "measured", "Trimming feet", skip_rate=0.1)
        silent = _insert_post(conn, user.user_id, "silent", None)
        anthropic_api.script(
            _answer(
                {
                    plain: [("camera_angle", "closeup", 0.8), ("audio_type", "original_audio", 0.7)],
                    # Less sure than the "overhead" cue (0.7): the rule row stays; the format fills a gap.
                    cued: [("camera_angle", "closeup", 0.6), ("content_format", "showcase", 0.8)],
                    # The skip rate is a platform signal: it wins over any reading.
                    measured: [("hook_speed", "slow", 0.9), ("audio_type", "voiceover", 0.7)],
                }
            )
        )
        run_pattern_detection(conn, user.user_id, window_days=730, settings=run_settings)
        stored = _stored(conn, user.user_id)

        assert len(anthropic_api.requests) == 1
        assert {p["post_id"] for p in sent_posts(anthropic_api.requests[0])} == {
            str(plain),
            str(cued),
            str(measured),
        }  # the post without words is not sent
        assert stored[(plain, "camera_angle")] == ("closeup", "llm", 0.8)
        assert stored[(plain, "audio_type")] == ("original_audio", "llm", 0.7)
        assert stored[(cued, "camera_angle")] == ("overhead", "rules", 0.7)
        assert stored[(cued, "content_format")] == ("showcase", "llm", 0.8)
        assert stored[(measured, "hook_speed")] == ("instant", "platform", 0.8)
        assert stored[(measured, "audio_type")] == ("voiceover", "llm", 0.7)

        run_pattern_detection(conn, user.user_id, window_days=730, settings=run_settings)
        assert len(anthropic_api.requests) == 1  # every post with words has been read
        assert _stored(conn, user.user_id) == stored

        fresh = _insert_post(conn, user.user_id, "fresh-one", "Packing the market order")
        anthropic_api.script(_answer({fresh: [("content_format", "behind_the_scenes", 0.85)]}))
        run_pattern_detection(conn, user.user_id, window_days=730, settings=run_settings)
        assert [p["post_id"] for p in sent_posts(anthropic_api.requests[1])] == [str(fresh)]
        assert _stored(conn, user.user_id)[(fresh, "content_format")] == ("behind_the_scenes", "llm", 0.85)
        assert not [
            key for key, (_, source, _) in _stored(conn, user.user_id).items() if key[0] == silent and source == "llm"
        ]
