"""The platforms' documented rate limits and quotas, counted per app, per user and per endpoint.

On when the sandbox starts with `limits=True` (`--limits`); every data request is then counted against
the limits its platform documents (docs/platform-apis.md), and one that would go over is refused with
the platform's own throttling answer and counted in `over_limit`:
- Instagram (§1.8): Business Use Case limit per app-user pair (per token's creator), rolling 24 h:
  4800 x the account's impressions of the last 24 h (its views on the last complete day). Refused with
  error 80002 and X-Business-Use-Case-Usage saying when access returns.
- YouTube Data API (§2.5): 10,000 units per app per (Pacific) day; list calls cost 1, search.list draws on
  its own 100 calls a day. Refused with 403 quotaExceeded. YouTube Analytics has no documented number in
  our reference: counted, never refused.
- Pinterest (§3.5, Standard access): per user per app, 100 requests/s and per minute 1,000 org_read
  (account, pins), 60 org_analytics (account and pin analytics), 60 trends_read. Refused with 429.
- TikTok (§4.5): 600 requests per sliding minute per endpoint (user/info, video/list, video/query) per app.
  Refused with 429 rate_limit_exceeded.
Windows slide in real (monotonic) time; the daily quota follows the sandbox's own day. OAuth endpoints are
never limited here.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from scripts.sandbox.errors import meta_error, throttled

YOUTUBE_DAILY_UNITS = 10_000
YOUTUBE_SEARCH_DAILY_CALLS = 100
BUC_CALLS_PER_IMPRESSION = 4800
TIKTOK_PER_MINUTE = 600
TIKTOK_ENDPOINTS = ("/v2/user/info/", "/v2/video/list/", "/v2/video/query/")
PINTEREST_PER_SECOND = 100
PINTEREST_PER_MINUTE = {"org_read": 1000, "org_analytics": 60, "trends_read": 60}


@dataclass(frozen=True)
class Window:
    """One sliding limit: at most `limit` requests in any `seconds`, for one key."""

    name: str
    key: tuple[Any, ...]
    limit: int
    seconds: float


def pinterest_category(path: str) -> str | None:
    """The rate-limit category of a Pinterest v5 path (None: not limited here)."""
    if not path.startswith("/v5/") or path.startswith("/v5/oauth"):
        return None
    if path.startswith("/v5/trends"):
        return "trends_read"
    if "/analytics" in path:
        return "org_analytics"
    return "org_read"


class LimitTracker:
    """Counts every data request against its platform's limits; refuses (and counts) what goes over."""

    def __init__(self, world: Any, clock: Any = time.monotonic) -> None:
        self.world = world
        self.clock = clock
        self.over_limit: Counter[str] = Counter()
        self.usage: Counter[str] = Counter()  # accepted requests (YouTube: units) per limit
        self._per_key: Counter[tuple[str, tuple[Any, ...]]] = Counter()  # accepted requests per limit key
        self._events: dict[tuple[Any, ...], deque[float]] = {}
        self._daily: Counter[tuple[Any, ...]] = Counter()
        self._impressions: dict[int, float] = {}
        self._lock = threading.Lock()

    # What a request counts against -----------------------------------------------------------------
    def windows(self, host: str, path: str, token: Any) -> list[Window]:
        creator = getattr(token, "creator", None)
        app = getattr(token, "client_id", "") or "app"
        if host == "graph.instagram.com" and creator is not None:
            budget = BUC_CALLS_PER_IMPRESSION * self._impressions_24h(creator)
            return [Window("instagram_buc_24h_per_user", ("ig", creator), max(1, int(budget)), 86_400)]
        if host == "api.pinterest.com" and creator is not None:
            category = pinterest_category(path)
            if category is None:
                return []
            return [
                Window("pinterest_100_per_s_per_user", ("pin-s", creator), PINTEREST_PER_SECOND, 1.0),
                Window(
                    f"pinterest_{category}_per_min_per_user",
                    ("pin-m", category, creator),
                    PINTEREST_PER_MINUTE[category],
                    60.0,
                ),
            ]
        if host == "open.tiktokapis.com":
            endpoint = next((e for e in TIKTOK_ENDPOINTS if path.startswith(e)), None)
            if endpoint is None:
                return []
            return [Window(f"tiktok_600_per_min{endpoint}", ("tt", app, endpoint), TIKTOK_PER_MINUTE, 60.0)]
        return []

    def daily_quota(self, host: str, path: str, token: Any) -> tuple[str, tuple[Any, ...], int, int] | None:
        """(name, key, limit, cost) of the daily quota a request draws on, if any."""
        if host != "www.googleapis.com" or not path.startswith("/youtube/v3/"):
            return None
        app = getattr(token, "client_id", "") or "app"
        day = self.world.today.isoformat()
        if path.startswith("/youtube/v3/search"):
            return "youtube_search_calls_per_day", ("yt-search", app, day), YOUTUBE_SEARCH_DAILY_CALLS, 1
        return "youtube_data_units_per_day", ("yt-units", app, day), YOUTUBE_DAILY_UNITS, 1

    def _impressions_24h(self, creator: int) -> float:
        if creator not in self._impressions:
            from types import SimpleNamespace

            from scripts.sandbox.instagram import _account_daily

            table = self.world.posts(creator, "instagram")
            context: Any = SimpleNamespace(table=lambda: table, world=self.world, creator=creator)
            daily = _account_daily(context)  # the views of her account's days, as Instagram reports them
            self._impressions[creator] = float(daily["views"][-1])
        return self._impressions[creator]

    # Admission ----------------------------------------------------------------------------------------
    def admit(self, host: str, path: str, token: Any) -> tuple[str, float] | None:
        """None when the request is within every limit (and counts it); else (limit name, seconds until a
        request would be admitted again), counted as over the limit."""
        windows = self.windows(host, path, token)
        quota = self.daily_quota(host, path, token)
        with self._lock:
            now = self.clock()
            for window in windows:
                events = self._events.setdefault(window.key, deque())
                while events and events[0] <= now - window.seconds:
                    events.popleft()
                if len(events) >= window.limit:
                    self.over_limit[window.name] += 1
                    return window.name, max(0.0, events[0] + window.seconds - now)
            if quota is not None:
                name, key, limit, cost = quota
                if self._daily[key] + cost > limit:
                    self.over_limit[name] += 1
                    return name, 86_400.0
                self._daily[key] += cost
                self.usage[name] += cost
            for window in windows:
                self._events[window.key].append(now)
                self.usage[window.name] += 1
                self._per_key[window.name, window.key] += 1
            if host == "youtubeanalytics.googleapis.com":
                self.usage["youtube_analytics_requests"] += 1
        return None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            busiest: dict[str, int] = {}  # per limit, the most requests any one key (user, endpoint) took
            for (name, _), count in self._per_key.items():
                busiest[name] = max(busiest.get(name, 0), count)
            return {
                "over_limit": dict(self.over_limit),
                "over_limit_total": sum(self.over_limit.values()),
                "usage": dict(self.usage),
                "busiest_key": busiest,
                "youtube_units_today": {":".join(map(str, k)): v for k, v in self._daily.items()},
            }


def refusal(host: str, limit: str, wait_s: float) -> JSONResponse:
    """The platform's answer to a request over one of its limits."""
    if host == "graph.instagram.com":
        minutes = max(1, int(wait_s // 60) + 1)
        response = meta_error(
            "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.",
            80002,
            status=400,
            transient=True,
        )
        response.headers["X-Business-Use-Case-Usage"] = (
            '{"0":[{"type":"instagram","call_count":100,"total_cputime":0,"total_time":0,'
            f'"estimated_time_to_regain_access":{minutes}}}]}}'
        )
        return response
    if host == "www.googleapis.com":
        return throttled(host, None, 403)  # quotaExceeded: resets at Pacific midnight, no Retry-After
    return throttled(host, max(1, int(wait_s + 0.999)))


_TOKEN_PARAM = re.compile(r"(?:^|&)access_token=([^&]+)")


def request_token(scope: dict) -> str | None:
    """The access token of an ASGI request: the bearer header, else Instagram's access_token parameter."""
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            text = value.decode("latin-1")
            return text[7:] if text.lower().startswith("bearer ") else None
    match = _TOKEN_PARAM.search((scope.get("query_string") or b"").decode("latin-1"))
    if match:
        from urllib.parse import unquote

        return unquote(match.group(1))
    return None
