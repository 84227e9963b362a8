"""Sandbox creators with planted effects, ingested through the real platform clients into real Postgres."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.ai_support import ingest_sandbox_creator

SEEDS = (11, 23, 37)
# Effects the sandbox renders observably: camera angle and audio as caption cues, hook speed as
# Instagram's 3-second skip rate (and YouTube's early retention); the extractor reads them from there.
PLANTED = (
    {"attribute": "camera_angle", "level": "overhead", "metric": "save_rate", "lift": 1.6},
    {"attribute": "audio_type", "level": "trending_audio", "metric": "share_rate", "lift": 1.5},
    {"attribute": "hook_speed", "level": "instant", "metric": "save_rate", "lift": 1.4},
)
# A fixed day keeps every seed's world, and so every assertion, the same from one day to the next.
SANDBOX_TODAY = "2026-11-20"


@dataclass
class SeededCreator:
    seed: int
    user_id: str
    run: Any  # shared.services.patterns.PatternRun


@pytest.fixture(scope="session")
def seeded_creators(stack) -> list[SeededCreator]:
    """One creator per seed, her posts ingested and pattern detection run once (as the cron would)."""
    from scripts.sandbox import start_sandbox
    from shared.db import service_transaction
    from shared.services.patterns import run_pattern_detection

    out = []
    for seed in SEEDS:
        with start_sandbox(seed=seed, creators=1, effects=list(PLANTED), today=SANDBOX_TODAY) as sandbox:
            user = stack.create_user(f"planted-{seed}-{id(out)}@example.com")
            ingest_sandbox_creator(sandbox, 0, user.user_id)
        with service_transaction() as conn:
            run = run_pattern_detection(conn, user.user_id, window_days=730)
        out.append(SeededCreator(seed, user.user_id, run))
    return out
