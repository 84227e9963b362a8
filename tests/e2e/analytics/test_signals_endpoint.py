"""GET /api/analytics/signals: percentile scores against a hand-made history and niche."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.e2e.analytics.analytics_support import NOW, assert_problem_400, connect_platform, insert_rows

RECENT = [  # days ago, saves, shares, avg watch s, skip rate   (reach 1000 for all)
    (2, 30, 5, 8.0, 0.30),
    (4, 50, 5, 9.0, 0.20),
    (6, 40, 5, 10.0, 0.25),
    (8, 60, 5, 11.0, 0.35),
    (10, 20, 5, 12.0, 0.40),
]
BASELINE = [(35 + 10 * i, 10 * (i + 1), i + 1, 5.0 + i, 0.10 + 0.05 * i) for i in range(10)]
OUTSIDE = [(200, 999, 999, 99.0, 0.99)]  # older than 180 days: ignored


def _ig_post(user_id: str, n: int, days_ago: int, saves: int, shares: int, watch: float, skip: float) -> dict:
    return {
        "user_id": user_id,
        "platform": "instagram",
        "platform_post_id": f"ig{n}",
        "type": "reel",
        "posted_at": NOW - dt.timedelta(days=days_ago),
        "views": 2000,
        "reach": 1000,
        "saves": saves,
        "shares": shares,
        "avg_watch_time_s": watch,
        "skip_rate": round(skip, 2),
    }


@pytest.fixture()
def creator(stack, make_user):
    user = make_user("signals")
    url, u = stack.database.url, user.user_id
    niche = f"ceramics-{uuid.uuid4().hex[:8]}"
    with __import__("psycopg").connect(url) as conn:
        conn.execute("update profiles set niche_keywords = %s where id = %s", ([niche.upper()], u))
    rows = [_ig_post(u, n, *spec) for n, spec in enumerate(RECENT + BASELINE + OUTSIDE)]
    rows += [
        {
            "user_id": u,
            "platform": "tiktok",
            "platform_post_id": f"tt{n}",
            "type": "video",
            "posted_at": NOW - dt.timedelta(days=n + 1),
            "views": 1000,
            "shares": 10,
            "comments": 5,
        }
        for n in range(3)
    ]
    insert_rows(url, "posts", rows)
    connect_platform(url, u, "instagram")
    connect_platform(url, u, "tiktok")
    first, second, elsewhere = insert_rows(
        url,
        "trending_creators",
        [
            {"handle": f"a-{niche}", "platform": "instagram", "niche": niche},
            {"handle": f"b-{niche}", "platform": "instagram", "niche": niche},
            {"handle": f"c-{niche}", "platform": "instagram", "niche": "knitting"},
        ],
    )
    post = lambda saves, **extra: {"saves": saves, "reach": 1000, **extra}  # noqa: E731
    insert_rows(
        url,
        "creator_observations",
        [
            {
                "creator_id": first,
                "observed_at": NOW - dt.timedelta(days=9),
                "followers": 1,
                "recent_posts": [post(900)],
            },  # superseded by the later observation
            {
                "creator_id": first,
                "observed_at": NOW - dt.timedelta(days=1),
                "followers": 1,
                "recent_posts": [post(10), post(20), post(30)],
            },
            {
                "creator_id": second,
                "observed_at": NOW - dt.timedelta(days=1),
                "followers": 1,
                "recent_posts": [post(50), post(60), post(70, shares=7)],
            },
            {
                "creator_id": elsewhere,
                "observed_at": NOW - dt.timedelta(days=1),
                "followers": 1,
                "recent_posts": [post(1000)] * 5,
            },
        ],
    )
    return user


def _signals(get, user) -> dict[str, dict[str, dict]]:
    response = get("signals", user)
    assert response.status_code == 200, response.text
    return {p["platform"]: {s["key"]: s for s in p["signals"]} for p in response.json()["platforms"]}


def test_saves_per_reach_is_the_percentile_of_the_recent_median_in_her_history(creator, get):
    s = _signals(get, creator)["instagram"]["saves_per_reach"]
    # recent .02 .03 .04 .05 .06 -> median .04; baseline .01 ... .10: 3 below, 1 equal -> (3 + 0.5) / 10
    assert s["score"] == 35.0 and s["reason"] is None
    i = s["inputs"]
    assert (i["n_recent"], i["n_baseline"]) == (5, 10)
    assert i["recent_value"] == pytest.approx(0.04)
    assert i["baseline_median"] == pytest.approx(0.055)  # (.05 + .06) / 2
    assert i["baseline_p25"] == pytest.approx(0.0325)  # .03 + 0.25 * .01 (position 2.25)
    assert i["baseline_p75"] == pytest.approx(0.0775)  # .07 + 0.75 * .01 (position 6.75)
    assert "4.0%" in s["explanation"] and "35%" in s["explanation"]


def test_niche_benchmark_uses_the_latest_observation_of_creators_in_her_niche(creator, get):
    niche = _signals(get, creator)["instagram"]["saves_per_reach"]["niche_benchmark"]
    # .01 .02 .03 .05 .06 .07 -> median (.03 + .05) / 2 = .04; her .04: 3 below of 6 -> 50
    assert niche["n_posts"] == 6 and niche["n_creators"] == 2
    assert niche["value"] == pytest.approx(0.04)
    assert niche["p25"] == pytest.approx(0.0225) and niche["p75"] == pytest.approx(0.0575)
    assert niche["score"] == 50.0


def test_other_instagram_signals(creator, get):
    ig = _signals(get, creator)["instagram"]
    # shares .005 x5 vs .001 ... .010: 4 below, 1 equal -> 45
    assert ig["shares_per_reach"]["score"] == 45.0
    assert ig["shares_per_reach"]["niche_benchmark"] is None
    assert ig["shares_per_reach"]["niche_reason"] == "not enough tracked creators' posts report this metric"
    # watch 8..12 s -> median 10 vs 5..14 s: 5 below, 1 equal -> 55
    assert ig["reels_avg_watch_time"]["score"] == 55.0
    assert ig["reels_avg_watch_time"]["inputs"]["recent_value"] == 10.0
    # skip rate is better lower: median .30 vs .10 ... .55: 5 above, 1 equal -> 55
    assert ig["reels_skip_rate"]["score"] == 55.0 and ig["reels_skip_rate"]["higher_is_better"] is False


def test_too_few_posts_and_unavailable_signals_say_why(creator, get):
    tt = _signals(get, creator)["tiktok"]
    assert list(tt) == ["completion_rate", "shares_per_view", "comments_per_view"]
    assert tt["completion_rate"]["score"] is None and tt["completion_rate"]["reason"] == "unavailable"
    assert "Display API" in tt["completion_rate"]["explanation"]
    shares = tt["shares_per_view"]
    assert shares["score"] is None and shares["reason"] == "not enough posts"
    assert shares["inputs"]["n_recent"] == 3 and shares["inputs"]["recent_value"] is None
    assert shares["niche_benchmark"] is None and shares["niche_reason"] == "no tracked creators yet"


def test_another_users_posts_are_invisible(creator, stack, make_user, get):
    other = make_user("other")
    assert _signals(get, other) == {}
    connect_platform(stack.database.url, other.user_id, "instagram")
    s = _signals(get, other)["instagram"]["saves_per_reach"]
    assert s["inputs"]["n_recent"] == 0 and s["inputs"]["n_baseline"] == 0 and s["score"] is None
    assert s["niche_reason"] == "no niche keywords set on your profile"


def test_unknown_parameters_are_a_400_problem(creator, get):
    assert_problem_400(get("signals", creator, platform="instagram"))
