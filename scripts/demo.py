"""The main job, end to end on the local stack, through the same HTTP endpoints the frontend uses.

Starts Postgres, the platform sandbox and the gateway; signs in the demo creator; connects her
four platforms through the real OAuth redirects; runs the crons (refresh, fetch, trends); and
prints her overview, trends, creators, opportunities, insights and three ranked briefs; then when to post, and,
two weeks later in the sandbox, what the briefs she followed did, her standing among peers and her digest.
`--serve` keeps the stack running afterwards (gateway URL and a token are printed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from scripts.demo_report import (
    print_best_times,
    print_briefs,
    print_creators,
    print_digest,
    print_insights,
    print_keywords,
    print_opportunities,
    print_outcomes,
    print_overview,
    print_peers,
    print_topics,
    section,
)

SCENARIOS = Path(__file__).resolve().parent / "sandbox" / "scenarios"
PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
NICHE = ["eco resin", "crochet", "handmade decor", "slow crafting"]
CREATORS = 40  # enough niche creators of her size for a peer percentile
MARKET_ACCOUNT = CREATORS - 1


def connect(http: httpx.Client, platform: str, token: str) -> str:
    """The browser's OAuth round trip: our start endpoint, the platform's consent, our callback."""
    start = http.get(f"/api/auth/{platform}", headers={"Authorization": f"Bearer {token}"})
    start.raise_for_status()
    consent = httpx.get(start.json()["authorize_url"], follow_redirects=False, timeout=30)
    callback = http.get(consent.headers["location"])
    outcome = parse_qs(urlparse(callback.headers["location"]).query)
    return outcome.get("connected", outcome.get("error", ["?"]))[0]


def run(args: argparse.Namespace) -> None:
    from scripts.localstack.stack import start_stack

    t0 = time.perf_counter()
    # Request logs are JSON lines for Cloud Logging; the demo prints a report instead.
    stack = start_stack(
        persist=False,
        port=args.port,
        extra_env={"LOG_LEVEL": "WARNING"},
        sandbox_options={
            "seed": args.seed,
            "creators": CREATORS,
            "effects": str(SCENARIOS / "demo_effects.json"),
            "trends": str(SCENARIOS / "rising_niche.json"),
        },
    )
    try:
        user = stack.create_user("divz.mysterious@example.com")
        _set_profile(stack, user)
        http = httpx.Client(base_url=stack.base_url, timeout=600)
        auth = user.headers
        section(
            f"Local stack up in {time.perf_counter() - t0:.1f}s: gateway {stack.base_url}, "
            f"sandbox {stack.sandbox.base_url}"
        )
        for platform in PLATFORMS:
            print(f"  connect {platform:10} -> {connect(http, platform, user.token)}")
        cron = stack.cron_headers
        refreshed = http.post("/api/auth/refresh", headers=cron).json()
        print(f"  token refresh run: {json.dumps(refreshed.get('counts', refreshed))}")
        fetched = http.post("/api/cron/fetch-analytics", headers=cron).json()
        shown = ("connections_done", "rows", "errors", "duration_s")
        print(f"  fetch run: {json.dumps({k: fetched.get(k) for k in shown})}")
        print_overview(http.get("/api/analytics/overview", params={"period": "30d"}, headers=auth).json())
        _market_account(stack)
        _replay_trend_history(stack, days=args.history_days)
        trends = http.post("/api/cron/detect-trends", headers=cron).json()
        print(f"  trend run: {json.dumps({k: trends.get(k) for k in ('observations', 'trends_written', 'sources')})}")
        print(
            f"  supply: {json.dumps(trends.get('supply'))}; creators: "
            f"{json.dumps({k: trends['creators'].get(k) for k in ('checked', 'discovered', 'discovery')})}"
        )
        print_topics(http.get("/api/trends/topics", params={"limit": 8}, headers=auth).json())
        print_keywords(http.get("/api/trends/keywords", params={"limit": 8}, headers=auth).json())
        print_creators(http.get("/api/creators/trending", params={"limit": 5}, headers=auth).json())
        # Patterns first: opportunity ideas are built on her significant findings.
        insights = http.post("/api/ai/patterns", headers=auth, json={}).json()
        print_opportunities(http.get("/api/opportunities", params={"limit": 30}, headers=auth).json())
        print_insights(insights)
        briefs = http.post(
            "/api/ai/recommend", headers={**auth, "Idempotency-Key": uuid.uuid4().hex}, json={"count": 3}
        ).json()
        print_briefs(briefs)
        print_best_times(http.get("/api/analytics/best-times", headers=auth).json())
        _follow_two_briefs(stack, http, user, briefs)
        section(f"Done in {time.perf_counter() - t0:.1f}s")
        if args.serve:
            print(
                f"Serving. Gateway: {stack.base_url}  OpenAPI: {stack.base_url}/openapi.json\n"
                f"Token for {user.email}:\n{user.token}\nCtrl-C to stop."
            )
            while True:
                time.sleep(3600)
    finally:
        stack.stop()


def _follow_two_briefs(stack: Any, http: httpx.Client, user: Any, briefs: dict[str, Any]) -> None:
    """Two weeks on: she posted the first and the third brief (published in the sandbox, as she would on the
    platform), the clock and the sandbox move 14 days, the fetch cron runs (briefs linked and measured), her
    standing among peers is read, and the weekly cron writes her digest."""
    import datetime as dt

    from shared import clock

    auth, cron = user.headers, stack.cron_headers
    start = clock.now()
    followed = [briefs["recommendations"][0], briefs["recommendations"][2]]
    for brief, days in zip(followed, (1, 3)):
        caption = f"{brief['caption']} {' '.join(brief['hashtags'][:4])}"
        stack.sandbox.publish(
            brief["platform"],
            0,
            caption=caption[:150] if brief["platform"] == "tiktok" else caption,
            title=brief["concept"],
            posted_at=start + dt.timedelta(days=days, hours=2),
            attributes={
                k: v
                for k, v in brief["attributes"].items()
                if k in ("camera_angle", "audio_type", "content_format", "hook_speed")
            },
        )
    later = start + dt.timedelta(days=14)
    clock.set_now(later)
    stack.sandbox.set_today(later.date())
    _due_again(user)  # the scheduler would have fetched her every day of those two weeks
    fetched = http.post("/api/cron/fetch-analytics", headers=cron).json()
    print(
        f"\n  two weeks later ({later.date()}): she posted briefs #1 and #3, not #2; fetch run: "
        f"{json.dumps({k: fetched.get(k) for k in ('connections_done', 'rows')})}"
    )
    listed = http.get("/api/ai/recommendations", headers=auth).json()
    realised = http.post("/api/ai/patterns", headers=auth, json={}).json()["virality_model"].get("realised")
    print_outcomes(
        {"items": [i for i in listed["items"] if i["id"] in {b["id"] for b in briefs["recommendations"]}]}, realised
    )
    print_peers(http.get("/api/analytics/signals", headers=auth).json())
    weekly = http.post("/api/cron/weekly-patterns", headers=cron).json()
    print(f"  weekly cron: {json.dumps({k: weekly.get(k) for k in ('briefs_linked', 'briefs_measured', 'digests')})}")
    print_digest(_latest_digest(user))


def _due_again(user: Any) -> None:
    # Leases follow the database's clock, which the demo cannot move: her connections are made due now.
    from shared.db import service_transaction

    with service_transaction() as conn:
        conn.execute("update platform_connections set next_fetch_at = now() where user_id = %s", (user.user_id,))


def _latest_digest(user: Any) -> dict[str, Any] | None:
    # What the frontend reads through PostgREST (and hears through Realtime): her own row, under RLS.
    from shared.auth import UserClaims
    from shared.db import user_transaction

    claims = UserClaims(user_id=user.user_id, role="authenticated", email=user.email, raw={"sub": user.user_id})
    with user_transaction(claims) as conn:
        return conn.execute(
            "select subject, html, text from weekly_digests order by period_end desc limit 1"
        ).fetchone()


def _replay_trend_history(stack: Any, days: int) -> None:
    """Trends come from history, not one reading: replay the daily detection runs of the past weeks.

    In production the cron has been observing every 6 hours; here the sandbox's market clock steps
    back day by day and the same detection service runs as it would have on each of those days.
    """
    import datetime as dt

    from shared import clock
    from shared.config import get_settings
    from shared.services.trend_detection import run_detection

    today = clock.today()
    started = time.perf_counter()
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        stack.sandbox.set_market_day(day)
        run_detection(get_settings(), now=dt.datetime.combine(day, dt.time(12), dt.timezone.utc))
    stack.sandbox.set_market_day(None)
    print(f"  replayed {days} days of trend observations in {time.perf_counter() - started:.1f}s")


def _market_account(stack: Any) -> None:
    """The app's own Instagram professional account, connected with Facebook Login: what hashtag search and
    Business Discovery need (docs/platform-apis.md §1.7) when no creator connected that way. In the sandbox it
    is one of the seeded accounts (the last one), its token minted through the admin API."""
    import os

    from shared.config import reset_settings

    minted = stack.sandbox.mint_token("facebook", creator=MARKET_ACCOUNT)
    os.environ.update({"TRENDS_INSTAGRAM_TOKEN": minted["access_token"], "TRENDS_INSTAGRAM_USER_ID": minted["user_id"]})
    reset_settings()
    print(f"  market account: Instagram via Facebook Login (sandbox creator {MARKET_ACCOUNT}, TRENDS_INSTAGRAM_TOKEN)")


def _set_profile(stack: Any, user: Any) -> None:
    # What the frontend does through PostgREST: update her own profile row, under RLS.
    from shared.auth import UserClaims
    from shared.db import user_transaction

    claims = UserClaims(user_id=user.user_id, role="authenticated", email=user.email, raw={"sub": user.user_id})
    with user_transaction(claims) as conn:
        conn.execute(
            "update profiles set niche_keywords = %s, timezone = 'Europe/London', name = 'Divz' where id = %s",
            (NICHE, user.user_id),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--serve", action="store_true", help="keep the stack running after the demo")
    parser.add_argument("--history-days", type=int, default=21, help="days of trend history to replay")
    try:
        run(parser.parse_args())
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
