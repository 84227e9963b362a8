"""Writing ingested data: the raw archive, daily snapshots and posts, all idempotent.

Every function takes an open service-role connection (the caller owns the transaction). Bulk rows go
in with COPY: posts and snapshots through a temp table and one `insert … select … on conflict`, which
keeps a 100k-row upsert within 2× a plain COPY (scripts/bench/bench_upsert.py). The temp tables are
dropped at commit, so this works through Supabase's transaction-mode pooler.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.platforms.models import AccountSnapshot, PostRecord, RawPage

# Endpoints whose page is the account itself (current followers); archived as kind 'profile'.
PROFILE_ENDPOINTS = frozenset({"me", "channels", "user_account", "user_info"})

SNAPSHOT_METRICS = (
    "followers",
    "follower_change",
    "reach",
    "views",
    "engagements",
    "engagement_rate",
    "saves",
    "shares",
    "comments",
    "likes",
    "watch_time_hrs",
    "profile_visits",
    "outbound_clicks",
)
POST_TEXT = ("title", "caption", "type", "url", "thumbnail_url", "posted_at")
POST_METRICS = (
    "duration_s",
    "views",
    "reach",
    "likes",
    "saves",
    "shares",
    "comments",
    "watch_time_hrs",
    "avg_watch_time_s",
    "completion_rate",
    "skip_rate",
    "retention_early",
    "outbound_clicks",
    "pin_clicks",
)
_TYPES = {
    "followers": "integer",
    "follower_change": "integer",
    "engagement_rate": "double precision",
    "watch_time_hrs": "double precision",
    "duration_s": "double precision",
    "avg_watch_time_s": "double precision",
    "completion_rate": "double precision",
    "skip_rate": "double precision",
    "retention_early": "double precision",
    "title": "text",
    "caption": "text",
    "type": "public.post_type",
    "url": "text",
    "thumbnail_url": "text",
    "posted_at": "timestamptz",
    "raw_metrics": "jsonb",
    "snapshot_date": "date",
    "platform_post_id": "text",
}


def _sql_type(column: str) -> str:
    return _TYPES.get(column, "bigint")


def archive_pages(
    conn: Any, *, run_id: str | None, user_id: str, platform: str, kind: str, pages: Sequence[RawPage]
) -> int:
    """COPY raw pages into raw_payloads; profile pages are stored as kind 'profile'. Returns the row count."""
    if not pages:
        return 0
    with conn.cursor() as cur:
        with cur.copy(
            "copy raw_payloads (run_id, user_id, platform, kind, endpoint, params, body, fetched_at) from stdin"
        ) as copy:
            for page in pages:
                page_kind = "profile" if kind == "snapshots" and page["endpoint"] in PROFILE_ENDPOINTS else kind
                copy.write_row(
                    (
                        run_id,
                        user_id,
                        platform,
                        page_kind,
                        page["endpoint"],
                        json.dumps(page.get("params") or {}),
                        json.dumps(page.get("body")),
                        page["fetched_at"],
                    )
                )
    return len(pages)


def _copy_upsert(
    conn: Any,
    table: str,
    key: Sequence[str],
    columns: Sequence[str],
    rows: Iterable[tuple],
    updates: Sequence[str],
    changed: str = "true",
) -> int:
    """COPY rows into a temp table shaped like `columns`, then one insert … on conflict (key) do update."""
    staging = f"_in_{table}"
    definition = ", ".join(
        f"{c} {'uuid' if c == 'user_id' else 'public.platform' if c == 'platform' else _sql_type(c)}" for c in columns
    )
    conn.execute(f"create temp table if not exists {staging} ({definition}) on commit drop")
    with conn.cursor() as cur:
        with cur.copy(f"copy {staging} ({', '.join(columns)}) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
    names = ", ".join(columns)
    result = conn.execute(
        f"insert into {table} as t ({names}) select distinct on ({', '.join(key)}) {names} from {staging}"
        f" on conflict ({', '.join(key)}) do update set {', '.join(updates)} where {changed}"
    )
    conn.execute(f"drop table {staging}")
    return result.rowcount


def upsert_snapshots(conn: Any, user_id: str, snapshots: Sequence[AccountSnapshot]) -> int:
    """Insert or update daily snapshots; a metric the new fetch does not know keeps its stored value."""
    if not snapshots:
        return 0
    columns = ("user_id", "platform", "snapshot_date", *SNAPSHOT_METRICS)
    rows = ((user_id, s.platform, s.snapshot_date, *(getattr(s, m) for m in SNAPSHOT_METRICS)) for s in snapshots)
    updates = [f"{m} = coalesce(excluded.{m}, t.{m})" for m in SNAPSHOT_METRICS] + ["fetched_at = now()"]
    return _copy_upsert(conn, "analytics_snapshots", ("user_id", "platform", "snapshot_date"), columns, rows, updates)


def post_rows(user_id: str, posts: Iterable[PostRecord]) -> Iterable[tuple]:
    """The COPY rows of `upsert_posts` (exposed for the benchmark)."""
    for p in posts:
        yield (
            user_id,
            p.platform,
            p.platform_post_id,
            *(getattr(p, c) for c in POST_TEXT),
            *(getattr(p, m) for m in POST_METRICS),
            json.dumps(p.raw_metrics, default=str),
        )


POST_COLUMNS = ("user_id", "platform", "platform_post_id", *POST_TEXT, *POST_METRICS, "raw_metrics")


def upsert_posts(conn: Any, user_id: str, posts: Sequence[PostRecord]) -> int:
    """Insert or update posts by (user, platform, post id): newest text, newest known metrics."""
    if not posts:
        return 0
    return upsert_post_rows(conn, post_rows(user_id, posts))


def upsert_post_rows(conn: Any, rows: Iterable[tuple]) -> int:
    new = (
        [f"excluded.{c}" for c in POST_TEXT]
        + [f"coalesce(excluded.{m}, t.{m})" for m in POST_METRICS]
        + ["t.raw_metrics || excluded.raw_metrics"]
    )
    stored = [*POST_TEXT, *POST_METRICS, "raw_metrics"]
    updates = [f"{c} = {v}" for c, v in zip(stored, new)] + ["fetched_at = now()"]
    # An unchanged post is not rewritten: posts carries a dozen sort indexes, each update touches all.
    changed = f"({', '.join(f't.{c}' for c in stored)}) is distinct from ({', '.join(new)})"
    return _copy_upsert(
        conn, "posts", ("user_id", "platform", "platform_post_id"), POST_COLUMNS, rows, updates, changed
    )


def archived_fetches(conn: Any, *, user_id: str | None = None, platform: str | None = None) -> list[dict[str, Any]]:
    """Archived pages grouped per (user, platform, run) in archive order, for re-normalization."""
    rows = conn.execute(
        """select run_id, user_id, platform::text as platform, kind, endpoint, params, body, fetched_at
           from raw_payloads
           where (%(user)s::uuid is null or user_id = %(user)s::uuid)
             and (%(platform)s::text is null or platform::text = %(platform)s::text)
           order by user_id, platform, id""",
        {"user": user_id, "platform": platform},
    ).fetchall()
    groups: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for row in rows:
        key = (str(row["user_id"]), row["platform"], str(row["run_id"]) if row["run_id"] else None)
        group = groups.setdefault(
            key,
            {
                "user_id": key[0],
                "platform": key[1],
                "run_id": key[2],
                "first": len(groups),
                "snapshots": [],
                "posts": [],
            },
        )
        page = {
            "endpoint": row["endpoint"],
            "params": row["params"],
            "body": row["body"],
            "fetched_at": _iso(row["fetched_at"]),
        }
        group["posts" if row["kind"] == "posts" else "snapshots"].append(page)
    return sorted(groups.values(), key=lambda g: g["first"])


def _iso(value: Any) -> str:
    return value.astimezone(dt.timezone.utc).isoformat() if isinstance(value, dt.datetime) else str(value)
