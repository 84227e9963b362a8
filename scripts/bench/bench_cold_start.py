"""Cold start of every deploy bundle: import time and first-request time, as ratios to a bare function.

Each function's bundle is built exactly as the deploy builds it (its main.py and the whole shared/
library, loaded lazily) and probed from inside the bundle directory, without the repository on the path.
Each measurement runs in a fresh interpreter (that is what a cold start is), alternating the baseline
(a bare functions-framework function) and the bundle so machine noise hits both alike; medians of
several rounds. The first request is one without credentials (401 for user and cron functions, the
error redirect for the OAuth callback): it exercises settings, the handler wrapper and error mapping;
a request with a token additionally loads the JWT library (~70 ms) and, past auth, psycopg and the
service modules.
Usage: `uv run python -m scripts.bench.bench_cold_start [--rounds 5] [--only name,name]`
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from functions.manifest import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
BARE = """import functions_framework

@functions_framework.http
def handler(request):
    return "ok"
"""

PROBE = r"""
import importlib.util, json, sys, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("main", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["main"] = module
spec.loader.exec_module(module)
t1 = time.perf_counter()
from werkzeug.test import EnvironBuilder
import flask
app = flask.Flask("probe")
method = sys.argv[2]
with app.test_request_context(EnvironBuilder(path=sys.argv[3], method=method).path, method=method):
    response = module.handler(flask.request)
t2 = time.perf_counter()
status = getattr(response, "status_code", 200)
print(json.dumps({"import_s": t1 - t0, "first_request_s": t2 - t1, "status": status}))
"""


def _probe(entry: Path, method: str, path: str) -> dict[str, float]:
    env = {
        "PYTHONPATH": str(entry.parent),
        "PATH": "/usr/bin:/bin",
        "APP_ENV": "local",
        "SUPABASE_URL": "http://127.0.0.1:9",
        "LOG_LEVEL": "ERROR",
    }
    out = subprocess.run(
        [sys.executable, "-s", "-c", PROBE, str(entry), method, path],
        capture_output=True,
        text=True,
        env=env,
        cwd=entry.parent,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _build_bundles(names: list[str]) -> dict[str, Path]:
    from scripts.deploy.bundle import build_bundle
    from scripts.deploy.requirements import load_lock

    out = Path(tempfile.mkdtemp(prefix="bench-bundles-"))
    lock = load_lock(ROOT)
    return {
        spec.name: build_bundle(spec.name, spec.entry, ROOT, out, lock).directory / "main.py"
        for spec in FUNCTIONS
        if spec.name in names
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    only = {n for n in args.only.split(",") if n}
    bare = Path(tempfile.mkdtemp()) / "main.py"
    bare.write_text(BARE)
    names = [spec.name for spec in FUNCTIONS if spec.entry.exists() and (not only or spec.name in only)]
    bundles = _build_bundles(names)
    print(f"{'function':24} {'import':>8} {'ratio':>6} {'1st req':>8} {'ratio':>6}  (goal <= 1.5x without LLM)")
    worst = 0.0
    for spec in FUNCTIONS:
        if spec.name not in bundles:
            continue
        path = spec.route.replace("{platform}", "instagram")
        base, func = [], []
        for _ in range(args.rounds):
            base.append(_probe(bare, spec.methods[0], path))
            func.append(_probe(bundles[spec.name], spec.methods[0], path))
        b_imp = statistics.median(r["import_s"] for r in base)
        f_imp = statistics.median(r["import_s"] for r in func)
        b_total = statistics.median(r["import_s"] + r["first_request_s"] for r in base)
        f_total = statistics.median(r["import_s"] + r["first_request_s"] for r in func)
        ratio_imp, ratio_total = f_imp / b_imp, f_total / b_total
        if not spec.uses_llm:
            worst = max(worst, ratio_imp)
        print(
            f"{spec.name:24} {f_imp * 1000:7.0f}ms {ratio_imp:5.2f}x {f_total * 1000:7.0f}ms {ratio_total:5.2f}x"
            f"{'  (LLM)' if spec.uses_llm else ''}"
        )
    print(
        f"baseline: bare functions-framework function, import {b_imp * 1000:.0f} ms, "
        f"import + first request {b_total * 1000:.0f} ms; worst non-LLM import ratio {worst:.2f}x"
    )


if __name__ == "__main__":
    main()
