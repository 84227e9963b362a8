"""Supply of recent content per topic, measured by the trend cron and stored on the niche's trends rows.

Sources (docs/platform-apis.md), each counted only where it answers:
- youtube: search.list type=video, q=topic, publishedAfter = now - 30 days, publishedBefore = now
  (§2.4): `uploads_30d` = pageInfo.totalResults, `channels` = distinct channels on the first page (at
  most 50 results, so a lower bound). search.list has its own bucket of 100 calls a day (§2.5): a run
  searches at most TRENDS_SUPPLY_SEARCHES_PER_RUN topics without a reading in the last 20 h, the
  never-searched first, then the stalest (ties by relevance x interest), so with runs every 6 h every
  candidate is refreshed about daily.
- instagram: the recent media (last 24 h) of the niche hashtags this run searched (Facebook Login only,
  §1.7): `posts_24h` = posts whose caption holds at least half of the topic's words.
A platform missing from a topic's `supply` was not measured for it: unknown, never 0.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from shared.db import service_transaction

if TYPE_CHECKING:
    from shared.config import Settings
    from shared.services.trend_detection import Credentials, RunState

CANDIDATES = 50
SEARCH_WINDOW_DAYS = 30
FRESH_FOR = dt.timedelta(hours=20)
KEEP_FOR = dt.timedelta(days=3)  # a supply reading older than this is not shown


def measure_supply(settings: Settings, state: RunState, creds: Credentials) -> dict[str, Any]:
    """Search what is due, record the readings, write `supply` on this run's trends rows."""
    with service_transaction() as conn:
        candidates = _candidates(conn, list(state.niches), state.now)
        last_searched = {
            r["keyword"]: r["last"]
            for r in conn.execute(
                """select keyword, max(observed_at) as last from trend_observations where source = 'youtube_search'
               and keyword = any(%s) and observed_at <= %s group by keyword""",
                (candidates, state.now),
            )
        }
    # Never searched first, then the stalest; the order of demand breaks ties.
    due = sorted(
        (t for t in candidates if t not in last_searched or last_searched[t] <= state.now - FRESH_FOR),
        key=lambda t: (t in last_searched, last_searched.get(t) or state.now),
    )
    due = due[: settings.trends_supply_searches_per_run]
    report: dict[str, Any] = {"status": "ok", "searched": 0, "reason": None}
    readings: list[tuple[str, str, float]] = []
    if creds.youtube is None:
        report.update(status="unavailable", reason="no active YouTube connection to search uploads with")
    elif due:
        found, failures = asyncio.run(_search(settings, creds.youtube, due, state.now))
        report["searched"] = len(found)
        for topic, (total, channels) in found.items():
            readings += [
                (topic, "youtube_search", float(total)),
                (topic, "youtube_search_channels", float(len(channels))),
            ]
        if failures:
            report.update(
                status="failed" if not found else "ok",
                reason=f"{len(failures)} of {len(due)} searches failed: {failures[0]}",
            )
    readings += _instagram_readings(state, candidates)
    with service_transaction() as conn, conn.cursor() as cur:
        cur.executemany(
            """insert into trend_observations (run_id, keyword, source, region, observed_at, value,
                           value_kind) values (%s, %s, %s, 'GLOBAL', %s, %s, 'count')""",
            [(state.run_id, topic, source, state.now, value) for topic, source, value in readings],
        )
        _write_supply(conn, list(state.niches), state.now)
    return report


def _candidates(conn: Any, niche_keys: list[str], now: dt.datetime) -> list[str]:
    """The topics opportunities will weigh: per niche the CANDIDATES with the most relevance x interest."""
    rows = conn.execute(
        """select topic from (
             select topic, relevance * interest_index as demand,
                    row_number() over (partition by niche_key order by relevance * interest_index desc, topic) as n
             from trends where niche_key = any(%s) and expires_at > %s and interest_index is not null) ranked
           where n <= %s order by demand desc, topic""",
        (niche_keys, now, CANDIDATES),
    ).fetchall()
    return list(dict.fromkeys(r["topic"] for r in rows))


async def _search(
    settings: Settings, token: str, topics: list[str], now: dt.datetime
) -> tuple[dict[str, tuple[int, list[str]]], list[str]]:
    from shared.platforms.creator_lookup import YouTubeChannels
    from shared.services.trend_detection import _client, _describe

    async with _client("youtube", settings, now) as client:
        youtube = YouTubeChannels(client, token)
        since = now - dt.timedelta(days=SEARCH_WINDOW_DAYS)
        results = await asyncio.gather(*(youtube.recent_uploads(t, since, now) for t in topics), return_exceptions=True)
    found = {t: r for t, r in zip(topics, results) if not isinstance(r, BaseException)}
    return found, [_describe(r) for r in results if isinstance(r, BaseException)]


def _instagram_readings(state: RunState, topics: list[str]) -> list[tuple[str, str, float]]:
    from shared.engines.relevance import on_topic, topic_words

    if not state.hashtag_media:
        return []
    media = {
        item.get("id"): topic_words(item.get("caption") or "")
        for items in state.hashtag_media.values()
        for item in items
        if item.get("id")
    }
    return [
        (t, "instagram_hashtag_supply", float(sum(1 for words in media.values() if on_topic(words, topic_words(t)))))
        for t in topics
    ]


def _write_supply(conn: Any, niche_keys: list[str], now: dt.datetime) -> None:
    """supply = {youtube: {uploads_30d, channels, observed_at}, instagram: {posts_24h, observed_at}} from each
    topic's latest readings of the last KEEP_FOR; null when no source measured it."""
    conn.execute("update trends set supply = null where niche_key = any(%s)", (niche_keys,))
    conn.execute(
        """with latest as (
             select distinct on (keyword, source) keyword, source, value, observed_at from trend_observations
             where source in ('youtube_search', 'youtube_search_channels', 'instagram_hashtag_supply')
               and observed_at > %(since)s and observed_at <= %(now)s
             order by keyword, source, observed_at desc),
           per_topic as (
             select keyword,
               jsonb_strip_nulls(jsonb_build_object(
                 'youtube', (select jsonb_build_object('uploads_30d', y.value, 'channels', c.value,
                                                       'observed_at', y.observed_at)
                             from latest y left join latest c on c.keyword = y.keyword
                               and c.source = 'youtube_search_channels'
                             where y.keyword = l.keyword and y.source = 'youtube_search'),
                 'instagram', (select jsonb_build_object('posts_24h', i.value, 'observed_at', i.observed_at)
                               from latest i where i.keyword = l.keyword
                                 and i.source = 'instagram_hashtag_supply'))) as supply
             from (select distinct keyword from latest) l)
           update trends t set supply = nullif(p.supply, '{}'::jsonb)
           from per_topic p where t.topic = p.keyword and t.niche_key = any(%(keys)s)""",
        {"since": now - KEEP_FOR, "now": now, "keys": niche_keys},
    )
