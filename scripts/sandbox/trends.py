"""Trend sources: Pinterest Trends keywords and YouTube search suggestions, from one keyword model.

Each keyword has a daily search volume: base x season x growth x noise, all on the market calendar:
season by day of year, noise by calendar date, and a scenario's rise (or fall, with a negative
daily_growth) from an absolute start date for `days` days. A scenario may give `start` (YYYY-MM-DD) or
`start_days_ago`, counted from the sandbox's own `today` (fixed at start-up), never from the day the
trends clock answers for: replaying past days shows the rise happening, not the same picture each day.
`truth()` is what the admin API reports as ground truth: the noiseless volume and its growth.
"""

from __future__ import annotations

import json
import zlib
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scripts.sandbox.errors import pinterest_error, pinterest_token_error

REGIONS = (
    "US",
    "CA",
    "DE",
    "FR",
    "ES",
    "IT",
    "DE+AT+CH",
    "GB+IE",
    "IT+ES+PT+GR+MT",
    "PL+RO+HU+SK+CZ",
    "SE+DK+FI+NO",
    "NL+BE+LU",
    "AR",
    "BR",
    "CO",
    "MX",
    "MX+AR+CO+CL",
    "AU+NZ",
)
TREND_TYPES = ("growing", "monthly", "yearly", "seasonal")
INTERESTS = (
    "animals",
    "architecture",
    "art",
    "beauty",
    "childrens_fashion",
    "design",
    "diy_and_crafts",
    "education",
    "electronics",
    "entertainment",
    "event_planning",
    "finance",
    "food_and_drinks",
    "gardening",
    "health",
    "home_decor",
    "mens_fashion",
    "parenting",
    "quotes",
    "sport",
    "travel",
    "vehicles",
    "wedding",
    "womens_fashion",
)
_NOISE_EPOCH = date(2020, 1, 1)
_NOISE_DAYS = 4800

# (keyword, interest, base volume, seasonal amplitude, peak day of year)
BACKGROUND: tuple[tuple[str, str, float, float, int], ...] = (
    ("resin art", "diy_and_crafts", 60, 0.1, 330),
    ("epoxy resin table", "diy_and_crafts", 35, 0.05, 120),
    ("resin coasters", "diy_and_crafts", 30, 0.15, 340),
    ("pressed flower resin", "diy_and_crafts", 22, 0.3, 150),
    ("crochet patterns", "diy_and_crafts", 80, 0.2, 20),
    ("amigurumi", "diy_and_crafts", 45, 0.15, 30),
    ("granny square cardigan", "diy_and_crafts", 28, 0.35, 290),
    ("crochet bag", "diy_and_crafts", 40, 0.3, 160),
    ("chunky knit blanket", "diy_and_crafts", 33, 0.5, 330),
    ("macrame wall hanging", "diy_and_crafts", 30, 0.1, 100),
    ("candle making", "diy_and_crafts", 42, 0.35, 320),
    ("soy candles diy", "diy_and_crafts", 25, 0.35, 325),
    ("polymer clay earrings", "diy_and_crafts", 38, 0.1, 140),
    ("embroidery patterns", "diy_and_crafts", 36, 0.15, 40),
    ("junk journal ideas", "diy_and_crafts", 27, 0.1, 60),
    ("pottery ideas", "diy_and_crafts", 44, 0.1, 70),
    ("air dry clay projects", "diy_and_crafts", 39, 0.2, 80),
    ("diy christmas ornaments", "diy_and_crafts", 55, 0.9, 340),
    ("halloween crafts", "diy_and_crafts", 48, 0.9, 295),
    ("easter crafts", "diy_and_crafts", 30, 0.85, 95),
    ("upcycled furniture", "diy_and_crafts", 34, 0.15, 110),
    ("soap making", "diy_and_crafts", 24, 0.2, 330),
    ("needle felting", "diy_and_crafts", 18, 0.3, 320),
    ("punch needle", "diy_and_crafts", 20, 0.2, 30),
    ("slow crafting", "diy_and_crafts", 12, 0.1, 20),
    ("eco friendly crafts", "diy_and_crafts", 16, 0.15, 110),
    ("handmade gifts", "diy_and_crafts", 50, 0.7, 335),
    ("scrapbooking", "diy_and_crafts", 26, 0.1, 200),
    ("boho home decor", "home_decor", 70, 0.1, 90),
    ("handmade decor", "home_decor", 25, 0.15, 300),
    ("cottagecore bedroom", "home_decor", 30, 0.15, 300),
    ("plant shelf ideas", "home_decor", 28, 0.2, 120),
    ("wall art ideas", "home_decor", 52, 0.1, 20),
    ("cozy living room", "home_decor", 65, 0.35, 320),
    ("minimalist kitchen", "home_decor", 40, 0.05, 60),
    ("christmas table decor", "home_decor", 45, 0.9, 350),
    ("fall porch decor", "home_decor", 38, 0.9, 270),
    ("spring wreath", "home_decor", 22, 0.85, 80),
    ("sourdough bread", "food_and_drinks", 75, 0.15, 20),
    ("protein pancakes", "food_and_drinks", 40, 0.2, 10),
    ("pumpkin soup", "food_and_drinks", 45, 0.9, 290),
    ("summer salads", "food_and_drinks", 50, 0.85, 190),
    ("meal prep ideas", "food_and_drinks", 60, 0.25, 5),
    ("matcha latte", "food_and_drinks", 35, 0.1, 150),
    ("home workout", "sport", 60, 0.3, 5),
    ("pilates at home", "sport", 50, 0.2, 10),
    ("budget planner", "finance", 35, 0.3, 5),
    ("side hustle ideas", "finance", 40, 0.1, 20),
    ("nail art designs", "beauty", 70, 0.15, 180),
    ("curly hair routine", "beauty", 45, 0.1, 60),
    ("wedding guest dress", "womens_fashion", 55, 0.6, 160),
    ("capsule wardrobe", "womens_fashion", 40, 0.2, 250),
    ("vegetable garden layout", "gardening", 45, 0.8, 100),
    ("indoor plants", "gardening", 50, 0.15, 60),
    ("road trip essentials", "travel", 40, 0.6, 180),
    ("kids birthday party", "event_planning", 38, 0.1, 150),
    ("baby shower ideas", "parenting", 35, 0.1, 120),
    ("dog treats homemade", "animals", 25, 0.2, 340),
    ("watercolor painting", "art", 48, 0.1, 40),
    ("digital art tutorial", "art", 36, 0.05, 40),
)


@lru_cache(maxsize=4096)
def _noise(seed: int, keyword: str) -> np.ndarray:
    rng = np.random.default_rng([seed, zlib.crc32(keyword.encode())])
    # Smooth-ish noise: weekly wiggles rather than white noise.
    raw = rng.normal(0, 1, size=_NOISE_DAYS)
    kernel = np.ones(5) / 5
    return np.convolve(raw, kernel, mode="same") * np.sqrt(5)


def keyword_catalog(scenario: dict, anchor: date) -> list[dict]:
    """Background keywords plus the scenario's (which override a background one of the same name).

    `anchor` is the sandbox's start-up `today`: a scenario's `start_days_ago` becomes an absolute date."""
    catalog: dict[str, dict[str, Any]] = {
        k: {
            "keyword": k,
            "interest": i,
            "base": b,
            "amplitude": a,
            "peak": p,
            "daily_growth": 0.0,
            "start": None,
            "days": None,
            "noise": 0.08,
        }
        for k, i, b, a, p in BACKGROUND
    }
    for entry in scenario.get("keywords", []):
        keyword = str(entry["keyword"]).lower()
        start = (
            date.fromisoformat(str(entry["start"]))
            if entry.get("start")
            else anchor - timedelta(days=int(entry.get("start_days_ago", 0)))
        )
        catalog[keyword] = {
            "keyword": keyword,
            "interest": entry.get("interest", "diy_and_crafts"),
            "base": float(entry.get("base", 20)),
            "amplitude": float(entry.get("amplitude", 0.0)),
            "peak": int(entry.get("peak", 0)),
            "daily_growth": float(entry.get("daily_growth", 0.0)),
            "start": start,
            "days": int(entry["days"]) if entry.get("days") is not None else None,
            "noise": float(entry.get("noise", 0.08)),
        }
    return list(catalog.values())


def expected_volume(entry: dict, today: date, days: int = 730) -> np.ndarray:
    """Noiseless search volume (base x season x growth) for each of the `days` days ending yesterday."""
    first = today - timedelta(days=days)
    offsets = np.arange(days)
    doy = np.array([(first + timedelta(days=int(d))).timetuple().tm_yday for d in offsets])
    season = 1 + entry["amplitude"] * np.cos(2 * np.pi * (doy - entry["peak"]) / 365.25)
    growing = np.zeros(days)
    if entry["daily_growth"] and entry["start"] is not None:
        # Days since the rise began, on the calendar; a rise with `days` stops there and holds its level.
        elapsed = (first - entry["start"]).days + offsets
        growing = np.clip(elapsed, 0, entry["days"] if entry["days"] is not None else None)
    return entry["base"] * season * np.exp(entry["daily_growth"] * growing)


def daily_volume(seed: int, entry: dict, today: date, days: int = 730) -> np.ndarray:
    """Search volume for each of the `days` days ending yesterday (oldest first), with its noise."""
    first = today - timedelta(days=days)
    ordinals = (first - _NOISE_EPOCH).days + np.arange(days)
    noise = np.exp(entry["noise"] * _noise(seed, entry["keyword"])[np.clip(ordinals, 0, _NOISE_DAYS - 1)])
    return expected_volume(entry, today, days) * noise


TRUTH_WINDOWS = (7, 14, 30)


def window_growth(volume: np.ndarray, window: int) -> float:
    """exp(window x b) - 1, b the least-squares slope of ln(volume) over the last `window` days."""
    y = np.log(volume[-window:])
    x = np.arange(window, dtype=np.float64)
    slope = float(np.polyfit(x, y, 1)[0])
    return float(np.expm1(slope * window))


def truth(seed: int, scenario: dict, anchor: date, day: date) -> list[dict]:
    """Ground truth on `day` for every keyword, over the days ending yesterday: the mean daily volume of the
    last 7 days (noiseless) and growth over 7, 14 and 30 days, planted (`growth`: the noiseless volume) and
    realized (`weekly_growth`: the searches that happened, noise included, as weekly totals, each day's
    total of the 7 days ending it; what a weekly index like Pinterest's can at best recover)."""
    rows = []
    span = max(TRUTH_WINDOWS)
    for entry in keyword_catalog(scenario, anchor):
        planted, realized = expected_volume(entry, day, days=span), daily_volume(seed, entry, day, days=span + 6)
        weekly = np.convolve(realized, np.ones(7) / 7, mode="valid")  # trailing 7-day means, one per day
        rows.append(
            {
                "keyword": entry["keyword"],
                "interest": entry["interest"],
                "volume_7d": float(planted[-7:].mean()),
                "growth": {f"d{w}": window_growth(planted, w) for w in TRUTH_WINDOWS},
                "weekly_growth": {f"d{w}": window_growth(weekly, w) for w in TRUTH_WINDOWS},
            }
        )
    return rows


def _pct(recent: float, before: float) -> int:
    if before <= 0:
        return 10001
    value = round((recent / before - 1) * 100)
    return 10001 if value > 10000 else max(-10000, int(value))


def trend_rows(seed: int, scenario: dict, today: date, anchor: date | None = None) -> list[dict]:
    """Every keyword with its growth figures and weekly series (unnormalised), as seen on `today`."""
    rows = []
    for entry in keyword_catalog(scenario, anchor or today):
        v = daily_volume(seed, entry, today)
        weekly = [float(v[len(v) - 7 * (k + 1) : len(v) - 7 * k].mean()) for k in range(52)][::-1]
        dates = [(today - timedelta(days=1 + 7 * k)).isoformat() for k in range(52)][::-1]
        rows.append(
            {
                "entry": entry,
                "weekly": weekly,
                "dates": dates,
                "wow": _pct(v[-7:].sum(), v[-14:-7].sum()),
                "mom": _pct(v[-30:].sum(), v[-60:-30].sum()),
                "yoy": _pct(v[-365:].sum(), v[-730:-365].sum()),
                "qoq": _pct(v[-90:].sum(), v[-180:-90].sum()),
                "month_volume": float(v[-30:].sum()),
                "year_volume": float(v[-365:].sum()),
            }
        )
    return rows


def trends_day(world) -> date:
    """The date trend endpoints answer for: `today`, unless the admin trends clock moved it."""
    return world.__dict__.get("trends_today") or world.today


def cached_rows(world) -> list[dict]:
    """trend_rows for the trends clock's date, computed once per date."""
    cache = world.__dict__.setdefault("_trend_rows", {})
    day = trends_day(world)
    if day not in cache:
        cache[day] = trend_rows(world.config.seed, world.config.trends, day, anchor=world.today)
    return cache[day]


def _list_param(request: Request, name: str) -> list[str]:
    return [v.strip() for item in request.query_params.getlist(name) for v in item.split(",") if v.strip()]


async def pinterest_trends(request: Request) -> Response:
    world = request.app.state.world
    header = request.headers.get("authorization", "")
    token = world.tokens.get(header[7:] if header.lower().startswith("bearer ") else None)
    problem = world.tokens.problem(token, "pinterest")
    if problem:
        return pinterest_token_error(problem)
    region, trend_type = request.path_params["region"], request.path_params["trend_type"]
    interests = _list_param(request, "interests")
    include = [k.lower() for k in _list_param(request, "include_keywords")]
    try:
        limit = int(request.query_params.get("limit", "50"))
    except ValueError:
        limit = 0
    if (
        region not in REGIONS
        or trend_type not in TREND_TYPES
        or not 1 <= limit <= 50
        or any(i not in INTERESTS for i in interests)
        or len(include) > 50
    ):
        return pinterest_error(400, 1, "Invalid trending keywords request parameters")
    rows = list(cached_rows(world))
    if interests:
        rows = [r for r in rows if r["entry"]["interest"] in interests]
    if include:
        rows = [r for r in rows if any(k in r["entry"]["keyword"] for k in include)]
    if trend_type == "growing":
        rows.sort(key=lambda r: -r["qoq"])
    elif trend_type == "monthly":
        rows.sort(key=lambda r: -r["month_volume"])
    elif trend_type == "yearly":
        rows.sort(key=lambda r: -r["year_volume"])
    else:
        rows = [r for r in rows if r["entry"]["amplitude"] >= 0.3 and r["mom"] > 0]
        rows.sort(key=lambda r: -r["mom"])
    rows = rows[:limit]
    group = request.query_params.get("normalize_against_group", "false").lower() == "true"
    group_peak = max((max(r["weekly"]) for r in rows), default=1.0)
    trends = []
    for r in rows:
        peak = group_peak if group else max(r["weekly"])
        series = {d: int(round(100 * w / peak)) for d, w in zip(r["dates"], r["weekly"])}
        trends.append(
            {
                "keyword": r["entry"]["keyword"],
                "pct_growth_wow": r["wow"],
                "pct_growth_mom": r["mom"],
                "pct_growth_yoy": r["yoy"],
                "time_series": series,
                "has_prediction": False,
                "demographics": None,
            }
        )  # predicted_time_series is not nullable in spec 5.23: omit it
    return Response(json.dumps({"trends": trends}), media_type="application/json")


_SUFFIXES = ("tutorial", "for beginners", "ideas", "diy", "asmr", "timelapse", "how to make", "shorts")


async def youtube_suggest(request: Request) -> Response:
    """The unofficial suggest endpoint: client=firefox gives JSON, client=youtube gives JSONP."""
    world = request.app.state.world
    q = request.query_params.get("q", "").strip().lower()
    suggestions: list[str] = []
    if q:
        rows = cached_rows(world)
        words = q.split()
        matches = [r for r in rows if all(w in r["entry"]["keyword"] for w in words)]
        matches.sort(key=lambda r: -float(np.mean(r["weekly"][-2:])))
        suggestions = [r["entry"]["keyword"] for r in matches]
        suggestions += [f"{q} {s}" for s in _SUFFIXES if f"{q} {s}" not in suggestions]
        if q not in suggestions:
            suggestions.insert(0, q)
        suggestions = suggestions[:10]
    if request.query_params.get("client") == "youtube":
        callback = request.query_params.get("callback") or request.query_params.get("jsonp") or "window.google.ac.h"
        payload = [q, [[s, 0, [512, 433]] for s in suggestions], {"k": 1, "q": "sandbox"}]
        return Response(f"{callback}({json.dumps(payload)})", media_type="text/javascript; charset=utf-8")
    return Response(json.dumps([q, suggestions]), media_type="text/javascript; charset=utf-8")


def routes() -> dict[str, list]:
    return {
        "api.pinterest.com": [Route("/v5/trends/keywords/{region}/top/{trend_type}", pinterest_trends)],
        "suggestqueries.google.com": [Route("/complete/search", youtube_suggest)],
    }
