"""TikTok Display API v2: user info, video list (cursor + has_more) and video query."""

from __future__ import annotations

import json
import zlib

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scripts.sandbox.errors import log_id, tiktok_error, tiktok_token_error
from scripts.sandbox.posts import PostTable

USER_FIELD_SCOPES = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic",
    "display_name": "user.info.basic",
    "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile",
    "is_verified": "user.info.profile",
    "username": "user.info.profile",
    "follower_count": "user.info.stats",
    "following_count": "user.info.stats",
    "likes_count": "user.info.stats",
    "video_count": "user.info.stats",
}
VIDEO_FIELDS = (
    "id",
    "create_time",
    "cover_image_url",
    "share_url",
    "video_description",
    "duration",
    "height",
    "width",
    "title",
    "embed_html",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
)
MAX_COUNT = 20


def _ok(data: dict) -> JSONResponse:
    return JSONResponse({"data": data, "error": {"code": "ok", "message": "", "log_id": log_id()}})


def _authenticate(request: Request):
    world = request.app.state.world
    header = request.headers.get("authorization", "")
    token = world.tokens.get(header[7:] if header.lower().startswith("bearer ") else None)
    problem = world.tokens.problem(token, "tiktok")
    if problem:
        return None, tiktok_token_error(problem)
    return token, None


def _fields(request: Request, allowed) -> list[str] | Response:
    fields = [f.strip() for f in request.query_params.get("fields", "").split(",") if f.strip()]
    if not fields:
        return tiktok_error(400, "invalid_params", "The fields parameter is required.")
    bad = [f for f in fields if f not in allowed]
    if bad:
        return tiktok_error(400, "invalid_params", f"Invalid field(s): {', '.join(bad)}.")
    return fields


async def user_info(request: Request) -> Response:
    token, denied = _authenticate(request)
    if denied:
        return denied
    fields = _fields(request, USER_FIELD_SCOPES)
    if isinstance(fields, Response):
        return fields
    granted = set(token.scope.replace(" ", ",").split(","))
    missing = sorted({USER_FIELD_SCOPES[f] for f in fields} - granted)
    if missing:
        return tiktok_error(
            401,
            "scope_not_authorized",
            f"The user did not authorize the scope required for this request: {missing[0]}.",
        )
    world = request.app.state.world
    profile = world.creator(token.creator)
    table = world.posts(token.creator, "tiktok")
    open_id = profile.user_ids["tiktok"]
    likes = sum(table.counters(i)["likes"] for i in range(len(table)))
    values = {
        "open_id": open_id,
        "union_id": f"u{zlib.crc32(open_id.encode()):010d}",
        "display_name": profile.display_name,
        "avatar_url": f"https://p16-sign.tiktokcdn.com/{open_id}~c5_168x168.jpeg",
        "avatar_url_100": f"https://p16-sign.tiktokcdn.com/{open_id}~c5_100x100.jpeg",
        "avatar_large_url": f"https://p16-sign.tiktokcdn.com/{open_id}~c5_1080x1080.jpeg",
        "bio_description": f"{profile.niche['name']} • slow crafting",
        "is_verified": False,
        "profile_deep_link": f"https://vm.tiktok.com/{open_id[-8:]}/",
        "username": profile.handles["tiktok"],
        "follower_count": profile.followers_on("tiktok", world.today),
        "following_count": 120 + token.creator % 400,
        "likes_count": int(likes),
        "video_count": len(table),
    }
    return _ok({"user": {f: values[f] for f in fields}})


def video_object(table: PostTable, i: int, fields: list[str]) -> dict:
    vid = table.ids[i]
    handle = table.creator.handles["tiktok"]
    c = table.counters(i)
    values = {
        "id": vid,
        "create_time": int(table.ts[i]),
        "duration": int(table.duration_s[i]),
        "height": 1024,
        "width": 576,
        "cover_image_url": f"https://p16-sign.tiktokcdn-us.com/obj/{vid}?x-expires=21600",
        "share_url": f"https://www.tiktok.com/@{handle}/video/{vid}",
        "embed_link": f"https://www.tiktok.com/player/v1/{vid}",
        "embed_html": f'<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@{handle}/video/{vid}" '
        f'data-video-id="{vid}"></blockquote>',
        "like_count": c["likes"],
        "comment_count": c["comments"],
        "share_count": c.get("shares", 0),
        "view_count": c["views"],
    }
    if "video_description" in fields or "title" in fields:
        text = table.text(i)
        values["video_description"] = text["caption"]
        values["title"] = text["title"]
    return {f: values[f] for f in fields}


async def _json_body(request: Request) -> dict | Response:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        return tiktok_error(400, "invalid_params", "The request body is not valid JSON.")
    return (
        body if isinstance(body, dict) else tiktok_error(400, "invalid_params", "The request body must be an object.")
    )


def _require_scope(token, scope: str) -> Response | None:
    if scope not in token.scope.replace(" ", ",").split(","):
        return tiktok_error(401, "scope_not_authorized", f"The user did not authorize the scope required: {scope}.")
    return None


async def _video_request(request: Request) -> tuple | Response:
    """What both video endpoints check first, in TikTok's order: token, scope, fields, JSON body."""
    token, denied = _authenticate(request)
    if denied:
        return denied
    denied = _require_scope(token, "video.list")
    if denied:
        return denied
    fields = _fields(request, VIDEO_FIELDS)
    if isinstance(fields, Response):
        return fields
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    return token, fields, body


async def video_list(request: Request) -> Response:
    checked = await _video_request(request)
    if isinstance(checked, Response):
        return checked
    token, fields, body = checked
    max_count = body.get("max_count", 10)
    cursor = body.get("cursor")
    if not isinstance(max_count, int) or not 1 <= max_count <= MAX_COUNT:
        return tiktok_error(400, "invalid_params", f"max_count must be an integer between 1 and {MAX_COUNT}.")
    if cursor is not None and not isinstance(cursor, int):
        return tiktok_error(400, "invalid_params", "cursor must be an int64 Unix timestamp in milliseconds.")
    table = request.app.state.world.posts(token.creator, "tiktok")
    older = [i for i in range(len(table)) if cursor is None or int(table.ts[i]) * 1000 < cursor]
    # Real pages are sometimes shorter than max_count while has_more stays true.
    size = max_count if zlib.crc32(str(cursor).encode()) % 3 else max(1, max_count - 1 - (cursor or 0) % 5)
    page = older[:size]
    has_more = len(older) > len(page)
    next_cursor = int(table.ts[page[-1]]) * 1000 if page else (cursor or 0)
    return _ok({"videos": [video_object(table, i, fields) for i in page], "cursor": next_cursor, "has_more": has_more})


async def video_query(request: Request) -> Response:
    checked = await _video_request(request)
    if isinstance(checked, Response):
        return checked
    token, fields, body = checked
    ids = (body.get("filters") or {}).get("video_ids") or []
    if not isinstance(ids, list) or not ids or len(ids) > 20:
        return tiktok_error(400, "invalid_params", "filters.video_ids must hold 1 to 20 video ids.")
    table = request.app.state.world.posts(token.creator, "tiktok")
    videos = [video_object(table, table.index_of[v], fields) for v in ids if v in table.index_of]
    return _ok({"videos": videos, "cursor": 0, "has_more": False})


def routes() -> dict[str, list]:
    return {
        "open.tiktokapis.com": [
            Route("/v2/user/info/", user_info),
            Route("/v2/user/info", user_info),
            Route("/v2/video/list/", video_list, methods=["POST"]),
            Route("/v2/video/list", video_list, methods=["POST"]),
            Route("/v2/video/query/", video_query, methods=["POST"]),
            Route("/v2/video/query", video_query, methods=["POST"]),
        ]
    }
