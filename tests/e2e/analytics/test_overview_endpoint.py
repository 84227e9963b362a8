"""GET /api/analytics/overview on equal windows over covered days, against hand-computed sums (period=7d)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.analytics.analytics_support import assert_problem_400, connect_platform, insert_rows

TODAY = dt.date(2026, 11, 25)  # the app's clock in these tests
FETCHED = dt.datetime(2026, 11, 20, 6, 30, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def frozen_clock():
    from shared import clock

    clock.set_now(dt.datetime.combine(TODAY, dt.time(9), dt.timezone.utc))
    yield
    clock.set_now(None)


def snapshot(user_id: str, platform: str, days_ago: int, **metrics) -> dict:
    return {"user_id": user_id, "platform": platform, "snapshot_date": TODAY - dt.timedelta(days=days_ago), **metrics}


@pytest.fixture()
def creator(stack, make_user):
    user = make_user("overview")
    u = user.user_id
    rows = [snapshot(u, "instagram", 20, reach=99_999, views=99_999, engagements=9_999, saves=999)]  # before both
    for back in range(1, 15):  # Instagram: complete through yesterday; days -1..-7 against -8..-14
        now = back <= 7
        rows.append(
            snapshot(
                u,
                "instagram",
                back,
                reach=100 if now else 50,
                views=200 if now else 100,
                engagements=20 if now else 5,
                saves=5 if now else 4,
                shares=2 if now else 1,
                watch_time_hrs=1.0 if now else 0.5,
                followers=1000 if back == 7 else None,
            )
        )
    rows.append(snapshot(u, "instagram", 0, followers=1050))  # today: followers only, the day is still running
    for back in range(3, 17):  # YouTube Analytics lags 3 days; day -12 is missing (pairs with day -5)
        if back != 12:
            now = back <= 9
            rows.append(
                snapshot(
                    u,
                    "youtube",
                    back,
                    views=300 if now else 200,
                    likes=10,
                    comments=2,
                    shares=3,
                    watch_time_hrs=2.0 if now else 1.0,
                    followers={3: 230, 10: 200}.get(back),
                )
            )
    rows += [snapshot(u, "pinterest", back, views=100, saves=7) for back in (1, 2, 3)]  # connected 3 days ago
    rows.append(snapshot(u, "tiktok", 0, followers=500))
    insert_rows(stack.database.url, "analytics_snapshots", rows)
    connect_platform(stack.database.url, u, "instagram", last_fetched_at=FETCHED)
    connect_platform(stack.database.url, u, "youtube")
    connect_platform(stack.database.url, u, "tiktok", status="needs_reauth", last_fetched_at=FETCHED)
    return user


def _metric(value, previous, change, change_pct, days=None, coverage=None):
    return {
        "value": value,
        "previous": previous,
        "change": change,
        "change_pct": change_pct,
        "days_compared": days,
        "coverage": coverage,
    }


def test_each_platform_is_compared_on_equal_windows_ending_on_its_last_complete_day(creator, get):
    response = get("overview", creator, period="7d")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["current"] == {"start": str(TODAY - dt.timedelta(days=6)), "end": str(TODAY)}
    platforms = {p["platform"]: p for p in body["platforms"]}
    assert list(platforms) == ["instagram", "youtube", "pinterest", "tiktok"]

    ig = platforms["instagram"]
    assert ig["window"] == {
        "start": "2026-11-18",
        "end": "2026-11-24",
        "previous_start": "2026-11-11",
        "previous_end": "2026-11-17",
    }
    assert ig["connection_status"] == "active" and ig["last_fetched_at"] == "2026-11-20T06:30:00Z"
    assert ig["snapshot_days"] == 7
    m = ig["metrics"]
    assert m["followers"] == _metric(1050, 1000, 50, 5.0)
    assert m["reach"] == _metric(700, 350, 350, 100.0, 7, 1.0)
    assert m["views"] == _metric(1400, 700, 700, 100.0, 7, 1.0)
    assert m["saves"] == _metric(35, 28, 7, 25.0, 7, 1.0)
    assert m["shares"] == _metric(14, 7, 7, 100.0, 7, 1.0)
    assert m["watch_hours"] == _metric(7.0, 3.5, 3.5, 100.0, 7, 1.0)
    er = m["engagement_rate"]  # per reach: 140 / 700 vs 35 / 350
    assert er["value"] == pytest.approx(0.2) and er["previous"] == pytest.approx(0.1) and er["change_pct"] == 100.0

    yt = platforms["youtube"]
    assert yt["window"]["end"] == "2026-11-22" and yt["window"]["previous_start"] == "2026-11-09"
    m = yt["metrics"]
    assert m["followers"] == _metric(230, 200, 30, 15.0)
    # Day -12 is missing, so its partner -5 is left out: 6 days each side.
    assert m["views"] == _metric(1800, 1200, 600, 50.0, 6, 0.8571)
    assert m["watch_hours"] == _metric(12.0, 6.0, 6.0, 100.0, 6, 0.8571)
    assert m["reach"]["value"] is None and m["saves"]["value"] is None
    # per view: 6 x 15 / 1800 vs 6 x 15 / 1200
    assert m["engagement_rate"]["value"] == pytest.approx(0.05) and m["engagement_rate"]["previous"] == pytest.approx(
        0.075
    )

    pin = platforms["pinterest"]["metrics"]  # nothing before its first 3 days: no comparison, no percent
    assert pin["views"] == _metric(300, None, None, None, 0, 0.0)
    tt = platforms["tiktok"]
    assert tt["connection_status"] == "needs_reauth" and tt["window"] is None
    assert tt["metrics"]["followers"] == _metric(500, None, None, None)


def test_totals_compare_only_when_every_platform_in_them_does(creator, get):
    total = get("overview", creator, period="7d").json()["total"]
    assert total["shares"] == {
        **_metric(14 + 6 * 3, 7 + 6 * 3, 7, 28.0),
        "platforms": ["instagram", "youtube"],
        "not_compared": [],
    }
    assert total["watch_hours"] == {
        **_metric(19.0, 9.5, 9.5, 100.0),
        "platforms": ["instagram", "youtube"],
        "not_compared": [],
    }
    # Pinterest's three young days have nothing to compare with: the total shows the sum, no percent.
    assert total["views"] == {
        **_metric(1400 + 1800 + 300, None, None, None),
        "platforms": ["instagram", "youtube", "pinterest"],
        "not_compared": ["pinterest"],
    }
    assert total["followers"] == {
        **_metric(1050 + 230 + 500, None, None, None),
        "platforms": ["instagram", "youtube", "tiktok"],
        "not_compared": ["tiktok"],
    }
    # (140 + 7 x 15 + 21) / (700 reach + 7 x 300 + 300 views) over each current window's days, no previous
    assert total["engagement_rate"]["value"] == pytest.approx(266 / 3100)
    assert total["engagement_rate"]["previous"] is None and total["engagement_rate"]["not_compared"] == ["pinterest"]


def test_definitions_state_the_windows_and_the_engagement_rate(creator, get):
    definitions = get("overview", creator, period="30d").json()["definitions"]
    assert "reach" in definitions["engagement_rate"] and "views" in definitions["engagement_rate"]
    assert "80 %" in definitions["comparison"] and "last complete day" in definitions["period"]


def test_a_thirty_day_period_without_thirty_earlier_days_has_no_percent(creator, get):
    ig = get("overview", creator, period="30d").json()["platforms"][0]["metrics"]
    # days -1..-30 hold 14 days of 100 and the day -20 outlier; days -31..-60 hold nothing
    assert ig["reach"] == _metric(99_999 + 7 * 100 + 7 * 50, None, None, None, 0, 0.0)
    assert ig["followers"]["change"] is None


def test_a_total_is_null_when_no_platform_reports_it(stack, make_user, get):
    user = make_user("tiktok-only")
    insert_rows(stack.database.url, "analytics_snapshots", [snapshot(user.user_id, "tiktok", 0, followers=77)])
    body = get("overview", user, period="7d").json()
    assert body["total"]["views"] == {**_metric(None, None, None, None), "platforms": [], "not_compared": []}
    assert body["total"]["followers"] == {
        **_metric(77, None, None, None),
        "platforms": ["tiktok"],
        "not_compared": ["tiktok"],
    }
    assert body["platforms"][0]["metrics"]["followers"]["value"] == 77
    assert body["platforms"][0]["connection_status"] == "not_connected"


def test_another_users_data_is_invisible(creator, make_user, get):
    other = make_user("other")
    body = get("overview", other, period="90d").json()
    assert body["platforms"] == []
    assert body["total"]["followers"] == {**_metric(None, None, None, None), "platforms": [], "not_compared": []}


@pytest.mark.parametrize("params", [{"period": "1y"}, {"period": ""}, {"unknown": "1"}])
def test_bad_parameters_are_a_400_problem(creator, get, params):
    assert_problem_400(get("overview", creator, **params))
