"""GET /api/ai/recommendations and POST|DELETE /api/ai/recommendations/{id}/posted through the local gateway:
status, explicit links (also before the post is fetched), replacing and removing them, outcomes on
hand-made numbers, paging, and nobody else's briefs or posts."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import psycopg
import pytest

from shared import clock
from tests.e2e.analytics.analytics_support import connect_platform, insert_rows

T0 = dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)
ATTRIBUTES = {"content_format": "tutorial", "camera_angle": "overhead", "has_question": "yes", "has_cta": "yes"}


def _brief(
    user_id: str,
    rank: int,
    concept: str,
    caption: str,
    attributes: dict,
    *,
    at: dt.datetime = T0,
    probability: float = 0.4,
) -> dict:
    return {
        "user_id": user_id,
        "rank": rank,
        "platform": "instagram",
        "concept": concept,
        "hook": "h",
        "caption": caption,
        "hashtags": ["#resin"],
        "attributes": attributes,
        "virality_score": probability,
        "provider": "offline-rules",
        "generated_at": at,
        "score_details": {
            "probability": probability,
            "model_probability": probability,
            "base_rate": 0.25,
            "earned": True,
        },
    }


def _briefs(url: str, user_id: str, rows: list[dict]) -> list[str]:
    ids = []
    with psycopg.connect(url) as conn:
        for row in rows:
            ids.append(
                str(
                    conn.execute(
                        "insert into content_recommendations (user_id, rank, platform, concept, hook, caption,"
                        " hashtags, attributes, virality_score, provider, generated_at, score_details)"
                        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id",
                        (
                            row["user_id"],
                            row["rank"],
                            row["platform"],
                            row["concept"],
                            row["hook"],
                            row["caption"],
                            row["hashtags"],
                            json.dumps(row["attributes"]),
                            row["virality_score"],
                            row["provider"],
                            row["generated_at"],
                            json.dumps(row["score_details"]),
                        ),
                    ).fetchone()[0]
                )
            )
    return ids


def _reel(user_id: str, post_id: str, at: dt.datetime, saves: int, shares: int, caption: str = "A resin tray.") -> dict:
    return {
        "user_id": user_id,
        "platform": "instagram",
        "platform_post_id": post_id,
        "type": "reel",
        "caption": caption,
        "views": 1000,
        "saves": saves,
        "shares": shares,
        "posted_at": at,
    }


@pytest.fixture()
def creator(stack, make_user):
    """24 reels of her history (save rates 0.1 % .. 2.4 %, share rate 0.5 %), three briefs, an Instagram
    connection last fetched ten days after the briefs; the clock there too."""
    user = make_user("loop")
    url = stack.database.url
    insert_rows(url, "posts", [_reel(user.user_id, f"old-{i}", T0 - (60 - 2 * i) * DAY, i + 1, 5) for i in range(24)])
    connect_platform(url, user.user_id, "instagram", last_fetched_at=T0 + 10 * DAY)
    user.briefs = _briefs(
        url,
        user.user_id,
        [
            _brief(
                user.user_id,
                1,
                "Tutorial: epoxy resin coasters",
                "Tutorial: epoxy resin coasters, made by hand. Which step? Save this.",
                ATTRIBUTES,
                probability=0.6,
            ),
            _brief(
                user.user_id,
                2,
                "Timelapse: crochet bee",
                "Hours of crochet bee in seconds.",
                {"content_format": "timelapse", "camera_angle": "wide", "has_question": "no", "has_cta": "no"},
            ),
            _brief(
                user.user_id,
                3,
                "Showcase: pressed flower bookmark",
                "Meet my pressed flower bookmark. Link in bio.",
                {"content_format": "showcase", "camera_angle": "closeup", "has_question": "no", "has_cta": "yes"},
                probability=0.2,
            ),
        ],
    )
    with clock.frozen_at(T0 + 10 * DAY):
        yield user


def _list(stack, user, **params) -> httpx.Response:
    return httpx.get(f"{stack.base_url}/api/ai/recommendations", params=params, headers=user.headers, timeout=30)


def _posted(stack, user, brief_id: str, method: str = "POST", **body) -> httpx.Response:
    return httpx.request(
        method,
        f"{stack.base_url}/api/ai/recommendations/{brief_id}/posted",
        json=body or None,
        headers=user.headers,
        timeout=30,
    )


def _close_the_loop(user_id: str) -> dict:
    from shared.db import service_transaction
    from shared.services.outcomes import close_the_loop

    with service_transaction() as conn:
        return close_the_loop(conn, user_id).__dict__


def test_her_briefs_are_open_newest_first_in_rank_order_and_paged(stack, creator, make_user):
    first = _list(stack, creator, limit=2)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [i["id"] for i in body["items"]] == creator.briefs[:2]
    assert all(i["status"] == "open" and i["link"] is None and i["outcome"] is None for i in body["items"])
    rest = _list(stack, creator, limit=2, cursor=body["next_cursor"]).json()
    assert [i["id"] for i in rest["items"]] == creator.briefs[2:] and rest["next_cursor"] is None
    # A cursor is this list's, this filter's and this user's only.
    assert _list(stack, creator, limit=2, status="open", cursor=body["next_cursor"]).status_code == 400
    assert _list(stack, make_user("other"), cursor=body["next_cursor"]).status_code == 400
    assert _list(stack, make_user("nobody")).json() == {"items": [], "next_cursor": None}


def test_a_named_post_is_linked_before_it_is_fetched_then_resolved_and_measured(stack, creator):
    brief = creator.briefs[0]
    response = _posted(stack, creator, brief, platform="instagram", platform_post_id="new-1")
    assert response.status_code == 200, response.text
    item = response.json()
    assert item["status"] == "posted" and item["outcome"] is None
    assert item["link"] | {"linked_at": None} == {
        "platform": "instagram",
        "platform_post_id": "new-1",
        "post_id": None,
        "source": "explicit",
        "confidence": None,
        "match": None,
        "linked_at": None,
    }
    # The post arrives with the next fetch: 2 days after the brief, 8 days before her last fetch.
    insert_rows(stack.database.url, "posts", [_reel(creator.user_id, "new-1", T0 + 2 * DAY, 30, 10)])
    tally = _close_the_loop(creator.user_id)
    assert tally["resolved"] == 1 and tally["measured"] == 1 and tally["linked"] == 0
    item = next(i for i in _list(stack, creator, status="measured").json()["items"] if i["id"] == brief)
    outcome = item["outcome"]
    assert item["link"]["post_id"] is not None and outcome["data_days"] == pytest.approx(8.0)
    assert (outcome["views"], outcome["save_rate"], outcome["share_rate"]) == (1000, 0.03, 0.01)
    # Her reels: mean save rate (1 + ... + 24) / 24 / 1000 = 1.25 %, share rate 0.5 %.
    assert outcome["baseline"]["save_rate"] == {"mean": pytest.approx(0.0125), "n": 24, "stratum": "instagram/reel"}
    assert outcome["save_ratio"] == pytest.approx(2.4) and outcome["share_ratio"] == pytest.approx(2.0)
    assert outcome["top_quartile"] is True and outcome["score_percentile"] == 1.0
    assert (outcome["predicted_probability"], outcome["predicted_shown"], outcome["base_rate"]) == (0.6, True, 0.25)


def test_posting_again_replaces_the_link_and_its_outcome(stack, creator):
    brief = creator.briefs[0]
    insert_rows(
        stack.database.url,
        "posts",
        [_reel(creator.user_id, "p-good", T0 + 2 * DAY, 30, 10), _reel(creator.user_id, "p-weak", T0 + 3 * DAY, 1, 1)],
    )
    first = _posted(stack, creator, brief, platform="instagram", platform_post_id="p-good").json()
    assert first["status"] == "measured" and first["outcome"]["top_quartile"] is True  # 7 days of data already
    again = _posted(stack, creator, brief, platform="instagram", platform_post_id="p-weak").json()
    assert again["link"]["platform_post_id"] == "p-weak" and again["outcome"]["top_quartile"] is False
    # Its baseline is her other 25 reels now, p-good among them: (1 + ... + 24 + 30) / 25 / 1000 = 1.32 %.
    assert again["outcome"]["save_ratio"] == pytest.approx(0.001 / 0.0132)
    # The post that now follows brief 2 leaves brief 1: one post follows one brief.
    moved = _posted(stack, creator, creator.briefs[1], platform="instagram", platform_post_id="p-weak").json()
    assert moved["link"]["platform_post_id"] == "p-weak"
    assert next(i for i in _list(stack, creator).json()["items"] if i["id"] == brief)["status"] == "open"


def test_removing_a_link_reopens_the_brief_and_the_matcher_leaves_that_pair_alone(stack, creator):
    brief = creator.briefs[0]
    # A post that is the brief's own caption: the matcher links it.
    insert_rows(
        stack.database.url,
        "posts",
        [
            _reel(
                creator.user_id,
                "echo",
                T0 + 2 * DAY,
                12,
                5,
                caption="Tutorial: epoxy resin coasters, made by hand, filmed overhead. Which step? Save this.",
            )
        ],
    )
    assert _close_the_loop(creator.user_id)["linked"] == 1
    linked = next(i for i in _list(stack, creator).json()["items"] if i["id"] == brief)
    assert linked["link"]["source"] == "auto" and 0.5 <= linked["link"]["confidence"] <= 1
    assert linked["link"]["match"]["agreeing"] >= 3 and linked["status"] == "measured"
    removed = _posted(stack, creator, brief, method="DELETE")
    assert removed.status_code == 200 and removed.json()["status"] == "open" and removed.json()["link"] is None
    assert _close_the_loop(creator.user_id)["linked"] == 0
    assert next(i for i in _list(stack, creator).json()["items"] if i["id"] == brief)["status"] == "open"
    # Naming it herself still works: explicit links win over her own earlier removal.
    assert _posted(stack, creator, brief, platform="instagram", platform_post_id="echo").json()["status"] == "measured"


def test_nobody_elses_brief_and_bad_requests(stack, creator, make_user):
    other = make_user("intruder")
    brief = creator.briefs[0]
    assert _posted(stack, other, brief, platform="instagram", platform_post_id="x").status_code == 404
    assert _posted(stack, other, brief, method="DELETE").status_code == 404
    assert _posted(stack, creator, "not-a-uuid", platform="instagram", platform_post_id="x").status_code == 404
    for body in (
        {"platform": "myspace", "platform_post_id": "x"},
        {"platform": "instagram"},
        {"platform": "instagram", "platform_post_id": "x", "extra": 1},
        {"platform": "instagram", "platform_post_id": "has space"},
    ):
        response = _posted(stack, creator, brief, **body)
        assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert _list(stack, creator, status="gone").status_code == 400
    assert httpx.get(f"{stack.base_url}/api/ai/recommendations", timeout=10).status_code == 401


def test_her_link_never_reaches_another_users_post(stack, creator, make_user):
    other = make_user("neighbour")
    insert_rows(stack.database.url, "posts", [_reel(other.user_id, "theirs", T0 + 2 * DAY, 30, 10)])
    item = _posted(stack, creator, creator.briefs[0], platform="instagram", platform_post_id="theirs").json()
    assert item["link"]["post_id"] is None and item["status"] == "posted"
    _close_the_loop(creator.user_id)
    still = next(i for i in _list(stack, creator).json()["items"] if i["id"] == creator.briefs[0])
    assert still["link"]["post_id"] is None and still["outcome"] is None


def test_a_post_she_linked_carries_the_briefs_levels_where_no_rule_read_one(stack, creator):
    import polars as pl

    from shared.db import service_transaction
    from shared.engines.patterns import known_levels
    from shared.services.patterns import with_brief_levels

    insert_rows(stack.database.url, "posts", [_reel(creator.user_id, "plain", T0 + 2 * DAY, 3, 1)])
    _posted(stack, creator, creator.briefs[0], platform="instagram", platform_post_id="plain")
    with service_transaction() as conn:
        post_id = str(
            conn.execute(
                "select id from posts where user_id = %s and platform_post_id = 'plain'", (creator.user_id,)
            ).fetchone()["id"]
        )
        read = pl.DataFrame(
            [(post_id, "has_question", "no", "rules", 0.9)],
            schema=["post_id", "attribute", "level", "source", "confidence"],
            orient="row",
        )
        levels = dict(
            known_levels(with_brief_levels(conn, creator.user_id, read))
            .filter(pl.col("post_id") == post_id)
            .select("attribute", "level")
            .iter_rows()
        )
    # What a rule read stays; what none could read comes from the brief she followed.
    assert levels == {"has_question": "no", "content_format": "tutorial", "camera_angle": "overhead", "has_cta": "yes"}
