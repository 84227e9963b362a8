"""Rebuild analytics_snapshots and posts from raw_payloads alone, with the current normalizers.

Usage: uv run python -m scripts.renormalize [--user UUID] [--platform instagram|youtube|pinterest|tiktok]

No platform is called. Archived fetches are replayed in the order they were made, each through the
same upserts the fetch run uses, so the tables end as the live runs would have left them had today's
normalizers been in place then.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass


@dataclass
class RenormalizeResult:
    fetches: int = 0
    snapshots: int = 0
    posts: int = 0


def renormalize(user_id: str | None = None, platform: str | None = None) -> RenormalizeResult:
    """Replay every archived fetch matching the filters; one transaction per fetch."""
    from shared.db import service_transaction
    from shared.platforms.registry import get_platform
    from shared.services.analytics_store import archived_fetches, upsert_posts, upsert_snapshots

    with service_transaction() as conn:
        fetches = archived_fetches(conn, user_id=user_id, platform=platform)
    result = RenormalizeResult()
    for fetch in fetches:
        module = get_platform(fetch["platform"])
        with service_transaction() as conn:
            if fetch["snapshots"]:
                result.snapshots += upsert_snapshots(
                    conn, fetch["user_id"], module.normalize_snapshots(fetch["snapshots"])
                )
            if fetch["posts"]:
                result.posts += upsert_posts(conn, fetch["user_id"], module.normalize_posts(fetch["posts"]))
        result.fetches += 1
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", help="only this user id")
    parser.add_argument("--platform", choices=("instagram", "youtube", "pinterest", "tiktok"))
    args = parser.parse_args(argv)
    result = renormalize(args.user, args.platform)
    print(
        json.dumps({"fetches_replayed": result.fetches, "snapshot_rows": result.snapshots, "post_rows": result.posts})
    )


if __name__ == "__main__":
    main()
