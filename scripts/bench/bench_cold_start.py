"""Cold start of every deploy bundle: import time and first-request time, as ratios to a bare function.

Each function's bundle is built exactly as the deploy builds it (its main.py and the whole shared/
library, loaded lazily) and probed from inside the bundle directory, without the repository on the path.
Each measurement runs in a fresh interpreter (that is what a cold start is), alternating the baseline
(a bare functions-framework function answering "ok") and the bundle so machine noise hits both alike;
min and median of several rounds.

Two first requests:
- without credentials (401 for user and cron functions, the error redirect for the OAuth callback):
  settings, the handler wrapper and error mapping;
- signed in (`--signed-in`, the user GET functions): a real ES256 token verified through a JWKS
  endpoint, the query validated, the pool's first connection, the query and the response, against an
  embedded Postgres holding the caller's 500 posts. References, measured alternately in the same run:
  the bare function's import + first request (goal for the posts listing: <= 1.8x), and the libraries'
  floor (FLOOR: the same request written without the project, on the libraries it needs), which
  splits the ratio into what the libraries cost and what the project adds. Each function's
  import breakdown (`-X importtime`, cumulative ms per top-level package over import and first request,
  from a separate untimed run) is printed under it.
Usage: `uv run python -m scripts.bench.bench_cold_start [--rounds 5] [--only name,name] [--signed-in]`
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from functions.manifest import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
BARE = """import functions_framework

@functions_framework.http
def handler(request):
    return "ok"
"""

# The libraries' floor for a signed-in read, written here without the project: a pydantic query model, the
# JWKS fetched and an ES256 signature checked with cryptography, one psycopg connection running the page as
# the user (role and claims set, RLS on), the rows' JSON built by Postgres. What the function adds beyond
# this is the project's own cost; what this adds beyond the bare function is the libraries'.
FLOOR = """import base64, json, os, urllib.request

import functions_framework


@functions_framework.http
def handler(request):
    import flask
    import psycopg
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from pydantic import BaseModel, Field

    class Query(BaseModel):
        sort: str = "posted_at"
        limit: int = Field(default=20, ge=1, le=100)

    def unb64(text):
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    query = Query.model_validate(dict(request.args))
    head, body, signature = request.headers["Authorization"].split(" ", 1)[1].split(".")
    url = os.environ["SUPABASE_URL"] + "/auth/v1/.well-known/jwks.json"
    jwk = json.load(urllib.request.urlopen(url))["keys"][0]
    point = ec.EllipticCurvePublicNumbers(
        int.from_bytes(unb64(jwk["x"]), "big"), int.from_bytes(unb64(jwk["y"]), "big"), ec.SECP256R1()
    )
    raw = unb64(signature)
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    point.public_key().verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64(body))
    with psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=None) as conn:
        conn.execute(
            "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true)",
            (json.dumps(claims),),
        )
        rows = conn.execute(
            "select row_to_json(p)::text from (select * from posts where user_id = %s"
            " order by posted_at desc, id desc limit %s) p",
            (claims["sub"], query.limit + 1),
        ).fetchall()
    text = '{"items":[' + ",".join(r[0] for r in rows[: query.limit]) + "]}"
    return flask.Response(text, content_type="application/json")
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


SIGNED_IN_PROBE = r"""
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
builder = EnvironBuilder(path=sys.argv[3], method=sys.argv[2], query_string=sys.argv[5] or None,
                         headers={"Authorization": "Bearer " + sys.argv[4]})
with app.request_context(builder.get_environ()):
    response = module.handler(flask.request)
    body = response.get_data()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_request_s": t2 - t1, "status": response.status_code,
                  "bytes": len(body)}))
"""


def _probe(
    entry: Path,
    method: str,
    path: str,
    *,
    token: str | None = None,
    query: str = "",
    env: dict[str, str] | None = None,
    importtime: bool = False,
) -> dict[str, Any]:
    base = {
        "PYTHONPATH": str(entry.parent),
        "PATH": "/usr/bin:/bin",
        "APP_ENV": "local",
        "SUPABASE_URL": "http://127.0.0.1:9",
        "LOG_LEVEL": "ERROR",
        **(env or {}),
    }
    argv = [sys.executable, "-s", *(["-X", "importtime"] if importtime else [])]
    if token is None:
        argv += ["-c", PROBE, str(entry), method, path]
    else:
        argv += ["-c", SIGNED_IN_PROBE, str(entry), method, path, token, query]
    out = subprocess.run(argv, capture_output=True, text=True, env=base, cwd=entry.parent, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if importtime:
        result["imports"] = import_breakdown(out.stderr)
    return result


def _process_first_response(
    entry: Path, path: str, *, token: str | None = None, env: dict[str, str] | None = None
) -> float:
    """Seconds from spawning the function's server (functions-framework on gunicorn, as Cloud Run runs it)
    until the first request's response has arrived; the request is sent as soon as the port accepts."""
    import http.client
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = {
        "PYTHONPATH": str(entry.parent),
        "PATH": "/usr/bin:/bin",
        "APP_ENV": "local",
        "SUPABASE_URL": "http://127.0.0.1:9",
        "LOG_LEVEL": "ERROR",
        **(env or {}),
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-s",
            "-m",
            "functions_framework",
            "--target=handler",
            "--source=main.py",
            "--host=127.0.0.1",
            f"--port={port}",
        ],
        cwd=entry.parent,
        env=base,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError(f"{entry.parent.name} did not answer")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
                response = conn.getresponse()
                response.read()
                conn.close()
                if token is not None and response.status != 200:
                    raise RuntimeError(f"{entry.parent.name}: {response.status}")
                return time.perf_counter() - started
            except ConnectionRefusedError:
                time.sleep(0.002)
    finally:
        process.terminate()
        process.wait(timeout=10)


def import_breakdown(stderr: str) -> dict[str, float]:
    """Cumulative import ms per top-level package, from `-X importtime` (top-level import lines only)."""
    totals: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part for part in line[len("import time:") :].split("|"))
        if name.startswith("  "):  # imported by another module: counted in its parent's cumulative time
            continue
        package = name.strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(cumulative) / 1000
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


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
    parser.add_argument("--signed-in", action="store_true", help="signed-in first requests of the user GET functions")
    args = parser.parse_args()
    only = {n for n in args.only.split(",") if n}
    bare = Path(tempfile.mkdtemp()) / "main.py"
    bare.write_text(BARE)
    if args.signed_in:
        floor = Path(tempfile.mkdtemp()) / "main.py"
        floor.write_text(FLOOR)
        names = [
            spec.name
            for spec in FUNCTIONS
            if spec.entry.exists()
            and spec.auth == "user"
            and spec.methods == ("GET",)
            and "{" not in spec.route
            and (not only or spec.name in only)
        ]
        signed_in(bare, floor, _build_bundles(names), args.rounds)
        return
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


def signed_in(bare: Path, floor: Path, bundles: dict[str, Path], rounds: int) -> None:
    """Signed-in first request of each user GET function against the bare function and the libraries'
    floor (FLOOR), the three alternating in rotating order."""
    import random
    import threading
    from http.server import ThreadingHTTPServer

    from scripts.bench.bench_posts_query import _Jwks
    from scripts.bench.posts_data import copy_posts, post_row
    from scripts.localstack import migrate
    from scripts.localstack.identity import SigningKey, create_user, mint_token
    from scripts.localstack.postgres import start_embedded

    database = start_embedded(Path(tempfile.mkdtemp(prefix="bench-cold-")) / "data", persistent=False)
    key = SigningKey.generate()
    _Jwks.document = json.dumps(key.jwks()).encode()
    jwks = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=jwks.serve_forever, daemon=True).start()
    issuer = f"http://127.0.0.1:{jwks.server_port}"
    try:
        migrate.apply(database.url)
        user = create_user(database.url, "cold@bench.local")
        rng = random.Random(3)
        import psycopg

        with psycopg.connect(database.url, autocommit=True) as conn:
            copy_posts(
                conn,
                [
                    post_row(user, ("instagram", "youtube", "pinterest", "tiktok")[i % 4], i, rng, "resin")
                    for i in range(500)
                ],
            )
            conn.execute("vacuum analyze posts")
        token = mint_token(key, user_id=user, email="cold@bench.local", issuer=f"{issuer}/auth/v1", ttl_s=6 * 3600)
        env = {"DATABASE_URL": database.url, "SUPABASE_URL": issuer, "OAUTH_STATE_SECRET": "cold-" + "s" * 32}
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {rounds} rounds;"
            " import + signed-in first request, ms"
        )
        print(
            f"{'function':24} {'bare min/median':>17} {'floor min/median':>18} {'function min/median':>21}"
            f" {'ratio':>6} {'floor':>6} {'fn/floor':>8}  status"
        )
        for name, entry in bundles.items():
            spec = next(s for s in FUNCTIONS if s.name == name)
            base: list[dict[str, Any]] = []
            lib: list[dict[str, Any]] = []
            func: list[dict[str, Any]] = []
            for n in range(rounds):
                calls = [
                    lambda: base.append(_probe(bare, "GET", spec.route)),  # noqa: B023 - called in this iteration
                    lambda: lib.append(_probe(floor, "GET", spec.route, token=token, env=env)),  # noqa: B023
                    lambda: func.append(_probe(entry, "GET", spec.route, token=token, env=env)),  # noqa: B023
                ]
                for call in calls[n % 3 :] + calls[: n % 3]:
                    call()
            b, lo, f = ([r["import_s"] + r["first_request_s"] for r in side] for side in (base, lib, func))
            ratio = statistics.median(f) / statistics.median(b)
            print(
                f"{name:24} {min(b) * 1000:7.0f} / {statistics.median(b) * 1000:5.0f}"
                f" {min(lo) * 1000:8.0f} / {statistics.median(lo) * 1000:5.0f}"
                f" {min(f) * 1000:9.0f} / {statistics.median(f) * 1000:5.0f}   {ratio:5.2f}x"
                f" {statistics.median(lo) / statistics.median(b):5.2f}x"
                f" {statistics.median(f) / statistics.median(lo):7.2f}x  {func[-1]['status']}/{lib[-1]['status']}"
            )
            spawned_b, spawned_f = [], []
            for n in range(rounds):  # the whole process: interpreter, gunicorn, import, first request
                pair = [
                    lambda: spawned_b.append(_process_first_response(bare, "/")),  # noqa: B023 - called now
                    lambda: spawned_f.append(  # noqa: B023
                        _process_first_response(entry, spec.route, token=token, env=env)  # noqa: B023
                    ),
                ]
                for call in pair if n % 2 == 0 else pair[::-1]:
                    call()
            print(
                f"{'  spawn to 1st response':24} {min(spawned_b) * 1000:7.0f} /"
                f" {statistics.median(spawned_b) * 1000:5.0f}"
                f" {min(spawned_f) * 1000:9.0f} / {statistics.median(spawned_f) * 1000:5.0f}"
                f"   {statistics.median(spawned_f) / statistics.median(spawned_b):5.2f}x"
            )
            detail = _probe(entry, "GET", spec.route, token=token, env=env, importtime=True)["imports"]
            print("    imports (cumulative ms): " + ", ".join(f"{k} {v:.0f}" for k, v in list(detail.items())[:10]))
            detail = _probe(floor, "GET", spec.route, token=token, env=env, importtime=True)["imports"]
            print("    floor imports:           " + ", ".join(f"{k} {v:.0f}" for k, v in list(detail.items())[:8]))
        detail = _probe(bare, "GET", "/", importtime=True)["imports"]
        print("    bare function imports: " + ", ".join(f"{k} {v:.0f}" for k, v in list(detail.items())[:6]))
    finally:
        jwks.shutdown()
        database.stop()


if __name__ == "__main__":
    main()
