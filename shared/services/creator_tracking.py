"""Tracked creators: the seed list plus creators discovered through the sources, re-checked each run.

Discovery and lookups, on every platform whose API allows them (docs/platform-apis.md):
- YouTube: search.list type=channel for the niche words finds channels (§2.4); channels.list by
  handle or id checks them, with any active YouTube token.
- Instagram: Business Discovery looks an account up by username (§1.7), with a Facebook Login
  connection (or the app's own account). Instagram has no search for accounts, so usernames come
  from the seeds and from the YouTube channels that name their Instagram in their description.
- Pinterest and TikTok expose no lookup of other accounts (§3.6; §4.4: the Research API is for
  approved non-commercial research): their seeds are skipped and reported.
Each check appends a creator_observations row; growth_rate, followers_gained, trend_score
(engines/creators.py), format_description and niche on trending_creators are recomputed from that
history; `discovered_via` says how a discovered creator was found.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from shared.db import service_transaction
from shared.logging import get_logger

if TYPE_CHECKING:
    from shared.config import Settings
    from shared.services.trend_detection import Credentials

log = get_logger(__name__)

DISCOVERY_QUERIES = 3
DISCOVERY_PER_QUERY = 10
HISTORY_DAYS = 60


def track_creators(
    settings: Settings, creds: Credentials, niches: dict[str, list[str]], *, now: dt.datetime, deadline: float
) -> dict[str, Any]:
    """Seed, discover, check; returns {checked, failed, discovered, skipped: {reason: n}, discovery}."""
    _upsert_seeds(settings.tracked_creators)
    budget = max(1.0, deadline - time.monotonic())
    try:
        return asyncio.run(asyncio.wait_for(_track(settings, creds, niches, now), budget))
    except TimeoutError:
        return {"checked": 0, "failed": 0, "discovered": 0, "skipped": {}, "discovery": "out of budget"}


def _upsert_seeds(seeds: list[dict[str, str]]) -> None:
    rows = [
        (s["platform"], _handle(s["platform"], s["handle"]))
        for s in seeds
        if s.get("platform") in ("instagram", "youtube", "pinterest", "tiktok") and s.get("handle")
    ]
    if not rows:
        return
    with service_transaction() as conn, conn.cursor() as cur:
        cur.executemany(
            "insert into trending_creators (platform, handle, origin) values (%s, %s, 'seed')"
            " on conflict (platform, handle) do nothing",
            rows,
        )


def _handle(platform: str, handle: str) -> str:
    handle = handle.strip().lower()
    if platform == "youtube":
        return handle if handle.startswith("@") else f"@{handle}"
    return handle.lstrip("@")


async def _track(
    settings: Settings, creds: Credentials, niches: dict[str, list[str]], now: dt.datetime
) -> dict[str, Any]:
    from shared.platforms.creator_lookup import InstagramBusinessDiscovery, YouTubeChannels
    from shared.services.trend_detection import _client, niche_words

    summary: dict[str, Any] = {"checked": 0, "failed": 0, "discovered": 0, "skipped": Counter(), "discovery": None}
    async with _client("youtube", settings, now) as yt_client, _client("instagram", settings, now) as ig_client:
        youtube = YouTubeChannels(yt_client, creds.youtube) if creds.youtube else None
        instagram = InstagramBusinessDiscovery(ig_client, *creds.instagram_fb) if creds.instagram_fb else None
        checks: list[tuple[str | None, dict[str, Any]]] = []
        if youtube is not None:
            found, summary["discovery"] = await _discover(youtube, niche_words(niches)[:DISCOVERY_QUERIES])
            checks += [(None, c) for c in found]
            if instagram is not None:
                linked = await _linked_instagram(instagram, found)
                checks += [(None, c) for c in linked]
                summary["discovery"] += f"; instagram: {len(linked)} accounts named by those channels"
            else:
                summary["discovery"] += "; instagram: no Facebook Login connection for Business Discovery"
        else:
            summary["discovery"] = "unavailable: no active YouTube connection to search channels with"
        due = _due_creators(settings.creators_max_per_run)
        seen = {(c["platform"], c["platform_user_id"]) for _, c in checks}
        lookups = []
        for creator in due:
            if (creator["platform"], creator["platform_user_id"]) in seen and creator["platform_user_id"]:
                continue
            lookup = _lookup(creator, youtube, instagram)
            if isinstance(lookup, str):
                summary["skipped"][lookup] += 1
            else:
                lookups.append((str(creator["id"]), lookup))
        results = await asyncio.gather(*(coro for _, coro in lookups), return_exceptions=True)
    for (creator_id, _), result in zip(lookups, results):
        if isinstance(result, BaseException):
            summary["failed"] += 1
            _mark_checked(creator_id, now)
        else:
            checks.append((creator_id, result))
    ids = _record(checks, now)
    summary["discovered"] = sum(1 for creator_id, _ in checks if creator_id is None)
    summary["checked"] = len(ids)
    _update_creators(ids, now)
    summary["skipped"] = dict(summary["skipped"])
    return summary


async def _discover(youtube: Any, queries: list[str]) -> tuple[list[dict[str, Any]], str]:
    found_by: dict[str, str] = {}
    try:
        for query in queries:
            for channel_id in await youtube.search_channels(query, DISCOVERY_PER_QUERY):
                found_by.setdefault(channel_id, query)
    except Exception as error:  # noqa: BLE001 - discovery is optional: report it, keep the seeds
        return [], f"failed: {error}"
    results = await asyncio.gather(*(youtube.check(channel_id=c) for c in found_by), return_exceptions=True)
    found = [
        {**r, "discovered_via": f'YouTube search for "{found_by[c]}"'}
        for c, r in zip(found_by, results)
        if isinstance(r, dict)
    ]
    return found, f"ok: {len(found)} channels"


async def _linked_instagram(instagram: Any, channels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Business Discovery for the Instagram accounts the discovered channels name."""
    named = {c["linked"]["instagram"]: c["handle"] for c in channels if (c.get("linked") or {}).get("instagram")}
    results = await asyncio.gather(*(instagram.check(h) for h in named), return_exceptions=True)
    return [
        {**r, "discovered_via": f"YouTube channel {channel}, which names this account"}
        for (_, channel), r in zip(named.items(), results)
        if isinstance(r, dict)
    ]


def _due_creators(limit: int) -> list[dict[str, Any]]:
    with service_transaction() as conn:
        return conn.execute(
            """select id, platform::text as platform, handle, platform_user_id from trending_creators
                               order by last_checked nulls first, handle limit %s""",
            (limit,),
        ).fetchall()


def _lookup(creator: dict[str, Any], youtube: Any, instagram: Any) -> Any:
    if creator["platform"] == "youtube":
        if youtube is None:
            return "no active YouTube connection"
        if creator["platform_user_id"]:
            return youtube.check(channel_id=creator["platform_user_id"])
        return youtube.check(handle=creator["handle"])
    if creator["platform"] == "instagram":
        if instagram is None:
            return "Instagram lookups need a Facebook Login connection"
        return instagram.check(creator["handle"])
    return f"{creator['platform']} has no public creator lookup"


def summarize_posts(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What is kept of a creator's recent posts: type, duration, format cue, time, counters, short text."""
    from shared.attributes import CONTENT_FORMAT
    from shared.engines.attribute_rules import cue_level
    from shared.engines.niche_lexicon import CONCEPTS, GENERAL_CRAFTS
    from shared.engines.relevance import best_category

    # A specific craft first: nearly every caption says "handmade", which names no craft.
    labels = [c for c in CONCEPTS if c != GENERAL_CRAFTS]

    def category(text: str) -> str | None:
        return best_category(text, labels) or best_category(text, [GENERAL_CRAFTS])

    return [
        {
            "type": p.get("type"),
            "duration_s": p.get("duration_s"),
            "posted_at": p.get("posted_at"),
            "content_format": cue_level(CONTENT_FORMAT, p.get("text")),
            "likes": p.get("likes"),
            "comments": p.get("comments"),
            "views": p.get("views"),
            "text": (p.get("text") or "")[:150],
            "category": category(p.get("text") or ""),
        }
        for p in posts
    ]


def _record(checks: list[tuple[str | None, dict[str, Any]]], now: dt.datetime) -> list[str]:
    """Upsert each checked creator and append its observation; returns the creator ids."""
    from psycopg.types.json import Jsonb

    ids = []
    with service_transaction() as conn:
        for creator_id, check in checks:
            if check.get("followers") is None:
                continue
            handle = _handle(check["platform"], str(check["handle"]))
            if creator_id is None:
                row = conn.execute(
                    """insert into trending_creators (platform, handle, platform_user_id, origin, discovered_via)
                       values (%s, %s, %s, 'discovered', %s)
                       on conflict (platform, handle) do update set platform_user_id = excluded.platform_user_id,
                         discovered_via = coalesce(trending_creators.discovered_via, excluded.discovered_via)
                       returning id""",
                    (check["platform"], handle, check.get("platform_user_id"), check.get("discovered_via")),
                ).fetchone()
                assert row is not None  # an upsert's returning always answers
                creator_id = str(row["id"])
            else:
                conn.execute(
                    "update trending_creators set platform_user_id = coalesce(%s, platform_user_id) where id = %s",
                    (check.get("platform_user_id"), creator_id),
                )
            conn.execute(
                """insert into creator_observations
                              (creator_id, observed_at, followers, media_count, recent_posts)
                            values (%s, %s, %s, %s, %s) on conflict (creator_id, observed_at) do nothing""",
                (
                    creator_id,
                    now,
                    check["followers"],
                    check.get("media_count"),
                    Jsonb(summarize_posts(check.get("posts") or [])),
                ),
            )
            ids.append(creator_id)
    return ids


def _mark_checked(creator_id: str, now: dt.datetime) -> None:
    with service_transaction() as conn:
        conn.execute("update trending_creators set last_checked = %s where id = %s", (now, creator_id))


def _update_creators(ids: list[str], now: dt.datetime) -> None:
    """growth_rate (creator_growth over the history), format_description and niche from the latest posts."""
    if not ids:
        return
    import polars as pl

    from shared.engines.creators import creator_growth, format_description, trend_score

    with service_transaction() as conn:
        history = conn.execute(
            """select o.creator_id::text as creator_id, c.handle, c.platform::text as platform, o.observed_at,
                      o.followers, o.recent_posts
               from creator_observations o join trending_creators c on c.id = o.creator_id
               where o.creator_id = any(%s::uuid[]) and o.observed_at >= %s and o.observed_at <= %s
               order by o.observed_at""",
            (ids, now - dt.timedelta(days=HISTORY_DAYS), now),
        ).fetchall()
        frame = pl.DataFrame(
            [{k: r[k] for k in ("creator_id", "handle", "platform", "observed_at", "followers")} for r in history],
            schema={
                "creator_id": pl.String,
                "handle": pl.String,
                "platform": pl.String,
                "observed_at": pl.Datetime("us", "UTC"),
                "followers": pl.Int64,
            },
        )
        growth = {r["creator_id"]: r for r in creator_growth(frame, now.date()).iter_rows(named=True)}
        latest = {r["creator_id"]: r for r in history}  # ordered by time: the last one wins
        for creator_id in ids:
            posts = (latest.get(creator_id) or {}).get("recent_posts") or []
            g = growth.get(creator_id) or {}
            gained, score = trend_score(g.get("growth_rate"), g.get("followers"))
            conn.execute(
                """update trending_creators set followers = %s, growth_rate = %s, followers_gained = %s,
                              trend_score = %s, format_description = %s, niche = %s, last_checked = %s
                            where id = %s""",
                (
                    g.get("followers"),
                    g.get("growth_rate"),
                    gained,
                    score,
                    format_description(posts_frame(posts)),
                    dominant_category(posts),
                    now,
                    creator_id,
                ),
            )


def posts_frame(posts: list[dict[str, Any]]) -> Any:
    """recent_posts as the frame format_description reads."""
    import polars as pl

    from shared.platforms.models import parse_time

    # Posts without a time cannot say anything about cadence; format_description needs a time on each.
    return pl.DataFrame(
        [
            {
                "type": p.get("type"),
                "duration_s": p.get("duration_s"),
                "content_format": p.get("content_format"),
                "posted_at": parse_time(p.get("posted_at")),
            }
            for p in posts
            if p.get("posted_at")
        ],
        schema={
            "type": pl.String,
            "duration_s": pl.Float64,
            "content_format": pl.String,
            "posted_at": pl.Datetime("us", "UTC"),
        },
    )


def dominant_category(posts: list[dict[str, Any]]) -> str | None:
    """The craft most of the recent posts are about (their lexicon category), None if none says."""
    counts = Counter(p["category"] for p in posts if p.get("category"))
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
