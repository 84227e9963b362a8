"""Peer benchmarks against the sandbox's truth: niche creators tracked over simulated days through the real
lookups, her YouTube channel fetched on the same days, and her percentiles among the peers of her tier compared
with the percentiles the sandbox's own counters and growth give."""

from __future__ import annotations

import datetime as dt
import math
import time

import numpy as np
import pytest

from shared import clock
from shared.config import REAL_PLATFORM_HOSTS, get_settings
from tests.integration.trends.conftest import FAST, TODAY, noon, save_connection

NICHES = ("eco resin & handmade decor", "crochet & amigurumi")
KEYWORDS = ["eco resin", "crochet", "handmade decor", "slow crafting"]


def _engagement(posts: list[dict]) -> float:
    usable = [p for p in sorted(posts, key=lambda p: -p["timestamp"])[:12] if p["views"] >= 50]
    return float(np.median([(p["likes"] + p["comments"]) / p["views"] for p in usable]))


def _percentile(value: float, others: list[float]) -> float:
    return 100 * (sum(o < value for o in others) + 0.5 * sum(o == value for o in others)) / len(others)


@pytest.fixture()
def forget_tracked_creators(stack):
    """Tracked creators are global (one market): a comparison with one sandbox's truth starts from none."""
    import psycopg

    with psycopg.connect(stack.database.url) as conn:
        conn.execute("delete from trending_creators")
    yield
    with psycopg.connect(stack.database.url) as conn:
        conn.execute("delete from trending_creators")


def test_her_youtube_percentiles_among_peers_match_the_sandbox(stack, make_user, market, forget_tracked_creators):
    from scripts.sandbox import start_sandbox
    from shared.auth import UserClaims
    from shared.db import service_transaction, user_transaction
    from shared.models.ingest import FetchRunRequest
    from shared.services.creator_tracking import track_creators
    from shared.services.fetch_run import run_fetch
    from shared.services.niche import niche_creators
    from shared.services.signals import signals
    from shared.services.trend_detection import Credentials

    user = make_user("peer-truth")
    with start_sandbox(seed=7, creators=40, today=TODAY) as sandbox:
        creators = sandbox.creators()
        peers_in_niche = [c for c in creators[1:] if c["niche"] in NICHES]
        settings = get_settings().model_copy(
            update={
                "platform_hosts": {**REAL_PLATFORM_HOSTS, **sandbox.hosts},
                "platform_limits": FAST,
                "fetch_budget_s": 120.0,
                "tracked_creators": [
                    {"platform": "youtube", "handle": c["handles"]["youtube"]} for c in peers_in_niche
                ],
            }
        )
        with service_transaction() as conn:
            conn.execute("update profiles set niche_keywords = %s where id = %s", (KEYWORDS, user.user_id))
        save_connection(stack.database.url, settings, user.user_id, "youtube", sandbox.mint_token("youtube", 0))
        creds = Credentials(youtube=sandbox.mint_token("youtube", 1)["access_token"])
        for back in (12, 8, 4, 0):
            day = TODAY - dt.timedelta(days=back)
            sandbox.set_today(day)
            with clock.frozen_at(noon(day)) as now, service_transaction() as conn:
                # Due is judged by the system clock, frozen on this day, not the database's.
                conn.execute(
                    "update platform_connections set next_fetch_at = %s - interval '1 second' where user_id = %s",
                    (now, user.user_id),
                )
            with clock.frozen_at(noon(day)):
                track_creators(settings, creds, {"k": KEYWORDS}, now=noon(day), deadline=time.monotonic() + 120)
                run_fetch(settings, FetchRunRequest(), user_ids=[user.user_id])
        claims = UserClaims(user_id=user.user_id, role="authenticated", email=None, raw={"sub": user.user_id})
        with user_transaction(claims) as conn:
            youtube = next(p for p in signals(conn, now=noon(TODAY)).platforms if p.platform == "youtube")
            tracked = niche_creators(conn, KEYWORDS, "youtube")
        truth_posts = {c["index"]: sandbox.posts("youtube", c["index"]) for c in creators}
    peers = youtube.peers
    me = creators[0]
    # YouTube shows subscriber counts to three significant figures: 9,566 is 9,570.
    assert peers.tier == "nano" and peers.followers == round(me["followers"]["youtube"], -1) == 9_570
    by_handle = {c["handles"]["youtube"].lower(): c for c in creators}
    tier = [by_handle[t["handle"].lower()] for t in tracked if 1_000 <= (t["followers"] or 0) < 10_000]
    assert peers.n_peers == len(tier) >= 5
    metrics = {m.key: m for m in peers.metrics}

    engagement = metrics["engagement_rate"]
    true_peers = [_engagement(truth_posts[c["index"]]) for c in tier]
    mine = _engagement(truth_posts[0])
    assert engagement.value == pytest.approx(mine, rel=1e-9)
    assert engagement.peer_median == pytest.approx(float(np.median(true_peers)), rel=1e-9)
    assert engagement.percentile == round(_percentile(mine, true_peers))
    assert engagement.ci_low <= engagement.percentile <= engagement.ci_high

    growth = metrics["follower_growth"]
    true_growth = [math.exp(30 * c["growth_per_day"]["youtube"]) - 1 for c in tier]
    mine_growth = math.exp(30 * me["growth_per_day"]["youtube"]) - 1
    # Subscriber counts are whole numbers: four checks over 12 days give the planted growth within 0.1 points.
    assert growth.value == pytest.approx(mine_growth, abs=1e-3)
    truth_percentile = _percentile(mine_growth, true_growth)
    assert abs(growth.percentile - truth_percentile) <= 100 / len(tier) + 0.5
    assert growth.ci_low <= truth_percentile <= growth.ci_high
    print(
        f"youtube nano tier, {len(tier)} peers: engagement {engagement.value:.4f} -> {engagement.percentile} "
        f"(95% CI {engagement.ci_low}-{engagement.ci_high}; truth {_percentile(mine, true_peers)}), growth "
        f"{growth.value:+.4f} (truth {mine_growth:+.4f}) -> {growth.percentile} (95% CI {growth.ci_low}-"
        f"{growth.ci_high}; truth {truth_percentile})"
    )
    for key in ("save_rate", "share_rate"):
        assert metrics[key].status == "unavailable"
