"""What the dashboard hears after a fetch: one update of the connection's `sync_status` row per fetch.

The row (migration 20261205000001) is the frontend's Realtime view of a connected platform: its status,
mirrored from platform_connections by a trigger, and what the last fetch did. One statement per fetch of
a connection, so a run publishes one event per connection however many posts it wrote.
"""

from __future__ import annotations

from typing import Any

OUTCOMES = ("done", "failed", "deferred", "needs_reauth")


def publish_fetch(conn: Any, connection_id: str, outcome: str, posts: int, snapshots: int) -> None:
    """Record a fetch's outcome and counts, with the connection's status and fetch times as they now are."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown fetch outcome {outcome!r}")
    conn.execute(
        """update sync_status s
              set status = c.status, status_reason = c.status_reason, last_fetched_at = c.last_fetched_at,
                  last_fetch_error = c.last_fetch_error, last_outcome = %s, posts_written = %s,
                  snapshots_written = %s, updated_at = now()
             from platform_connections c
            where c.id = %s and s.user_id = c.user_id and s.platform = c.platform""",
        (outcome, posts, snapshots, connection_id),
    )
