"""Record the OpenAPI document's examples from the real system: `uv run python -m scripts.record_examples`.

Runs the demo's journey on a fresh local stack (sandbox creator connected four ways, ingested, trends
detected, patterns, briefs, a brief linked and unlinked, a cross-site connect completed, a disconnect,
every cron) through the gateway, and keeps the first request and answer of every operation in
docs/examples.json. Long lists are cut to their first items. `python -m scripts.openapi` puts them in the
document through the operations' own pydantic models, and fails when one is missing or no longer fits.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import httpx

from functions.manifest import FUNCTIONS
from scripts import demo

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples.json"
MAX_ITEMS = 2
API, FRONTEND = "https://api.example.com", "https://app.example.com"
_KEPT_REQUEST_HEADERS = ("idempotency-key", "accept")
_KEPT_RESPONSE_HEADERS = ("location", "retry-after")
_ROUTES = [(re.compile("^" + re.sub(r"\{[a-z_]+\}", "[^/]+", spec.route) + "$"), spec) for spec in FUNCTIONS]


def operation_of(method: str, path: str) -> str | None:
    """The manifest function serving this method and path."""
    return next((spec.name for pattern, spec in _ROUTES if pattern.match(path) and method in spec.methods), None)


_SERIES = ("points", "series")  # time series: the latest points show best
# One-time OAuth values (spent by the time they are recorded, still not for a manual): shown by their role.
_ONE_TIME = {
    "code": "AUTHORIZATION_CODE",
    "state": "SIGNED_ONE_TIME_STATE",
    "handle": "ONE_TIME_HANDLE",
    "code_challenge": "PKCE_CHALLENGE",
    "complete": "ONE_TIME_HANDLE",
}
_IN_URL = re.compile(r"([?&#](" + "|".join(_ONE_TIME) + r")=)[^&#\s\"]+")


def placeholders(value: Any) -> Any:
    """One-time values replaced by what they are, in fields and in URLs."""
    if isinstance(value, dict):
        return {k: _ONE_TIME[k] if k in _ONE_TIME and isinstance(v, str) else placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [placeholders(v) for v in value]
    if isinstance(value, str):
        return _IN_URL.sub(lambda m: m.group(1) + _ONE_TIME[m.group(2)], value)
    return value


def trimmed(value: Any, key: str = "") -> Any:
    """Lists cut to MAX_ITEMS (a page of items, a series' latest points): enough to show the shape."""
    if isinstance(value, list):
        return [trimmed(v) for v in (value[-MAX_ITEMS:] if key in _SERIES else value[:MAX_ITEMS])]
    if isinstance(value, dict):
        return {k: trimmed(v, k) for k, v in value.items()}
    return value


class Recorder:
    def __init__(self, hosts: dict[str, str]) -> None:
        self.examples: dict[str, dict[str, Any]] = {}
        self.hosts = hosts  # the sandbox's address -> the platform host it stands for

    def public(self, text: str) -> str:
        for local, host in self.hosts.items():
            text = text.replace(local, host).replace(quote(local, safe=""), quote(host, safe=""))
        return text

    def __call__(self, response: httpx.Response) -> None:
        request = response.request
        name = operation_of(request.method, request.url.path)
        if name is None or name in self.examples:
            return
        response.read()
        example: dict[str, Any] = {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.url.params.multi_items()),
        }
        headers = {
            k.title(): v for k, v in request.headers.items() if k.lower() in _KEPT_REQUEST_HEADERS and v != "*/*"
        }
        if headers:
            example["headers"] = headers
        if request.content:
            example["body"] = json.loads(request.content)
        answer: dict[str, Any] = {"status": response.status_code}
        kept = {k.title(): self.public(v) for k, v in response.headers.items() if k.lower() in _KEPT_RESPONSE_HEADERS}
        if kept:
            answer["headers"] = kept
        if response.headers.get("content-type", "").startswith("application/json"):
            answer["body"] = json.loads(self.public(json.dumps(trimmed(response.json()))))
        example["response"] = answer
        self.examples[name] = placeholders(example)


def record() -> dict[str, dict[str, Any]]:
    from scripts.localstack.stack import start_stack

    stack = start_stack(
        persist=False,
        extra_env={"LOG_LEVEL": "WARNING"},
        sandbox_options={
            "seed": 7,
            "creators": demo.CREATORS,
            "effects": str(demo.SCENARIOS / "demo_effects.json"),
            "trends": str(demo.SCENARIOS / "rising_niche.json"),
        },
    )
    try:
        # Addresses as a deployment's: the platforms' own hosts, an API host, a frontend.
        hosts = {
            value.rstrip("/"): f"https://{host}"
            for host, value in json.loads(stack.env.get("PLATFORM_HOSTS_JSON", "{}")).items()
        }
        hosts.update({stack.base_url.rstrip("/"): API, stack.env["FRONTEND_URL"].rstrip("/"): FRONTEND})
        recorder = Recorder(hosts)
        user = stack.create_user("divz.mysterious@example.com")
        demo._set_profile(stack, user)
        hooks: dict[str, list[Callable[..., Any]]] = {"response": [recorder]}
        http = httpx.Client(base_url=stack.base_url, timeout=600, event_hooks=hooks)
        auth, cron = user.headers, stack.cron_headers
        for platform in demo.PLATFORMS:
            demo.connect(http, platform, user.token)
        http.post("/api/auth/refresh", headers=cron)
        http.post("/api/cron/fetch-analytics", headers=cron, json={})
        http.get("/api/analytics/overview", params={"period": "30d"}, headers=auth)
        http.get("/api/analytics/growth", params={"interval": "week"}, headers=auth)
        http.get(
            "/api/analytics/posts",
            params={"sort": "save_rate", "platform": "instagram,youtube", "limit": 2},
            headers=auth,
        )
        demo._market_account(stack)
        demo._replay_trend_history(stack, days=21)
        http.post("/api/cron/detect-trends", headers=cron)
        for path in ("/api/trends/topics", "/api/trends/keywords", "/api/creators/trending"):
            http.get(path, params={"limit": MAX_ITEMS}, headers=auth)
        http.post("/api/ai/patterns", headers=auth, json={})
        http.get("/api/opportunities", params={"limit": MAX_ITEMS}, headers=auth)
        briefs = http.post(
            "/api/ai/recommend", headers={**auth, "Idempotency-Key": str(uuid.uuid4())}, json={"count": 2}
        ).json()
        http.get("/api/analytics/best-times", headers=auth)
        http.get("/api/analytics/signals", headers=auth)
        http.get("/api/ai/recommendations", params={"status": "open", "limit": MAX_ITEMS}, headers=auth)
        brief = briefs["recommendations"][0]
        post = http.get(
            "/api/analytics/posts", params={"platform": brief["platform"], "limit": 1}, headers=auth
        ).json()["items"][0]
        http.post(
            f"/api/ai/recommendations/{brief['id']}/posted",
            headers=auth,
            json={"platform": post["platform"], "platform_post_id": post["platform_post_id"]},
        )
        http.delete(f"/api/ai/recommendations/{brief['id']}/posted", headers=auth)
        http.delete("/api/auth/pinterest", headers=auth)
        _connect_cross_site(stack, recorder, user)
        http.post("/api/cron/weekly-patterns", headers=cron)
        connection = _a_connection(user.user_id)
        http.post("/api/tasks/fetch-connection", headers=cron, json={"connection_id": connection})
        return dict(sorted(recorder.examples.items()))
    finally:
        stack.stop()


def _connect_cross_site(stack: Any, recorder: Recorder, user: Any) -> None:
    """A frontend on another site: no binding cookie reaches the callback, so it keeps the code behind a
    handle in the return page's fragment, and the frontend completes the connection."""
    hooks: dict[str, list[Callable[..., Any]]] = {"response": [recorder]}
    fresh = httpx.Client(base_url=stack.base_url, timeout=60, event_hooks=hooks)
    start = fresh.get("/api/auth/pinterest", headers=user.headers).json()
    consent = httpx.get(start["authorize_url"], follow_redirects=False, timeout=30)
    callback = httpx.get(consent.headers["location"], follow_redirects=False, timeout=30)  # no cookie jar
    handle = parse_qs(urlparse(callback.headers["location"]).fragment)["complete"][0]
    fresh.post("/api/auth/complete", headers=user.headers, json={"handle": handle})


def _a_connection(user_id: str) -> str:
    from shared.db import service_transaction

    with service_transaction() as conn:
        row = conn.execute(
            "select id from platform_connections where user_id = %s order by platform limit 1", (user_id,)
        ).fetchone()
    assert row is not None, "she connected four platforms"
    return str(row["id"])


def main() -> None:
    examples = record()
    missing = sorted({spec.name for spec in FUNCTIONS} - set(examples))
    EXAMPLES.write_text(json.dumps(examples, indent=2) + "\n")
    print(f"wrote {EXAMPLES.name}: {len(examples)} operations" + (f"; missing {missing}" if missing else ""))


if __name__ == "__main__":
    main()
