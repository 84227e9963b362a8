"""Instagram Graph API (graph.instagram.com, and the Facebook-Login variant on graph.facebook.com)."""

from __future__ import annotations

import base64
import zlib
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scripts.sandbox import oauth
from scripts.sandbox.errors import meta_error, meta_token_error
from scripts.sandbox.graph_fields import parse_fields
from scripts.sandbox.posts import PostTable

USER_FIELDS = (
    "account_type",
    "biography",
    "followers_count",
    "follows_count",
    "id",
    "media_count",
    "name",
    "profile_picture_url",
    "user_id",
    "username",
    "website",
)
MEDIA_FIELDS = (
    "alt_text",
    "caption",
    "comments_count",
    "id",
    "is_comment_enabled",
    "is_shared_to_feed",
    "like_count",
    "media_product_type",
    "media_type",
    "media_url",
    "owner",
    "permalink",
    "shortcode",
    "thumbnail_url",
    "timestamp",
    "username",
)
FEED_METRICS = (
    "views",
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "reposts",
    "total_interactions",
    "follows",
    "profile_visits",
    "profile_activity",
)
REELS_METRICS = (
    "views",
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "reposts",
    "total_interactions",
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
    "reels_skip_rate",
)
DEPRECATED_MEDIA = ("impressions", "plays", "clips_replays_count", "ig_reels_aggregated_all_plays_count", "video_views")
# metric -> (metric types, breakdowns)
ACCOUNT_METRICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "reach": (("total_value", "time_series"), ("media_product_type", "follow_type")),
    "views": (("total_value",), ("follower_type", "media_product_type")),
    "accounts_engaged": (("total_value",), ()),
    "total_interactions": (("total_value",), ("media_product_type",)),
    "likes": (("total_value",), ("media_product_type",)),
    "comments": (("total_value",), ("media_product_type",)),
    "saves": (("total_value",), ("media_product_type",)),
    "shares": (("total_value",), ("media_product_type",)),
    "replies": (("total_value",), ()),
    "reposts": (("total_value",), ()),
    "profile_links_taps": (("total_value",), ("contact_button_type",)),
    "follows_and_unfollows": (("total_value",), ("follow_type",)),
    "follower_count": (("time_series",), ()),  # legacy: new followers per day, last 30 days only
}
DEPRECATED_ACCOUNT = (
    "impressions",
    "profile_views",
    "website_clicks",
    "email_contacts",
    "phone_call_clicks",
    "text_message_clicks",
    "get_directions_clicks",
)
TITLES = {
    "reach": "Accounts reached",
    "views": "Views",
    "accounts_engaged": "Accounts engaged",
    "total_interactions": "Content interactions",
    "likes": "Likes",
    "comments": "Comments",
    "saves": "Saves",
    "saved": "Saves",
    "shares": "Shares",
    "replies": "Replies",
    "reposts": "Reposts",
    "profile_links_taps": "Profile links taps",
    "follows_and_unfollows": "Follows and unfollows",
    "follower_count": "Follower count",
    "ig_reels_avg_watch_time": "Average watch time",
    "ig_reels_video_view_total_time": "Watch time",
    "reels_skip_rate": "Skip rate",
    "follows": "Follows",
    "profile_visits": "Profile visits",
    "profile_activity": "Profile activity",
}
MAX_WINDOW_S = 30 * 86400


def _unsupported(node: str) -> Response:
    return meta_error(
        f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api",
        100,
        subcode=33,
        type_="GraphMethodException",
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _cursor(position: int) -> str:
    return base64.b64encode(f"QVFI{position:08d}".encode()).decode().rstrip("=")


def _position(cursor: str) -> int | None:
    try:
        return int(base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode()[4:])
    except (ValueError, UnicodeDecodeError):
        return None


def _page_url(request: Request, **changes: object) -> str:
    params = dict(request.query_params)
    params.update({k: str(v) for k, v in changes.items()})
    return f"{str(request.url).split('?')[0]}?{urlencode(params)}"


class GraphContext:
    """What a Graph request resolved to: the world, the token's creator and host flavour."""

    def __init__(self, request: Request, host: str) -> None:
        self.request = request
        self.host = host
        self.world = request.app.state.world
        self.platform = "facebook" if host == "graph.facebook.com" else "instagram"
        self.creator: int | None = None

    def authenticate(self) -> Response | None:
        value = self.request.query_params.get("access_token")
        header = self.request.headers.get("authorization", "")
        if not value and header.lower().startswith(("bearer ", "oauth ")):
            value = header.split(" ", 1)[1]
        if not value:
            return meta_error("An active access token must be used to query information about the current user.", 2500)
        token = self.world.tokens.get(value)
        problem = self.world.tokens.problem(token, self.platform)
        if problem:
            return meta_token_error(problem)
        self.creator = token.creator
        return None

    def ig_user_id(self) -> str:
        return self.world.creator(self.creator).user_ids["instagram"]

    def table(self, creator: int | None = None) -> PostTable:
        return self.world.posts(self.creator if creator is None else creator, "instagram")


async def graph(request: Request) -> Response:
    """Dispatch by path segments: Graph paths are node ids, not fixed templates."""
    host = request.url.path.lstrip("/").split("/", 1)[0]
    parts = [p for p in request.path_params["rest"].split("/") if p]
    if parts and parts[0].startswith("v") and parts[0][1:].replace(".", "").isdigit():
        parts = parts[1:]
    request.scope["sandbox_template"] = "/" + "/".join(_template_part(p) for p in parts)
    if host == "graph.instagram.com" and parts == ["access_token"]:
        return oauth.instagram_exchange(request)
    if host == "graph.instagram.com" and parts == ["refresh_access_token"]:
        return oauth.instagram_refresh(request)
    if host == "graph.facebook.com" and parts == ["oauth", "access_token"]:
        return oauth.facebook_token(request)
    ctx = GraphContext(request, host)
    denied = ctx.authenticate()
    if denied:
        return denied
    if not parts:
        return _unsupported("")
    node, edge = parts[0], (parts[1] if len(parts) > 1 else None)
    if ctx.platform == "facebook":
        handled = _facebook_node(ctx, node, edge)
        if handled is not None:
            return handled
    if node == "me":
        node = ctx.ig_user_id()
    owner = ctx.world.creator_by_user_id("instagram", node)
    if owner is not None:
        if owner != ctx.creator:
            return _unsupported(node)
        if edge is None:
            return _user_node(ctx)
        if edge == "media":
            return _media_list(ctx)
        if edge == "insights":
            return _account_insights(ctx)
        return _unsupported(f"{node}/{edge}")
    table = ctx.table()
    i = table.index_of.get(node)
    if i is None:
        return _unsupported(node)
    if edge is None:
        fields = [f.name for f in parse_fields(request.query_params.get("fields"))] or ["id"]
        bad = [f for f in fields if f not in MEDIA_FIELDS]
        if bad:
            return meta_error(f"(#100) Tried accessing nonexisting field ({bad[0]}) on node type (IGMedia)", 100)
        return JSONResponse(media_object(ctx, table, i, fields))
    if edge == "insights":
        return _media_insights(ctx, table, i)
    return _unsupported(f"{node}/{edge}")


def _template_part(part: str) -> str:
    if part.isdigit():
        return "{id}"
    return part


# Users and media ---------------------------------------------------------------------------------
def _user_node(ctx: GraphContext) -> Response:
    specs = parse_fields(ctx.request.query_params.get("fields"))
    names = [s.name for s in specs] or ["id"]
    bad = [n for n in names if n not in USER_FIELDS]
    if bad:
        return meta_error(f"(#100) Tried accessing nonexisting field ({bad[0]}) on node type (User)", 100)
    assert ctx.creator is not None, "a user token names its creator"
    return JSONResponse(user_object(ctx, ctx.creator, names))


def user_object(ctx: GraphContext, creator: int, names: list[str]) -> dict:
    profile = ctx.world.creator(creator)
    table = ctx.table(creator)
    uid = profile.user_ids["instagram"]
    values = {
        "id": uid,
        "user_id": uid,
        "username": profile.handles["instagram"],
        "name": profile.display_name,
        "account_type": "MEDIA_CREATOR" if creator == 0 else ("BUSINESS" if creator % 3 == 0 else "MEDIA_CREATOR"),
        "followers_count": profile.followers_on("instagram", _market_day(ctx.world)),
        "follows_count": 300 + creator % 500,
        "media_count": len(table),
        "biography": f"{profile.niche['name'].capitalize()} ✿ slow crafting from my little studio",
        "profile_picture_url": f"https://scontent.cdninstagram.com/v/t51.2885-19/{uid}_n.jpg",
        "website": f"https://{profile.handles['instagram'].replace('.', '')}.etsy.com",
    }
    out = {n: values[n] for n in names}
    out.setdefault("id", uid)
    return out


def media_object(ctx: GraphContext, table: PostTable, i: int, fields: list[str]) -> dict:
    counters = table.counters(i)
    kind = table.kind[i]
    media_id = table.ids[i]
    shortcode = base64.urlsafe_b64encode(
        zlib.crc32(media_id.encode()).to_bytes(4, "big") + media_id[-5:].encode()
    ).decode()[:11]
    values = {
        "id": media_id,
        "media_type": "VIDEO" if kind == "REELS" else kind,
        "media_product_type": "REELS" if kind == "REELS" else "FEED",
        "timestamp": _iso(float(table.ts[i])),
        "permalink": f"https://www.instagram.com/{'reel' if kind == 'REELS' else 'p'}/{shortcode}/",
        "shortcode": shortcode,
        "like_count": counters["likes"],
        "comments_count": counters["comments"],
        "media_url": "https://scontent.cdninstagram.com/v/t51.2885-15/"
        f"{media_id}.{'mp4' if kind == 'REELS' else 'jpg'}",
        "username": table.creator.handles["instagram"],
        "owner": {"id": table.creator.user_ids["instagram"]},
        "is_comment_enabled": True,
        "alt_text": None,
    }
    if "caption" in fields:
        values["caption"] = table.text(i)["caption"]
    if kind == "REELS":
        values["thumbnail_url"] = f"https://scontent.cdninstagram.com/v/t51.2885-15/{media_id}_thumb.jpg"
        values["is_shared_to_feed"] = True
    out = {f: values[f] for f in fields if f in values}
    out.setdefault("id", media_id)
    return out


def _media_list(ctx: GraphContext) -> Response:
    params = ctx.request.query_params
    fields = [f.name for f in parse_fields(params.get("fields"))] or ["id"]
    bad = [f for f in fields if f not in MEDIA_FIELDS]
    if bad:
        return meta_error(f"(#100) Tried accessing nonexisting field ({bad[0]}) on node type (IGMedia)", 100)
    try:
        limit = max(1, min(100, int(params.get("limit", "25"))))
        since = float(params["since"]) if params.get("since") else None
        until = float(params["until"]) if params.get("until") else None
    except ValueError:
        return meta_error("(#100) The parameter limit/since/until must be a number", 100)
    table = ctx.table()
    candidates = [
        i
        for i in range(len(table))
        if (since is None or table.ts[i] >= since) and (until is None or table.ts[i] <= until)
    ]
    return JSONResponse(paged(ctx.request, candidates, limit, lambda i: media_object(ctx, table, i, fields)))


def paged(request: Request, positions: list[int], limit: int, render) -> dict:
    """Graph cursor paging over a list; `next` is absent on the last page."""
    start = 0
    after = request.query_params.get("after")
    before = request.query_params.get("before")
    if after:
        start = (_position(after) or -1) + 1
    elif before:
        start = max(0, (_position(before) or 0) - limit)
    chunk = list(range(start, min(start + limit, len(positions))))
    body: dict = {"data": [render(positions[k]) for k in chunk]}
    if chunk:
        body["paging"] = {"cursors": {"before": _cursor(chunk[0]), "after": _cursor(chunk[-1])}}
        if chunk[-1] + 1 < len(positions):
            body["paging"]["next"] = _page_url(request, after=_cursor(chunk[-1]))
        if chunk[0] > 0:
            body["paging"]["previous"] = _page_url(request, before=_cursor(chunk[0]))
    else:
        body["paging"] = {"cursors": {}}
    return body


def _media_insights(ctx: GraphContext, table: PostTable, i: int) -> Response:
    metrics = [m.strip() for m in ctx.request.query_params.get("metric", "").split(",") if m.strip()]
    if not metrics:
        return meta_error("(#100) The parameter metric is required", 100)
    kind = "REELS" if table.kind[i] == "REELS" else "FEED"
    allowed = REELS_METRICS if kind == "REELS" else FEED_METRICS
    for m in metrics:
        if m in DEPRECATED_MEDIA:
            return meta_error(
                f"(#100) Starting from version v22.0 and above, the {m} metric is no longer "
                "supported. Please use views instead.",
                100,
            )
        if m not in allowed:
            # One metric that does not fit the media product type fails the whole call.
            return meta_error(
                f"(#100) The Media Insights API does not support the {m} metric for this media product type.", 100
            )
    c = table.counters(i)
    saved, shares, likes, comments = c.get("saves", 0), c.get("shares", 0), c["likes"], c["comments"]
    duration = float(table.duration_s[i]) if not np.isnan(table.duration_s[i]) else 20.0
    avg_ms = int(duration * 1000 * float(table.avg_view_fraction[i]) * 0.8)
    values = {
        "views": c["views"],
        "reach": c["reach"],
        "likes": likes,
        "comments": comments,
        "saved": saved,
        "shares": shares,
        "reposts": shares // 10,
        "total_interactions": likes + comments + saved + shares,
        "follows": c["follows"],
        "profile_visits": c["profile_visits"],
        "profile_activity": c["profile_visits"] // 3,
        "ig_reels_avg_watch_time": avg_ms,
        "ig_reels_video_view_total_time": avg_ms * c["views"],
        "reels_skip_rate": round(float(table.skip_rate[i]), 2) if not np.isnan(table.skip_rate[i]) else None,
    }
    data = [
        {
            "name": m,
            "period": "lifetime",
            "values": [{"value": values[m]}],
            "title": TITLES.get(m, m),
            "description": f"The {TITLES.get(m, m).lower()} of this media.",
            "id": f"{table.ids[i]}/insights/{m}/lifetime",
        }
        for m in metrics
    ]
    return JSONResponse({"data": data})


# Account insights --------------------------------------------------------------------------------
def _account_daily(ctx: GraphContext) -> dict[str, np.ndarray]:
    """Daily account metrics over the two-year history (oldest first), cached on the table."""
    table = ctx.table()
    cache = table.__dict__.setdefault("_ig_account", {})
    if cache:
        return cache
    names = ("views", "reach", "saves", "shares", "likes", "comments", "profile_visits")
    daily = table.daily(names)
    followers = ctx.world.followers_series(ctx.creator, "instagram")
    rng = np.random.default_rng([ctx.world.config.seed, ctx.creator, 4242])
    noise = np.exp(rng.normal(0, 0.08, size=len(daily)))
    base = followers[:-1] * 0.03 * noise  # stories and older posts keep drawing some views
    cache["views"] = np.round(daily[:, 0] + base)
    cache["reach"] = np.round(daily[:, 1] * 0.8 + base * 0.6)
    for k, name in enumerate(names[2:], start=2):
        cache[name] = np.round(daily[:, k])
    cache["total_interactions"] = cache["saves"] + cache["shares"] + cache["likes"] + cache["comments"]
    cache["accounts_engaged"] = np.round(cache["total_interactions"] * 0.72)
    cache["replies"] = np.round(base * 0.001)
    cache["reposts"] = np.floor(cache["shares"] / 10)
    cache["profile_links_taps"] = np.round(cache["profile_visits"] * 0.12)
    net = np.diff(followers)
    churn = np.round(followers[:-1] * 0.0007 * noise)
    cache["follows"] = np.maximum(net, 0) + churn
    cache["unfollows"] = np.maximum(-net, 0) + churn
    cache["follower_count"] = cache["follows"]
    total_views = float(np.nansum(table.final["views"])) or 1.0
    reel_views = float(np.nansum(table.final["views"][np.array([k == "REELS" for k in table.kind], dtype=bool)]))
    cache["_reel_share"] = np.array([reel_views / total_views])
    return cache


def _account_insights(ctx: GraphContext) -> Response:
    params = ctx.request.query_params
    metrics = [m.strip() for m in params.get("metric", "").split(",") if m.strip()]
    if not metrics:
        return meta_error("(#100) The parameter metric is required", 100)
    period = params.get("period")
    if period != "day":
        return meta_error(
            "(#100) Param period must be one of {day, week, days_28, month, lifetime, total_over_range}"
            if period
            else "(#100) The parameter period is required",
            100,
        )
    for m in metrics:
        if m in DEPRECATED_ACCOUNT:
            return meta_error(
                f"(#100) Starting from version v22.0 and above, the {m} metric is no longer supported.", 100
            )
        if m not in ACCOUNT_METRICS:
            return meta_error(
                f"(#100) metric[0] must be one of the following values: {', '.join(ACCOUNT_METRICS)}", 100
            )
    metric_type = params.get("metric_type")
    if metric_type is None:
        total_only = [m for m in metrics if "time_series" not in ACCOUNT_METRICS[m][0]]
        if total_only:
            return meta_error(
                f"(#100) The following metrics ({', '.join(total_only)}) should be specified with "
                "parameter metric_type=total_value",
                100,
            )
        metric_type = "time_series"
    if metric_type not in ("total_value", "time_series"):
        return meta_error("(#100) Param metric_type must be one of {total_value, time_series}", 100)
    if metric_type == "time_series":
        bad = [m for m in metrics if "time_series" not in ACCOUNT_METRICS[m][0]]
        if bad:
            return meta_error(f"(#100) metric_type=time_series is not supported for {', '.join(bad)}", 100)
    if metric_type == "total_value" and "follower_count" in metrics:
        return meta_error("(#100) follower_count only supports metric_type=time_series", 100)
    breakdowns = [b for b in params.get("breakdown", "").split(",") if b]
    if breakdowns and (
        metric_type != "total_value" or any(b not in ACCOUNT_METRICS[m][1] for m in metrics for b in breakdowns)
    ):
        return meta_error("An unknown error has occurred.", 100, transient=False)
    window = _window(ctx, params.get("since"), params.get("until"), "follower_count" in metrics)
    if isinstance(window, Response):
        return window
    first, last = window  # day offsets into the history arrays, inclusive
    daily = _account_daily(ctx)
    uid = ctx.ig_user_id()
    data = []
    for m in metrics:
        entry: dict[str, Any] = {
            "name": m,
            "period": "day",
            "title": TITLES[m],
            "description": f"{TITLES[m]} per day.",
            "id": f"{uid}/insights/{m}/day",
        }
        if metric_type == "time_series":
            series = daily[m]
            start = ctx.world.today - timedelta(days=730)
            entry["values"] = [
                {"value": int(series[d]), "end_time": f"{(start + timedelta(days=d + 1)).isoformat()}T07:00:00+0000"}
                for d in range(first, last + 1)
            ]
        else:
            entry["total_value"] = _total_value(m, daily, first, last, breakdowns)
        data.append(entry)
    span = max(1, last - first + 1) * 86400
    since_s, until_s = _day_start(ctx, first), _day_start(ctx, last + 1)
    paging = {
        "previous": _page_url(ctx.request, since=since_s - span, until=since_s),
        "next": _page_url(ctx.request, since=until_s, until=until_s + span),
    }
    return JSONResponse({"data": data, "paging": paging})


def _day_start(ctx: GraphContext, offset: int) -> int:
    start = ctx.world.today - timedelta(days=730)
    day = start + timedelta(days=offset)
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def _window(ctx: GraphContext, since: str | None, until: str | None, legacy: bool) -> tuple[int, int] | Response:
    """Inclusive day offsets for since/until (Unix s); the API looks back 24 h without them."""
    today_s = _day_start(ctx, 730)
    try:
        until_s = int(float(until)) if until else today_s
        since_s = int(float(since)) if since else until_s - 86400
    except ValueError:
        return meta_error("(#100) The since/until parameters must be Unix timestamps", 100)
    if until_s - since_s > MAX_WINDOW_S:
        return meta_error("(#100) There cannot be more than 30 days (2592000 s) between since and until", 100)
    if since_s < today_s - 730 * 86400:
        return meta_error("(#100) Insights are only available for the last 2 years; since is too old", 100)
    if legacy and since_s < today_s - 30 * 86400:
        return meta_error("(#100) follower_count is only available for the last 30 days", 100)
    first = (since_s - (today_s - 730 * 86400)) // 86400
    last = min(729, -(-(until_s - (today_s - 730 * 86400)) // 86400) - 1)
    return int(first), int(max(first - 1, last))


def _total_value(metric: str, daily: dict, first: int, last: int, breakdowns: list[str]) -> dict:
    window = slice(first, last + 1)
    if metric == "follows_and_unfollows":
        follows, unfollows = int(daily["follows"][window].sum()), int(daily["unfollows"][window].sum())
        value = follows + unfollows
        parts = [("FOLLOWER", follows), ("NON_FOLLOWER", unfollows)]
    else:
        series = daily[metric][window]
        if metric in ("reach", "accounts_engaged") and len(series):
            value = int(series.max() + 0.35 * (series.sum() - series.max()))  # unique accounts overlap
        else:
            value = int(series.sum())
        reel = float(daily["_reel_share"][0])
        parts = [("REEL", int(value * reel)), ("POST", value - int(value * reel))]
        if "follow_type" in breakdowns:
            parts = [("FOLLOWER", int(value * 0.38)), ("NON_FOLLOWER", value - int(value * 0.38))]
        if "follower_type" in breakdowns:
            parts = [("FOLLOWER", int(value * 0.41)), ("NON_FOLLOWER", value - int(value * 0.41))]
    out: dict = {"value": value}
    if breakdowns:
        out["breakdowns"] = [
            {"dimension_keys": breakdowns[:1], "results": [{"dimension_values": [k], "value": v} for k, v in parts]}
        ]
    return out


# Facebook Login variant: pages, hashtags, business discovery ----------------------------------------
def _facebook_node(ctx: GraphContext, node: str, edge: str | None) -> Response | None:
    from scripts.sandbox import discovery

    return discovery.facebook_node(ctx, node, edge)


def routes() -> dict[str, list]:
    methods = ["GET", "POST", "DELETE"]
    return {
        "graph.instagram.com": [Route("/{rest:path}", graph, methods=methods)],
        "graph.facebook.com": [Route("/{rest:path}", graph, methods=methods)],
    }


def _market_day(world) -> date:
    # Public counters follow the admin trends clock, so replayed market history shows creators growing.
    from scripts.sandbox.trends import trends_day

    return trends_day(world)
