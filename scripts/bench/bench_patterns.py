"""Benchmark POST /api/ai/patterns at ~3,000 posts: the whole run and each of its phases.

Usage: uv run python -m scripts.bench.bench_patterns [--posts 3000] [--repeat 3]
Posts: sandbox creators with the planted effects (seed 11), fetched through the real platform clients and
stored under one user until she has `--posts` in the window, as a creator with a long, busy history.
Each repeat runs the service as the endpoint does (one transaction: posts, attributes, tests, insights,
virality model; no LLM: no key), min/median/max of the wall time and its phases. Reference: an
interactive budget (INTERACTIVE_BUDGET_S); what passes it is answered asynchronously (202).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

INTERACTIVE_BUDGET_S = 2.0
SANDBOX_TODAY = "2026-11-20"
PLANTED = [
    {"attribute": "camera_angle", "level": "overhead", "metric": "save_rate", "lift": 1.6},
    {"attribute": "audio_type", "level": "trending_audio", "metric": "share_rate", "lift": 1.5},
]


def _store_posts(database_url: str, target: int) -> tuple[str, int]:
    """A user with at least `target` posts from sandbox creators 0, 1, ... (fetched over HTTP)."""
    import psycopg

    from scripts.sandbox import start_sandbox
    from scripts.sandbox.fetched import fetch_creator_posts
    from shared.db import service_transaction
    from shared.services.analytics_store import upsert_posts

    user_id = str(uuid.uuid4())
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id, email) values (%s, 'patterns@bench.example')", (user_id,))
    stored = 0
    with start_sandbox(seed=11, creators=12, effects=PLANTED) as sandbox:
        for creator in range(12):
            posts = fetch_creator_posts(sandbox, creator)
            with service_transaction() as conn:
                upsert_posts(conn, user_id, posts)
            stored += len(posts)
            if stored >= target:
                break
    return user_id, stored


def _timed_run(user_id: str, window_days: int) -> dict[str, float]:
    """One detection run as the endpoint makes it, with the time of each phase."""
    from shared.db import service_transaction
    from shared.engines import patterns as engine
    from shared.services import patterns

    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    originals = {
        "load_posts": patterns.load_posts,
        "refresh_attributes": patterns.refresh_attributes,
        "store_virality_model": patterns.store_virality_model,
    }
    detect = engine.detect_patterns
    try:
        for name, fn in originals.items():
            setattr(patterns, name, timed(name, fn))
        engine.detect_patterns = timed("detect_patterns (incl. the model's folds)", detect)
        started = time.perf_counter()
        with service_transaction() as conn:
            run = patterns.run_pattern_detection(conn, user_id, window_days=window_days)
        phases["total"] = time.perf_counter() - started
    finally:
        for name, fn in originals.items():
            setattr(patterns, name, fn)
        engine.detect_patterns = detect
    phases["posts"] = run.posts_analyzed
    phases["insights"] = len(run.insights)
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--window-days", type=int, default=730)
    args = parser.parse_args()

    import os

    from scripts.localstack import migrate
    from scripts.localstack.postgres import start_embedded
    from shared import clock

    database = start_embedded(Path(tempfile.mkdtemp(prefix="bench-patterns-")) / "data", persistent=False)
    try:
        migrate.apply(database.url, bootstrap=True)
        os.environ.update({"APP_ENV": "local", "DATABASE_URL": database.url, "LOG_LEVEL": "WARNING"})
        os.environ.pop("ANTHROPIC_API_KEY", None)
        from shared.config import reset_settings

        reset_settings()
        with clock.frozen_at(SANDBOX_TODAY):
            user_id, stored = _store_posts(database.url, args.posts)
            runs = [_timed_run(user_id, args.window_days) for _ in range(args.repeat)]
    finally:
        database.stop()
    totals = sorted(r["total"] for r in runs)
    phases = {
        name: round(statistics.median(r[name] for r in runs), 3)
        for name in runs[0]
        if name not in ("total", "posts", "insights")
    }
    print(
        json.dumps(
            {
                "posts_stored": stored,
                "posts_analyzed": runs[0]["posts"],
                "insights": runs[0]["insights"],
                "window_days": args.window_days,
                "runs": [round(r["total"], 3) for r in runs],
                "total_s": {
                    "min": round(totals[0], 3),
                    "median": round(statistics.median(totals), 3),
                    "max": round(totals[-1], 3),
                },
                "phases_median_s": phases,
                "reference": f"interactive budget {INTERACTIVE_BUDGET_S} s",
                "within_budget": statistics.median(totals) <= INTERACTIVE_BUDGET_S,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
