"""GET /api/analytics/overview against hand-computed sums (period=7d: days -6..0, previous -13..-7)."""
from __future__ import annotations

import datetime as dt

import pytest
from tests.e2e.analytics.analytics_support import TODAY, assert_problem_400, connect_platform, insert_rows, snapshot

FETCHED = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.timezone.utc)


@pytest.fixture()
def creator(stack, make_user):
    user = make_user("overview")
    u = user.user_id
    insert_rows(stack.database.url, "analytics_snapshots", [
        # Instagram: two days in each period, one day outside both (must not count).
        snapshot(u, "instagram", 20, followers=900, reach=99_999, views=99_999, engagements=9_999, saves=999),
        snapshot(u, "instagram", 8, followers=1000, reach=500, views=800, engagements=50, saves=10, shares=5,
                 watch_time_hrs=1.5),
        snapshot(u, "instagram", 7, followers=1010, reach=300, views=400, engagements=30, saves=6, shares=3,
                 watch_time_hrs=0.5),
        snapshot(u, "instagram", 1, followers=1040, reach=600, views=900, engagements=90, saves=20, shares=8,
                 watch_time_hrs=2.0),
        snapshot(u, "instagram", 0, followers=1050, reach=400, views=700, engagements=60, saves=10, shares=4,
                 watch_time_hrs=1.0),
        # YouTube: no reach, no saves; engagements from likes + comments + shares.
        snapshot(u, "youtube", 10, followers=200, views=1000, likes=40, comments=10, shares=5, watch_time_hrs=10.0),
        snapshot(u, "youtube", 3, followers=230, views=3000, likes=100, comments=20, shares=30, watch_time_hrs=25.5),
        # TikTok: followers only, this period only.
        snapshot(u, "tiktok", 2, followers=500),
    ])
    connect_platform(stack.database.url, u, "instagram", last_fetched_at=FETCHED)
    connect_platform(stack.database.url, u, "youtube")
    connect_platform(stack.database.url, u, "tiktok", status="needs_reauth", last_fetched_at=FETCHED)
    return user


def _metric(value, previous, change, change_pct):
    return {"value": value, "previous": previous, "change": change, "change_pct": change_pct}


def test_per_platform_sums_previous_period_and_changes(creator, get):
    response = get("overview", creator, period="7d")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["current"] == {"start": str(TODAY - dt.timedelta(days=6)), "end": str(TODAY)}
    assert body["previous"] == {"start": str(TODAY - dt.timedelta(days=13)), "end": str(TODAY - dt.timedelta(days=7))}
    platforms = {p["platform"]: p for p in body["platforms"]}
    assert list(platforms) == ["instagram", "youtube", "tiktok"]

    ig = platforms["instagram"]
    assert ig["connection_status"] == "active" and ig["last_fetched_at"] == "2026-11-20T06:30:00Z"
    assert ig["snapshot_days"] == 2
    m = ig["metrics"]
    assert m["followers"] == _metric(1050, 1010, 40, 3.96)            # 40 / 1010 = 3.9604 %
    assert m["reach"] == _metric(600 + 400, 500 + 300, 200, 25.0)
    assert m["views"] == _metric(900 + 700, 800 + 400, 400, 33.33)
    assert m["saves"] == _metric(20 + 10, 10 + 6, 14, 87.5)
    assert m["shares"] == _metric(8 + 4, 5 + 3, 4, 50.0)
    assert m["watch_hours"] == _metric(2.0 + 1.0, 1.5 + 0.5, 1.0, 50.0)
    er = m["engagement_rate"]                                          # per reach: 150/1000 vs 80/800
    assert er["value"] == pytest.approx(0.15) and er["previous"] == pytest.approx(0.10)
    assert er["change"] == pytest.approx(0.05) and er["change_pct"] == 50.0

    yt = platforms["youtube"]["metrics"]
    assert platforms["youtube"]["last_fetched_at"] is None
    assert yt["followers"] == _metric(230, 200, 30, 15.0)
    assert yt["reach"] == _metric(None, None, None, None)
    assert yt["saves"] == _metric(None, None, None, None)
    assert yt["views"] == _metric(3000, 1000, 2000, 200.0)
    assert yt["shares"] == _metric(30, 5, 25, 500.0)
    assert yt["watch_hours"] == _metric(25.5, 10.0, 15.5, 155.0)
    # per view: (100 + 20 + 30) / 3000 = 0.05 vs (40 + 10 + 5) / 1000 = 0.055
    assert yt["engagement_rate"]["value"] == pytest.approx(0.05)
    assert yt["engagement_rate"]["previous"] == pytest.approx(0.055)
    assert yt["engagement_rate"]["change_pct"] == -9.09

    tt = platforms["tiktok"]
    assert tt["connection_status"] == "needs_reauth"
    assert tt["metrics"]["followers"] == _metric(500, None, None, None)
    assert all(tt["metrics"][k]["value"] is None for k in ("reach", "views", "saves", "shares", "watch_hours",
                                                           "engagement_rate"))


def test_totals_add_the_platforms_that_report_and_name_them(creator, get):
    total = get("overview", creator, period="7d").json()["total"]
    assert total["followers"] == {**_metric(1050 + 230 + 500, 1010 + 200, 570, 47.11),
                                  "platforms": ["instagram", "youtube", "tiktok"]}
    assert total["reach"] == {**_metric(1000, 800, 200, 25.0), "platforms": ["instagram"]}
    assert total["views"] == {**_metric(1600 + 3000, 1200 + 1000, 2400, 109.09), "platforms": ["instagram", "youtube"]}
    assert total["saves"] == {**_metric(30, 16, 14, 87.5), "platforms": ["instagram"]}
    assert total["shares"] == {**_metric(12 + 30, 8 + 5, 29, 223.08), "platforms": ["instagram", "youtube"]}
    assert total["watch_hours"] == {**_metric(28.5, 12.0, 16.5, 137.5), "platforms": ["instagram", "youtube"]}
    # (150 + 150) / (1000 reach + 3000 views) = 0.075 vs (80 + 55) / (800 + 1000) = 0.075
    assert total["engagement_rate"]["value"] == pytest.approx(0.075)
    assert total["engagement_rate"]["previous"] == pytest.approx(0.075)
    assert total["engagement_rate"]["change"] == pytest.approx(0.0)


def test_definitions_state_the_engagement_rate(creator, get):
    definitions = get("overview", creator, period="30d").json()["definitions"]
    assert "reach" in definitions["engagement_rate"] and "views" in definitions["engagement_rate"]


def test_thirty_day_period_includes_both_weeks(creator, get):
    ig = get("overview", creator, period="30d").json()["platforms"][0]["metrics"]
    # days -29..0: 99_999 + 500 + 300 + 600 + 400; nothing in days -59..-30
    assert ig["reach"] == _metric(101_799, None, None, None)
    assert ig["followers"] == _metric(1050, None, None, None)


def test_a_total_is_null_when_no_platform_reports_it(stack, make_user, get):
    user = make_user("tiktok-only")
    insert_rows(stack.database.url, "analytics_snapshots", [snapshot(user.user_id, "tiktok", 0, followers=77)])
    body = get("overview", user, period="7d").json()
    assert body["total"]["views"] == {**_metric(None, None, None, None), "platforms": []}
    assert body["total"]["followers"]["value"] == 77
    assert body["platforms"][0]["connection_status"] == "not_connected"


def test_another_users_data_is_invisible(creator, make_user, get):
    other = make_user("other")
    body = get("overview", other, period="90d").json()
    assert body["platforms"] == []
    assert body["total"]["followers"] == {**_metric(None, None, None, None), "platforms": []}


@pytest.mark.parametrize("params", [{"period": "1y"}, {"period": ""}, {"unknown": "1"}])
def test_bad_parameters_are_a_400_problem(creator, get, params):
    assert_problem_400(get("overview", creator, **params))
