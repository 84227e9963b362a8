"""Sandbox world generation: deterministic, planted effects visible in ground truth, attributes rendered."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from scripts.sandbox.captions import mentioned_cues
from scripts.sandbox.config import SandboxConfig, SandboxConfigError
from scripts.sandbox.creators import creator_profile
from scripts.sandbox.posts import generate_posts
from shared.attribute_cues import CTA_PHRASES
from shared.attributes import caption_length, duration_bucket, posting_time

TODAY = date(2026, 11, 25)
LIFT = {"attribute": "content_format", "level": "tutorial", "metric": "save_rate", "lift": 1.6}


def _table(platform: str, creator: int = 0, today: date = TODAY, effects: list | None = None):
    return generate_posts(7, creator_profile(7, creator), platform, today, effects or [])


def test_same_seed_and_today_give_identical_posts():
    a, b = _table("instagram"), _table("instagram")
    assert a.ids == b.ids
    assert [a.text(i)["caption"] for i in range(20)] == [b.text(i)["caption"] for i in range(20)]
    assert [a.counters(i) for i in range(20)] == [b.counters(i) for i in range(20)]


def test_a_later_today_keeps_old_posts_and_their_counters_only_grow():
    before, after = _table("tiktok"), _table("tiktok", today=date(2026, 12, 5))
    shared = set(before.ids) & set(after.ids)
    assert len(shared) > 0.9 * len(before.ids)
    for post_id in list(shared)[:50]:
        old, new = before.counters(before.index_of[post_id]), after.counters(after.index_of[post_id])
        assert new["views"] >= old["views"] and new["likes"] >= old["likes"]


def test_demo_creator_posts_hundreds_of_times_over_two_years_on_every_platform():
    for platform in ("instagram", "youtube", "pinterest", "tiktok"):
        table = _table(platform)
        span_days = (table.ts.max() - table.ts.min()) / 86400
        assert len(table) >= 250, platform
        assert span_days > 700, platform


def test_planted_save_lift_shows_as_the_ratio_of_mean_save_rates():
    rates, flags = [], []
    for platform in ("instagram", "pinterest"):
        for creator in (0, 1, 2):
            table = _table(platform, creator, effects=[LIFT])
            for i in range(len(table)):
                c = table.counters(i)
                if c["views"] >= 50:
                    rates.append(c["saves"] / c["views"])
                    flags.append(table.attrs[i]["content_format"] == "tutorial")
    rates_arr, flags_arr = np.array(rates), np.array(flags)
    ratio = rates_arr[flags_arr].mean() / rates_arr[~flags_arr].mean()
    assert 1.6 * 0.85 < ratio < 1.6 * 1.15


def test_without_effects_levels_do_not_differ():
    table = _table("instagram")
    saves = np.array([table.counters(i)["saves"] / max(1, table.counters(i)["views"]) for i in range(len(table))])
    tutorial = np.array([a["content_format"] == "tutorial" for a in table.attrs])
    assert 0.75 < saves[tutorial].mean() / saves[~tutorial].mean() < 1.3


def test_unknown_attribute_or_level_is_rejected():
    with pytest.raises(SandboxConfigError):
        SandboxConfig.build(effects=[{"attribute": "colour", "level": "red", "metric": "save_rate", "lift": 2}])
    with pytest.raises(SandboxConfigError):
        SandboxConfig.build(effects=[{"attribute": "hook_speed", "level": "glacial", "metric": "save_rate", "lift": 2}])
    with pytest.raises(SandboxConfigError):
        SandboxConfig.build(effects=[{"attribute": "hook_speed", "level": "slow", "metric": "likes", "lift": 2}])


def test_captions_carry_exactly_the_drawn_levels():
    for platform in ("instagram", "tiktok", "pinterest", "youtube"):
        table = _table(platform)
        for i in range(0, len(table), 3):
            attrs, text = table.attrs[i], table.text(i)
            caption = text["caption"]
            assert caption_length(caption) == attrs["caption_length"]
            assert ("?" in caption) == (attrs["has_question"] == "yes")
            assert any(p in caption.lower() for p in CTA_PHRASES) == (attrs["has_cta"] == "yes")
            for attribute, levels in mentioned_cues(caption).items():
                if attribute != "cta":
                    assert levels == {attrs[attribute]}, (attribute, caption)
            if platform == "tiktok":
                assert len(caption) <= 150


def test_most_posts_carry_cues_and_some_do_not():
    table = _table("instagram")
    cued = [("camera_angle" in table.text(i)["cues"]) for i in range(len(table))]
    assert 0.6 < np.mean(cued) < 0.95


def test_timestamps_render_posting_time_and_weekday_in_the_creators_zone():
    table = _table("youtube")
    tz = ZoneInfo(table.creator.time_zone)
    for i in range(len(table)):
        local = datetime.fromtimestamp(float(table.ts[i]), timezone.utc).astimezone(tz)
        assert posting_time(local.hour) == table.attrs[i]["posting_time"]
        assert ("weekend" if local.weekday() >= 5 else "weekday") == table.attrs[i]["weekday"]


def test_durations_render_the_duration_bucket_and_instagram_hides_it():
    for platform in ("youtube", "tiktok", "pinterest"):
        table = _table(platform)
        for i in range(len(table)):
            level = table.attrs[i]["duration_bucket"]
            if level is None:
                assert np.isnan(table.duration_s[i])
            else:
                assert duration_bucket(float(table.duration_s[i])) == level
    assert all(a["duration_bucket"] is None for a in _table("instagram").attrs)


def test_unexposed_counters_are_absent_not_zero():
    assert "saves" not in _table("tiktok").counters(0)
    assert "saves" not in _table("youtube").counters(0)
    assert "shares" not in _table("pinterest").counters(0)


def test_creator_999_is_generated_on_demand():
    profile = creator_profile(7, 999)
    table = generate_posts(7, profile, "instagram", TODAY, [])
    assert profile.index == 999 and len(table) > 0


def _pooled(platform: str, effects: list, creators=range(0, 24)):
    return [_table(platform, c, effects=effects) for c in creators]


def test_every_metric_has_its_own_noise():
    # Instagram's skip rate once reused the share-rate noise, so slow hooks "earned" shares.
    from scripts.sandbox.posts import _SKIP_RATE, BASE_RATES

    skip_noise, share_noise = [], []
    for table in _pooled("instagram", []):
        levels = table.attrs.level_of("hook_speed")
        for i, level in enumerate(levels):
            if level is not None:
                skip_noise.append(np.log(table.skip_rate[i] / _SKIP_RATE[level]))
                share_noise.append(
                    np.log(
                        table.expected["share_rate"][i]
                        / (BASE_RATES["instagram"]["share_rate"] * table.creator.rate_factor)
                    )
                )
    assert len(skip_noise) > 2000
    assert abs(np.corrcoef(skip_noise, share_noise)[0, 1]) < 0.06


def test_a_planted_lift_holds_exactly_in_expectation():
    lift = {"attribute": "camera_angle", "level": "closeup", "metric": "share_rate", "lift": 1.35}
    planted, other, counted, expected = [], [], 0.0, 0.0
    for table in _pooled("tiktok", [lift]):
        rate = table.expected["share_rate"] / table.creator.rate_factor
        is_planted = np.array([lv == "closeup" for lv in table.attrs.level_of("camera_angle")])
        planted.extend(rate[is_planted])
        other.extend(rate[~is_planted])
        counted += table.final["shares"].sum()
        expected += (table.final["views"] * table.expected["share_rate"]).sum()
    # Rate noise is lognormal with mean exactly 1: the ratio of means is the lift up to sampling error
    # (sd about 0.25 / sqrt(n) on each side), and counts are Poisson around views x rate.
    assert abs(np.mean(planted) / np.mean(other) / 1.35 - 1) < 0.03
    assert abs(counted / expected - 1) < 0.005


def test_counters_read_before_saturation_are_unbiased():
    tables = _pooled("youtube", [], creators=range(0, 8))
    read, exact = 0.0, 0.0
    for table in tables:
        at = table.as_of.timestamp() - 3 * 86400
        s = table.saturation(at)
        for i in range(len(table)):
            if 0.05 < s[i] < 0.95:
                read += table.counters_series(i, [at])[0]["shares"]
                exact += table.final["shares"][i] * s[i]
    assert exact > 500
    assert abs(read / exact - 1) < 0.01


def test_the_default_today_is_the_systems_clock():
    from shared import clock

    clock.set_now("2031-02-03T10:00:00Z")
    try:
        assert SandboxConfig().today == date(2031, 2, 3) == SandboxConfig.build().today
    finally:
        clock.set_now(None)


def test_an_engagement_lift_on_one_platform_lifts_every_engagement_there_and_nowhere_else():
    lift = {
        "attribute": "posting_time",
        "level": "evening",
        "metric": "engagement_rate",
        "lift": 1.4,
        "platform": "instagram",
    }
    for platform, expected in (("instagram", 1.4), ("tiktok", 1.0)):
        likes, views, evening = [], [], []
        for table in _pooled(platform, [lift], creators=range(0, 12)):
            likes.extend(table.final["likes"] + table.final["comments"])
            views.extend(table.final["views"])
            evening.extend(lv == "evening" for lv in table.attrs.level_of("posting_time"))
        rate, at = np.array(likes) / np.array(views), np.array(evening)
        assert abs(rate[at].mean() / rate[~at].mean() / expected - 1) < 0.04, platform
    with pytest.raises(SandboxConfigError):
        SandboxConfig.build(effects=[{**lift, "platform": "myspace"}])
