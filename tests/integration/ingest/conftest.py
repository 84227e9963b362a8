"""Ingest tests: users connected to sandbox creators by minting tokens through the sandbox admin API.

Every run is scoped to the test's own users (`user_ids`), so connections other tests create in the
session database are never leased here.
"""

from __future__ import annotations

import pytest
from ingest_support import PLATFORMS, TEST_LIMITS, connect

from shared.config import get_settings


@pytest.fixture(scope="session")
def sandbox(stack):
    if stack.sandbox is None:
        pytest.skip("platform sandbox (scripts/sandbox) not available")
    return stack.sandbox


@pytest.fixture
def clean_sandbox(sandbox):
    sandbox.clear_faults()
    yield sandbox
    sandbox.clear_faults()


@pytest.fixture
def settings(stack):
    return get_settings().model_copy(update={"platform_limits": TEST_LIMITS, "fetch_budget_s": 120.0})


@pytest.fixture
def connected(sandbox, make_user):
    """connected(creator=0, platforms=PLATFORMS) → (user, {platform: connection_id})."""

    def make(creator: int = 0, platforms: tuple[str, ...] = PLATFORMS):
        user = make_user("ingest")
        return user, {p: connect(sandbox, user.user_id, p, creator) for p in platforms}

    return make
