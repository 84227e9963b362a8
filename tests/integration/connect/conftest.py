"""Fixtures for the connect integration tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _forget_connections_made_here(forget_new_connections):
    yield
