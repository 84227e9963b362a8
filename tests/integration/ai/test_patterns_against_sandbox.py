"""The pattern detector finds effects planted in the sandbox, and only those, from extracted attributes.

Posts come from the sandbox through the real platform clients and the ingest's upsert; attribute
levels come from `extract_attributes` over captions, timestamps and platform signals, never from the
sandbox's ground truth.
"""
from __future__ import annotations

import psycopg

from tests.integration.ai.conftest import PLANTED


def _findings(creator):
    return [i["data_points"] for i in creator.run.insights]


def test_every_planted_effect_is_found_with_an_interval_covering_its_lift(seeded_creators):
    for creator in seeded_creators:
        found = {(d["attribute"], d["level"], d["metric"]): d for d in _findings(creator)}
        for effect in PLANTED:
            key = (effect["attribute"], effect["level"], effect["metric"])
            assert key in found, (creator.seed, key)
            d = found[key]
            assert d["q_value"] <= 0.05 and d["ci_low"] > 1
            assert d["ci_low"] <= effect["lift"] <= d["ci_high"], (creator.seed, key, d)


# Tolerance, aggregated over the seeds: at most MAX_FALSE_FINDINGS findings on attributes with no planted
# effect (out of ~48 such tests per seed), each weak. BH at 0.05 bounds the expected *share* of false
# findings, not their number, so a rare weak one on another seed is not a defect. Observed on these
# seeds since rates are normalized per platform x type stratum: none.
MAX_FALSE_FINDINGS = 1
MAX_FALSE_EFFECT = 1.25


def test_attributes_without_a_planted_effect_yield_almost_no_findings(seeded_creators):
    planted = {e["attribute"] for e in PLANTED}
    false_findings = [(c.seed, d["attribute"], d["level"], d["metric"], round(d["ratio"], 3))
                      for c in seeded_creators for d in _findings(c) if d["attribute"] not in planted]
    assert len(false_findings) <= MAX_FALSE_FINDINGS, false_findings
    weak = [f for f in false_findings if 1 / MAX_FALSE_EFFECT <= f[-1] <= MAX_FALSE_EFFECT]
    assert weak == false_findings


def test_findings_are_stored_as_insights_with_their_numbers(seeded_creators, database_url):
    creator = seeded_creators[0]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("select insight, impact, category, data_points from insights where user_id = %s",
                            (creator.user_id,)).fetchall()
    assert len(rows) == len(creator.run.insights) > 0
    for insight, impact, category, data_points in rows:
        assert category == data_points["attribute"] and impact in ("high", "medium", "low")
        assert set(data_points) == {"attribute", "level", "metric", "ratio", "ci_low", "ci_high", "n_level",
                                    "n_rest", "p_value", "q_value", "top_share", "base_share"}
        assert data_points["q_value"] <= 0.05 and "95% CI" in insight


def test_attributes_are_stored_with_source_and_confidence(seeded_creators, database_url):
    creator = seeded_creators[0]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("select attribute, source, min(confidence), max(confidence), count(*)"
                            " from post_attributes where user_id = %s group by attribute, source",
                            (creator.user_id,)).fetchall()
    by_attribute = {(a, s): (lo, hi, n) for a, s, lo, hi, n in rows}
    assert ("posting_time", "platform") in by_attribute and ("camera_angle", "rules") in by_attribute
    # Hook speed is read from Instagram's skip rate / YouTube's retention where the platform has it.
    assert by_attribute[("hook_speed", "platform")][0] == 0.8
    assert all(0 < lo <= hi <= 1 for lo, hi, _ in by_attribute.values())


def test_levels_under_the_minimum_are_listed_not_tested(seeded_creators, database_url):
    from psycopg.rows import dict_row

    from shared.services.patterns import run_pattern_detection

    creator = seeded_creators[2]
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        run = run_pattern_detection(conn, creator.user_id, window_days=730, min_posts_per_level=100)
        conn.rollback()
    listed = {(i["attribute"], i["level"], i["metric"]) for i in run.not_enough_data}
    found = [i["data_points"] for i in run.insights]
    assert any(i["n"] < 100 for i in run.not_enough_data)
    assert all(d["n_level"] >= 100 and d["n_rest"] >= 100 for d in found)
    assert not listed & {(d["attribute"], d["level"], d["metric"]) for d in found}
    assert run.tested < creator.run.tested and run.posts_analyzed == creator.run.posts_analyzed > 1000
