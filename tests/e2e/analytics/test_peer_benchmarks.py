"""GET /api/analytics/signals: her engagement and follower growth among tracked niche creators of her size, on
hand-made numbers. Everyone here has over a million followers: no other suite's tracked creator is in that tier."""

from __future__ import annotations

import datetime as dt

import pytest

from shared import clock
from tests.e2e.analytics.analytics_support import connect_platform, insert_rows

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc)


def _posts(user_id: str, rates: list[float]) -> list[dict]:
    """Her Instagram posts, newest first, views 10,000, likes + comments = rate x views."""
    return [
        {
            "user_id": user_id,
            "platform": "instagram",
            "platform_post_id": f"p{i}",
            "type": "reel",
            "posted_at": NOW - dt.timedelta(days=i + 1),
            "views": 10_000,
            "likes": int(rate * 10_000) - 10,
            "comments": 10,
            "saves": 500,
            "shares": 100,
        }
        for i, rate in enumerate(rates)
    ]


def _peer_posts(rate: float, n: int = 12) -> list[dict]:
    return [
        {
            "posted_at": (NOW - dt.timedelta(days=i + 1)).isoformat(),
            "views": 20_000,
            "likes": int(rate * 20_000) - 20,
            "comments": 20,
            "text": "resin",
        }
        for i in range(n)
    ]


@pytest.fixture()
def world(stack, make_user):
    """world(peers) -> her user; the tracked creators it made are global rows, removed when the test ends."""
    made: list[str] = []

    def setup(peers: list[tuple[float, float]]):
        user = _setup(stack, make_user, peers)
        made.append(f"peer-{user.user_id[:8]}-%")
        return user

    yield setup
    with __import__("psycopg").connect(stack.database.url) as conn:
        for pattern in made:
            conn.execute("delete from trending_creators where handle like %s", (pattern,))


def _setup(stack, make_user, peers: list[tuple[float, float]], *, followers: int = 2_000_000):
    """Her (12 posts at 4 % engagement, followers growing 0.1 %/day) and peers (engagement, 30-day growth)."""
    user = make_user("peers")
    url = stack.database.url
    with __import__("psycopg").connect(url) as conn:
        conn.execute("update profiles set niche_keywords = %s where id = %s", (["eco resin"], user.user_id))
    insert_rows(url, "posts", _posts(user.user_id, [0.04] * 12))
    insert_rows(
        url,
        "analytics_snapshots",
        [
            {
                "user_id": user.user_id,
                "platform": "instagram",
                "snapshot_date": NOW.date() - dt.timedelta(days=d),
                "followers": round(followers * 1.001**-d),
            }
            for d in range(30)
        ],
    )
    connect_platform(url, user.user_id, "instagram")
    handles = [f"peer-{user.user_id[:8]}-{k}" for k in range(len(peers) + 2)]
    ids = insert_rows(
        url,
        "trending_creators",
        [
            {
                "handle": h,
                "platform": "instagram",
                "niche": "resin",
                "followers": 1_500_000 + 10_000 * k,
                "growth_rate": growth,
            }
            for k, (h, (_, growth)) in enumerate(zip(handles, peers))
        ]
        + [
            {
                "handle": handles[-2],
                "platform": "instagram",
                "niche": "resin",
                "followers": 900_000,
                "growth_rate": 0.5,
            },
            {
                "handle": handles[-1],
                "platform": "instagram",
                "niche": "knitting",
                "followers": 1_600_000,
                "growth_rate": 0.5,
            },
        ],
    )
    rates = [rate for rate, _ in peers] + [0.5, 0.5]  # the macro-tier and the knitting creator would top everyone
    insert_rows(
        url,
        "creator_observations",
        [
            {
                "creator_id": cid,
                "observed_at": NOW - dt.timedelta(days=1),
                "followers": 1,
                "recent_posts": _peer_posts(r),
            }
            for cid, r in zip(ids, rates)
        ],
    )
    return user


def _peers(get, user) -> dict:
    with clock.frozen_at(NOW):
        response = get("signals", user)
    assert response.status_code == 200, response.text
    return {p["platform"]: p["peers"] for p in response.json()["platforms"]}["instagram"]


def test_her_percentiles_among_niche_creators_of_her_tier(world, get):
    # Engagement 1 %, 2 %, 4 %, 6 %, 8 % (one equal to hers) and 30-day growth 1 %, 2 %, 3 %, 5 %, 8 %.
    peers = [(0.01, 0.01), (0.02, 0.02), (0.04, 0.03), (0.06, 0.05), (0.08, 0.08)]
    body = _peers(get, world(peers))
    assert (body["tier"], body["tier_range"], body["followers"], body["n_peers"]) == (
        "mega",
        [1_000_000, None],
        2_000_000,
        5,
    )
    metrics = {m["key"]: m for m in body["metrics"]}
    engagement = metrics["engagement_rate"]
    # Hers 4 %: two peers below, one equal -> (2 + 0.5) / 5 = 50.
    assert engagement["status"] == "ok" and engagement["value"] == pytest.approx(0.04)
    assert engagement["percentile"] == 50.0 and engagement["n_peers"] == 5
    assert engagement["peer_median"] == pytest.approx(0.04)
    assert engagement["ci_low"] <= 50.0 <= engagement["ci_high"] and engagement["ci_high"] - engagement["ci_low"] >= 20
    growth = metrics["follower_growth"]
    # 0.1 % a day: exp(30 ln 1.001) - 1 = 3.04 %, above 1 %, 2 %, 3 % -> 60.
    assert growth["value"] == pytest.approx(1.001**30 - 1, abs=2e-4) and growth["percentile"] == 60.0
    for key in ("save_rate", "share_rate"):
        assert metrics[key]["status"] == "unavailable" and "No platform API exposes" in metrics[key]["explanation"]


def test_fewer_than_five_peers_is_no_peers_yet(world, get):
    body = _peers(get, world([(0.01, 0.01), (0.02, 0.02), (0.03, 0.03), (0.05, 0.04)]))
    metrics = {m["key"]: m for m in body["metrics"]}
    assert body["n_peers"] == 4 and metrics["engagement_rate"]["status"] == "no_peers"
    assert metrics["engagement_rate"]["percentile"] is None
    assert metrics["engagement_rate"]["explanation"].startswith("No peers yet: 4 tracked creators")


def test_a_platform_no_api_covers_says_why(stack, world, get):
    user = world([])
    insert_rows(
        stack.database.url,
        "analytics_snapshots",
        [{"user_id": user.user_id, "platform": "tiktok", "snapshot_date": NOW.date(), "followers": 3_000}],
    )
    connect_platform(stack.database.url, user.user_id, "tiktok")
    with clock.frozen_at(NOW):
        platforms = {p["platform"]: p["peers"] for p in get("signals", user).json()["platforms"]}
    assert platforms["tiktok"]["tier"] == "nano" and platforms["tiktok"]["n_peers"] == 0
    assert platforms["tiktok"]["reason"].startswith("no peers yet: TikTok's Display API")
    assert platforms["instagram"]["reason"].startswith("no peers yet: no tracked instagram creator")
