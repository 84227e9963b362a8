"""Facebook-Login-only Instagram calls: Page lookup, hashtag search, business discovery (§1.7)."""

from __future__ import annotations

import zlib

from starlette.responses import JSONResponse, Response

from scripts.sandbox.errors import meta_error
from scripts.sandbox.graph_fields import FieldSpec, parse_fields

TAG_MEDIA_FIELDS = (
    "id",
    "caption",
    "media_type",
    "media_product_type",
    "like_count",
    "comments_count",
    "permalink",
    "timestamp",
    "media_url",
    "children",
)


def page_id(creator: int) -> str:
    return f"10{creator + 1:013d}"


def hashtag_id(tag: str) -> str:
    return f"178{zlib.crc32(tag.lower().encode()):014d}"


def facebook_node(ctx, node: str, edge: str | None) -> Response | None:
    """Handle FB-only nodes; None lets the Instagram handlers take the request."""
    world, params = ctx.world, ctx.request.query_params
    if node == "me" and edge is None and not params.get("fields", "").startswith(("followers", "username")):
        return JSONResponse({"id": f"12{ctx.creator + 1:013d}", "name": world.creator(ctx.creator).display_name})
    if node == "me" and edge == "accounts":
        profile = world.creator(ctx.creator)
        return JSONResponse(
            {
                "data": [
                    {
                        "id": page_id(ctx.creator),
                        "name": profile.display_name,
                        "access_token": ctx.request.query_params.get("access_token", ""),
                        "category": "Artist",
                        "tasks": ["ANALYZE", "ADVERTISE", "CREATE_CONTENT"],
                    }
                ],
                "paging": {"cursors": {"before": "QVFIUm", "after": "QVFIUm"}},
            }
        )
    if node == page_id(ctx.creator) and edge is None:
        return JSONResponse({"instagram_business_account": {"id": ctx.ig_user_id()}, "id": node})
    if node == "ig_hashtag_search":
        query = params.get("q", "").lstrip("#").strip().lower()
        if not query or not params.get("user_id"):
            return meta_error("(#100) The parameters user_id and q are required", 100)
        tags = world.__dict__.setdefault("hashtags", {})
        tags[hashtag_id(query)] = query
        return JSONResponse({"data": [{"id": hashtag_id(query)}]})
    tags = world.__dict__.get("hashtags", {})
    if node in tags and edge in ("top_media", "recent_media"):
        return _hashtag_media(ctx, tags[node], edge)
    if node == ctx.ig_user_id() and edge is None and "business_discovery" in params.get("fields", ""):
        return _business_discovery(ctx)
    return None


def _peers(ctx) -> list[int]:
    world = ctx.world
    return [i for i in range(world.config.creators) if i != ctx.creator and world.creator(i).is_peer] or [
        i for i in range(min(world.config.creators, 6)) if i != ctx.creator
    ]


def _hashtag_media(ctx, tag: str, edge: str) -> Response:
    from scripts.sandbox.instagram import media_object, paged

    fields = [f.name for f in parse_fields(ctx.request.query_params.get("fields"))] or ["id"]
    if "username" in fields:
        return meta_error("(#100) Tried accessing nonexisting field (username) on node type (ShadowIGMedia)", 100)
    limit = max(1, min(50, int(ctx.request.query_params.get("limit", "25"))))
    found = []
    for creator in _peers(ctx):
        table = ctx.world.posts(creator, "instagram")
        for i in range(min(len(table), 120)):  # recent posts are enough for "top" and "recent"
            text = table.text(i)["caption"].lower()
            if f"#{tag}" in text or tag in text:
                found.append((table, i))
    if edge == "recent_media":
        # recent_media covers the last 24 hours only.
        found = [(t, i) for t, i in found if t.ts[i] >= t.as_of.timestamp() - 86400]
        found.sort(key=lambda ti: -ti[0].ts[ti[1]])
    else:
        found.sort(key=lambda ti: -ti[0].counters(ti[1])["likes"])
        found = found[:50]
    fields = [f for f in fields if f in TAG_MEDIA_FIELDS]
    body = paged(
        ctx.request,
        list(range(len(found))),
        limit,
        lambda k: media_object(ctx, found[k][0], found[k][1], fields or ["id"]),
    )
    body.get("paging", {}).pop("previous", None)
    return JSONResponse(body)


def _business_discovery(ctx) -> Response:
    from scripts.sandbox.instagram import user_object

    spec = next(s for s in parse_fields(ctx.request.query_params.get("fields")) if s.name == "business_discovery")
    username = spec.modifiers.get("username", "")
    target = ctx.world.creator_by_handle("instagram", username)
    if target is None:
        return meta_error(f"(#110) Cannot find User {username}", 110, subcode=2207013)
    result: dict = {}
    for child in spec.children or [FieldSpec("id")]:
        if child.name == "media":
            result["media"] = _discovery_media(ctx, target, child)
        elif child.name in (
            "followers_count",
            "media_count",
            "username",
            "name",
            "biography",
            "website",
            "profile_picture_url",
            "id",
            "follows_count",
        ):
            result.update(user_object(ctx, target, [child.name]))
    result["id"] = ctx.world.creator(target).user_ids["instagram"]
    return JSONResponse({"business_discovery": result, "id": ctx.ig_user_id()})


def _discovery_media(ctx, target: int, spec: FieldSpec) -> dict:
    from scripts.sandbox.instagram import _cursor, _position, media_object

    table = ctx.world.posts(target, "instagram")
    limit = max(1, min(100, int(spec.modifiers.get("limit", "25"))))
    after = _position(spec.modifiers["after"]) if spec.modifiers.get("after") else None
    start = after + 1 if after is not None else 0
    fields = [c.name for c in spec.children] or ["id"]
    rows = []
    for i in range(start, min(start + limit, len(table))):
        item = media_object(ctx, table, i, [f for f in fields if f != "view_count"])
        if "view_count" in fields and table.kind[i] == "REELS":
            item["view_count"] = table.counters(i)["views"]
        rows.append(item)
    # Nested media paging carries cursors only; clients build next/previous themselves.
    cursors = {"before": _cursor(start), "after": _cursor(start + len(rows) - 1)} if rows else {}
    return {"data": rows, "paging": {"cursors": cursors}}
