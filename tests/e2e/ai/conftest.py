"""Creators with real sandbox history for the AI endpoints, settings switches and an RLS-scoped reader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.ai_support import ingest_sandbox_creator

PLANTED = [
    {"attribute": "camera_angle", "level": "overhead", "metric": "save_rate", "lift": 1.6},
    {"attribute": "audio_type", "level": "trending_audio", "metric": "share_rate", "lift": 1.5},
]


SANDBOX_TODAY = "2026-11-20"


@pytest.fixture(scope="session")
def planted_sandbox() -> Iterator[Any]:
    from scripts.sandbox import start_sandbox

    with start_sandbox(seed=11, creators=2, effects=PLANTED, today=SANDBOX_TODAY) as sandbox:
        yield sandbox


@pytest.fixture()
def creator_with_history(stack, make_user, planted_sandbox) -> Iterator[Any]:
    """A fresh user holding sandbox creator 0's posts (ingested through the platform clients), with the
    system clock (the in-process gateway's too) frozen at the sandbox's day for the test."""
    from shared import clock

    with clock.frozen_at(SANDBOX_TODAY):
        user = make_user("ai")
        ingest_sandbox_creator(planted_sandbox, 0, user.user_id)
        yield user


@pytest.fixture()
def settings_env(monkeypatch) -> Iterator[Any]:
    """settings_env(LLM_DAILY_QUOTA="1", ...): what the in-process gateway reads, until the test ends."""
    from shared.config import reset_settings

    def apply(**env: str | None) -> None:
        for name, value in env.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        reset_settings()

    apply(ANTHROPIC_API_KEY=None, ANTHROPIC_BASE_URL=None)
    yield apply
    monkeypatch.undo()
    reset_settings()


def as_user(database_url: str, user_id: str, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    """Rows a query returns to this user under RLS (role authenticated + her JWT claims)."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        conn.execute(
            "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
            (json.dumps({"sub": user_id, "role": "authenticated"}),),
        )
        return conn.execute(sql, params).fetchall()


def service_rows(database_url: str, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()
