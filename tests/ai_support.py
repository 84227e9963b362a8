"""Helpers the AI tests share: a creator's sandbox posts ingested through the real platform clients."""
from __future__ import annotations

import asyncio
from typing import Any

from shared.config import REAL_PLATFORM_HOSTS, Settings
from shared.platforms import get_platform
from shared.platforms.transport import PlatformLimits

PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
# Tests page through whole histories: lift the production pacing, keep retries.
TEST_LIMITS = PlatformLimits(requests_per_second=500, burst=500, concurrency=8, backoff_base_s=0.05,
                             backoff_cap_s=0.5, max_retry_wait_s=5)


def fetch_sandbox_posts(sandbox: Any, creator: int, platforms: tuple[str, ...] = PLATFORMS) -> list[Any]:
    """Every post of a sandbox creator, as the platform clients fetch and normalize them."""
    settings = Settings(environment="test", platform_hosts={**REAL_PLATFORM_HOSTS, **sandbox.hosts})

    async def one(platform: str) -> list[Any]:
        module = get_platform(platform)
        token = sandbox.mint_token(platform, creator)["access_token"]
        async with module.open_client(settings, limits=TEST_LIMITS) as client:
            _, pages = await module.fetch_posts(client, token)
        return module.normalize_posts(pages)

    return [post for platform in platforms for post in asyncio.run(one(platform))]


def ingest_sandbox_creator(sandbox: Any, creator: int, user_id: str,
                           platforms: tuple[str, ...] = PLATFORMS) -> int:
    """Fetch a creator's posts through the clients, store them as the ingest does, set her time zone."""
    from shared.db import service_transaction
    from shared.services.analytics_store import upsert_posts

    profile = sandbox.creators()[creator]
    posts = fetch_sandbox_posts(sandbox, creator, platforms)
    with service_transaction() as conn:
        upsert_posts(conn, user_id, posts)
        conn.execute("update profiles set timezone = %s where id = %s", (profile["time_zone"], user_id))
    return len(posts)
