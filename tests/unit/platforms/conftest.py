"""Shared helpers for platform unit tests: recorded raw pages and test settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.config import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms"


@pytest.fixture
def recorded() -> Any:
    """recorded("instagram") → that platform's recorded raw pages (a fresh copy each call)."""
    return lambda name: json.loads((FIXTURES / f"{name}_raw_pages.json").read_text())


@pytest.fixture
def settings() -> Settings:
    creds = {
        p: {"client_id": f"{p}-client-id", "client_secret": f"{p}-client-secret-value"}
        for p in ("instagram", "youtube", "pinterest", "tiktok")
    }
    return Settings(environment="test", platform_credentials=creds)
