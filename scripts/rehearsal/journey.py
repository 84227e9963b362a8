"""The whole product through the public host, as a creator's browser, Cloud Scheduler and Cloud Tasks call it.

Sign in (a Supabase-shaped token), connect the four platforms through OAuth (two as a same-site
frontend's browser, which brings the binding cookie back to the callback; two as the deployed shape, a
frontend on another site than the gateway host, whose browser never holds it: the callback keeps the
code and the frontend completes it with POST /api/auth/complete), then the crons as the
plan's Scheduler jobs send them (their URI and OIDC audience, a Google ID token of the scheduler
account): refresh, fetch (fanning out to the worker through the Cloud Tasks stand-in), trends, weekly
patterns; then every GET endpoint, patterns, recommendations, CORS preflights and a disconnect. Also
what must be refused: an unknown path, a cron without a Google token, a cron called by the wrong account;
and a bundle started with a bad setting must answer problem JSON.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg

from functions.manifest import FUNCTIONS
from scripts.deploy.scheduler import describe_job
from scripts.localstack.identity import create_user, mint_token
from scripts.rehearsal.processes import FunctionProcess
from scripts.rehearsal.run import FRONTEND, Rehearsal, RehearsalFailed

PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
CROSS_SITE = ("pinterest", "tiktok")  # one PKCE platform on each path
NICHE = ["eco resin", "crochet", "handmade decor", "slow crafting"]
GET_PARAMS: dict[str, dict[str, str | int]] = {"analytics/overview": {"period": "30d"}, "analytics/posts": {"limit": 5}}
# Every signed-in GET of the manifest, so a function added later is in the journey without an edit.
GETS = {
    spec.route.removeprefix("/api/"): GET_PARAMS.get(spec.route.removeprefix("/api/"), {})
    for spec in FUNCTIONS
    if spec.auth == "user" and spec.methods == ("GET",) and "{" not in spec.route
}


class Journey:
    """The calls, in order, against a serving Rehearsal; each one recorded in its report."""

    def __init__(self, rehearsal: Rehearsal):
        self.r = rehearsal
        self.http = httpx.Client(base_url=rehearsal.proxy.base_url, timeout=600, follow_redirects=False)
        assert rehearsal.plan is not None, "the journey runs on a served rehearsal"
        self.plan = rehearsal.plan
        self.jobs = {describe_job(job)["name"].rsplit("/", 1)[1]: describe_job(job) for job in self.plan.jobs}
        self.flow_secrets: list[tuple[str, str]] = []  # codes and handles: none may show up in a log

    def step(self, name: str, response: httpx.Response, expected: int) -> httpx.Response:
        """Record one call; anything but the expected status fails the rehearsal."""
        self.r.report.steps.append(
            {"step": name, "status": response.status_code, "seconds": round(response.elapsed.total_seconds(), 3)}
        )
        if response.status_code != expected:
            raise RehearsalFailed(
                "journey", f"{name}: {response.status_code} (wanted {expected}): {response.text[:1500]}"
            )
        return response

    def sign_in(self) -> dict[str, str]:
        email = f"rehearsal-{uuid.uuid4().hex[:8]}@example.com"
        user_id = create_user(self.r.database_url, email)
        with psycopg.connect(self.r.database_url, autocommit=True) as conn:  # the frontend does it via PostgREST
            conn.execute("update profiles set niche_keywords = %s where id = %s", (NICHE, user_id))
        token = mint_token(
            self.r.supabase_key, user_id=user_id, email=email, issuer=f"{self.r.identity.base_url}/auth/v1"
        )
        return {"Authorization": f"Bearer {token}"}

    def connect(self, platform: str, auth: dict[str, str]) -> None:
        """Our start endpoint, the platform's consent page, our callback (the redirect URI), the frontend."""
        start = self.step(f"GET /api/auth/{platform}", self.http.get(f"/api/auth/{platform}", headers=auth), 200)
        consent = httpx.get(start.json()["authorize_url"], follow_redirects=False, timeout=30)
        callback = consent.headers["location"]
        if not callback.startswith(f"{self.r.proxy.base_url}/api/auth/callback"):
            raise RehearsalFailed("journey", f"redirect URI {callback} is not the public host's callback")
        self.flow_secrets.append((f"{platform} authorization code", parse_qs(urlsplit(callback).query)["code"][0]))
        if platform not in CROSS_SITE:
            done = self.step(
                f"GET /api/auth/callback ({platform}, binding cookie)", self.http.get(callback.split("#")[0]), 302
            )
            if not done.headers["location"].startswith(f"{FRONTEND}/connections?connected={platform}"):
                raise RehearsalFailed("journey", f"connect {platform} ended at {done.headers['location']}")
            return
        with httpx.Client(timeout=600, follow_redirects=False) as browser:  # no cookie from the start fetch
            kept = self.step(
                f"GET /api/auth/callback ({platform}, no cookie: code kept)", browser.get(callback.split("#")[0]), 302
            ).headers["location"]
        pending = parse_qs(urlsplit(kept).fragment)
        if not kept.startswith(f"{FRONTEND}/connections#") or pending.get("platform") != [platform]:
            raise RehearsalFailed("journey", f"connect {platform} without the cookie ended at {kept}")
        handle = pending["complete"][0]
        self.flow_secrets.append((f"{platform} completion handle", handle))
        done = self.step(
            f"POST /api/auth/complete ({platform})",
            self.http.post("/api/auth/complete", json={"handle": handle}, headers=auth),
            200,
        )
        if done.json() != {"platform": platform, "connected": True}:
            raise RehearsalFailed("journey", f"completing {platform} answered {done.text[:300]}")
        self.step(
            f"POST /api/auth/complete ({platform}, replayed: 409)",
            self.http.post("/api/auth/complete", json={"handle": handle}, headers=auth),
            409,
        )

    def cron(self, job: str, account: str | None = None) -> httpx.Response:
        """What Cloud Scheduler sends for a planned job (or, with `account`, another caller's token)."""
        d = self.jobs[job]
        if not d["uri"].startswith(f"{self.r.proxy.base_url}/api/"):
            raise RehearsalFailed("journey", f"job {job} targets {d['uri']}, not the public host")
        token = self.r.google.id_token(account or d["oidc_service_account"], d["oidc_audience"])
        return self.http.post(d["uri"], content=d["body"], headers={**d["headers"], "Authorization": f"Bearer {token}"})

    def run(self) -> None:
        started = time.perf_counter()
        auth = self.sign_in()
        for platform in PLATFORMS:
            self.connect(platform, auth)
        self.step("POST /api/auth/refresh (Scheduler)", self.cron("auth-refresh"), 200)
        fetched = self.step("POST /api/cron/fetch-analytics (Scheduler)", self.cron("cron-fetch-analytics"), 200).json()
        assert self.r.tasks is not None
        if not self.r.tasks.wait_idle(timeout_s=300):
            raise RehearsalFailed("journey", "Cloud Tasks deliveries did not finish")
        deliveries = list(self.r.tasks.deliveries.values())
        self.r.report.tasks = [
            {"task": d.name.rsplit("/", 1)[1], "url": d.url, "statuses": d.statuses} for d in deliveries
        ]
        if (
            fetched["fanned_out"] < 1
            or len(deliveries) != fetched["fanned_out"]
            or not all(d.succeeded for d in deliveries)
        ):
            raise RehearsalFailed(
                "journey", f"fan-out: run {fetched}, deliveries {self.r.report.tasks}, refused {self.r.tasks.refused}"
            )
        if fetched["connections_done"] + fetched["fanned_out"] != len(PLATFORMS):
            raise RehearsalFailed("journey", f"fetch run did not cover the four connections: {fetched}")
        self.step("POST /api/cron/detect-trends (Scheduler)", self.cron("cron-detect-trends"), 200)
        self.step("POST /api/cron/weekly-patterns (Scheduler)", self.cron("cron-weekly-patterns"), 200)
        answers = {
            path: self.step(f"GET /api/{path}", self.http.get(f"/api/{path}", params=params, headers=auth), 200).json()
            for path, params in GETS.items()
        }
        self.check_overview(answers["analytics/overview"])
        self.step("POST /api/ai/patterns", self.http.post("/api/ai/patterns", json={}, headers=auth), 200)
        briefs = self.step(
            "POST /api/ai/recommend",
            self.http.post(
                "/api/ai/recommend", json={"count": 2}, headers={**auth, "Idempotency-Key": uuid.uuid4().hex}
            ),
            200,
        ).json()
        if not briefs.get("recommendations"):
            raise RehearsalFailed("journey", f"no recommendations: {briefs}")
        brief = briefs["recommendations"][0]["id"]
        self.step(
            "POST /api/ai/recommendations/{id}/posted",
            self.http.post(
                f"/api/ai/recommendations/{brief}/posted",
                json={"platform": "instagram", "platform_post_id": "1790"},
                headers=auth,
            ),
            200,
        )
        self.step(
            "DELETE /api/ai/recommendations/{id}/posted",
            self.http.delete(f"/api/ai/recommendations/{brief}/posted", headers=auth),
            200,
        )
        preflight = self.http.options(
            "/api/analytics/overview",
            headers={
                "Origin": FRONTEND,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        self.step("OPTIONS /api/analytics/overview (CORS preflight)", preflight, 204)
        if preflight.headers.get("access-control-allow-origin") != FRONTEND:
            raise RehearsalFailed("journey", f"preflight without CORS headers: {dict(preflight.headers)}")
        preflight = self.http.options(
            "/api/auth/complete",
            headers={
                "Origin": FRONTEND,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        self.step("OPTIONS /api/auth/complete (CORS preflight of a cross-site frontend)", preflight, 204)
        if preflight.headers.get("access-control-allow-origin") != FRONTEND or "POST" not in preflight.headers.get(
            "access-control-allow-methods", ""
        ):
            raise RehearsalFailed("journey", f"completion preflight without CORS headers: {dict(preflight.headers)}")
        self.step("DELETE /api/auth/tiktok", self.http.delete("/api/auth/tiktok", headers=auth), 200)
        self.refusals(auth)
        self.misconfigured()
        self.r.report.seconds["journey"] = time.perf_counter() - started

    def check_overview(self, overview: dict[str, Any]) -> None:
        """All four connected and fetched, by the cron itself or by its Cloud Tasks worker."""
        platforms = {p["platform"]: p for p in overview.get("platforms", [])}
        fetched = {name for name, p in platforms.items() if p["connection_status"] == "active" and p["last_fetched_at"]}
        if fetched != set(PLATFORMS):
            raise RehearsalFailed("journey", f"not every platform was fetched: {overview.get('platforms')}")

    def refusals(self, auth: dict[str, str]) -> None:
        self.step("GET /api/nowhere (gateway 404)", self.http.get("/api/nowhere", headers=auth), 404)
        self.step(
            "POST /api/cron/detect-trends without a token (gateway 401)",
            self.http.post("/api/cron/detect-trends", json={}),
            401,
        )
        self.step(
            "POST /api/cron/detect-trends with a user token (gateway 401)",
            self.http.post("/api/cron/detect-trends", json={}, headers=auth),
            401,
        )
        self.step(
            "POST /api/cron/detect-trends as the tasks account (function 403)",
            self.cron("cron-detect-trends", account=self.plan.config.tasks_sa),
            403,
        )
        self.step(
            "GET /api/analytics/overview without a token (function 401)", self.http.get("/api/analytics/overview"), 401
        )

    def misconfigured(self) -> None:
        """A bundle started with a bad setting answers problem JSON, not functions-framework's HTML 500."""
        served = self.r.processes["analytics_overview"]
        bad = FunctionProcess(
            "analytics_overview (bad setting)",
            served.directory,
            served.python,
            {**served.env, "DB_POOL_MAX_SIZE": "lots"},
        ).start()
        try:
            response = httpx.get(f"{bad.base_url}/api/analytics/overview", timeout=30)
        finally:
            bad.stop()
        self.step("GET /api/analytics/overview with DB_POOL_MAX_SIZE=lots (problem JSON)", response, 500)
        if response.headers.get("content-type") != "application/problem+json" or not response.json().get(
            "type", ""
        ).endswith("/misconfigured"):
            raise RehearsalFailed("journey", f"misconfiguration answered {response.headers} {response.text[:300]}")
