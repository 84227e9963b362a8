"""Helpers for the ingest tests (imported by the test modules and by conftest)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.config import get_settings

PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
# Fast retries and short timeouts so fault tests take seconds; pacing lifted, concurrency kept small.
TEST_LIMITS = {
    p: {
        "requests_per_second": 1000,
        "burst": 1000,
        "concurrency": 8,
        "backoff_base_s": 0.02,
        "backoff_cap_s": 0.1,
        "max_retry_wait_s": 3,
        "read_timeout_s": 1.5,
        "connect_timeout_s": 1.5,
    }
    for p in PLATFORMS
}


def connect(sandbox: Any, user_id: str, platform: str, creator: int) -> str:
    """Store a connection for `user_id` to sandbox creator `creator`, as the OAuth callback would."""
    from shared.db import service_transaction
    from shared.platforms.models import Profile, TokenSet
    from shared.services.connections import save_connection
    from shared.vault import TokenVault

    minted = sandbox.mint_token(platform, creator)
    now = dt.datetime.now(dt.timezone.utc)
    refresh_in = minted.get("refresh_expires_in")
    tokens = TokenSet(
        access_token=minted["access_token"],
        refresh_token=minted.get("refresh_token"),
        access_expires_at=now + dt.timedelta(seconds=minted["expires_in"]),
        refresh_expires_at=now + dt.timedelta(seconds=refresh_in) if refresh_in else None,
        platform_user_id=minted["user_id"],
    )
    profile = Profile(platform=platform, platform_user_id=str(minted["user_id"]))
    with service_transaction() as conn:
        return save_connection(
            conn,
            TokenVault.from_settings(get_settings()),
            user_id=user_id,
            platform=platform,
            tokens=tokens,
            profile=profile,
        )


def fetch(settings: Any, *users: Any, **request: Any):
    """One fetch run over these users' connections."""
    from shared.models.ingest import FetchRunRequest
    from shared.services.fetch_run import run_fetch

    return run_fetch(settings, FetchRunRequest(**request), user_ids=[u.user_id for u in users])


def make_due(*connection_ids: str) -> None:
    """Pretend the next fetch time has come (the run scheduled it a day ahead)."""
    from shared.db import service_transaction

    with service_transaction() as conn:
        conn.execute(
            "update platform_connections set next_fetch_at = now() - interval '1 second' where id = any(%s::uuid[])",
            (list(connection_ids),),
        )


def table(name: str, user_id: str, platform: str | None = None) -> list[dict[str, Any]]:
    """Rows of analytics_snapshots or posts for a user, without ids and fetch times, in key order."""
    from shared.db import service_transaction

    key = "snapshot_date" if name == "analytics_snapshots" else "platform_post_id"
    with service_transaction() as conn:
        rows = conn.execute(
            f"select * from {name} where user_id = %s and (%s::text is null or platform::text = %s)"
            f" order by platform, {key}",
            (user_id, platform, platform),
        ).fetchall()
    return [{k: v for k, v in row.items() if k not in ("id", "user_id", "fetched_at")} for row in rows]


def connection(connection_id: str) -> dict[str, Any]:
    from shared.db import service_transaction

    with service_transaction() as conn:
        return conn.execute(
            "select *, status::text as status from platform_connections where id = %s", (connection_id,)
        ).fetchone()


def requests_to(sandbox: Any, fragment: str) -> int:
    """Requests the sandbox served on endpoints whose template contains `fragment`."""
    return sum(n for endpoint, n in sandbox.stats()["requests"].items() if fragment in endpoint)
