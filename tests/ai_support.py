"""Helpers the AI tests share: a creator's sandbox posts ingested through the real platform clients."""

from __future__ import annotations

from typing import Any

from scripts.sandbox.fetched import PLATFORMS, fetch_creator_posts


def ingest_sandbox_creator(sandbox: Any, creator: int, user_id: str, platforms: tuple[str, ...] = PLATFORMS) -> int:
    """Fetch a creator's posts through the clients, store them as the ingest does, set her time zone."""
    from shared.db import service_transaction
    from shared.services.analytics_store import upsert_posts

    profile = sandbox.creators()[creator]
    posts = fetch_creator_posts(sandbox, creator, platforms)
    with service_transaction() as conn:
        upsert_posts(conn, user_id, posts)
        conn.execute("update profiles set timezone = %s where id = %s", (profile["time_zone"], user_id))
    return len(posts)
