"""Pinterest API v5: user_account, its analytics, pins with bookmark paging, per-pin and batch analytics."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scripts.sandbox.errors import pinterest_error, pinterest_token_error
from scripts.sandbox.posts import PostTable

WINDOW_DAYS = 90
ACCOUNT_METRICS = (
    "IMPRESSION",
    "SAVE",
    "SAVE_RATE",
    "PIN_CLICK",
    "PIN_CLICK_RATE",
    "OUTBOUND_CLICK",
    "OUTBOUND_CLICK_RATE",
    "ENGAGEMENT",
    "ENGAGEMENT_RATE",
)
EXTRA_ACCOUNT_METRICS = (
    "PROFILE_VISIT",
    "VIDEO_MRC_VIEW",
    "VIDEO_START",
    "VIDEO_10S_VIEW",
    "QUARTILE_95_PERCENT_VIEW",
    "VIDEO_V50_WATCH_TIME",
    "VIDEO_AVG_WATCH_TIME",
    "CLOSEUP",
    "CLOSEUP_RATE",
)
PIN_METRICS = (
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "PIN_CLICK",
    "SAVE",
    "SAVE_RATE",
    "TOTAL_COMMENTS",
    "TOTAL_REACTIONS",
    "USER_FOLLOW",
    "PROFILE_VISIT",
    "OUTBOUND_CLICK_RATE",
    "PIN_CLICK_RATE",
    "ENGAGEMENT",
    "ENGAGEMENT_RATE",
)
VIDEO_METRICS = (
    "VIDEO_MRC_VIEW",
    "VIDEO_10S_VIEW",
    "QUARTILE_95_PERCENT_VIEW",
    "VIDEO_V50_WATCH_TIME",
    "VIDEO_START",
    "VIDEO_AVG_WATCH_TIME",
)
LIFETIME_ONLY = ("TOTAL_COMMENTS", "TOTAL_REACTIONS")
_COUNTERS = (
    "views",
    "saves",
    "clicks",
    "outbound_clicks",
    "likes",
    "comments",
    "follows",
    "profile_visits",
    "video_starts",
    "video_views",
    "video_10s",
    "video_q95",
)


def _authenticate(request: Request):
    world = request.app.state.world
    header = request.headers.get("authorization", "")
    token = world.tokens.get(header[7:] if header.lower().startswith("bearer ") else None)
    problem = world.tokens.problem(token, "pinterest")
    if problem:
        return None, pinterest_token_error(problem)
    return token.creator, None


def _invalid(message: str) -> Response:
    return pinterest_error(400, 1, message)


def _dates(request: Request, today: date) -> tuple[date, date] | Response:
    params = request.query_params
    try:
        start = date.fromisoformat(params["start_date"])
        end = date.fromisoformat(params["end_date"])
    except (KeyError, ValueError):
        return _invalid("Invalid parameters: start_date and end_date (YYYY-MM-DD) are required.")
    if start > end:
        return _invalid("Invalid parameters: start_date must be before end_date.")
    if start < today - timedelta(days=WINDOW_DAYS):
        return _invalid(f"Invalid parameters: start_date cannot be more than {WINDOW_DAYS} days ago.")
    if (end - start).days > WINDOW_DAYS:
        return _invalid(f"Invalid parameters: date range cannot exceed {WINDOW_DAYS} days.")
    if end > today:
        return _invalid("Invalid parameters: end_date cannot be in the future.")
    return start, end


def _metric_list(request: Request, allowed: tuple[str, ...], default: tuple[str, ...]) -> list[str] | Response:
    raw = request.query_params.getlist("metric_types")
    names = [m.strip().upper() for item in raw for m in item.split(",") if m.strip()] or list(default)
    bad = [m for m in names if m not in allowed]
    if bad:
        return _invalid(f"Invalid parameters: unknown metric_types {', '.join(bad)}.")
    return names


def _ts(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def _derive(values: dict[str, float], metrics: list[str], video: bool) -> dict[str, float]:
    """Metric dict (rates computed, video metrics only for video content)."""
    imp = values.get("views", 0.0)
    engagement = values["saves"] + values["clicks"] + values["outbound_clicks"] + values["likes"] + values["comments"]
    table = {
        "IMPRESSION": imp,
        "SAVE": values["saves"],
        "PIN_CLICK": values["clicks"],
        "OUTBOUND_CLICK": values["outbound_clicks"],
        "ENGAGEMENT": engagement,
        "CLOSEUP": values["clicks"],
        "SAVE_RATE": values["saves"] / imp if imp else 0,
        "PIN_CLICK_RATE": values["clicks"] / imp if imp else 0,
        "CLOSEUP_RATE": values["clicks"] / imp if imp else 0,
        "OUTBOUND_CLICK_RATE": values["outbound_clicks"] / imp if imp else 0,
        "ENGAGEMENT_RATE": engagement / imp if imp else 0,
        "USER_FOLLOW": values["follows"],
        "PROFILE_VISIT": values["profile_visits"],
        "TOTAL_COMMENTS": values["comments"],
        "TOTAL_REACTIONS": values["likes"],
    }
    if video:
        starts = values.get("video_starts", 0.0)
        watch_ms = values.get("watch_ms", 0.0)
        table.update(
            {
                "VIDEO_START": starts,
                "VIDEO_MRC_VIEW": values.get("video_views", 0.0),
                "VIDEO_10S_VIEW": values.get("video_10s", 0.0),
                "QUARTILE_95_PERCENT_VIEW": values.get("video_q95", 0.0),
                "VIDEO_V50_WATCH_TIME": round(watch_ms),
                "VIDEO_AVG_WATCH_TIME": round(watch_ms / starts, 2) if starts else 0,
            }
        )
    out = {}
    for m in metrics:
        if m in table:
            value = table[m]
            out[m] = round(float(value), 4) if m.endswith("_RATE") or m == "VIDEO_AVG_WATCH_TIME" else int(value)
    return out


async def user_account(request: Request) -> Response:
    creator, denied = _authenticate(request)
    if denied:
        return denied
    world = request.app.state.world
    profile = world.creator(creator)
    table = world.posts(creator, "pinterest")
    monthly = int(table.daily(("views",))[-30:, 0].sum())
    return JSONResponse(
        {
            "account_type": "BUSINESS",
            "id": profile.user_ids["pinterest"],
            "username": profile.handles["pinterest"],
            "business_name": profile.display_name,
            "about": f"{profile.niche['name'].capitalize()} ideas and tutorials.",
            "profile_image": f"https://i.pinimg.com/280x280_RS/{profile.user_ids['pinterest'][-6:]}.jpg",
            "website_url": f"https://{profile.handles['pinterest']}.etsy.com",
            "follower_count": profile.followers_on("pinterest", world.today),
            "following_count": 180 + creator % 300,
            "pin_count": len(table) + 140,
            "board_count": 6 + creator % 20,
            "monthly_views": monthly,
        }
    )


async def user_account_analytics(request: Request) -> Response:
    creator, denied = _authenticate(request)
    if denied:
        return denied
    world = request.app.state.world
    window = _dates(request, world.today)
    if isinstance(window, Response):
        return window
    metrics = _metric_list(request, ACCOUNT_METRICS + EXTRA_ACCOUNT_METRICS, ACCOUNT_METRICS)
    if isinstance(metrics, Response):
        return metrics
    table = world.posts(creator, "pinterest")
    daily = table.daily(_COUNTERS + ("watch_minutes",))
    history_start = world.today - timedelta(days=730)
    start, end = window
    rows, totals = [], np.zeros(len(_COUNTERS) + 1)
    day = start
    while day <= end:
        d = (day - history_start).days
        if day >= world.today:  # today's numbers are still being computed
            rows.append({"date": day.isoformat(), "data_status": "PROCESSING", "metrics": {}})
        else:
            vals = np.round(daily[d])
            totals += vals
            rows.append(
                {"date": day.isoformat(), "data_status": "READY", "metrics": _derive(_named(vals), metrics, video=True)}
            )
        day += timedelta(days=1)
    return JSONResponse({"all": {"daily_metrics": rows, "summary_metrics": _derive(_named(totals), metrics, True)}})


def _named(vals: np.ndarray) -> dict[str, float]:
    named = {name: float(vals[k]) for k, name in enumerate(_COUNTERS)}
    named["watch_ms"] = float(vals[len(_COUNTERS)]) * 60000 if len(vals) > len(_COUNTERS) else 0.0
    return named


def pin_object(table: PostTable, i: int, with_metrics: bool) -> dict:
    pin_id = table.ids[i]
    text = table.text(i)
    profile = table.creator
    image_key = f"{pin_id[-2:]}/{pin_id[-4:-2]}/{pin_id[-6:-4]}/{pin_id}"
    images = {
        "150x150": {"width": 150, "height": 150, "url": f"https://i.pinimg.com/150x150/{image_key}.jpg"},
        "400x300": {"width": 400, "height": 300, "url": f"https://i.pinimg.com/400x300/{image_key}.jpg"},
        "600x": {"width": 600, "height": 900, "url": f"https://i.pinimg.com/600x/{image_key}.jpg"},
        "1200x": {"width": 1200, "height": 1800, "url": f"https://i.pinimg.com/1200x/{image_key}.jpg"},
    }
    if table.kind[i] == "video":
        media = {
            "media_type": "video",
            "cover_image_url": images["600x"]["url"],
            "images": images,
            "duration": float(table.duration_s[i] * 1000),
            "height": 1920,
            "width": 1080,
            "video_url": None,
        }
    else:
        media = {"media_type": "image", "images": images}
    pin = {
        "id": pin_id,
        "created_at": datetime.fromtimestamp(float(table.ts[i]), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
        "link": f"https://{profile.handles['pinterest']}.etsy.com/listing/{pin_id[-6:]}",
        "title": text["title"],
        "description": text["caption"][:800],
        "dominant_color": "#6E7874",
        "alt_text": None,
        "creative_type": "VIDEO" if table.kind[i] == "video" else "REGULAR",
        "board_id": f"{profile.user_ids['pinterest'][:12]}{i % 6:06d}",
        "board_section_id": None,
        "board_owner": {"username": profile.handles["pinterest"]},
        "is_owner": True,
        "media": media,
        "parent_pin_id": None,
        "is_standard": True,
        "has_been_promoted": False,
    }
    if with_metrics:
        c = table.counters(i)
        recent = table.counters(i, table.as_of - timedelta(days=WINDOW_DAYS))
        pin["pin_metrics"] = {
            "90d": {
                "impression": c["views"] - recent.get("views", 0),
                "pin_click": c["clicks"] - recent.get("clicks", 0),
                "clickthrough": c["outbound_clicks"] - recent.get("outbound_clicks", 0),
            },
            "lifetime_metrics": {
                "impression": c["views"],
                "pin_click": c["clicks"],
                "clickthrough": c["outbound_clicks"],
                "reaction": c["likes"],
                "comment": c["comments"],
            },
        }
    return pin


def _bookmark(offset: int) -> str:
    return base64.b64encode(f"P2|{offset}|sandbox".encode()).decode()


def _bookmark_offset(value: str) -> int | None:
    try:
        return int(base64.b64decode(value).decode().split("|")[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


async def pins_list(request: Request) -> Response:
    creator, denied = _authenticate(request)
    if denied:
        return denied
    params = request.query_params
    try:
        page_size = int(params.get("page_size", "25"))
    except ValueError:
        page_size = -1
    if not 1 <= page_size <= 250:
        return _invalid("Invalid parameters: page_size must be between 1 and 250.")
    offset = 0
    if params.get("bookmark"):
        parsed = _bookmark_offset(params["bookmark"])
        if parsed is None:
            return _invalid("Invalid parameters: bookmark is invalid.")
        offset = parsed
    table = request.app.state.world.posts(creator, "pinterest")
    kinds = {c.strip().upper() for c in params.get("creative_types", "").split(",") if c.strip()}
    positions = [
        i for i in range(len(table)) if not kinds or ("VIDEO" if table.kind[i] == "video" else "REGULAR") in kinds
    ]
    chunk = positions[offset : offset + page_size]
    with_metrics = params.get("pin_metrics", "false").lower() == "true"
    next_offset = offset + page_size
    return JSONResponse(
        {
            "items": [pin_object(table, i, with_metrics) for i in chunk],
            "bookmark": _bookmark(next_offset) if next_offset < len(positions) else None,
        }
    )


async def pin_get(request: Request) -> Response:
    creator, denied = _authenticate(request)
    if denied:
        return denied
    table = request.app.state.world.posts(creator, "pinterest")
    i = table.index_of.get(request.path_params["pin_id"])
    if i is None:
        return pinterest_error(404, 50, "Pin not found.")
    return JSONResponse(pin_object(table, i, request.query_params.get("pin_metrics") == "true"))


def pin_analytics_body(table: PostTable, i: int, start: date, end: date, metrics: list[str]) -> dict:
    video = table.kind[i] == "video"
    rows, totals = [], {name: 0.0 for name in _COUNTERS}
    totals["watch_ms"] = 0.0
    day = start
    today = table.as_of.date()
    daily_metrics = [m for m in metrics if m not in LIFETIME_ONLY]
    created = datetime.fromtimestamp(float(table.ts[i]), timezone.utc).date()
    # Counters at every day boundary of the ready days in one go (day d runs from edge d to edge d+1).
    ready = max(0, (min(end, today - timedelta(days=1)) - max(start, created)).days + 1)
    first = max(start, created)
    edges = table.counters_series(i, [_ts(first + timedelta(days=k)) for k in range(ready + 1)]) if ready else []
    while day <= end:
        if day >= today:
            rows.append({"date": day.isoformat(), "data_status": "PROCESSING", "metrics": {}})
            day += timedelta(days=1)
            continue
        if day < created:
            rows.append({"date": day.isoformat(), "data_status": "BEFORE_PIN_CREATED", "metrics": {}})
            day += timedelta(days=1)
            continue
        lo, hi = edges[(day - first).days], edges[(day - first).days + 1]
        vals = {name: float(hi.get(name, 0) - lo.get(name, 0)) for name in _COUNTERS}
        vals["watch_ms"] = float(hi.get("watch_minutes", 0) - lo.get("watch_minutes", 0)) * 60000
        for k, v in vals.items():
            totals[k] += v
        rows.append({"date": day.isoformat(), "data_status": "READY", "metrics": _derive(vals, daily_metrics, video)})
        day += timedelta(days=1)
    body = {"daily_metrics": rows, "summary_metrics": _derive(totals, daily_metrics, video)}
    c = table.counters(i)
    body["lifetime_metrics"] = {"TOTAL_COMMENTS": c["comments"], "TOTAL_REACTIONS": c["likes"]}
    return {"all": body}


async def pin_analytics(request: Request) -> Response:
    creator, denied = _authenticate(request)
    if denied:
        return denied
    world = request.app.state.world
    table = world.posts(creator, "pinterest")
    i = table.index_of.get(request.path_params["pin_id"])
    if i is None:
        return pinterest_error(404, 50, "Pin not found.")
    window = _dates(request, world.today)
    if isinstance(window, Response):
        return window
    if not request.query_params.get("metric_types"):
        return _invalid("Invalid parameters: metric_types is required.")
    metrics = _metric_list(request, PIN_METRICS + VIDEO_METRICS, PIN_METRICS)
    if isinstance(metrics, Response):
        return metrics
    return JSONResponse(pin_analytics_body(table, i, *window, metrics))


async def pins_batch_analytics(request: Request) -> Response:
    creator, denied = _authenticate(request)
    if denied:
        return denied
    world = request.app.state.world
    ids = [p for p in request.query_params.get("pin_ids", "").split(",") if p]
    if not ids or len(ids) > 100:
        return _invalid("Invalid multi_pins analytics parameters.")
    window = _dates(request, world.today)
    if isinstance(window, Response):
        return window
    metrics = _metric_list(request, PIN_METRICS + VIDEO_METRICS, PIN_METRICS)
    if isinstance(metrics, Response):
        return metrics
    table = world.posts(creator, "pinterest")
    missing = [p for p in ids if p not in table.index_of]
    if missing:
        return pinterest_error(404, 50, "Pin not found.")
    return JSONResponse({p: pin_analytics_body(table, table.index_of[p], *window, metrics) for p in ids})


def routes() -> dict[str, list]:
    return {
        "api.pinterest.com": [
            Route("/v5/user_account", user_account),
            Route("/v5/user_account/analytics", user_account_analytics),
            Route("/v5/pins", pins_list),
            Route("/v5/pins/analytics", pins_batch_analytics),
            Route("/v5/pins/{pin_id}/analytics", pin_analytics),
            Route("/v5/pins/{pin_id}", pin_get),
        ]
    }
