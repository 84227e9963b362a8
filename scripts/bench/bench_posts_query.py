"""Benchmark GET /api/analytics/posts on 100 users x 10,000 posts: p50 latency against the raw SQL.

Usage: uv run python -m scripts.bench.bench_posts_query [--users 100] [--posts 10000] [--rounds 300]
Embedded Postgres in a temp dir, migrations applied, posts bulk-loaded with COPY. Measured in one run:
- raw: the exact SQL the service sends (captured from it), executed on a plain connection that has
  the caller's claims set once: execute + fetch only;
- service: PostsQuery parsing + user_transaction (role + claims, RLS) + list_posts, i.e. the code path
  of the function minus HTTP;
- http: the same request through the local gateway over HTTP (JWT verification included).
Queries: sort=save_rate desc, limit 20, platform=instagram; and its second page via the cursor.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg

PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
TYPES = {
    "instagram": ("reel", "image", "carousel"),
    "youtube": ("video", "short"),
    "pinterest": ("pin", "idea_pin", "video"),
    "tiktok": ("video",),
}
COLUMNS = (
    "user_id",
    "platform",
    "platform_post_id",
    "title",
    "type",
    "views",
    "reach",
    "likes",
    "comments",
    "saves",
    "shares",
    "watch_time_hrs",
    "completion_rate",
    "posted_at",
)


def _tsv(value: Any) -> str:
    return "\\N" if value is None else str(value)


def post_rows(user_id: str, n: int, rng: random.Random) -> str:
    """n posts of one user as COPY text, with each platform's missing metrics as NULL."""
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    out = io.StringIO()
    for i in range(n):
        platform = PLATFORMS[i % 4]
        views = int(rng.lognormvariate(7, 1.5))
        reach = int(views * rng.uniform(0.5, 0.9)) if platform == "instagram" else None
        saves = None if platform in ("youtube", "tiktok") else int(views * rng.uniform(0, 0.05))
        shares = None if platform == "pinterest" else int(views * rng.uniform(0, 0.03))
        completion = round(rng.uniform(0.1, 0.9), 4) if platform in ("youtube", "pinterest") else None
        row = (
            user_id,
            platform,
            f"{platform[:2]}{i}",
            f"post {i} about glaze {rng.randint(0, 999)}",
            rng.choice(TYPES[platform]),
            views,
            reach,
            int(views * rng.uniform(0, 0.1)),
            int(views * rng.uniform(0, 0.01)),
            saves,
            shares,
            round(views * rng.uniform(0, 0.01), 3),
            completion,
            (now - timedelta(minutes=rng.randint(0, 3 * 365 * 1440))).isoformat(),
        )
        out.write("\t".join(map(_tsv, row)) + "\n")
    return out.getvalue()


def load(url: str, users: int, posts: int) -> list[str]:
    """Create the users and COPY their posts; returns the user ids."""
    rng = random.Random(7)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(users)]
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into auth.users (id, aud, role, email) select u, 'authenticated', 'authenticated',"
            " u::text || '@bench.local' from unnest(%s::uuid[]) u",
            (ids,),
        )
        with conn.cursor().copy(f"copy posts ({', '.join(COLUMNS)}) from stdin") as copy:
            for user_id in ids:
                copy.write(post_rows(user_id, posts, rng))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze posts")
    return ids


class Recorder:
    """A connection stand-in that records the statements the service sends, then runs them."""

    def __init__(self, conn: Any):
        self.conn, self.statements = conn, list[Any]()

    def execute(self, sql: str, params: Any = None) -> Any:
        self.statements.append((sql, params))
        return self.conn.execute(sql, params)


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()

    from scripts.localstack import migrate
    from scripts.localstack.postgres import start_embedded

    database = start_embedded(Path(tempfile.mkdtemp(prefix="bench-posts-")) / "data", persistent=False)
    try:
        migrate.apply(database.url)
        started = time.perf_counter()
        users = load(database.url, args.users, args.posts)
        print(f"loaded {args.users} users x {args.posts} posts with COPY in {time.perf_counter() - started:.1f}s")
        run(database.url, users, args.rounds)
    finally:
        from shared.db import close_pool

        close_pool()
        database.stop()


def run(url: str, users: list[str], rounds: int) -> None:
    import httpx
    from psycopg.rows import dict_row

    from scripts.localstack.gateway import GatewayServer, build_app
    from scripts.localstack.identity import SigningKey, mint_token
    from shared.auth import UserClaims
    from shared.config import reset_settings
    from shared.db import close_pool, user_transaction
    from shared.models.posts import PostsQuery
    from shared.services.posts_query import list_posts

    key = SigningKey.generate()
    gateway = GatewayServer(build_app(jwks=key.jwks()))
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SUPABASE_URL": gateway.base_url,
            "APP_ENV": "local",
            "OAUTH_STATE_SECRET": "bench-" + "s" * 32,
            "LOG_LEVEL": "WARNING",
        }
    )
    reset_settings()
    close_pool()
    gateway.start()
    first = {"sort": "save_rate", "order": "desc", "limit": "20", "platform": "instagram"}

    def claims(user_id: str) -> UserClaims:
        return UserClaims(
            user_id=user_id,
            role="authenticated",
            email=None,
            raw={"sub": user_id, "role": "authenticated", "aud": "authenticated"},
        )

    def service(user_id: str, raw_query: dict[str, str], recorder: list | None = None) -> Any:
        query = PostsQuery.model_validate(raw_query)
        with user_transaction(claims(user_id)) as conn:
            if recorder is None:
                return list_posts(conn, query, user_id)
            target = Recorder(conn)
            page = list_posts(target, query, user_id)
            recorder.extend(target.statements)
            return page

    cursors = {u: service(u, first).next_cursor for u in users}
    cases = {"page 1": lambda u: first, "page 2": lambda u: {**first, "cursor": cursors[u]}}
    raw_conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, prepare_threshold=None)
    raw_conn.execute("set role authenticated")
    tokens = {
        u: mint_token(key, user_id=u, email=f"{u}@bench.local", issuer=f"{gateway.base_url}/auth/v1") for u in users
    }
    http = httpx.Client(base_url=gateway.base_url, timeout=10)
    print(
        f"{'query':8} {'raw SQL':>9} {'service':>9} {'ratio':>6} {'http':>9} {'ratio':>6}   (p50, {rounds} rounds;"
        " goal service <= 2x raw)"
    )
    try:
        for name, params_for in cases.items():
            statements: dict[str, list] = {}
            for u in users:
                statements[u] = []
                service(u, params_for(u), statements[u])
            raw_t, service_t, http_t = [], [], []
            rng = random.Random(11)
            # raw and service alternate so machine noise hits both alike; HTTP runs apart, since the
            # gateway thread still logs after answering and would overlap the next measurement.
            for _ in range(rounds):
                u = rng.choice(users)
                raw_conn.execute(
                    "select set_config('request.jwt.claims', %s, false)",
                    (f'{{"sub": "{u}", "role": "authenticated"}}',),
                )
                t0 = time.perf_counter()
                for sql, params in statements[u]:
                    raw_conn.execute(sql, params).fetchall()
                t1 = time.perf_counter()
                service(u, params_for(u))
                t2 = time.perf_counter()
                raw_t.append(t1 - t0)
                service_t.append(t2 - t1)
            for _ in range(rounds):
                u = rng.choice(users)
                t0 = time.perf_counter()
                response = http.get(
                    "/api/analytics/posts", params=params_for(u), headers={"Authorization": f"Bearer {tokens[u]}"}
                )
                http_t.append(time.perf_counter() - t0)
                assert response.status_code == 200, response.text
            raw, svc, web = p50(raw_t), p50(service_t), p50(http_t)
            print(
                f"{name:8} {raw:7.2f}ms {svc:7.2f}ms {svc / raw:5.2f}x {web:7.2f}ms {web / raw:5.2f}x"
                f"   ({len(statements[users[0]])} statement(s))"
            )
        sql, params = statements[users[0]][0]
        plan = raw_conn.execute("explain (analyze, buffers) " + sql, params).fetchall()
        print("plan of the page-2 statement:")
        for row in plan:
            print("   ", row["QUERY PLAN"])
    finally:
        http.close()
        raw_conn.close()
        gateway.stop()


if __name__ == "__main__":
    main()
