"""GET /api/analytics/posts through its HTTP handler against the best indexed SQL written by hand.

Usage: uv run python -m scripts.bench.bench_posts_query [--users 100] [--posts 10000] [--rounds 200]
           [--repeats 3] [--data-dir DIR] [--only substring]
Data: 100 creators x 10,000 posts (1M), each creator with her own platform mix, loaded with COPY in
publication order (scripts/bench/posts_data.py), into an embedded Postgres with the project's migrations
(shared_buffers 1 GB, so both sides read from memory). `--data-dir` keeps the database for the next run.

Reference (independent of the service): `reference.posts`, a copy of the same rows with no RLS and, for
every case, the B-tree a person would create for that one query (equality filters first, then the sort
columns, then range-filtered columns as extra keys), queried with SQL written here by hand for that case
and fetched as tuples over a plain psycopg connection (no prepared statements: Supabase's transaction
pooler allows none, and the service runs without them). Service: the deployed function's handler
(functions-framework's Flask app, called with the WSGI environ a server hands it) with a real ES256 token verified
through a JWKS endpoint, the request log line formatted (and discarded), RLS and all.
Cases: every sort in both orders, every filter (on the default sort) and three filter combinations, each
on page 1 and on a deep page (after row 5,000 of her posts, or the middle of what the filter matches).
Each round takes one random creator and times both sides back to back (which goes first alternates);
the whole list is repeated `--repeats` times. Printed per case: p50 of each side (min and median over
the repeats), the ratio of the medians (goal <= 2x) and the service's p99. Before timing, every case's
service page is checked against the reference's rows (same posts, same order, same next-page answer).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

from scripts.bench import posts_data

FIELDS = (
    "id",
    "platform",
    "platform_post_id",
    "type",
    "title",
    "caption",
    "url",
    "thumbnail_url",
    "posted_at",
    "duration_s",
    "views",
    "reach",
    "likes",
    "comments",
    "saves",
    "shares",
    "watch_time_hrs",
    "avg_watch_time_s",
    "completion_rate",
    "skip_rate",
    "outbound_clicks",
    "pin_clicks",
    "save_rate",
    "share_rate",
    "engagement_rate",
)
COLS = ", ".join(FIELDS)
SORTS = (
    "posted_at",
    "views",
    "reach",
    "likes",
    "comments",
    "saves",
    "shares",
    "save_rate",
    "share_rate",
    "engagement_rate",
    "completion_rate",
    "watch_time_hrs",
)
TYPES = {
    "posted_at": "timestamptz",
    "save_rate": "float8",
    "share_rate": "float8",
    "engagement_rate": "float8",
    "completion_rate": "float8",
    "watch_time_hrs": "float8",
}
DEEP_ROW = 5000
LIMIT = 20
TEXT = "(coalesce(title, '') || E'\\n' || coalesce(caption, ''))"

# The reference's indexes: for each case the B-tree a person would write for it.
REFERENCE_INDEXES = [
    *(
        f"(user_id, {s} desc, id desc)" if s == "posted_at" else f"(user_id, {s} desc nulls last, id desc)"
        for s in SORTS
    ),
    "(user_id, platform, posted_at desc, id desc)",
    "(user_id, type, posted_at desc, id desc)",
    "(user_id, posted_at desc, id desc, views)",
    "(user_id, platform, save_rate desc nulls last, id desc)",
    "(user_id, platform, type, views desc nulls last, id desc)",
    "(user_id, platform, type, posted_at desc, id desc)",
]


@dataclass
class Case:
    """One request shape: the service's query parameters and the equivalent hand-written SQL."""

    name: str
    sort: str
    order: str
    params: dict[str, str] = field(default_factory=dict)  # the filters, as the API takes them
    where: str = ""  # the same filters, written for the reference (user_id comes first anyway)

    @property
    def nullable(self) -> bool:
        return self.sort != "posted_at"

    def query(self) -> dict[str, str]:
        return {"sort": self.sort, "order": self.order, "limit": str(LIMIT), **self.params}

    def reference_sql(self, deep: bool, after_null: bool) -> str:
        """The page as a person writes it: keyset on the sort index, the NULLs (by id) after the values."""
        s, t = self.sort, TYPES.get(self.sort, "int8")
        desc = self.order == "desc"
        cmp = "<" if desc else ">"
        base = f"select {COLS} from reference.posts where user_id = %(u)s{self.where}"
        valued_order = f"{s} {'desc' if desc else 'asc'}, id {'desc' if desc else 'asc'}"
        if not self.nullable:
            keyset = f" and ({s}, id) {cmp} (%(v)s::{t}, %(i)s)" if deep else ""
            return f"{base}{keyset} order by {valued_order} limit {LIMIT + 1}"
        index_order = f"{s} desc nulls last, id desc" if desc else f"{s} asc nulls first, id asc"
        if deep and after_null:
            return f"{base} and {s} is null and id {cmp} %(i)s order by {index_order} limit {LIMIT + 1}"
        nulls = f"({base} and {s} is null order by {index_order} limit {LIMIT + 1})"
        keyset = f" and ({s}, id) {cmp} (%(v)s::{t}, %(i)s)" if deep else f" and {s} is not null"
        valued = f"({base}{keyset} order by {index_order} limit {LIMIT + 1})"
        return f"{valued} union all {nulls} limit {LIMIT + 1}"

    def order_sql(self) -> str:
        s, desc = self.sort, self.order == "desc"
        if not self.nullable:
            return f"{s} {'desc' if desc else 'asc'}, id {'desc' if desc else 'asc'}"
        return f"{s} is null, {s} {'desc' if desc else 'asc'}, id {'desc' if desc else 'asc'}"


def cases() -> list[Case]:
    found = [Case(f"sort {s} {o}", s, o) for s in SORTS for o in ("desc", "asc")]
    found += [
        Case("filter platform=youtube", "posted_at", "desc", {"platform": "youtube"}, " and platform = 'youtube'"),
        Case("filter type=reel", "posted_at", "desc", {"type": "reel"}, " and type = 'reel'"),
        Case(
            "filter from/to (365 days)",
            "posted_at",
            "desc",
            {"from": "2025-11-01", "to": "2026-10-31"},
            " and posted_at >= '2025-11-01T00:00:00Z' and posted_at < '2026-11-01T00:00:00Z'",
        ),
        Case("filter min_views=2000", "posted_at", "desc", {"min_views": "2000"}, " and views >= 2000"),
        Case("filter q=crochet", "posted_at", "desc", {"q": "crochet"}, f" and {TEXT} ilike '%%crochet%%'"),
        Case(
            "save_rate desc + platform", "save_rate", "desc", {"platform": "instagram"}, " and platform = 'instagram'"
        ),
        Case(
            "views desc + platform + type",
            "views",
            "desc",
            {"platform": "instagram", "type": "reel"},
            " and platform = 'instagram' and type = 'reel'",
        ),
        Case(
            "posted_at desc + platform + type",
            "posted_at",
            "desc",
            {"platform": "pinterest", "type": "pin"},
            " and platform = 'pinterest' and type = 'pin'",
        ),
    ]
    return found


# ---------------------------------------------------------------------------------------------- setup


def _one(conn: Any, statement: str) -> Any:
    row = conn.execute(statement).fetchone()
    assert row is not None, "a one-value query always answers"
    return row[0]


def prepare_database(data_dir: Path | None, users: int, posts: int) -> tuple[Any, list[str]]:
    """Embedded Postgres with the migrations, the posts and the reference copy with its indexes."""
    from scripts.localstack import migrate
    from scripts.localstack.postgres import start_embedded

    persistent = data_dir is not None
    directory = data_dir or Path(tempfile.mkdtemp(prefix="bench-posts-")) / "data"
    database = start_embedded(directory, persistent=persistent)
    with psycopg.connect(database.url, autocommit=True) as conn:
        if _one(conn, "show shared_buffers") != "1GB":
            conn.execute("alter system set shared_buffers = '1GB'")
            database.halt()
            database.resume()
    migrate.apply(database.url)
    ids = posts_data.user_ids(users)
    with psycopg.connect(database.url, autocommit=True) as conn:
        have = _one(conn, "select count(*) from posts")
        if have != users * posts:
            started = time.perf_counter()
            conn.execute("truncate posts cascade")
            conn.execute("delete from auth.users where email like '%%@bench.local'")
            conn.execute(
                "insert into auth.users (id, aud, role, email) select u, 'authenticated', 'authenticated',"
                " u::text || '@bench.local' from unnest(%s::uuid[]) u",
                (ids,),
            )
            _, rows = posts_data.generate(users, posts)
            with conn.transaction():
                posts_data.copy_posts(conn, rows)
            del rows
            conn.execute("vacuum analyze posts")
            conn.execute("drop schema if exists reference cascade")
            print(f"loaded {users} creators x {posts} posts with COPY in {time.perf_counter() - started:.0f} s")
        if _one(conn, "select to_regclass('reference.posts')") is None:
            started = time.perf_counter()
            conn.execute("create schema reference")
            conn.execute(f"create table reference.posts as select {COLS}, user_id from public.posts")
            for n, columns in enumerate(REFERENCE_INDEXES):
                conn.execute(f"create index reference_posts_{n} on reference.posts {columns}")
            conn.execute(
                f"create index reference_posts_text on reference.posts using gin (user_id, {TEXT}"
                " extensions.gin_trgm_ops)"
            )
            conn.execute("vacuum analyze reference.posts")
            print(
                f"built the reference copy and its {len(REFERENCE_INDEXES) + 1} indexes in"
                f" {time.perf_counter() - started:.0f} s"
            )
    return database, ids


class _Jwks(BaseHTTPRequestHandler):
    document = b"{}"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.document)))
        self.end_headers()
        self.wfile.write(self.document)

    def log_message(self, *args: Any) -> None:
        pass


def deep_keys(conn: Any, case: Case, users: list[str]) -> dict[str, tuple[Any, int, bool]]:
    """Per creator: (sort value, id, in the NULL part) of the row a deep page starts after."""
    keys = {}
    for user in users:
        count = conn.execute(
            f"select count(*) from reference.posts where user_id = %(u)s{case.where}", {"u": user}
        ).fetchone()[0]
        offset = min(DEEP_ROW, count // 2) - 1
        row = conn.execute(
            f"select {case.sort}, id from reference.posts where user_id = %(u)s{case.where}"
            f" order by {case.order_sql()} offset %(o)s limit 1",
            {"u": user, "o": max(0, offset)},
        ).fetchone()
        keys[user] = (row[0], row[1], row[0] is None)
    return keys


def call_wsgi(app: Any, path: str, query: dict[str, str], headers: dict[str, str]) -> bytes:
    """One GET through the WSGI app with the environ a server (gunicorn on Cloud Run) hands it."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(query),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_ACCEPT": "*/*",
        "HTTP_USER_AGENT": "bench",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    status: list[str] = []
    body = b"".join(app(environ, lambda line, _headers, _exc=None: status.append(line)))
    assert status[0].startswith("200"), body[:300]
    return body


# ---------------------------------------------------------------------------------------------- run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--only", default="")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="a third side: the framework's floor (FLOOR_FUNCTION: the reference SQL as JSON, no token, no RLS)",
    )
    args = parser.parse_args()

    database, users = prepare_database(args.data_dir, args.users, args.posts)
    try:
        selected = [c for c in cases() if args.only in c.name]
        run(database.url, users, args.rounds, args.repeats, selected, floor=args.floor)
    finally:
        from shared.db import close_pool

        close_pool()
        if args.data_dir is None:
            database.stop()


# The framework's floor: a functions-framework function answering the reference's page as the same JSON
# (Postgres builds it), with no token check, no query validation, no RLS, no cursor and no request log. The
# service's time over this is what the project adds per request; this over the reference is what the
# framework and the JSON cost.
FLOOR_FUNCTION = """import flask
import functions_framework

from scripts.bench.bench_posts_query import FLOOR_STATE


@functions_framework.http
def handler(request):
    rows = FLOOR_STATE["conn"].execute(FLOOR_STATE["sql"], FLOOR_STATE["params"]).fetchall()
    items = ",".join(row[0] for row in rows[:20])
    return flask.Response('{"items":[' + items + "]}", content_type="application/json")
"""
FLOOR_STATE: dict[str, Any] = {}


def floor_sql(reference_sql: str) -> str:
    """The reference's page as the items' JSON, built by Postgres as the service builds it."""
    return f"select row_to_json(r)::text from ({reference_sql}) r"


def run(url: str, users: list[str], rounds: int, repeats: int, selected: list[Case], floor: bool = False) -> None:
    import functions_framework

    from scripts.localstack.identity import SigningKey, mint_token
    from shared.config import reset_settings
    from shared.logging import configure_logging
    from shared.models.posts import PostsQuery
    from shared.services.posts_query import encode_cursor

    key = SigningKey.generate()
    _Jwks.document = json.dumps(key.jwks()).encode()
    jwks = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=jwks.serve_forever, daemon=True).start()
    issuer_base = f"http://127.0.0.1:{jwks.server_port}"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SUPABASE_URL": issuer_base,
            "APP_ENV": "local",
            "OAUTH_STATE_SECRET": "bench-" + "s" * 32,
            "LOG_LEVEL": "INFO",
            "DB_POOL_MAX_SIZE": "2",
        }
    )
    reset_settings()
    configure_logging("INFO", stream=open(os.devnull, "w"))  # request lines formatted as deployed, then dropped
    root = Path(__file__).resolve().parents[2]
    app = functions_framework.create_app("handler", str(root / "functions" / "analytics_posts" / "main.py"))
    tokens = {
        u: mint_token(key, user_id=u, email=f"{u}@bench.local", issuer=f"{issuer_base}/auth/v1", ttl_s=24 * 3600)
        for u in users
    }
    ref = psycopg.connect(url, autocommit=True, prepare_threshold=None)
    floor_app = None
    if floor:
        import sys

        # Run as `python -m`, this module is __main__: the floor function's import must find this one.
        sys.modules.setdefault("scripts.bench.bench_posts_query", sys.modules[__name__])
        floor_file = Path(tempfile.mkdtemp(prefix="bench-floor-")) / "main.py"
        floor_file.write_text(FLOOR_FUNCTION)
        floor_app = functions_framework.create_app("handler", str(floor_file))
        FLOOR_STATE["conn"] = psycopg.connect(url, autocommit=True, prepare_threshold=None, options="-c TimeZone=UTC")
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} at start; {rounds} rounds x {repeats}"
        f" repeats per case; times in ms"
    )
    floor_head = f" {'floor p50':>15} {'svc/floor':>9}" if floor_app else ""
    print(f"{'case':36} {'page':5} {'reference p50':>15} {'service p50':>15} {'ratio':>6} {'svc p99':>8}{floor_head}")
    print(f"{'':36} {'':5} {'min / median':>15} {'min / median':>15} {'median':>6}")
    worst = 0.0
    for case in selected:
        keys = deep_keys(ref, case, users)
        for page in ("1", "deep"):
            deep = page == "deep"

            def request_for(  # called within this iteration: the loop's variables are the ones meant
                user: str, case: Case = case, deep: bool = deep, keys: dict = keys
            ) -> tuple[dict[str, str], str, dict[str, Any]]:
                query = case.query()
                sql_params: dict[str, Any] = {"u": user}
                after_null = False
                if deep:
                    value, post_id, after_null = keys[user]
                    model = PostsQuery.model_validate(query)
                    query["cursor"] = encode_cursor(model, user, value, post_id)
                    sql_params |= {"v": value, "i": post_id}
                return query, case.reference_sql(deep, after_null), sql_params

            def service(user: str, query: dict[str, str]) -> bytes:
                return call_wsgi(app, "/api/analytics/posts", query, {"Authorization": f"Bearer {tokens[user]}"})

            for user in users[:10]:  # the service answers what the reference answers
                query, sql, sql_params = request_for(user)
                expected = ref.execute(sql, sql_params).fetchall()
                body = json.loads(service(user, query))
                got = [item["id"] for item in body["items"]]
                assert got == [r[0] for r in expected[:LIMIT]], (
                    case.name,
                    page,
                    user,
                    got[:5],
                    [r[0] for r in expected[:5]],
                )
                assert (body["next_cursor"] is not None) == (len(expected) > LIMIT), (case.name, page)
                if floor_app is not None:
                    FLOOR_STATE.update(sql=floor_sql(sql), params=sql_params)
                    floor_items = json.loads(call_wsgi(floor_app, "/", query, {}))["items"]
                    assert floor_items == body["items"], (case.name, page, "floor")
            sides = 3 if floor_app is not None else 2
            p50s: list[list[float]] = [[] for _ in range(sides)]
            svc_all: list[float] = []
            rng = random.Random(zlib.crc32(f"{case.name}/{page}".encode()))
            for _ in range(repeats):
                times: list[list[float]] = [[] for _ in range(sides)]
                for n in range(rounds):
                    user = rng.choice(users)
                    query, sql, sql_params = request_for(user)
                    FLOOR_STATE.update(sql=floor_sql(sql), params=sql_params)
                    for side in [(n + k) % sides for k in range(sides)]:  # each side goes first in turn
                        started = time.perf_counter()
                        if side == 0:
                            ref.execute(sql, sql_params).fetchall()
                        elif side == 1:
                            service(user, query)
                        else:
                            call_wsgi(floor_app, "/", query, {})
                        times[side].append(time.perf_counter() - started)
                for side in range(sides):
                    p50s[side].append(statistics.median(times[side]) * 1000)
                svc_all += times[1]
            svc_all.sort()
            p99 = svc_all[int(0.99 * (len(svc_all) - 1))] * 1000
            ref_p50, svc_p50 = p50s[0], p50s[1]
            ratio = statistics.median(svc_p50) / statistics.median(ref_p50)
            worst = max(worst, ratio)
            floor_cols = ""
            if floor_app is not None:
                floor_p50 = p50s[2]
                floor_cols = (
                    f" {min(floor_p50):6.2f} / {statistics.median(floor_p50):6.2f}"
                    f" {statistics.median(svc_p50) / statistics.median(floor_p50):8.2f}x"
                )
            print(
                f"{case.name:36} {page:5} {min(ref_p50):6.2f} / {statistics.median(ref_p50):6.2f}"
                f" {min(svc_p50):6.2f} / {statistics.median(svc_p50):6.2f} {ratio:5.2f}x {p99:8.2f}{floor_cols}",
                flush=True,
            )
    load = os.getloadavg()
    print(f"worst ratio {worst:.2f}x (goal <= 2x); load average {load[0]:.2f} at the end")
    ref.close()
    jwks.shutdown()


if __name__ == "__main__":
    main()
