"""A sandbox creator's posts as the real platform clients fetch and normalize them (tests, sweeps)."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.config import REAL_PLATFORM_HOSTS, Settings
from shared.platforms import get_platform
from shared.platforms.transport import PlatformLimits

PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
# Whole histories are paged through: lift the production pacing, keep retries.
FAST_LIMITS = PlatformLimits(
    requests_per_second=500, burst=500, concurrency=8, backoff_base_s=0.05, backoff_cap_s=0.5, max_retry_wait_s=5
)


def fetch_creator_posts(sandbox: Any, creator: int, platforms: tuple[str, ...] = PLATFORMS) -> list[Any]:
    """Every post of a sandbox creator (PostRecord), fetched over HTTP with a minted token per platform."""
    settings = Settings(environment="test", platform_hosts={**REAL_PLATFORM_HOSTS, **sandbox.hosts})

    async def one(platform: str) -> list[Any]:
        module = get_platform(platform)
        token = sandbox.mint_token(platform, creator)["access_token"]
        async with module.open_client(settings, limits=FAST_LIMITS) as client:
            _, pages = await module.fetch_posts(client, token)
        return module.normalize_posts(pages)

    return [post for platform in platforms for post in asyncio.run(one(platform))]


def post_rows(records: list[Any]) -> list[dict[str, Any]]:
    """PostRecords as rows of the posts table (what `shared.services.patterns.posts_frame` reads)."""
    return [
        {
            "id": f"{r.platform}:{r.platform_post_id}",
            "platform": r.platform,
            "type": r.type,
            "title": r.title,
            "caption": r.caption,
            "duration_s": r.duration_s,
            "views": r.views,
            "saves": r.saves,
            "shares": r.shares,
            "skip_rate": r.skip_rate,
            "retention_early": r.retention_early,
            "posted_at": r.posted_at,
        }
        for r in records
    ]
