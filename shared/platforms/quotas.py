"""The platforms' documented limits, as data: which requests count against which limit, and its size.

From docs/platform-apis.md (§1.8 Instagram, §2.5 YouTube, §3.5 Pinterest, §4.5 TikTok):
- App-wide limits bind every process that calls a platform with the app's credentials, so they are
  enforced through the Postgres ledger (shared/services/quota_ledger.py): TikTok's 600 requests per
  sliding minute per endpoint, YouTube Data API's 10,000 units per Pacific day (list calls cost 1;
  search.list has its own 100 calls a day).
- Per-user limits bind one token: a connection is fetched by one process at a time (its lease), so the
  platform client enforces them in memory: Pinterest's 100 requests/s and per-minute categories (Standard
  access). Instagram's Business Use Case budget is per app-user pair over 24 h, 4800 x the account's
  impressions: at least 4,800 calls for any account seen once, against ~10-40 a daily fetch makes.
- YouTube Analytics publishes no number in our reference: nothing to enforce.
Rates are held at SAFETY of the limit: requests leave on schedule but reach the platform a few ms after
they left, not always in the order they left.
"""

from __future__ import annotations

from dataclasses import dataclass

SAFETY = 0.95


@dataclass(frozen=True)
class RateQuota:
    """At most `limit` requests per `window_s` for the whole app, on requests under `host` + `path_prefix`."""

    key: str
    host: str
    path_prefix: str
    limit: int
    window_s: float

    def matches(self, host: str, path: str) -> bool:
        return host == self.host and path.startswith(self.path_prefix)

    @property
    def allowed(self) -> int:
        """Starts the ledger lets into one window (app-wide)."""
        return int(self.limit * SAFETY)


@dataclass(frozen=True)
class DailyQuota:
    """At most `limit` units a day (the day of `timezone`) for the whole app; each request costs 1 unit."""

    key: str
    host: str
    path_prefix: str
    limit: int
    timezone: str
    exclude_prefixes: tuple[str, ...] = ()

    def matches(self, host: str, path: str) -> bool:
        return host == self.host and path.startswith(self.path_prefix) and not path.startswith(self.exclude_prefixes)


@dataclass(frozen=True)
class UserQuota:
    """At most `limit` requests per sliding `window_s` per token, on paths `category` covers."""

    name: str
    limit: int
    window_s: float
    prefixes: tuple[str, ...] = ("",)
    contains: str | None = None
    excludes: tuple[str, ...] = ()

    def matches(self, path: str) -> bool:
        return (
            path.startswith(self.prefixes)
            and not path.startswith(self.excludes)
            and (self.contains is None or self.contains in path)
        )


TIKTOK_ENDPOINTS = ("/v2/user/info/", "/v2/video/list/", "/v2/video/query/")

APP_QUOTAS: dict[str, tuple[RateQuota | DailyQuota, ...]] = {
    "tiktok": tuple(RateQuota(f"tiktok:{e}", "open.tiktokapis.com", e, 600, 60.0) for e in TIKTOK_ENDPOINTS),
    "youtube": (
        DailyQuota(
            "youtube:data_api_units",
            "www.googleapis.com",
            "/youtube/v3/",
            10_000,
            "America/Los_Angeles",
            exclude_prefixes=("/youtube/v3/search",),
        ),
        DailyQuota("youtube:search_calls", "www.googleapis.com", "/youtube/v3/search", 100, "America/Los_Angeles"),
    ),
}

# Pinterest's categories: analytics paths are org_analytics, the rest of v5 org_read (trends: trends_read).
_PIN = ("/v5/",)
USER_QUOTAS: dict[str, tuple[UserQuota, ...]] = {
    "pinterest": (
        UserQuota("pinterest:per_second", int(100 * SAFETY), 1.0, _PIN, excludes=("/v5/oauth",)),
        # org_read's 1,000 a minute is beyond what one fetch can make; not tracked.
        UserQuota(
            "pinterest:org_analytics", int(60 * SAFETY), 60.0, _PIN, contains="/analytics", excludes=("/v5/trends",)
        ),
        UserQuota("pinterest:trends_read", int(60 * SAFETY), 60.0, ("/v5/trends",)),
    )
}


def app_quotas(platform: str, host: str, path: str) -> list[RateQuota | DailyQuota]:
    """The app-wide limits a request to `host` + `path` counts against."""
    return [q for q in APP_QUOTAS.get(platform, ()) if q.matches(host, path)]
