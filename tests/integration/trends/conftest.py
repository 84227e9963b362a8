"""Detection runs over simulated days: one sandbox per day (its `today`), tokens saved as real connections."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from shared import clock
from shared.config import REAL_PLATFORM_HOSTS, Settings, get_settings
from shared.platforms.models import Profile, TokenSet
from shared.vault import TokenVault

SCENARIO = Path(__file__).resolve().parents[3] / "scripts" / "sandbox" / "scenarios" / "rising_niche.json"
TODAY = dt.date(2026, 11, 25)  # the market calendar the simulated days live on (pinned: no wall clock)
# The sandbox needs no production pacing; retries stay as in production.
FAST = {
    p: {"requests_per_second": 500.0, "burst": 500, "concurrency": 16, "backoff_base_s": 0.05}
    for p in ("pinterest", "youtube", "instagram")
}


def save_connection(
    database_url: str,
    settings: Settings,
    user_id: str,
    platform: str,
    minted: dict[str, Any],
    scopes: list[str] | None = None,
) -> None:
    """Store a sandbox-minted token as the user's active connection, encrypted as the app does."""
    from shared.services.connections import save_connection as save

    tokens = TokenSet(
        access_token=minted["access_token"],
        refresh_token=minted.get("refresh_token"),
        access_expires_at=clock.now() + dt.timedelta(days=1),
        scopes=scopes or [],
    )
    profile = Profile(platform=platform, platform_user_id=str(minted.get("user_id") or f"{platform}-user"))
    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as conn:
        save(
            conn, TokenVault.from_settings(settings), user_id=user_id, platform=platform, tokens=tokens, profile=profile
        )


def set_niche(database_url: str, user_id: str, keywords: list[str]) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("update profiles set niche_keywords = %s where id = %s", (keywords, user_id))


def on_calendar(scenario: dict[str, Any], anchor: dt.date = TODAY) -> dict[str, Any]:
    """The scenario with each rise's start as a date: every simulated day's sandbox then sees the same rise
    (a sandbox reads start_days_ago from its own `today`, and each simulated day starts a new one)."""
    keywords = []
    for entry in scenario.get("keywords", []):
        entry = dict(entry)
        if "start_days_ago" in entry and "start" not in entry:
            entry["start"] = (anchor - dt.timedelta(days=int(entry.pop("start_days_ago")))).isoformat()
        keywords.append(entry)
    return {**scenario, "keywords": keywords}


@pytest.fixture()
def scenario() -> dict[str, Any]:
    return on_calendar(json.loads(SCENARIO.read_text()))


@pytest.fixture()
def market(stack, make_user):
    """A user whose Pinterest and YouTube connections lend their tokens to the trend sources."""
    user = make_user("market")
    yield user
    # Its tokens die with the sandbox that minted them; later runs must not pick them up.
    with psycopg.connect(stack.database.url) as conn:
        conn.execute("delete from platform_connections where user_id = %s", (user.user_id,))


@pytest.fixture()
def simulated_day(stack, market) -> Callable[..., Any]:
    """simulated_day(day, trends=...) -> context manager yielding (sandbox, settings) for that day."""
    from scripts.sandbox import start_sandbox

    @contextmanager
    def day(
        when: dt.date,
        *,
        trends: dict[str, Any],
        interests: list[str] | None = None,
        seed: int = 7,
        connect: tuple[str, ...] = ("pinterest", "youtube"),
        **overrides: Any,
    ) -> Iterator[tuple[Any, Settings]]:
        with start_sandbox(seed=seed, creators=24, today=when, trends=trends) as sandbox:
            base = get_settings()
            settings = base.model_copy(
                update={
                    "platform_hosts": {**REAL_PLATFORM_HOSTS, **sandbox.hosts},
                    "trends_interests": interests or base.trends_interests,
                    "trends_budget_s": 120.0,
                    "platform_limits": FAST,
                    **overrides,
                }
            )
            for platform in connect:
                save_connection(
                    stack.database.url, settings, market.user_id, platform, sandbox.mint_token(platform, creator=0)
                )
            yield sandbox, settings

    return day


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.timezone.utc)


def topics_for(database_url: str, keywords: list[str]) -> list[dict[str, Any]]:
    from shared.services.niche import niche_key

    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(
            "select * from trends where niche_key = %s order by heat_score desc, topic", (niche_key(keywords),)
        ).fetchall()


def forget_market_history(database_url: str) -> None:
    """Trend history is global (one market): a test comparing with one seed's truth starts from none."""
    with psycopg.connect(database_url) as conn:
        conn.execute("delete from trend_observations")
        conn.execute("delete from trends")
        conn.execute("delete from trend_niches")


@pytest.fixture()
def market_replay(stack, market):
    """market_replay(seed, days, niche_user=...) -> (sandbox, settings, bodies): one sandbox whose start-up
    today is TODAY, its market clock stepped through the `days` days ending TODAY, the cron run at noon
    of each, from an empty trend history. The sandbox stays up until the test ends (its truth is asked)."""
    from contextlib import ExitStack

    from scripts.sandbox import start_sandbox
    from shared.services.trend_detection import run_detection

    stack_of_sandboxes = ExitStack()

    def replay(
        seed: int,
        days: int,
        *,
        connect: tuple[str, ...] = ("pinterest", "youtube"),
        creators: int = 12,
        **overrides: Any,
    ) -> tuple[Any, Settings, list[dict[str, Any]]]:
        forget_market_history(stack.database.url)
        sandbox = stack_of_sandboxes.enter_context(
            start_sandbox(seed=seed, creators=creators, today=TODAY, trends=json.loads(SCENARIO.read_text()))
        )
        base = get_settings()
        settings = base.model_copy(
            update={
                "platform_hosts": {**REAL_PLATFORM_HOSTS, **sandbox.hosts},
                "trends_budget_s": 120.0,
                "platform_limits": FAST,
                **overrides,
            }
        )
        for platform in connect:
            save_connection(
                stack.database.url, settings, market.user_id, platform, sandbox.mint_token(platform, creator=0)
            )
        bodies = []
        for back in range(days - 1, -1, -1):
            day = TODAY - dt.timedelta(days=back)
            sandbox.set_market_day(day)
            bodies.append(run_detection(settings, now=noon(day)))
        return sandbox, settings, bodies

    yield replay
    stack_of_sandboxes.close()


@pytest.fixture(autouse=True)
def fresh_quota_day(stack):
    """Each test's detection runs start with the app's daily quotas unspent (YouTube's search.list allows
    100 calls a day, and the session database keeps the ledger of every earlier test's runs)."""
    with psycopg.connect(stack.database.url, autocommit=True) as conn:
        conn.execute("delete from platform_quota_usage where key like 'youtube:%'")
    yield
