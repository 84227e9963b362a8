"""The trend cron: observe every source, append the readings, recompute trends per niche, re-check creators.

Sources (docs/platform-apis.md §3.4, §2.4, §1.7), each reported as ok | unavailable | failed:
- pinterest_trends: `growing` keywords of the configured interests, plus one call per 50 of the
  niche keywords' words as `include_keywords`. Needs a Pinterest user token: an active creator's
  Pinterest connection, else TRENDS_PINTEREST_TOKEN, else unavailable.
- youtube_suggest: the seed phrases, every niche keyword and its head words (capped per run).
- instagram_hashtag: only through an Instagram connection made with Facebook Login (its scopes carry
  the FB-Login names), else the app's own account (TRENDS_INSTAGRAM_TOKEN and _USER_ID); hashtags
  from the niche keywords, within 30 unique tags per 7 days.
Trends are computed from the history (TRENDS_HISTORY_DAYS of observations), never one reading,
once per distinct niche (niche_key of each profile's keywords), and written with a TTL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.db import service_transaction
from shared.logging import get_logger
from shared.services.job_runs import finish_run, start_run
from shared.services.niche import niche_key, normalize_keywords

if TYPE_CHECKING:
    import polars as pl

    from shared.config import Settings
    from shared.platforms.transport import PlatformClient

log = get_logger(__name__)

JOB_NAME = "detect_trends"
PINTEREST_FILTER_CHUNK = 50  # include_keywords takes 1-50 keywords (§3.4)
MAX_PINTEREST_SPARES = 3
HASHTAG_BUDGET = 30  # unique hashtags per Instagram account per rolling 7 days (§1.7)
FB_LOGIN_SCOPES = ("instagram_basic", "pages_read_engagement", "pages_show_list")
MAX_TOPICS_PER_NICHE = 200
# Trend calls retry less than ingest: a source that keeps failing is reported, the run moves on.
TREND_ATTEMPTS = 3
_WORD = re.compile(r"[a-z0-9]+")
_GENERIC_SEED_WORDS = {
    "diy",
    "ideas",
    "idea",
    "handmade",
    "crafts",
    "craft",
    "home",
    "easy",
    "with",
    "for",
    "and",
    "the",
    "making",
    "make",
    "art",
}


@dataclass
class SourceReport:
    """How one source did in this run."""

    status: str = "ok"  # ok | unavailable | failed
    observations: int = 0  # readings stored from this source
    reason: str | None = None
    requests: int = 0
    failures: int = 0

    def fail(self, reason: str) -> None:
        self.failures += 1
        self.reason = self.reason or reason

    def tally(self, results: list[Any], observations_of: Any = lambda result: result) -> list[dict]:
        """Count each gathered call (an exception is a failed request) and collect the observations."""
        observations: list[dict] = []
        for result in results:
            self.requests += 1
            if isinstance(result, BaseException):
                self.fail(_describe(result))
            else:
                observations.extend(observations_of(result))
        return observations

    def settle(self) -> None:
        if self.status == "ok" and self.requests and self.failures == self.requests:
            self.status = "failed"
        elif self.status == "ok" and self.failures:
            self.reason = f"{self.failures} of {self.requests} requests failed: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "observations": self.observations, "reason": self.reason}


@dataclass
class Credentials:
    """The tokens a run may use, decrypted once."""

    pinterest: str | None = None
    # Further Pinterest tokens to fall back on when the first one turns out dead (revoked since its
    # last refresh): one creator's bad token must not cost every creator the source.
    pinterest_spares: list[str] = field(default_factory=list)
    pinterest_reason: str | None = None
    youtube: str | None = None
    instagram_fb: tuple[str, str] | None = None  # (access token, ig user id)


@dataclass
class RunState:
    """Everything one run collects before it writes."""

    run_id: str
    now: dt.datetime
    niches: dict[str, list[str]]
    sources: dict[str, SourceReport] = field(default_factory=dict)
    observations: list[dict[str, Any]] = field(default_factory=list)
    # Captions of the recent hashtag media this run saw (Instagram's evidence of supply per topic).
    hashtag_media: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def run_detection(settings: Settings, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """One whole run, recorded in job_runs; returns the response body."""
    started = time.perf_counter()
    from shared import clock

    now = now or clock.now()
    deadline = time.monotonic() + settings.trends_budget_s
    with service_transaction() as conn:
        run_id = start_run(conn, JOB_NAME)
        niches = load_niches(conn)
        credentials = load_credentials(conn, settings)
        recent_tags = _recent_hashtags(conn, now)
    state = RunState(run_id=run_id, now=now, niches=niches)
    try:
        asyncio.run(_observe(settings, state, credentials, recent_tags, deadline))
        written = store_observations(state, settings.trends_history_days)
        trends_written = recompute_trends(settings, state)
        from shared.services.creator_tracking import track_creators
        from shared.services.topic_supply import measure_supply

        supply = measure_supply(settings, state, credentials)
        creators = track_creators(settings, credentials, niches, now=now, deadline=deadline)
    except Exception as exc:
        _finish(run_id, "failed", {"duration_s": round(time.perf_counter() - started, 3)}, {"run": type(exc).__name__})
        raise
    body = {
        "run_id": run_id,
        "observations": written,
        "trends_written": trends_written,
        "niches": len(niches),
        "sources": {name: r.as_dict() for name, r in state.sources.items()},
        "supply": supply,
        "creators_checked": creators["checked"],
        "creators": creators,
        "duration_s": round(time.perf_counter() - started, 3),
    }
    failed = {n: r.reason for n, r in state.sources.items() if r.status == "failed"}
    if supply["status"] == "failed":
        failed["supply"] = supply["reason"]
    status = "partial" if failed or creators.get("failed") else "succeeded"
    _finish(run_id, status, {k: v for k, v in body.items() if k != "run_id"}, failed)
    return body


def _finish(run_id: str, status: str, stats: dict[str, Any], errors: dict[str, Any]) -> None:
    with service_transaction() as conn:
        finish_run(conn, run_id, status, stats, errors)


# ---------------------------------------------------------------- inputs


def load_niches(conn: Any) -> dict[str, list[str]]:
    """niche_key -> normalized keywords, one entry per distinct keyword set among profiles."""
    niches: dict[str, list[str]] = {}
    for row in conn.execute("select distinct niche_keywords from profiles").fetchall():
        keywords = normalize_keywords(row["niche_keywords"])
        niches.setdefault(niche_key(keywords), keywords)
    return niches


def load_credentials(conn: Any, settings: Settings) -> Credentials:
    """Decrypt the tokens each source may use (any active connection of the right kind)."""
    from shared.services.connections import CONNECTION_COLUMNS, load_tokens
    from shared.vault import TokenDecryptError, TokenVault

    creds = Credentials()
    rows = conn.execute(
        f"""select {CONNECTION_COLUMNS} from platform_connections
            where status = 'active' and platform in ('pinterest', 'youtube', 'instagram')
              and (token_expires_at is null or token_expires_at > now())
            order by last_refreshed_at desc nulls last, connected_at desc"""
    ).fetchall()
    vault = TokenVault.from_settings(settings) if rows and settings.token_keys is not None else None
    for row in rows:
        fb_login = row["platform"] == "instagram" and any(s in FB_LOGIN_SCOPES for s in row["scopes"] or [])
        wanted = {
            "pinterest": creds.pinterest is None or len(creds.pinterest_spares) < MAX_PINTEREST_SPARES,
            "youtube": creds.youtube is None,
            "instagram": fb_login and creds.instagram_fb is None,
        }[row["platform"]]
        if not wanted or vault is None:
            continue
        try:
            token = load_tokens(vault, row).access_token.get_secret_value()
        except TokenDecryptError:
            continue
        if row["platform"] == "pinterest" and creds.pinterest is not None:
            creds.pinterest_spares.append(token)
        elif row["platform"] == "pinterest":
            creds.pinterest = token
        elif row["platform"] == "youtube":
            creds.youtube = token
        else:
            creds.instagram_fb = (token, row["platform_user_id"])
    if creds.instagram_fb is None and settings.trends_instagram_token is not None and settings.trends_instagram_user_id:
        creds.instagram_fb = (settings.trends_instagram_token.get_secret_value(), settings.trends_instagram_user_id)
    if creds.pinterest is None and settings.trends_pinterest_token is not None:
        creds.pinterest = settings.trends_pinterest_token.get_secret_value()
    if creds.pinterest is None:
        creds.pinterest_reason = "no active Pinterest connection and no TRENDS_PINTEREST_TOKEN"
    return creds


def _recent_hashtags(conn: Any, now: dt.datetime) -> list[str]:
    rows = conn.execute(
        """select keyword, max(observed_at) as last from trend_observations
                           where source like 'instagram_hashtag%%' and observed_at > %s
                           group by keyword order by last desc""",
        (now - dt.timedelta(days=7),),
    ).fetchall()
    return [r["keyword"] for r in rows]


def niche_words(niches: dict[str, list[str]]) -> list[str]:
    """Every niche keyword, then their distinctive single words, most shared first."""
    from collections import Counter

    phrases = Counter(k for keywords in niches.values() for k in keywords)
    words: Counter[str] = Counter()
    for phrase, shared_by in phrases.items():
        for word in set(_WORD.findall(phrase)):
            if len(word) >= 4 and word not in _GENERIC_SEED_WORDS:
                words[word] += shared_by
    ordered = [k for k, _ in sorted(phrases.items(), key=lambda kv: (-kv[1], kv[0]))]
    ordered += [w for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])) if w not in phrases]
    return ordered


# ---------------------------------------------------------------- observing


def _client(module_name: str, settings: Settings, now: dt.datetime | None = None) -> PlatformClient:
    import dataclasses

    from shared.platforms import get_platform
    from shared.platforms.transport import DEFAULT_LIMITS

    overrides: dict[str, Any] = {
        "max_attempts": TREND_ATTEMPTS,
        "backoff_cap_s": 2.0,
        **settings.platform_limits.get(module_name, {}),
    }
    limits = dataclasses.replace(DEFAULT_LIMITS[module_name], **overrides)
    # The app's quotas are shared with the fetch (YouTube's daily units above all): same ledger, counted
    # on the run's day (a replayed day spends that day's quota).
    return get_platform(module_name).open_client(settings, limits=limits, admission=_ledger(now))


def _ledger(now: dt.datetime | None) -> Any:
    from shared import clock
    from shared.db import service_transaction
    from shared.services.quota_ledger import QuotaLedger

    def run(fn: Any, *args: Any) -> Any:
        with service_transaction() as conn:
            return fn(conn, *args)

    async def run_db(fn: Any, *args: Any) -> Any:
        return await asyncio.to_thread(run, fn, *args)

    return QuotaLedger(run_db, now=(lambda: now) if now is not None else clock.now)


async def _observe(
    settings: Settings, state: RunState, creds: Credentials, recent_tags: list[str], deadline: float
) -> None:
    words = niche_words(state.niches)
    tasks = {
        "pinterest_trends": _pinterest(settings, state, creds, words),
        "youtube_suggest": _youtube(settings, state, words),
        "instagram_hashtag": _instagram(settings, state, creds, words, recent_tags),
    }
    # Observing may use half the budget; what does not answer by then is reported as failed.
    timeout = max(1.0, (deadline - time.monotonic()) * 0.5)
    for name in tasks:
        state.sources[name] = SourceReport()
    results = await asyncio.gather(*(asyncio.wait_for(t, timeout) for t in tasks.values()), return_exceptions=True)
    for name, result in zip(tasks, results):
        report = state.sources[name]
        if isinstance(result, BaseException):
            report.status, report.reason = "failed", _describe(result)
            log.warning("trend source failed", extra={"fields": {"source": name, "reason": report.reason}})
            continue
        report.settle()
        if report.status == "ok":
            state.observations.extend(result)


def _source_name(source: str) -> str:
    return "instagram_hashtag" if source.startswith("instagram_hashtag") else source


def _describe(error: BaseException) -> str:
    if isinstance(error, (asyncio.TimeoutError, TimeoutError)):
        return "did not answer within the run's budget"
    return str(error) or type(error).__name__


async def _pinterest(settings: Settings, state: RunState, creds: Credentials, words: list[str]) -> list[dict]:
    report = state.sources["pinterest_trends"]
    if creds.pinterest is None:
        report.status, report.reason = "unavailable", creds.pinterest_reason
        return []
    filters = [w[:100] for w in words]
    calls: list[dict[str, Any]] = [{}] + [
        {"include_keywords": ",".join(filters[i : i + PINTEREST_FILTER_CHUNK])}
        for i in range(0, len(filters), PINTEREST_FILTER_CHUNK)
    ]
    groups: list[list[dict[str, Any]]] = []
    async with _client("pinterest", settings, state.now) as client:
        source, first = await _pinterest_first_call(client, settings, creds, calls[0], groups)
        rest = await asyncio.gather(
            *(_pinterest_call(source, settings, extra, groups) for extra in calls[1:]), return_exceptions=True
        )
        results = [first, *rest]
    return report.tally(results) + _interest_levels(groups, settings.trends_region, state.now)


async def _pinterest_first_call(
    client: Any, settings: Settings, creds: Credentials, extra: dict[str, Any], groups: list
) -> tuple[Any, Any]:
    """The first call, trying the spare tokens while the platform refuses a token; (source, result)."""
    from shared.platforms.transport import TokenExpired, TokenRevoked
    from shared.platforms.trend_sources import PinterestTrendsSource

    assert creds.pinterest is not None
    for token in [creds.pinterest, *creds.pinterest_spares]:
        source = PinterestTrendsSource(client, token)
        try:
            return source, await _pinterest_call(source, settings, extra, groups)
        except (TokenExpired, TokenRevoked) as exc:
            result: Any = exc
        except Exception as exc:  # noqa: BLE001 - reported per request like the others
            return source, exc
    return source, result


async def _pinterest_call(source: Any, settings: Settings, extra: dict[str, Any], groups: list) -> list[dict]:
    """One filter set, asked twice: scaled per keyword (velocity readings, finest resolution) and scaled
    across the response's keywords (normalize_against_group: levels comparable between keywords)."""
    # include_keywords is a query parameter the source does not know; pass it through its client.
    from shared.platforms.models import raw_page

    params = {"interests": ",".join(settings.trends_interests), "limit": 50, **extra}
    url = f"{source.client.host_url('api.pinterest.com')}/v5/trends/keywords/{settings.trends_region}/top/growing"
    page_params = {**params, "region": settings.trends_region, "trend_type": "growing"}
    body = await source.client.get(url, params=params, token=source.access_token)
    observations = source.normalize([raw_page("trends_keywords", page_params, body)])
    grouped = {**params, "normalize_against_group": "true"}
    body = await source.client.get(url, params=grouped, token=source.access_token)
    groups.append(source.group_points(raw_page("trends_keywords", {**page_params, **grouped}, body)))
    return observations


def _interest_levels(groups: list[list[dict[str, Any]]], region: str, now: dt.datetime) -> list[dict]:
    """One `group_index` reading per keyword: its latest weekly point on the run's one bridged scale."""
    import polars as pl

    from shared.engines.trend_signals import group_levels

    rows = [
        {"response": i, **{k: p[k] for k in ("keyword", "latest", "total")}}
        for i, points in enumerate(groups)
        for p in points
    ]
    if not rows:
        return []
    levels = group_levels(
        pl.DataFrame(
            rows, schema={"response": pl.Int64, "keyword": pl.String, "latest": pl.Float64, "total": pl.Float64}
        )
    )
    return [
        {
            "keyword": r["keyword"],
            "source": "pinterest_trends",
            "region": region,
            "value": r["level"],
            "value_kind": "group_index",
            "observed_at": now.isoformat(),
            "extra": {},
        }
        for r in levels.iter_rows(named=True)
    ]


async def _youtube(settings: Settings, state: RunState, words: list[str]) -> list[dict]:
    from shared.platforms.trend_sources import YouTubeSuggestSource

    report = state.sources["youtube_suggest"]
    seeds = list(dict.fromkeys([*(s.lower() for s in settings.trends_seed_phrases), *words]))
    seeds = seeds[: settings.trends_max_suggest_seeds]
    async with _client("youtube", settings, state.now) as client:
        source = YouTubeSuggestSource(client)
        results = await asyncio.gather(
            *(source.fetch(seed, region=settings.trends_region) for seed in seeds), return_exceptions=True
        )
    return report.tally(results, lambda fetched: fetched[0])  # (observations, raw pages)


async def _instagram(
    settings: Settings, state: RunState, creds: Credentials, words: list[str], recent_tags: list[str]
) -> list[dict]:
    from shared.platforms.trend_sources import InstagramHashtagSource

    report = state.sources["instagram_hashtag"]
    if creds.instagram_fb is None:
        report.status = "unavailable"
        report.reason = (
            "hashtag search needs an Instagram connection made with Facebook Login (none is active,"
            " and no TRENDS_INSTAGRAM_TOKEN)"
        )
        return []
    tags = hashtag_plan(words, recent_tags, settings.trends_hashtags_per_run)
    token, ig_user_id = creds.instagram_fb
    async with _client("instagram", settings, state.now) as client:
        source = InstagramHashtagSource(client, token, ig_user_id, login="facebook")
        results = await asyncio.gather(*(source.fetch(tag) for tag in tags), return_exceptions=True)
    for tag, result in zip(tags, results):
        if not isinstance(result, BaseException):
            state.hashtag_media[tag] = [
                item
                for page in result[1]
                if page["endpoint"] == "recent_media"
                for item in (page.get("body") or {}).get("data") or []
            ]
    return report.tally(results, lambda fetched: fetched[0])  # (observations, raw pages)


def hashtag_plan(words: list[str], recent: list[str], per_run: int) -> list[str]:
    """Tags to search now: repeats of the last 7 days are free, new ones only while under 30."""
    wanted = list(dict.fromkeys(re.sub(r"[^a-z0-9]", "", w.lower()) for w in words))
    wanted = [t for t in wanted if len(t) >= 3]
    repeats = [t for t in wanted if t in recent]
    fresh = [t for t in wanted if t not in recent][: max(0, HASHTAG_BUDGET - len(recent))]
    return (repeats + fresh)[:per_run]


# ---------------------------------------------------------------- storing


def store_observations(state: RunState, history_days: int) -> int:
    """Append this run's readings (COPY). Index points older than the history window are not kept:
    Pinterest resends a year of weekly points each time, and detection never reads past the window."""
    cutoff = state.now - dt.timedelta(days=history_days)
    rows = []
    for o in state.observations:
        # Index points carry the platform's own dates; every other reading describes the moment of the
        # run and is stamped with the run's clock.
        dated = o["value_kind"] == "index"
        observed = dt.datetime.fromisoformat(o["observed_at"]) if dated else state.now
        value = o.get("value")
        if observed < cutoff or not isinstance(value, (int, float)) or value != value:
            continue
        baseline = (o.get("extra") or {}).get("series_baseline") if dated else None
        rows.append(
            (
                state.run_id,
                o["keyword"].lower()[:200],
                o["source"],
                o.get("region") or "GLOBAL",
                observed,
                float(value),
                o["value_kind"],
                baseline,
            )
        )
        state.sources[_source_name(o["source"])].observations += 1
    with service_transaction() as conn, conn.cursor() as cur:
        with cur.copy(
            "copy trend_observations (run_id, keyword, source, region, observed_at, value, value_kind,"
            " baseline) from stdin"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def load_history(conn: Any, since: dt.datetime, until: dt.datetime) -> pl.DataFrame:
    """Every observation in [since, until] as a frame (observed_at UTC)."""
    import polars as pl

    schema: dict[str, Any] = {
        "id": pl.Int64,
        "keyword": pl.String,
        "source": pl.String,
        "region": pl.String,
        "observed_at": pl.Datetime("us", "UTC"),
        "value": pl.Float64,
        "value_kind": pl.String,
        "baseline": pl.Float64,
    }
    with conn.cursor() as cur:
        cur.execute(
            """select id, keyword, source, region, observed_at, value, value_kind, baseline
                       from trend_observations where observed_at >= %s and observed_at <= %s""",
            (since, until),
        )
        rows = cur.fetchall()
    return pl.DataFrame([tuple(r.values()) for r in rows], schema=schema, orient="row")


def recompute_trends(settings: Settings, state: RunState) -> int:
    """detect_trends once per niche over the history; upsert trends, drop expired, note computed niches."""
    until = state.now
    since = until - dt.timedelta(days=settings.trends_history_days)
    with service_transaction() as conn:
        history = load_history(conn, since, until)
    rows_by_niche = {key: niche_trends(history, keywords, state.now.date()) for key, keywords in state.niches.items()}
    expires = state.now + dt.timedelta(hours=settings.trends_ttl_h)
    written = 0
    with service_transaction() as conn:
        for key, rows in rows_by_niche.items():
            written += write_trends(conn, key, rows, state.now, expires)
            conn.execute(
                """insert into trend_niches (niche_key, keywords, computed_at, topics, run_id)
                            values (%s, %s, %s, %s, %s)
                            on conflict (niche_key) do update set keywords = excluded.keywords,
                              computed_at = excluded.computed_at, topics = excluded.topics,
                              run_id = excluded.run_id""",
                (key, state.niches[key], state.now, len(rows), state.run_id),
            )
        conn.execute("delete from trends where expires_at <= %s", (state.now,))
    return written


def niche_trends(history: pl.DataFrame, keywords: list[str], today: dt.date) -> list[dict[str, Any]]:
    """The niche's topics whose growth can be measured, hottest first then by interest, each with the
    volume every source gives, its comparable interest index and its sparkline points."""
    import polars as pl

    from shared.engines.relevance import relevance_scores
    from shared.engines.trend_signals import detection_input
    from shared.engines.trends import SPARKLINE_DAYS, detect_trends

    if history.is_empty():
        return []
    # Score only topics that touch the niche: relevance is cheap, the time-series work is not.
    scores = relevance_scores(history["keyword"].unique().to_list(), keywords)
    relevant = [k for k, s in scores.items() if s > 0]
    if not relevant:
        return []
    raw = history.filter(pl.col("keyword").is_in(relevant) | pl.col("keyword").is_in([_hashtag(k) for k in relevant]))
    found = detect_trends(detection_input(raw), keywords, today)
    volumes = topic_volumes(raw)
    # Where a topic was seen as a trend (not the supply readings stored under its name).
    trend_rows = raw.filter(
        pl.col("source").is_in(
            ["pinterest_trends", "youtube_suggest", "instagram_hashtag_recent", "instagram_hashtag_top_interactions"]
        )
    )
    seen_on = {k: sorted(set(v)) for k, v in trend_rows.group_by("keyword").agg(pl.col("source").unique()).iter_rows()}
    found = (
        found.filter(pl.col("relevance") > 0)
        .with_columns(
            interest_index=pl.col("topic").replace_strict(
                {t: v[0] for t, v in volumes.items()}, default=None, return_dtype=pl.Float64
            )
        )
        .sort(["heat_score", "interest_index", "topic"], descending=[True, True, False], nulls_last=True)
        .unique(subset="topic", keep="first", maintain_order=True)
        .head(MAX_TOPICS_PER_NICHE)
    )
    first_day = today - dt.timedelta(days=SPARKLINE_DAYS - 1)
    out = []
    for row in found.iter_rows(named=True):
        row["volumes"] = volumes.get(row["topic"], (None, []))[1]
        seen = seen_on.get(row["topic"], []) + seen_on.get(_hashtag(row["topic"]), [])
        row["sources"] = sorted(set(row["sources"]) | {_source_name(s) for s in seen})
        row["series"] = [
            {"date": (first_day + dt.timedelta(days=i)).isoformat(), "value": _round(v)}
            for i, v in enumerate(row["series"] or [])
        ]
        out.append(row)
    return out


def _hashtag(topic: str) -> str:
    return re.sub(r"[^a-z0-9]", "", topic.lower())


VOLUME_UNITS = {
    "relative_index": "Pinterest interest in the latest week, 0-100 on one scale for all keywords of the run "
    "(100 = the highest week of the largest keyword; normalize_against_group); not a count",
    "absolute": "posts with the hashtag on Instagram in the last 24 h (first page of recent media, at most 50)",
    "rank": "position among YouTube search suggestions (1 = first); says nothing about how many search",
}


def topic_volumes(raw: pl.DataFrame) -> dict[str, tuple[float | None, list[dict[str, Any]]]]:
    """Per topic: (comparable interest index or None, [{source, kind, value, unit, observed_at}]) from the
    latest reading of each source; Instagram's count is the topic's hashtag (words glued)."""
    import polars as pl

    latest = (
        raw.sort(["observed_at", "id"])
        .group_by(["keyword", "source", "value_kind"])
        .agg(pl.col("value").last(), pl.col("observed_at").last())
    )
    by_key = {(k, src, kind): (v, at) for k, src, kind, v, at in latest.iter_rows()}
    out: dict[str, tuple[float | None, list[dict[str, Any]]]] = {}
    for topic in raw["keyword"].unique().to_list():
        found: list[dict[str, Any]] = []
        for key, source, kind, label in (
            (topic, "pinterest_trends", "group_index", "relative_index"),
            (_hashtag(topic), "instagram_hashtag_recent", "count", "absolute"),
            (topic, "youtube_suggest", "rank", "rank"),
        ):
            if (key, source, kind) in by_key:
                value, at = by_key[(key, source, kind)]
                found.append(
                    {
                        "source": _source_name(source),
                        "kind": label,
                        "value": _round(value),
                        "unit": VOLUME_UNITS[label],
                        "observed_at": at.isoformat(),
                    }
                )
        index = next((v["value"] for v in found if v["kind"] == "relative_index"), None)
        if found:
            out[topic] = (index, found)
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


_TREND_COLUMNS = (
    "niche_key",
    "topic",
    "platform",
    "sources",
    "category",
    "growth_rate",
    "growth_7d",
    "growth_14d",
    "growth_30d",
    "velocity_score",
    "relevance",
    "recency",
    "heat_score",
    "search_volume",
    "search_volume_kind",
    "interest_index",
    "volumes",
    "series",
    "detected_at",
    "expires_at",
)
_SOURCE_PLATFORM = {"pinterest_trends": "pinterest", "youtube_suggest": "youtube"}


def source_platform(source: str) -> str | None:
    """The platform a trend source reads from."""
    return "instagram" if source.startswith("instagram_hashtag") else _SOURCE_PLATFORM.get(source)


def write_trends(conn: Any, key: str, rows: list[dict[str, Any]], now: dt.datetime, expires: dt.datetime) -> int:
    """Upsert one niche's trends on (niche_key, topic)."""
    from psycopg.types.json import Jsonb

    from shared.engines.trends import SOURCE_PREFERENCE

    if not rows:
        return 0
    values = []
    for r in rows:
        ranked = sorted(r["sources"], key=lambda s: (SOURCE_PREFERENCE.index(s) if s in SOURCE_PREFERENCE else 9, s))
        values.append(
            (
                key,
                r["topic"],
                source_platform(ranked[0]) if ranked else None,
                list(r["sources"]),
                r["category"],
                r["growth_rate"],
                r["growth_7d"],
                r["growth_14d"],
                r["growth_30d"],
                r["velocity_score"],
                _clip01(r["relevance"]),
                _clip01(r["recency"]),
                min(100.0, max(0.0, r["heat_score"] or 0.0)),
                r["interest_index"],
                "index" if r["interest_index"] is not None else None,
                r["interest_index"],
                Jsonb(r["volumes"]),
                Jsonb(r["series"]),
                now,
                expires,
            )
        )
    updates = ", ".join(f"{c} = excluded.{c}" for c in _TREND_COLUMNS[2:])
    with conn.cursor() as cur:
        cur.executemany(
            f"""insert into trends ({", ".join(_TREND_COLUMNS)})
                            values ({", ".join(["%s"] * len(_TREND_COLUMNS))})
                            on conflict (niche_key, topic) do update set {updates}""",
            values,
        )
    return len(values)


def _clip01(value: float | None) -> float | None:
    return None if value is None else min(1.0, max(0.0, float(value)))
