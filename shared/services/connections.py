"""The connection table as the rest of the code sees it: tokens go in encrypted and come out as TokenSets.

Every function here takes an open service-role connection; callers own the transaction, so a
token rotation and its bookkeeping commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.platforms.models import Profile, TokenSet
    from shared.vault import TokenVault

CONNECTION_COLUMNS = """id, user_id, platform::text as platform, access_token, refresh_token, scopes, token_expires_at,
    refresh_token_expires_at, platform_user_id, platform_username, connected_at, status::text as status,
    status_reason, last_refreshed_at, last_fetched_at, backfilled_at, next_fetch_at"""


def _seal(vault: TokenVault, tokens: TokenSet, user_id: str, platform: str) -> tuple[bytes, bytes | None]:
    access = vault.encrypt(
        tokens.access_token.get_secret_value(), user_id=user_id, platform=platform, column="access_token"
    )
    refresh = None
    if tokens.refresh_token is not None:
        refresh = vault.encrypt(
            tokens.refresh_token.get_secret_value(), user_id=user_id, platform=platform, column="refresh_token"
        )
    return access, refresh


def save_connection(
    conn: Any, vault: TokenVault, *, user_id: str, platform: str, tokens: TokenSet, profile: Profile
) -> str:
    """Create or replace the user's connection to a platform (reconnecting replaces it); returns its id.
    Connected and due now by the system clock (shared/clock.py), the time the fetch leases compare with."""
    from shared import clock

    now = clock.now()
    access, refresh = _seal(vault, tokens, user_id, platform)
    row = conn.execute(
        """insert into platform_connections as c (user_id, platform, access_token, refresh_token, scopes,
               token_expires_at, refresh_token_expires_at, platform_user_id, platform_username, connected_at,
               status, status_reason, last_refreshed_at, next_fetch_at)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'active', null, %s, %s)
           on conflict (user_id, platform) do update set
               access_token = excluded.access_token, refresh_token = excluded.refresh_token,
               scopes = excluded.scopes, token_expires_at = excluded.token_expires_at,
               refresh_token_expires_at = excluded.refresh_token_expires_at,
               platform_user_id = excluded.platform_user_id, platform_username = excluded.platform_username,
               connected_at = excluded.connected_at, status = 'active', status_reason = null,
               last_refreshed_at = excluded.last_refreshed_at, next_fetch_at = excluded.next_fetch_at,
               lease_owner = null, lease_expires_at = null,
               -- Another account on the same platform starts its history from scratch.
               backfilled_at = case when c.platform_user_id = excluded.platform_user_id then c.backfilled_at end
           returning id""",
        (
            user_id,
            platform,
            access,
            refresh,
            tokens.scopes,
            tokens.access_expires_at,
            tokens.refresh_expires_at,
            profile.platform_user_id,
            profile.username,
            now,
            now,
            now,
        ),
    ).fetchone()
    return str(row["id"])


def load_tokens(vault: TokenVault, row: dict[str, Any]) -> TokenSet:
    """Decrypt a connection row's tokens (raises vault.TokenDecryptError on a bad blob)."""
    from shared.platforms.models import TokenSet

    user_id, platform = str(row["user_id"]), row["platform"]
    access = vault.decrypt(row["access_token"], user_id=user_id, platform=platform, column="access_token")
    refresh = None
    if row.get("refresh_token") is not None:
        refresh = vault.decrypt(row["refresh_token"], user_id=user_id, platform=platform, column="refresh_token")
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        access_expires_at=row.get("token_expires_at"),
        refresh_expires_at=row.get("refresh_token_expires_at"),
        scopes=list(row.get("scopes") or []),
        platform_user_id=row.get("platform_user_id"),
    )


def store_refreshed_tokens(conn: Any, vault: TokenVault, row: dict[str, Any], tokens: TokenSet) -> None:
    """Write a refresh's result atomically; a platform that did not rotate keeps the old refresh token."""
    from shared import clock

    access, refresh = _seal(vault, tokens, str(row["user_id"]), row["platform"])
    conn.execute(
        """update platform_connections set access_token = %s,
               refresh_token = coalesce(%s, refresh_token), token_expires_at = %s,
               refresh_token_expires_at = coalesce(%s, refresh_token_expires_at),
               last_refreshed_at = %s, status = 'active', status_reason = null
           where id = %s""",
        (access, refresh, tokens.access_expires_at, tokens.refresh_expires_at, clock.now(), row["id"]),
    )


def mark_needs_reauth(conn: Any, connection_id: str, reason: str) -> None:
    """The platform refused our tokens: the creator must reconnect (she hears it through Realtime)."""
    conn.execute(
        "update platform_connections set status = 'needs_reauth', status_reason = %s,"
        " lease_owner = null, lease_expires_at = null where id = %s",
        (reason[:200], connection_id),
    )


def lock_connection(conn: Any, connection_id: str) -> dict[str, Any] | None:
    """Row-lock one connection for a token operation; None when another run holds it (SKIP LOCKED)."""
    return conn.execute(
        f"select {CONNECTION_COLUMNS} from platform_connections where id = %s for update skip locked", (connection_id,)
    ).fetchone()


def expiring_connections(conn: Any, horizon: dt.timedelta) -> list[dict[str, Any]]:
    """Active connections whose access token expires within `horizon` of the system clock (no tokens; lock
    each to work on it)."""
    from shared import clock

    return conn.execute(
        """select id, platform::text as platform, token_expires_at, last_refreshed_at from platform_connections
           where status = 'active' and token_expires_at is not null and token_expires_at < %s
           order by token_expires_at""",
        (clock.now() + horizon,),
    ).fetchall()
