"""Benchmark the posts upsert (COPY → temp table → insert … on conflict) on 100,000 rows.

Usage: uv run python -m scripts.bench.bench_upsert [--rows N] [--repeat 3]
Baseline, measured in the same run on the same rows: a raw COPY into `posts` itself (same keys, sort
indexes and generated rate columns), the fastest way those rows can enter that table. Candidate:
`analytics_store.upsert_post_rows` into `posts`, once into an empty table (inserts), once over unchanged
rows and once with every post's views changed (updates). Goal: upsert throughput >= 0.5x COPY's.
Each repeat times both sides on a freshly truncated table, which one goes first alternating; min and
median of the throughput ratios.
Also printed: a COPY into a plain table without indexes, to show what the indexes themselves cost.
Embedded Postgres on a temp dir with the project's migrations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def _count(conn: Any, statement: str) -> int:
    row = conn.execute(statement).fetchone()
    assert row is not None, "a count always answers"
    return int(row[0])


def make_rows(user_id: str, count: int, seed: int = 7) -> list[tuple]:
    from shared.platforms.models import PostRecord
    from shared.services.analytics_store import post_rows

    rng = random.Random(seed)
    start = dt.datetime(2024, 11, 1, tzinfo=dt.timezone.utc)
    platforms = ("instagram", "youtube", "pinterest", "tiktok")
    posts = [
        PostRecord(
            platform=platforms[i % 4],
            platform_post_id=f"p{i}",
            title=f"post {i}",
            caption="a handmade resin tray, start to finish #resinart " * 2,
            type="video",
            posted_at=start + dt.timedelta(minutes=10 * i),
            url=f"https://example.com/p/{i}",
            duration_s=rng.uniform(5, 600),
            views=rng.randint(100, 10**6),
            reach=rng.randint(50, 10**6),
            likes=rng.randint(0, 10**4),
            comments=rng.randint(0, 500),
            saves=None if i % 4 in (1, 3) else rng.randint(0, 10**3),
            shares=None if i % 4 == 2 else rng.randint(0, 10**3),
            raw_metrics={"views": i},
        )
        for i in range(count)
    ]
    return list(post_rows(user_id, posts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import psycopg

    from scripts.localstack import migrate
    from scripts.localstack.postgres import start_embedded
    from shared.services.analytics_store import POST_COLUMNS, upsert_post_rows

    database = start_embedded(Path(tempfile.mkdtemp(prefix="bench-upsert-")) / "data", persistent=False)
    try:
        migrate.apply(database.url, bootstrap=True)
        user_id = str(uuid.uuid4())
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute("insert into auth.users (id, email) values (%s, 'bench@example.com')", (user_id,))
            conn.execute("create table plain_posts as select " + ", ".join(POST_COLUMNS) + " from posts limit 0")
        rows = make_rows(user_id, args.rows)

        def timed(work) -> float:
            with psycopg.connect(database.url) as conn:
                started = time.perf_counter()
                with conn.transaction():
                    work(conn)
                return time.perf_counter() - started

        def raw_copy(conn) -> None:
            with conn.cursor() as cur, cur.copy(f"copy plain_posts ({', '.join(POST_COLUMNS)}) from stdin") as copy:
                for row in rows:
                    copy.write_row(row)

        def copy_into_posts(conn) -> None:  # the baseline: the same COPY into posts with all its indexes
            with conn.cursor() as cur, cur.copy(f"copy posts ({', '.join(POST_COLUMNS)}) from stdin") as copy:
                for row in rows:
                    copy.write_row(row)

        def fresh() -> None:
            with psycopg.connect(database.url, autocommit=True) as conn:
                conn.execute("truncate posts cascade")
                conn.execute("vacuum analyze posts")

        def upserts(run: int) -> dict[str, float]:
            fresh()
            times = {"new": timed(lambda conn: upsert_post_rows(conn, rows))}
            times["unchanged"] = timed(lambda conn: upsert_post_rows(conn, rows))
            changed = [(*row[:10], row[10] + run + 1, *row[11:]) for row in rows]  # every post's views grew
            times["changed"] = timed(lambda conn: upsert_post_rows(conn, changed))
            return times

        def copy() -> float:
            fresh()
            return timed(copy_into_posts)

        plain_copy_s = timed(raw_copy)
        samples = []
        for run in range(args.repeat):  # alternate which side goes first
            if run % 2 == 0:
                copy_s = copy()
                samples.append({"copy": copy_s, **upserts(run)})
            else:
                times = upserts(run)
                samples.append({"copy": copy(), **times})
        with psycopg.connect(database.url) as conn:
            indexes = _count(conn, "select count(*) from pg_indexes where tablename = 'posts'")
            stored = _count(conn, "select count(*) from posts")
        assert stored == args.rows, stored
    finally:
        database.stop()
    import statistics

    def summary(kind: str) -> dict[str, float]:
        ratios = sorted(sample["copy"] / sample[kind] for sample in samples)  # throughput vs COPY's
        return {
            "s_median": round(statistics.median(sample[kind] for sample in samples), 3),
            "throughput_ratio_min": round(ratios[0], 3),
            "throughput_ratio_median": round(statistics.median(ratios), 3),
        }

    print(
        json.dumps(
            {
                "rows": args.rows,
                "posts_indexes": indexes,
                "repeats": args.repeat,
                "reference_copy_into_posts_s_median": round(statistics.median(s["copy"] for s in samples), 3),
                "copy_into_unindexed_table_s": round(plain_copy_s, 3),
                "upsert_new": summary("new"),
                "upsert_unchanged": summary("unchanged"),
                "upsert_changed": summary("changed"),
                "goal": "throughput ratio >= 0.5 (upsert time <= 2x COPY into posts)",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
