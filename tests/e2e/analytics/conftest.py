"""Fixtures for the analytics endpoint tests (helpers live in analytics_support.py)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest


@pytest.fixture()
def get(stack) -> Callable[..., httpx.Response]:
    def call(path: str, user, **params: Any) -> httpx.Response:
        return httpx.get(f"{stack.base_url}/api/analytics/{path}", params=params, headers=user.headers, timeout=10)
    return call
