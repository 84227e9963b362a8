"""Platform clients against the local platform sandbox over real HTTP (scripts/sandbox)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shared.config import REAL_PLATFORM_HOSTS, Settings
from shared.platforms import get_platform
from shared.platforms.models import TokenSet
from shared.platforms.transport import PlatformLimits, new_code_verifier

try:
    from scripts.sandbox import start_sandbox
except ImportError:  # the sandbox is optional in a checkout without scripts/sandbox
    start_sandbox = None

REDIRECT_URI = "https://app.example.com/oauth/callback"
# Tests page through whole histories: lift the production pacing, keep retries.
TEST_LIMITS = PlatformLimits(
    requests_per_second=500, burst=500, concurrency=8, backoff_base_s=0.05, backoff_cap_s=0.5, max_retry_wait_s=5
)


@pytest.fixture(scope="module")
def sandbox():
    if start_sandbox is None:
        pytest.skip("platform sandbox (scripts/sandbox) not available")
    import starlette.requests

    if getattr(starlette.requests, "parse_options_header", object()) is None:
        pytest.skip("the sandbox's token endpoints parse forms with starlette, which needs python-multipart")
    with start_sandbox(seed=7, creators=2) as handle:
        yield handle


@pytest.fixture
def sandbox_settings(sandbox) -> Settings:
    creds = {
        p: {"client_id": f"{p}-sandbox-client", "client_secret": f"{p}-sandbox-secret"}
        for p in ("instagram", "youtube", "pinterest", "tiktok")
    }
    return Settings(
        environment="test", platform_hosts={**REAL_PLATFORM_HOSTS, **sandbox.hosts}, platform_credentials=creds
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def authorize_code(url: str) -> tuple[str, dict[str, str]]:
    """Follow the consent page once (no redirects) and read the code from Location."""
    response = httpx.get(url, follow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text[:200]
    location = response.headers["location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return query["code"], query


@pytest.fixture
def consent(sandbox_settings):
    """consent("instagram") → (code, code_verifier, callback query) from the sandbox consent page."""

    def go(platform: str) -> tuple[str, str | None, dict[str, str]]:
        module = get_platform(platform)
        verifier = new_code_verifier() if module.supports_pkce else None
        url = module.authorize_url(
            sandbox_settings,
            redirect_uri=REDIRECT_URI,
            state="state-123",
            code_challenge=module.pkce_challenge(verifier) if verifier else None,
        )
        code, query = authorize_code(url)
        return code, verifier, query

    return go


@pytest.fixture
def connect(sandbox_settings, consent):
    """connect("youtube") → (TokenSet, callback query) after a full authorize + code exchange."""

    def go(platform: str) -> tuple[TokenSet, dict[str, str]]:
        module = get_platform(platform)
        code, verifier, query = consent(platform)

        async def exchange() -> TokenSet:
            async with module.open_client(sandbox_settings, limits=TEST_LIMITS) as client:
                return await module.exchange_code(
                    client, sandbox_settings, code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
                )

        return run(exchange()), query

    return go


@pytest.fixture
def call(sandbox_settings):
    """call("tiktok", fn) runs `fn(module, client)` inside one client for that platform."""

    def go(platform: str, fn: Any) -> Any:
        module = get_platform(platform)

        async def inner() -> Any:
            async with module.open_client(sandbox_settings, limits=TEST_LIMITS) as client:
                return await fn(module, client)

        return run(inner())

    return go
