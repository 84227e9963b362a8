"""Sandbox creators with planted effects, ingested through the real platform clients into real Postgres.

The system clock is frozen at the sandbox's day for every run here, so the worlds, the windows and so
every assertion are the same on any real date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.ai_support import ingest_sandbox_creator

SEEDS = (11, 23, 37)
NULL_SEEDS = (5, 19, 41)
# Effects the sandbox renders observably: camera angle and audio as caption cues, hook speed as
# Instagram's 3-second skip rate (and YouTube's early retention), posting time as the timestamp; the
# extractor reads them from there. The duration effect on saves cannot be seen: Instagram hides
# durations and Pinterest gives saves only for its last 90 days of pins.
PLANTED = (
    {"attribute": "camera_angle", "level": "overhead", "metric": "save_rate", "lift": 1.6},
    {"attribute": "audio_type", "level": "trending_audio", "metric": "share_rate", "lift": 1.5},
    {"attribute": "hook_speed", "level": "instant", "metric": "save_rate", "lift": 1.4},
    {"attribute": "posting_time", "level": "evening", "metric": "share_rate", "lift": 1.3},
    {"attribute": "duration_bucket", "level": "30_60s", "metric": "save_rate", "lift": 1.8},
)
TESTABLE = PLANTED[:4]
SANDBOX_TODAY = "2026-11-20"


@dataclass
class SeededCreator:
    seed: int
    user_id: str
    run: Any  # shared.services.patterns.PatternRun


def _seeded(stack, seed: int, effects: list[dict], label: str) -> SeededCreator:
    from scripts.sandbox import start_sandbox
    from shared import clock
    from shared.db import service_transaction
    from shared.services.patterns import run_pattern_detection

    with clock.frozen_at(SANDBOX_TODAY):
        with start_sandbox(seed=seed, creators=1, effects=effects) as sandbox:
            user = stack.create_user(f"{label}-{seed}@example.com")
            ingest_sandbox_creator(sandbox, 0, user.user_id)
        with service_transaction() as conn:
            run = run_pattern_detection(conn, user.user_id, window_days=730)
    return SeededCreator(seed, user.user_id, run)


@pytest.fixture(scope="module")
def seeded_creators(stack) -> list[SeededCreator]:
    """One creator per seed with the planted effects, detection run once (as the cron would)."""
    return [_seeded(stack, seed, list(PLANTED), "planted") for seed in SEEDS]


@pytest.fixture(scope="module")
def null_creators(stack) -> list[SeededCreator]:
    """One creator per seed in a world where no attribute does anything."""
    return [_seeded(stack, seed, [], "null") for seed in NULL_SEEDS]
