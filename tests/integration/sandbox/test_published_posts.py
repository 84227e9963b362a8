"""Posts published through the admin API (a creator following a brief) and the sandbox's movable today:
served in every platform's wire format through the real clients, with the planted effects of their levels,
and without changing any other post."""

from __future__ import annotations

import datetime as dt

import pytest

from scripts.sandbox import start_sandbox
from scripts.sandbox.fetched import fetch_creator_posts
from shared import clock
from shared.attributes import caption_length

TODAY = dt.date(2026, 11, 20)
EFFECTS = [
    {"attribute": "camera_angle", "level": "overhead", "metric": "save_rate", "lift": 1.6},
    {"attribute": "content_format", "level": "tutorial", "metric": "share_rate", "lift": 2.0, "platform": "youtube"},
]
CAPTION = "Tutorial: epoxy resin coasters, filmed overhead. Which step should I slow down? Save this!"
ATTRIBUTES = {
    "camera_angle": "overhead",
    "content_format": "tutorial",
    "audio_type": "voiceover",
    "hook_speed": "instant",
}


def _at(days: int, hour: int = 18) -> dt.datetime:
    return dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(hour), dt.timezone.utc)


@pytest.fixture()
def world():
    with start_sandbox(seed=5, creators=2, today=TODAY, effects=EFFECTS) as sandbox:
        yield sandbox


@pytest.mark.parametrize("platform", ["instagram", "youtube", "pinterest", "tiktok"])
def test_a_published_post_appears_once_its_day_has_come_in_the_platforms_wire_format(world, platform):
    before = {p["id"]: p for p in world.posts(platform, 0)}
    caption = CAPTION if platform != "tiktok" else CAPTION[:120]
    post = world.publish(platform, 0, caption=caption, posted_at=_at(1), attributes=ATTRIBUTES)
    assert post["id"] not in before
    # Not yet: the sandbox's today is before its time.
    assert post["id"] not in {p["id"] for p in world.posts(platform, 0)}

    assert world.set_today(TODAY + dt.timedelta(days=9)) == {"today": "2026-11-29"}
    truth = {p["id"]: p for p in world.posts(platform, 0)}
    mine = truth[post["id"]]
    assert mine["published"] and mine["caption"] == caption and mine["timestamp"] == int(_at(1).timestamp())
    assert {k: mine["attributes"][k] for k in ATTRIBUTES} == ATTRIBUTES
    assert mine["attributes"]["weekday"] == "weekend"  # 2026-11-21 is a Saturday; 18:00 UTC is evening in London
    assert mine["attributes"]["posting_time"] == "evening" and mine["attributes"]["has_question"] == "yes"
    assert mine["attributes"]["caption_length"] == caption_length(caption)
    if mine["expected_save_rate"] is not None:
        assert mine["planted_save_lift"] == pytest.approx(1.6)
    if platform == "youtube":
        assert mine["planted_share_lift"] == pytest.approx(2.0)
    # Every earlier post still there (a few aged out of the two years) is the same post with older counters:
    # publishing changed nobody else's draws.
    window_start = _at(9 - 730, 0).timestamp()
    assert all(before[i]["timestamp"] < window_start for i in set(before) - set(truth))
    for post_id in set(before) & set(truth):
        old = before[post_id]
        assert truth[post_id]["attributes"] == old["attributes"] and truth[post_id]["views"] >= old["views"]

    with clock.frozen_at("2026-11-29T09:00:00Z"):  # the clients ask for analytics up to their today
        fetched = {r.platform_post_id: r for r in fetch_creator_posts(world, 0, (platform,))}
    record = fetched[post["id"]]
    assert record.caption == caption and record.posted_at == _at(1)
    assert record.views == mine["views"] and record.views > 0
    assert record.saves == (mine["saves"] if platform in ("instagram", "pinterest") else None)
    if platform == "youtube":  # shares come from Analytics, whose daily reports lag 3 days
        assert 0 < record.shares <= mine["shares"] and record.raw_metrics["views"] < record.views
    else:
        assert record.shares == (mine["shares"] if platform != "pinterest" else None)


def test_moving_today_adds_the_new_weeks_posts_and_keeps_the_old_ones(world):
    first = {p["id"]: p for p in world.posts("instagram", 1)}
    world.set_today(TODAY + dt.timedelta(days=14))
    later = {p["id"]: p for p in world.posts("instagram", 1)}
    newer = set(later) - set(first)
    assert newer and all(later[i]["timestamp"] >= int(_at(-7, 0).timestamp()) for i in newer)
    kept = set(first) & set(later)
    # Only what aged out of the two-year window is gone.
    assert all(first[i]["timestamp"] < _at(14 - 730, 0).timestamp() for i in set(first) - kept)
    assert all(later[i]["caption"] == first[i]["caption"] for i in kept)
    world.set_today(TODAY)
    assert {p["id"] for p in world.posts("instagram", 1)} == set(first)


def test_a_bad_post_is_a_400(world):
    import httpx

    url = f"{world.base_url}/_sandbox/publish/instagram/0"
    for body in (
        {"caption": "", "posted_at": _at(1).isoformat()},
        {"caption": "x", "posted_at": "2026-11-21T18:00:00"},
        {"caption": "x", "posted_at": _at(1).isoformat(), "attributes": {"camera_angle": "sideways"}},
        {"caption": "x", "posted_at": _at(1).isoformat(), "kind": "short"},
    ):
        assert httpx.post(url, json=body, timeout=10).status_code == 400
