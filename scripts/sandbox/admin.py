"""/_sandbox admin API: creators, ground truth, faults, tokens, stats."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scripts.sandbox.config import SandboxConfigError
from scripts.sandbox.creators import PLATFORMS, creator_summary
from scripts.sandbox.oauth import (
    ALL_SCOPES,
    GOOGLE_ACCESS_S,
    IG_LONG_S,
    PINTEREST_ACCESS_S,
    PINTEREST_REFRESH_S,
    TIKTOK_ACCESS_S,
    TIKTOK_REFRESH_S,
)
from scripts.sandbox.posts import BASE_RATES

_LIFETIMES = {
    "instagram": (IG_LONG_S, None),
    "facebook": (IG_LONG_S, None),
    "youtube": (GOOGLE_ACCESS_S, None),
    "pinterest": (PINTEREST_ACCESS_S, PINTEREST_REFRESH_S),
    "tiktok": (TIKTOK_ACCESS_S, TIKTOK_REFRESH_S),
}


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _json(request: Request) -> dict:
    raw = await request.body()
    return json.loads(raw) if raw else {}


async def creators(request: Request) -> Response:
    world = request.app.state.world
    return JSONResponse(
        {
            "today": world.today.isoformat(),
            "seed": world.config.seed,
            "creators": [creator_summary(world.config.seed, i, world.today) for i in range(world.config.creators)],
        }
    )


async def effects(request: Request) -> Response:
    world = request.app.state.world
    return JSONResponse({"effects": world.config.effects, "base_rates": BASE_RATES})


def _num(value) -> float | int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


async def posts(request: Request) -> Response:
    """Ground truth: each post's drawn attributes, rendered cues, counters and rates as of today."""
    world = request.app.state.world
    platform = request.path_params["platform"]
    creator = int(request.path_params["creator"])
    if platform not in PLATFORMS or not 0 <= creator < world.config.creators:
        return _bad("unknown platform or creator")
    table = world.posts(creator, platform)
    published = {p["id"] for p in world.published.get((creator, platform), ())}
    rows = []
    for i in range(len(table)):
        c = table.counters(i)
        views = c["views"]
        text = table.text(i)
        saves, shares = c.get("saves"), c.get("shares")
        rows.append(
            {
                "id": table.ids[i],
                "timestamp": int(table.ts[i]),
                "kind": table.kind[i],
                "attributes": table.attrs[i],
                "cued": sorted(text["cues"]),
                "caption": text["caption"],
                "title": text["title"],
                "duration_s": _num(float(table.duration_s[i])),
                "hook_s": _num(round(float(table.hook_s[i]), 2)),
                "views": views,
                "saves": saves,
                "shares": shares,
                "likes": c["likes"],
                "comments": c["comments"],
                "save_rate": None if saves is None or not views else saves / views,
                "share_rate": None if shares is None or not views else shares / views,
                "expected_save_rate": _num(float(table.expected["save_rate"][i])),
                "expected_share_rate": _num(float(table.expected["share_rate"][i])),
                "planted_save_lift": _num(float(table.planted_lift["save_rate"][i])),
                "planted_share_lift": _num(float(table.planted_lift["share_rate"][i])),
                "published": table.ids[i] in published,
            }
        )
    return JSONResponse({"platform": platform, "creator": creator, "posts": rows})


async def faults(request: Request) -> Response:
    world = request.app.state.world
    if request.method == "DELETE":
        world.clear_faults()
        return JSONResponse({"faults": []})
    if request.method == "GET":
        return JSONResponse({"faults": world.faults})
    try:
        body = await _json(request)
        rules = body if isinstance(body, list) else body.get("faults", [body]) if "faults" in body else [body]
        added = [world.add_fault(rule) for rule in rules]
    except (SandboxConfigError, ValueError, TypeError) as exc:
        return _bad(str(exc))
    return JSONResponse(added[0] if len(added) == 1 else {"faults": added})


def _targets(world, body: dict):
    if body.get("token"):
        token = world.tokens.get(body["token"])
        return [token] if token else []
    if body.get("platform") is None and body.get("creator") is None:
        return None
    return world.tokens.matching(body.get("platform"), body.get("creator"))


async def _for_each_target(request: Request, act: str, outcome: str) -> Response:
    world = request.app.state.world
    targets = _targets(world, await _json(request))
    if targets is None:
        return _bad("give token, or platform and/or creator")
    for token in targets:
        getattr(world.tokens, act)(token)
    return JSONResponse({outcome: len(targets)})


async def expire_tokens(request: Request) -> Response:
    return await _for_each_target(request, "expire", "expired")


async def revoke_tokens(request: Request) -> Response:
    return await _for_each_target(request, "revoke", "revoked")


async def mint_token(request: Request) -> Response:
    """Access (+ refresh where the platform has one) for a creator, skipping the browser dance."""
    world = request.app.state.world
    body = await _json(request)
    platform = body.get("platform")
    creator = int(body.get("creator", 0))
    if platform not in _LIFETIMES or not 0 <= creator < world.config.creators:
        return _bad("platform must be one of instagram/facebook/youtube/pinterest/tiktok and creator in range")
    access_s, refresh_s = _LIFETIMES[platform]
    if body.get("expires_in") is not None:
        access_s = int(body["expires_in"])
    age = float(body.get("age_s") or 0)
    variant = "long" if platform in ("instagram", "facebook") else ""
    access = world.tokens.issue(
        platform, creator, "access", access_s, "sandbox-client", ALL_SCOPES[platform], variant=variant, age_s=age
    )
    out = {
        "platform": platform,
        "creator": creator,
        "access_token": access.value,
        "expires_in": access_s,
        "user_id": world.creator(creator).user_ids.get("instagram" if platform == "facebook" else platform),
    }
    if platform in ("youtube", "pinterest", "tiktok"):
        refresh = world.tokens.issue(
            platform,
            creator,
            "refresh",
            refresh_s,
            "sandbox-client",
            ALL_SCOPES[platform],
            grant=access.grant,
            age_s=age,
        )
        out["refresh_token"] = refresh.value
        out["refresh_expires_in"] = refresh_s
    return JSONResponse(out)


async def stats(request: Request) -> Response:
    world = request.app.state.world
    return JSONResponse(
        {
            "requests": dict(sorted(world.stats.items())),
            "total_requests": sum(world.stats.values()),
            "fault_hits": dict(world.fault_hits),
            **world.tokens.snapshot(),
        }
    )


async def limits(request: Request) -> Response:
    """What the documented platform limits counted: requests over them (refused) and usage per limit."""
    world = request.app.state.world
    if world.limits is None:
        return JSONResponse({"enabled": False})
    return JSONResponse({"enabled": True, **world.limits.snapshot()})


async def trends_clock(request: Request) -> Response:
    """Move the date the trend endpoints answer for (replaying weeks of trend history in minutes)."""
    world = request.app.state.world
    body = await request.json() if request.method == "POST" else {}
    if body.get("today"):
        try:
            world.__dict__["trends_today"] = date.fromisoformat(str(body["today"]))
        except ValueError:
            return JSONResponse({"error": "today must be YYYY-MM-DD"}, status_code=400)
    elif request.method == "POST":
        world.__dict__.pop("trends_today", None)
    from scripts.sandbox.trends import trends_day

    return JSONResponse({"today": trends_day(world).isoformat()})


def _day_param(request: Request) -> date | JSONResponse:
    from scripts.sandbox.trends import trends_day

    raw = request.query_params.get("day")
    try:
        return date.fromisoformat(raw) if raw else trends_day(request.app.state.world)
    except ValueError:
        return _bad("day must be YYYY-MM-DD")


async def trends_truth(request: Request) -> Response:
    """Ground truth of the keyword model on a day (default: the trends clock's): each keyword's noiseless
    mean daily search volume over the last 7 days and its planted and realized growth over 7, 14 and 30 days."""
    from scripts.sandbox.trends import truth

    world = request.app.state.world
    day = _day_param(request)
    if isinstance(day, Response):
        return day
    return JSONResponse(
        {"day": day.isoformat(), "keywords": truth(world.config.seed, world.config.trends, world.today, day)}
    )


async def market_truth(request: Request) -> Response:
    """Ground truth of the market on a day, per keyword of the trends model: demand = its noiseless mean daily
    searches over the last 7 days; supply = YouTube uploads matching it in the 30 days before `until` (an ISO
    date-time, default the end of the day; what search.list matches, over every creator), as uploads per
    week; ratio = demand / (1 + supply per week)."""
    from datetime import datetime, time, timedelta, timezone

    from scripts.sandbox.trends import truth
    from scripts.sandbox.youtube import uploads_truth

    world = request.app.state.world
    day = _day_param(request)
    if isinstance(day, Response):
        return day
    try:
        raw = request.query_params.get("until")
        until = (
            datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if raw
            else datetime.combine(day + timedelta(days=1), time(), timezone.utc)
        )
    except ValueError:
        return _bad("until must be an ISO 8601 date-time")
    keywords = truth(world.config.seed, world.config.trends, world.today, day)
    uploads = uploads_truth(world, [k["keyword"] for k in keywords], until)
    topics = []
    for k in keywords:
        per_week = uploads[k["keyword"]] * 7 / 30
        topics.append(
            {
                "topic": k["keyword"],
                "demand": k["volume_7d"],
                "uploads_30d": uploads[k["keyword"]],
                "supply_per_week": per_week,
                "ratio": k["volume_7d"] / (1 + per_week),
            }
        )
    return JSONResponse({"day": day.isoformat(), "until": until.isoformat(), "topics": topics})


async def account_daily(request: Request) -> Response:
    """Ground truth of a creator's daily account metrics, exactly as each platform's insights report them
    (views, reach, saves, shares, watch_hours; null where the platform has no such metric), for the days the
    platform reports as final: YouTube Analytics lags ANALYTICS_LAG_DAYS, the others finish yesterday."""
    from types import SimpleNamespace
    from typing import cast

    from scripts.sandbox.instagram import GraphContext, _account_daily
    from scripts.sandbox.pinterest import _COUNTERS
    from scripts.sandbox.youtube import ANALYTICS_LAG_DAYS, _channel_daily

    world = request.app.state.world
    platform, creator = request.path_params["platform"], int(request.path_params["creator"])
    if platform not in ("instagram", "youtube", "pinterest") or not 0 <= creator < world.config.creators:
        return _bad("platform must be instagram, youtube or pinterest, and creator in range")
    table = world.posts(creator, platform)
    if platform == "instagram":
        # The account's daily series as the Graph API computes them, from a stand-in of a request's context.
        stand_in = cast(GraphContext, SimpleNamespace(table=lambda: table, world=world, creator=creator))
        daily = _account_daily(stand_in)
        columns = {"views": daily["views"], "reach": daily["reach"], "saves": daily["saves"], "shares": daily["shares"]}
        last = world.today - timedelta(days=1)
    elif platform == "youtube":
        daily = _channel_daily(world, creator, table)
        columns = {
            "views": daily["views"],
            "shares": daily["shares"],
            "watch_hours": daily["estimatedMinutesWatched"] / 60,
        }
        last = world.today - timedelta(days=ANALYTICS_LAG_DAYS)
    else:
        counters = np.round(table.daily(_COUNTERS))
        columns = {"views": counters[:, _COUNTERS.index("views")], "saves": counters[:, _COUNTERS.index("saves")]}
        last = world.today - timedelta(days=1)
    start = world.today - timedelta(days=730)
    days = [
        {
            "date": (start + timedelta(days=d)).isoformat(),
            **{name: float(values[d]) for name, values in columns.items()},
        }
        for d in range(len(next(iter(columns.values()))))
        if start + timedelta(days=d) <= last
    ]
    return JSONResponse({"platform": platform, "creator": creator, "last_final_day": last.isoformat(), "days": days})


async def clock(request: Request) -> Response:
    """The day every platform answers for (GET), or move it (POST {"today": "YYYY-MM-DD"}): a week later,
    last week's posts have a week of counters and the posts drawn for that week exist."""
    world = request.app.state.world
    if request.method == "POST":
        try:
            world.set_today(date.fromisoformat(str((await _json(request)).get("today"))))
        except ValueError:
            return _bad("today must be YYYY-MM-DD")
    return JSONResponse({"today": world.today.isoformat()})


async def publish(request: Request) -> Response:
    """Publish a post for a creator: {caption, title?, posted_at (ISO, with zone), attributes {attribute: level}
    (camera_angle, audio_type, content_format, hook_speed, duration_bucket), kind?, duration_s?}. It is served
    in the platform's wire format once the sandbox's today is past posted_at."""
    world = request.app.state.world
    platform, creator = request.path_params["platform"], int(request.path_params["creator"])
    if platform not in PLATFORMS or not 0 <= creator < world.config.creators:
        return _bad("unknown platform or creator")
    try:
        post = world.publish(creator, platform, await _json(request))
    except (SandboxConfigError, ValueError, TypeError) as exc:
        return _bad(str(exc))
    return JSONResponse({"platform": platform, "creator": creator, **post})


def routes() -> list:
    return [
        Route("/creators", creators),
        Route("/effects", effects),
        Route("/posts/{platform}/{creator:int}", posts),
        Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/tokens/revoke", revoke_tokens, methods=["POST"]),
        Route("/tokens/mint", mint_token, methods=["POST"]),
        Route("/stats", stats),
        Route("/limits", limits),
        Route("/trends/clock", trends_clock, methods=["GET", "POST"]),
        Route("/trends/truth", trends_truth),
        Route("/market/truth", market_truth),
        Route("/account_daily/{platform}/{creator:int}", account_daily),
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/publish/{platform}/{creator:int}", publish, methods=["POST"]),
    ]
