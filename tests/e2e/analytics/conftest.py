"""Fixtures for the analytics endpoint tests (helpers live in analytics_support.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared import clock
from tests.e2e.analytics.analytics_support import NOW


@pytest.fixture(autouse=True)
def frozen_clock():
    """Every analytics test runs at NOW on the system clock (the gateway's too: it is this process)."""
    with clock.frozen_at(NOW):
        yield


@pytest.fixture()
def get(stack) -> Callable[..., httpx.Response]:
    def call(path: str, user, **params: Any) -> httpx.Response:
        return httpx.get(f"{stack.base_url}/api/analytics/{path}", params=params, headers=user.headers, timeout=10)

    return call
