"""Post performance listing: sort by any metric (NULLs last in both orders), filters, keyset paging.

Each page is one statement over one index `(user_id, <sort> desc nulls last, id desc, platform, type)`:
the posts with a value (a forward scan for desc, backward for asc) and after them the posts without
one, by id; filters on platform and type are conditions on the index entries, text search can use the
trigram index. It reads `private.my_posts`, her rows by the RLS policy's own predicate, because under
RLS itself Postgres uses none of those indexes for these conditions (see the migration
20261206000001_posts_listing_indexes.sql). Postgres builds each item's JSON, so the response is
serialised once. The cursor (shared/cursors.py) is base64url JSON of the last row's sort value and id
plus a fingerprint of the sort/order/filters, HMAC-signed (key derived from OAUTH_STATE_SECRET) and
bound to the user, so a cursor from another query, another user or an edited one is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from shared import cursors
from shared.errors import InvalidInput
from shared.models.posts import PostItem, PostsQuery

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


# The search text: title and caption joined by a newline (a query cannot hold one, so no match spans
# the two). Spelled exactly as the trigram index posts_user_text indexes it.
SEARCH_TEXT = "(coalesce(title, '') || E'\\n' || coalesce(caption, ''))"


def _filters(query: PostsQuery) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {}
    # One value as `=`: an index condition on the sort indexes' platform/type key columns on every
    # Postgres (a list is one from PostgreSQL 17 on, a filter before).
    for column, values, kind in (("platform", query.platform, "platform"), ("type", query.type, "post_type")):
        if values and len(values) == 1:
            where.append(f"{column} = %({column})s::public.{kind}")
            params[column] = values[0]
        elif values:
            where.append(f"{column} = any(%({column})s::public.{kind}[])")
            params[column] = list(values)
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
        where.append(rf"{SEARCH_TEXT} ilike %(q)s escape '\'")
        params["q"] = f"%{escape_like(query.q)}%"
    return where, params


def _order_by(query: PostsQuery) -> tuple[str, str]:
    # Spelled exactly as the sort's index reads forward (desc nulls last) or backward (asc nulls first),
    # so the planner walks the index and stops at the limit; each branch holds no NULLs or only NULLs.
    # posted_at is NOT NULL and its index plain `desc`: a NULLS clause would not match it.
    col = query.sort
    nulls = (" nulls last", " nulls first") if SORTS[col][1] else ("", "")
    if query.order == "desc":
        return f"{col} desc{nulls[0]}, id desc", "<"
    return f"{col} asc{nulls[1]}, id asc", ">"


def page_sql(query: PostsQuery, after: tuple[Any, int] | None) -> tuple[str, dict[str, Any]]:
    """One statement for the page after `after` (sort value, id; None: the first page): its rows, at
    most limit + 1 (one more says there is a next page), each as (item JSON, sort value, id).

    The posts with a value come first, then (nullable sorts) the posts without one, by id: two index
    ranges of one index, joined by UNION ALL under one ORDER BY and LIMIT (a merge of two ordered index
    scans that stops at the limit). The items are JSON built by Postgres, in PostItem's field order.
    """
    col, (kind, nullable) = query.sort, SORTS[query.sort]
    order_by, cmp = _order_by(query)
    where, params = _filters(query)
    params["limit"] = query.limit + 1
    branches = []
    if after is None or after[0] is not None:
        valued = [*where, f"{col} is not null"] if nullable else list(where)
        if after is not None:
            valued.append(f"({col}, id) {cmp} (%(after_value)s::{kind}, %(after_id)s::bigint)")
            params.update(after_value=after[0], after_id=after[1])
        branches.append(valued)
    if nullable:
        empty = [*where, f"{col} is null"]
        if after is not None and after[0] is None:
            empty.append(f"id {cmp} %(after_id)s::bigint")
            params["after_id"] = after[1]
        branches.append(empty)
    selects = [
        f"select {COLUMNS} from private.my_posts{' where ' + ' and '.join(b) if b else ''}"
        f" order by {order_by} limit %(limit)s"
        for b in branches
    ]
    rows = selects[0] if len(selects) == 1 else " union all ".join(f"({s})" for s in selects) + " limit %(limit)s"
    return f"select row_to_json(p)::text as item, p.{col} as key, p.id from ({rows}) p", params


def list_posts_json(claims: Any, query: PostsQuery) -> str:
    """One page of the caller's posts as the response's JSON text (PostsResponse), in one round trip."""
    from shared.db import read_as_user

    after = decode_cursor(query, claims.user_id) if query.cursor else None
    statement, params = page_sql(query, after)
    rows = read_as_user(claims, statement, params)  # (item, key, id)
    next_cursor = None
    if len(rows) > query.limit:
        _, key, post_id = rows[query.limit - 1]
        next_cursor = encode_cursor(query, claims.user_id, key, post_id)
    items = ",".join(row[0] for row in rows[: query.limit])
    return f'{{"items":[{items}],"next_cursor":{json.dumps(next_cursor)}}}'


# CSV export --------------------------------------------------------------------------------------------

CSV_PAGE = 500
# OWASP "CSV injection": a cell a spreadsheet would read as a formula starts with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def wants_csv(request: Any) -> bool:
    """True when the Accept header prefers text/csv to JSON (JSON stays the default)."""
    if "csv" not in request.headers.get("Accept", ""):
        return False  # the usual case, without parsing the header
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
    sent, after = 0, None
    while True:
        size = CSV_PAGE if cap is None else min(CSV_PAGE, cap - sent)
        statement, params = page_sql(query.model_copy(update={"limit": size}), after)
        rows = conn.execute(statement, params).fetchall()
        for row in rows[:size]:
            item = json.loads(row["item"])
            writer.writerow([csv_cell(item[c]) for c in columns])
        sent += min(size, len(rows))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) <= size or (cap is not None and sent >= cap):
            return
        after = (rows[size - 1]["key"], rows[size - 1]["id"])


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
            conn.execute("select set_config('TimeZone', 'UTC', true)")  # the items' times, as the JSON listing's
            yield from csv_rows(conn, query, claims.user_id, cap)

    response = flask.Response(stream(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="posts.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
