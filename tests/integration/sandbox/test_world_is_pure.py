"""The sandbox's world is a pure function of (seed, effects, today): the same inputs give the same bytes,
whatever the real date or the system clock says."""

from __future__ import annotations

import httpx

from scripts.sandbox import start_sandbox
from shared import clock

EFFECTS = [
    {"attribute": "camera_angle", "level": "overhead", "metric": "save_rate", "lift": 1.6},
    {"attribute": "camera_angle", "level": "overhead", "given": {"content_format": "tutorial"}, "probability": 0.7},
]
GROUND_TRUTH = ("/_sandbox/posts/instagram/0", "/_sandbox/posts/tiktok/1", "/_sandbox/posts/pinterest/2")


def _bodies(now: str, today: str | None) -> list[bytes]:
    with clock.frozen_at(now), start_sandbox(seed=13, creators=3, effects=EFFECTS, today=today) as sandbox:
        return [httpx.get(f"{sandbox.base_url}{path}", timeout=30).content for path in GROUND_TRUTH]


def test_the_same_inputs_give_the_same_bytes_on_any_real_date():
    first = _bodies("2026-11-20T09:00:00Z", "2026-11-20")
    again = _bodies("2031-05-02T23:59:00Z", "2026-11-20")
    assert first == again and all(len(b) > 10_000 for b in first)


def test_today_defaults_to_the_systems_clock():
    assert _bodies("2026-11-20T09:00:00Z", None) == _bodies("2030-01-01T00:00:00Z", "2026-11-20")
    assert _bodies("2026-11-21T09:00:00Z", None)[0] != _bodies("2026-11-20T09:00:00Z", None)[0]
