"""CLI: uv run python -m scripts.sandbox --port 8787 --seed 7 [--effects F] [--faults F] [--trends F]."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from scripts.sandbox.config import SandboxConfigError, host_urls
from scripts.sandbox.server import start_sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--creators", type=int, default=3)
    parser.add_argument("--today", help="YYYY-MM-DD; default: today UTC")
    parser.add_argument("--effects", help="JSON file: list of planted effects")
    parser.add_argument("--faults", help="JSON file: list of fault rules")
    parser.add_argument("--trends", help="JSON file: trends scenario")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument(
        "--limits",
        action="store_true",
        help="refuse and count requests over the platforms' documented limits (limits.py)",
    )
    args = parser.parse_args(argv)
    try:
        handle = start_sandbox(
            port=args.port,
            seed=args.seed,
            effects=args.effects,
            faults=args.faults,
            today=args.today,
            creators=args.creators,
            trends=args.trends,
            latency_ms=args.latency_ms,
            host=args.host,
            limits=args.limits,
        )
    except (SandboxConfigError, OSError) as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 2
    print(
        json.dumps(
            {
                "base_url": handle.base_url,
                "port": handle.port,
                "seed": args.seed,
                "today": handle.world.today.isoformat(),
                "creators": args.creators,
                "platform_hosts": host_urls(handle.base_url),
            }
        ),
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    handle.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
