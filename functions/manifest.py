"""Every deployable function: its route, methods, auth and (for crons) schedule.

The local gateway serves these routes, the deploy script builds one bundle per entry, the
scheduler code creates one job per scheduled entry and the OpenAPI document covers them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FUNCTIONS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class FunctionSpec:
    """One function-framework HTTP function."""

    name: str
    route: str
    methods: tuple[str, ...]
    auth: Literal["user", "cron", "public"]
    summary: str
    schedule: str | None = None
    timeout_s: int = 60
    memory: str = "512Mi"
    uses_llm: bool = False

    @property
    def entry(self) -> Path:
        return FUNCTIONS_DIR / self.name / "main.py"

    @property
    def deploy_name(self) -> str:
        return self.name.replace("_", "-")


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "auth_callback",
        "/api/auth/callback",
        ("GET",),
        "public",
        "Handle the OAuth callback: verify state; in the starter's browser exchange the code and store "
        "the connection, elsewhere keep the code for /api/auth/complete",
    ),
    FunctionSpec(
        "auth_complete",
        "/api/auth/complete",
        ("POST",),
        "user",
        "Complete a connection the callback could not tie to a browser, as the creator who started it",
    ),
    FunctionSpec(
        "auth_refresh",
        "/api/auth/refresh",
        ("POST",),
        "cron",
        "Refresh platform tokens that expire before the next run",
        schedule="0 * * * *",
        timeout_s=300,
    ),
    FunctionSpec(
        "auth_start",
        "/api/auth/{platform}",
        ("GET",),
        "user",
        "Start connecting a platform: authorize URL with signed one-time state",
    ),
    FunctionSpec(
        "auth_disconnect",
        "/api/auth/{platform}",
        ("DELETE",),
        "user",
        "Disconnect a platform: revoke where offered, then delete the tokens",
    ),
    FunctionSpec("analytics_overview", "/api/analytics/overview", ("GET",), "user", "Cross-platform summary"),
    FunctionSpec("analytics_growth", "/api/analytics/growth", ("GET",), "user", "Follower growth series"),
    FunctionSpec("analytics_posts", "/api/analytics/posts", ("GET",), "user", "Post performance, sorted and filtered"),
    FunctionSpec("analytics_signals", "/api/analytics/signals", ("GET",), "user", "Algorithm signal scores"),
    FunctionSpec(
        "analytics_best_times",
        "/api/analytics/best-times",
        ("GET",),
        "user",
        "When to post: weekday x time-of-day effects with intervals, and the best against her habit",
    ),
    FunctionSpec("trends_topics", "/api/trends/topics", ("GET",), "user", "Trending topics by heat for the niche"),
    FunctionSpec("trends_keywords", "/api/trends/keywords", ("GET",), "user", "Rising keywords with volume"),
    FunctionSpec("creators_trending", "/api/creators/trending", ("GET",), "user", "Trending creators in the niche"),
    FunctionSpec("opportunities", "/api/opportunities", ("GET",), "user", "Content gaps: demand against supply"),
    FunctionSpec(
        "ai_recommend",
        "/api/ai/recommend",
        ("POST",),
        "user",
        "Generate content concepts scored by virality probability",
        timeout_s=120,
        uses_llm=True,
    ),
    FunctionSpec("ai_patterns", "/api/ai/patterns", ("POST",), "user", "Run viral pattern detection", timeout_s=120),
    FunctionSpec(
        "ai_recommendations",
        "/api/ai/recommendations",
        ("GET",),
        "user",
        "Her briefs with status (open, posted, measured), the post that followed each and its outcome",
    ),
    FunctionSpec(
        "ai_recommendation_posted",
        "/api/ai/recommendations/{id}/posted",
        ("POST",),
        "user",
        "Name the post that followed a brief (replaces any earlier link)",
    ),
    FunctionSpec(
        "ai_recommendation_unposted",
        "/api/ai/recommendations/{id}/posted",
        ("DELETE",),
        "user",
        "Remove a brief's link and outcome; the matcher will not link that pair again",
    ),
    FunctionSpec(
        "cron_fetch_analytics",
        "/api/cron/fetch-analytics",
        ("POST",),
        "cron",
        "Fetch analytics for due connections",
        schedule="*/30 * * * *",
        timeout_s=540,
        memory="1Gi",
    ),
    FunctionSpec(
        "cron_detect_trends",
        "/api/cron/detect-trends",
        ("POST",),
        "cron",
        "Observe trend sources and recompute trends",
        schedule="0 */6 * * *",
        timeout_s=540,
        memory="1Gi",
    ),
    FunctionSpec(
        "cron_weekly_patterns",
        "/api/cron/weekly-patterns",
        ("POST",),
        "cron",
        "Re-run pattern detection for creators with new posts",
        schedule="0 4 * * 1",
        timeout_s=540,
    ),
    FunctionSpec(
        "tasks_fetch_connection",
        "/api/tasks/fetch-connection",
        ("POST",),
        "cron",
        "Cloud Tasks worker: fetch one connection",
        timeout_s=300,
    ),
)


def by_name(name: str) -> FunctionSpec:
    """The spec of one function."""
    return next(spec for spec in FUNCTIONS if spec.name == name)
