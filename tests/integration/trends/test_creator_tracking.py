"""Tracked creators re-checked by the trend cron over simulated days (sandbox public lookups, real Postgres)."""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg.rows import dict_row

from scripts.sandbox.creators import creator_profile
from scripts.sandbox.youtube import names_other_accounts
from shared.services.trend_detection import run_detection
from tests.integration.trends.conftest import TODAY, noon, save_connection

FB_SCOPES = ["instagram_basic", "instagram_manage_insights", "pages_read_engagement", "pages_show_list"]


def test_seeded_creators_get_growth_format_and_niche(stack, market, simulated_day, scenario):
    creators = []
    for offset in (12, 8, 4, 0):
        day = TODAY - dt.timedelta(days=offset)
        with simulated_day(day, trends=scenario) as (sandbox, settings):
            creators = [c for c in sandbox.creators() if c["is_peer"]][:3]
            seeds = [{"platform": "youtube", "handle": c["handles"]["youtube"]} for c in creators]
            seeds += [{"platform": "instagram", "handle": c["handles"]["instagram"]} for c in creators]
            minted = sandbox.mint_token("facebook", creator=0)
            save_connection(stack.database.url, settings, market.user_id, "instagram", minted, scopes=FB_SCOPES)
            body = run_detection(settings.model_copy(update={"tracked_creators": seeds}), now=noon(day))
    assert body["sources"]["instagram_hashtag"]["status"] == "ok"
    # Niche discovery through YouTube search.list finds channels beyond the seeds.
    assert body["creators"]["discovery"].startswith("ok") and body["creators"]["discovered"] > 0
    assert body["creators_checked"] >= 6
    handles = [c["handles"]["youtube"].lower() for c in creators] + [c["handles"]["instagram"] for c in creators]
    with psycopg.connect(stack.database.url, row_factory=dict_row) as conn:
        rows = conn.execute(
            """select c.*, (select count(*) from creator_observations o where o.creator_id = c.id) as n
                               from trending_creators c where handle = any(%s)""",
            (handles,),
        ).fetchall()
    assert len(rows) == 6
    for row in rows:
        assert row["n"] == 4 and row["followers"] > 0 and row["last_checked"] == noon(TODAY)
        assert row["growth_rate"] is not None and row["niche"]
        assert "a week" in row["format_description"] or "a month" in row["format_description"]
    youtube = [r for r in rows if r["platform"] == "youtube"]
    assert all(r["format_description"].startswith(("Mostly", "Mix of")) for r in youtube)
    assert all(r["trend_score"] is not None and r["followers_gained"] is not None for r in rows)


def test_discovery_reaches_instagram_through_the_accounts_youtube_channels_name(stack, market, simulated_day, scenario):
    with simulated_day(TODAY, trends=scenario) as (sandbox, settings):
        minted = sandbox.mint_token("facebook", creator=0)
        save_connection(stack.database.url, settings, market.user_id, "instagram", minted, scopes=FB_SCOPES)
        body = run_detection(settings, now=noon(TODAY))
        everyone = {c["handles"]["instagram"] for c in sandbox.creators()}
        named = {
            c["handles"]["instagram"]
            for c in sandbox.creators()
            if names_other_accounts(creator_profile(7, c["index"]))
        }
    assert "instagram:" in body["creators"]["discovery"]
    with psycopg.connect(stack.database.url, row_factory=dict_row) as conn:  # other suites add creators too
        found = conn.execute(
            """select handle, discovered_via from trending_creators where platform = 'instagram'
                                and origin = 'discovered' and handle = any(%s)""",
            (list(everyone),),
        ).fetchall()
    assert found and {r["handle"] for r in found} <= named
    assert all(r["discovered_via"].startswith("YouTube channel @") for r in found)
