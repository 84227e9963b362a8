"""Post performance listing: sort by any metric (NULLs last in both orders), filters, keyset paging.

Each page reads at most two index ranges of `(user_id, <sort> desc nulls last, id desc)`: the posts
with a value (forward scan for desc, backward for asc) and, once those run out, the posts without
one, by id. The cursor (shared/cursors.py) is base64url JSON of the last row's sort value and id plus a
fingerprint of the sort/order/filters, HMAC-signed (key derived from OAUTH_STATE_SECRET) and bound
to the user, so a cursor from another query, another user or an edited one is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from shared import cursors
from shared.errors import InvalidInput
from shared.models.posts import PostItem, PostsQuery, PostsResponse

# Sort field -> (SQL type of its values, may it be NULL). Names come from the PostsQuery Literal only.
SORTS: dict[str, tuple[str, bool]] = {
    "posted_at": ("timestamptz", False),
    "views": ("bigint", True),
    "reach": ("bigint", True),
    "likes": ("bigint", True),
    "comments": ("bigint", True),
    "saves": ("bigint", True),
    "shares": ("bigint", True),
    "save_rate": ("double precision", True),
    "share_rate": ("double precision", True),
    "engagement_rate": ("double precision", True),
    "completion_rate": ("double precision", True),
    "watch_time_hrs": ("double precision", True),
}
COLUMNS = ", ".join(PostItem.model_fields)
_CURSOR_LABEL = b"analytics-posts-cursor:v1"


def escape_like(text: str) -> str:
    """`text` as a literal inside an ILIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def query_fingerprint(query: PostsQuery) -> str:
    """What a cursor is valid for: the sort, the order and every filter (not the page size)."""
    shape = [
        query.sort,
        query.order,
        sorted(query.platform or []),
        sorted(query.type or []),
        str(query.from_),
        str(query.to),
        query.min_views,
        query.q,
    ]
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def encode_cursor(query: PostsQuery, user_id: str, value: Any, post_id: int) -> str:
    """Opaque cursor after the row (value, post_id) for this query and user."""
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return cursors.sign(_CURSOR_LABEL, user_id, {"f": query_fingerprint(query), "v": value, "i": post_id})


def decode_cursor(query: PostsQuery, user_id: str) -> tuple[Any, int]:
    """(sort value or None, id) of a cursor made for this very query and user, else InvalidInput."""
    assert query.cursor is not None
    data = cursors.verify(_CURSOR_LABEL, user_id, query.cursor)
    try:
        fingerprint, value, post_id = data["f"], data["v"], data["i"]
    except KeyError:
        raise InvalidInput(cursors.INVALID) from None
    if fingerprint != query_fingerprint(query):
        raise InvalidInput("this cursor belongs to another sort, order or filter; start again without one")
    return _cursor_value(query.sort, value), _positive_int(post_id)


def _positive_int(value: Any) -> int:
    if type(value) is not int or value <= 0:
        raise InvalidInput(cursors.INVALID)
    return value


def _cursor_value(sort: str, value: Any) -> Any:
    kind, nullable = SORTS[sort]
    if value is None and nullable:
        return None
    if kind == "timestamptz" and isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    if kind == "bigint" and type(value) is int:
        return value
    if kind == "double precision" and type(value) in (int, float):
        return float(value)
    raise InvalidInput(cursors.INVALID)


def _filters(query: PostsQuery) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = ["user_id = (select auth.uid())"]
    params: dict[str, Any] = {}
    if query.platform:
        where.append("platform = any(%(platform)s::public.platform[])")
        params["platform"] = list(query.platform)
    if query.type:
        where.append("type = any(%(type)s::public.post_type[])")
        params["type"] = list(query.type)
    if query.from_:
        where.append("posted_at >= %(from)s::date::timestamp at time zone 'UTC'")
        params["from"] = query.from_
    if query.to:
        where.append("posted_at < (%(to)s::date + 1)::timestamp at time zone 'UTC'")
        params["to"] = query.to
    if query.min_views is not None:
        where.append("views >= %(min_views)s")
        params["min_views"] = query.min_views
    if query.q:
        where.append(r"(title ilike %(q)s escape '\' or caption ilike %(q)s escape '\')")
        params["q"] = f"%{escape_like(query.q)}%"
    return where, params


def _order_by(query: PostsQuery) -> tuple[str, str]:
    # Spelled exactly as the index reads forward (desc nulls last) or backward (asc nulls first), so
    # the planner walks the index and stops at the limit; each phase has no NULLs or only NULLs anyway.
    col = query.sort
    if query.order == "desc":
        return f"{col} desc nulls last, id desc", "<"
    return f"{col} asc nulls first, id asc", ">"


def _valued_sql(query: PostsQuery, where: list[str], after: bool) -> str:
    col, (kind, _) = query.sort, SORTS[query.sort]
    order_by, cmp = _order_by(query)
    where = [*where, f"{col} is not null"]
    if after:
        where.append(f"({col}, id) {cmp} (%(after_value)s::{kind}, %(after_id)s::bigint)")
    return f"select {COLUMNS} from posts where {' and '.join(where)} order by {order_by} limit %(limit)s"


def _null_sql(query: PostsQuery, where: list[str], after: bool) -> str:
    order_by, cmp = _order_by(query)
    where = [*where, f"{query.sort} is null"]
    if after:
        where.append(f"id {cmp} %(after_id)s::bigint")
    return f"select {COLUMNS} from posts where {' and '.join(where)} order by {order_by} limit %(limit)s"


def list_posts(conn: Any, query: PostsQuery, user_id: str) -> PostsResponse:
    """One page of the caller's posts (RLS-scoped connection) and the cursor of the next."""
    after_value, after_id = decode_cursor(query, user_id) if query.cursor else (None, None)
    where, params = _filters(query)
    params.update(after_value=after_value, after_id=after_id, limit=query.limit + 1)
    rows: list[dict[str, Any]] = []
    in_null_phase = query.cursor is not None and after_value is None
    if not in_null_phase:
        rows = conn.execute(_valued_sql(query, where, after=query.cursor is not None), params).fetchall()
    if len(rows) <= query.limit and SORTS[query.sort][1]:
        params["limit"] = query.limit + 1 - len(rows)
        rows += conn.execute(_null_sql(query, where, after=in_null_phase), params).fetchall()
    items = [PostItem.model_validate(row) for row in rows[: query.limit]]
    next_cursor = None
    if len(rows) > query.limit:
        last = rows[query.limit - 1]
        next_cursor = encode_cursor(query, user_id, last[query.sort], last["id"])
    return PostsResponse(items=items, next_cursor=next_cursor)


# CSV export --------------------------------------------------------------------------------------------

CSV_PAGE = 500
# OWASP "CSV injection": a cell a spreadsheet would read as a formula starts with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def wants_csv(request: Any) -> bool:
    """True when the Accept header prefers text/csv to JSON (JSON stays the default)."""
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text that would start a formula gets a leading apostrophe; unknown is empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_rows(conn: Any, query: PostsQuery, user_id: str, cap: int | None) -> Any:
    """Every matching post (at most `cap`), in the query's order, as CSV lines: the listing's own keyset pages."""
    import csv
    import io

    columns = list(PostItem.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    sent, cursor = 0, None
    while True:
        size = CSV_PAGE if cap is None else min(CSV_PAGE, cap - sent)
        page = list_posts(conn, query.model_copy(update={"limit": size, "cursor": cursor}), user_id)
        for item in page.items:
            writer.writerow([csv_cell(getattr(item, c)) for c in columns])
        sent += len(page.items)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        cursor = page.next_cursor
        if cursor is None or (cap is not None and sent >= cap):
            return


def csv_response(claims: Any, query: PostsQuery) -> Any:
    """GET /api/analytics/posts as CSV: streamed page by page in one transaction as the caller (RLS applies);
    every matching post, or the first `limit` when a limit is given; no cursor."""
    import flask

    from shared.db import user_transaction

    if query.cursor is not None:
        raise InvalidInput("a CSV export holds every matching post: send no cursor (a limit caps it)")
    cap = query.limit if "limit" in query.model_fields_set else None

    def stream() -> Any:
        with user_transaction(claims) as conn:
            yield from csv_rows(conn, query, claims.user_id, cap)

    response = flask.Response(stream(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="posts.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
