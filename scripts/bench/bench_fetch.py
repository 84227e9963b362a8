"""Benchmark the fetch cron over 1,000 sandbox connections under the platforms' documented limits.

Usage: uv run python -m scripts.bench.bench_fetch [--connections 1000] [--latency-ms 200] [--repeat 3]
                                                  [--platforms tiktok] [--backfill] [--warm]
                                                  [--limits-off --concurrency 16]
Each repeat starts a fresh sandbox (`python -m scripts.sandbox --limits`, its own process, so its CPU does
not compete with the run's event loop) and a fresh database; connections go round-robin over the
platforms, one sandbox creator each, tokens minted through the sandbox admin API, last fetched yesterday
(the daily run; `--backfill` measures first runs). The run uses the app's own defaults: the quota ledger
for app-wide limits, per-token windows for per-user ones, DEFAULT_LIMITS as the per-process ceiling.
The sandbox refuses and counts every request over a documented limit (GET /_sandbox/limits).
Reference (scripts/bench/fetch_ideal.py, from docs/platform-apis.md, not from the code under test): the
largest of each documented limit's bound on its busiest key (a sliding window lets W requests go at once,
the next W a window later) and, per platform, requests x latency / the requests a run keeps in flight
(no platform documents a concurrency limit; the run's is a setting). Requests per connection are set
against the minimum a daily run needs (fetch_ideal.minimum_requests, from the sandbox's truth of posts).
`--platforms tiktok`: 1,000 TikTok connections, where TikTok's 600 a minute per endpoint binds.
`--limits-off --concurrency N`: the old yardstick (no limits, N requests in flight per platform).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
HOSTS = {
    "instagram": ("graph.instagram.com",),
    "youtube": ("www.googleapis.com", "youtubeanalytics.googleapis.com"),
    "pinterest": ("api.pinterest.com",),
    "tiktok": ("open.tiktokapis.com",),
}


def _start_sandbox(creators: int, latency_ms: int, limits: bool) -> tuple[subprocess.Popen, str]:
    command = [
        sys.executable,
        "-m",
        "scripts.sandbox",
        "--port",
        "0",
        "--creators",
        str(creators),
        "--latency-ms",
        str(latency_ms),
    ] + (["--limits"] if limits else [])
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    )
    line = child.stdout.readline()  # type: ignore[union-attr]
    return child, json.loads(line)["base_url"]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _connect_all(base_url: str, count: int, platforms: list[str], backfilled: bool) -> list[str]:
    """Mint tokens for creators 0..count-1 and store one connection each; returns the user ids."""
    import httpx

    from shared import clock
    from shared.config import get_settings
    from shared.db import service_transaction
    from shared.platforms.models import Profile, TokenSet
    from shared.services.connections import save_connection
    from shared.vault import TokenVault

    vault = TokenVault.from_settings(get_settings())
    per_user = len(platforms)  # one connection per platform per user
    users = [str(uuid.uuid4()) for _ in range((count + per_user - 1) // per_user)]
    now = clock.now()
    import psycopg

    url = get_settings().database_url
    assert url is not None, "the bench runs on the local stack, which sets DATABASE_URL"
    with psycopg.connect(url.get_secret_value()) as conn:  # as Supabase Auth would
        for user in users:
            conn.execute("insert into auth.users (id, email) values (%s, %s)", (user, f"{user}@bench.example"))
    with httpx.Client(base_url=f"{base_url}/_sandbox", timeout=30) as admin, service_transaction() as conn:
        for creator in range(count):
            platform = platforms[creator % len(platforms)]
            minted = admin.post("/tokens/mint", json={"platform": platform, "creator": creator}).json()
            tokens = TokenSet(
                access_token=minted["access_token"],
                refresh_token=minted.get("refresh_token"),
                access_expires_at=now + dt.timedelta(seconds=minted["expires_in"]),
            )
            save_connection(
                conn,
                vault,
                user_id=users[creator // per_user],
                platform=platform,
                tokens=tokens,
                profile=Profile(platform=platform, platform_user_id=str(minted["user_id"])),
            )
        if backfilled:
            conn.execute(
                "update platform_connections set backfilled_at = now() - interval '1 day',"
                " last_fetched_at = now() - interval '1 day'"
            )
    return users


def _one_run(args: argparse.Namespace, first: bool) -> dict:
    """A fresh sandbox and database, the connections stored, one timed fetch run; what it did."""
    from scripts.localstack import migrate
    from scripts.localstack.postgres import start_embedded
    from scripts.localstack.stack import SANDBOX_CLIENTS
    from scripts.sandbox.config import host_urls

    real = not args.limits_off
    sandbox, base_url = _start_sandbox(args.connections, args.latency_ms, limits=real)
    database = start_embedded(Path(tempfile.mkdtemp(prefix="bench-fetch-")) / "data", persistent=False)
    env = {
        "APP_ENV": "local",
        "DATABASE_URL": database.url,
        "DB_POOL_MAX_SIZE": "8",
        "LOG_LEVEL": "WARNING",
        "TOKEN_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "PLATFORM_HOSTS_JSON": json.dumps(host_urls(base_url)),
        "PLATFORM_CREDENTIALS_JSON": json.dumps(SANDBOX_CLIENTS),
        "FETCH_MAX_IN_FLIGHT": str(args.connections),
        "FETCH_BUDGET_S": "3600",
        "PLATFORM_LIMITS_JSON": "{}",
    }
    if not real:  # the old yardstick: a concurrency per platform and no rate cap
        env["PLATFORM_LIMITS_JSON"] = json.dumps(
            {p: {"concurrency": args.concurrency, "requests_per_second": 10_000, "burst": 10_000} for p in PLATFORMS}
        )
    try:
        migrate.apply(database.url, bootstrap=True)
        os.environ.update(env)
        import httpx

        from shared.config import get_settings, reset_settings
        from shared.logging import configure_logging
        from shared.services.fetch_run import run_fetch

        reset_settings()
        configure_logging("WARNING")
        _connect_all(base_url, args.connections, args.platforms.split(","), backfilled=not args.backfill)
        if args.warm:  # let the sandbox generate every creator's posts before the clock starts
            with httpx.Client(base_url=f"{base_url}/_sandbox", timeout=120) as admin:
                for creator in range(args.connections):
                    admin.get(f"/posts/{args.platforms.split(',')[creator % len(args.platforms.split(','))]}/{creator}")
        started, cpu_started, sandbox_cpu_started = time.perf_counter(), time.process_time(), _cpu_s(sandbox.pid)
        result = run_fetch(get_settings())
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        sandbox_cpu = _cpu_s(sandbox.pid) - sandbox_cpu_started
        stats = httpx.get(f"{base_url}/_sandbox/stats", timeout=30).json()["requests"]
        limits = httpx.get(f"{base_url}/_sandbox/limits", timeout=30).json()
        minimum = _minimum(base_url, args) if first else None
    finally:
        from shared.db import close_pool

        close_pool()  # the next repeat's database is another one
        sandbox.terminate()
        sandbox.wait(timeout=10)
        database.stop()
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "sandbox_cpu_s": sandbox_cpu,
        "result": result,
        "stats": stats,
        "limits": limits,
        "minimum": minimum,
        "load_average": os.getloadavg()[1],
    }  # other work on the box


def _minimum(base_url: str, args: argparse.Namespace) -> dict[str, int]:
    """Per platform, the fewest requests its connections' daily run needs (fetch_ideal.minimum_requests),
    from the sandbox's truth of each creator's posts."""
    import httpx

    from scripts.bench.fetch_ideal import ACCOUNT_DAYS, minimum_requests
    from shared import clock

    platforms, now_s = args.platforms.split(","), clock.now().timestamp()  # the run's clock
    total: dict[str, int] = {}
    with httpx.Client(base_url=f"{base_url}/_sandbox", timeout=120) as admin:
        for creator in range(args.connections):
            platform = platforms[creator % len(platforms)]
            posts = [
                (p["timestamp"], "video" in str(p["kind"]).lower())
                for p in admin.get(f"/posts/{platform}/{creator}").json()["posts"]
            ]
            total[platform] = total.get(platform, 0) + minimum_requests(platform, posts, now_s, ACCOUNT_DAYS)
    return total


def _requests_by_platform(stats: dict[str, int]) -> dict[str, int]:
    return {p: sum(n for k, n in stats.items() if k.startswith(HOSTS[p])) for p in PLATFORMS}


def _report(args: argparse.Namespace, runs: list[dict]) -> dict:
    import statistics

    from scripts.bench.fetch_ideal import ideal_seconds
    from shared.platforms.transport import DEFAULT_LIMITS

    latency = args.latency_ms / 1000
    rows = []
    for run in runs:
        requests = _requests_by_platform(run["stats"])
        in_flight = {p: args.concurrency if args.limits_off else DEFAULT_LIMITS[p].concurrency for p in PLATFORMS}
        ideal, bounds = ideal_seconds(
            run["limits"].get("busiest_key", {}), _daily(run["limits"]), latency, requests, in_flight
        )
        rows.append(
            {
                "wall_s": run["wall_s"],
                "ideal_s": ideal,
                "ratio": run["wall_s"] / ideal,
                "bounds": bounds,
                "requests": requests,
                "over": run["limits"].get("over_limit_total"),
            }
        )
    ratios = sorted(r["ratio"] for r in rows)
    last, connections = runs[-1], _connections_by_platform(args)
    cores = len(os.sched_getaffinity(0))
    return {
        "connections": connections,
        "mode": "backfill" if args.backfill else "incremental (daily run)",
        "latency_ms": args.latency_ms,
        "limits": "off" if args.limits_off else "the platforms' documented limits",
        "reference": "ideal = max(each documented limit's bound on its busiest key, requests x latency / requests"
        " in flight a run allows per platform)",
        "runs": [
            {
                "wall_s": round(r["wall_s"], 2),
                "ideal_s": round(r["ideal_s"], 2),
                "ratio": round(r["ratio"], 3),
                "over_limit": r["over"],
                "load_average_5min": round(run["load_average"], 1),
            }
            for r, run in zip(rows, runs)
        ],
        "ratio": {"min": round(ratios[0], 3), "median": round(statistics.median(ratios), 3)},
        "over_limit_total": sum(r["over"] or 0 for r in rows),
        "goal": "ratio <= 1.3, 0 over any limit",
        "binding_bounds": [
            {"bound": b.limit, "requests": b.requests, "seconds": round(b.seconds, 2)} for b in rows[-1]["bounds"][:6]
        ],
        "connections_done": [r["result"].connections_done for r in runs],
        "errors": [r["result"].errors for r in runs],
        "requests_per_connection": {
            p: round(n / connections[p], 2) for p, n in rows[-1]["requests"].items() if connections.get(p)
        },
        "minimum_per_connection": {p: round(n / connections[p], 2) for p, n in (runs[0]["minimum"] or {}).items()},
        "requests_by_endpoint": last["stats"],
        "limits_counted": last["limits"],
        "cpu_s": {
            "run": round(last["cpu_s"], 2),
            "sandbox": round(last["sandbox_cpu_s"], 2),
            "cores": cores,
            "busy_share_of_machine": round((last["cpu_s"] + last["sandbox_cpu_s"]) / (last["wall_s"] * cores), 2),
        },
    }


def _daily(limits: dict) -> dict[str, int]:
    """Units spent per daily quota (summed over the app's days; one day in a run)."""
    used: dict[str, int] = {}
    for key, units in (limits.get("youtube_units_today") or {}).items():
        name = "youtube_search_calls_per_day" if key.startswith("yt-search") else "youtube_data_units_per_day"
        used[name] = used.get(name, 0) + units
    return used


def _connections_by_platform(args: argparse.Namespace) -> dict[str, int]:
    platforms = args.platforms.split(",")
    return {p: sum(1 for c in range(args.connections) if platforms[c % len(platforms)] == p) for p in platforms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--limits-off",
        action="store_true",
        help="the old yardstick: no platform limits, --concurrency requests per platform",
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backfill", action="store_true")
    parser.add_argument(
        "--platforms",
        default=",".join(PLATFORMS),
        help="connections go round-robin over these (tiktok alone: a limit that binds)",
    )
    parser.add_argument("--warm", action="store_true", help="generate the sandbox's creators before timing")
    args = parser.parse_args()

    runs = []
    for index in range(args.repeat):
        run = _one_run(args, first=index == 0)
        runs.append(run)
        print(
            json.dumps(
                {
                    "run": index + 1,
                    "wall_s": round(run["wall_s"], 2),
                    "over_limit": run["limits"].get("over_limit_total"),
                    "requests": sum(run["stats"].values()),
                }
            ),
            flush=True,
        )
    print(json.dumps(_report(args, runs), indent=1))


if __name__ == "__main__":
    main()
