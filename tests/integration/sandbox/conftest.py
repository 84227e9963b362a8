"""One sandbox per test module, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from scripts.sandbox import SandboxHandle, start_sandbox

SCENARIO = Path(__file__).resolve().parents[3] / "scripts" / "sandbox" / "scenarios" / "rising_niche.json"
EFFECTS = [{"attribute": "hook_speed", "level": "instant", "metric": "share_rate", "lift": 1.5}]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox(port=0, seed=7, today="2026-11-25", creators=5, trends=str(SCENARIO), effects=EFFECTS) as handle:
        yield handle


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        yield client


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = urlsplit(response.headers["location"]).query
    return {k: v[0] for k, v in parse_qs(query).items()}
