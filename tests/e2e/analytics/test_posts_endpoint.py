"""GET /api/analytics/posts: sorts over derived rates (NULLs last), filters, keyset paging, cursor checks."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from tests.e2e.analytics.analytics_support import assert_problem_400, insert_rows

# name, platform, type, day of Sept 2026, views, reach, likes, comments, saves, shares, title, caption
POSTS = [
    ("p1", "instagram", "reel", 1, 1000, 800, 100, 10, 50, 20, "Glaze tutorial", None),
    ("p2", "instagram", "image", 2, 2000, 1500, 150, 5, 40, 10, "Kiln day", None),
    ("p3", "instagram", "carousel", 3, 500, 400, 20, 2, 30, 1, "100% handmade", None),
    ("p4", "youtube", "video", 4, 4000, None, 200, 40, None, 80, "Wheel throwing_basics", None),
    ("p5", "youtube", "short", 5, 10000, None, 500, 20, None, 100, "Trimming", None),
    ("p6", "tiktok", "video", 6, 3000, None, 300, 30, None, 90, "Studio tour", None),
    ("p7", "tiktok", "video", 7, 0, None, 0, 0, None, 0, "Just posted", None),
    ("p8", "pinterest", "pin", 8, 5000, None, 10, 1, 150, None, "Mug ideas", "fresh from the kiln"),
    ("p9", "instagram", "reel", 9, 1000, 900, 80, 8, 50, 20, "Glaze tutorial 2", None),
    ("p10", "pinterest", "idea_pin", 10, 2500, None, 5, 0, 25, None, "Vase shapes", None),
]


@pytest.fixture()
def creator(stack, make_user):
    user = make_user("posts")
    rows = [
        {
            "user_id": user.user_id,
            "platform": platform,
            "platform_post_id": name,
            "type": kind,
            "posted_at": dt.datetime(2026, 9, day, 12, tzinfo=dt.timezone.utc),
            "views": views,
            "reach": reach,
            "likes": likes,
            "comments": comments,
            "saves": saves,
            "shares": shares,
            "title": title,
            "caption": caption,
            "completion_rate": {"p4": 0.45, "p5": 0.9}.get(name),
            "watch_time_hrs": {"p4": 50.0, "p5": 20.0}.get(name),
        }
        for name, platform, kind, day, views, reach, likes, comments, saves, shares, title, caption in POSTS
    ]
    insert_rows(stack.database.url, "posts", rows)
    return user


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["platform_post_id"] for item in response.json()["items"]]


def all_pages(get, user, **params) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        body = get("posts", user, **params, **({"cursor": cursor} if cursor else {})).json()
        pages.append([item["platform_post_id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_save_rate_desc_puts_nulls_last_and_breaks_ties_by_id(creator, get):
    # .06 p3, .05 p9 = p1 (id desc), .03 p8, .02 p2, .01 p10, then no save rate (YouTube, TikTok, 0 views)
    assert names(get("posts", creator, sort="save_rate", order="desc")) == [
        "p3",
        "p9",
        "p1",
        "p8",
        "p2",
        "p10",
        "p7",
        "p6",
        "p5",
        "p4",
    ]


def test_share_rate_asc_puts_nulls_last_too(creator, get):
    # .002 p3, .005 p2, .01 p5, .02 p1 = p4 = p9 (id asc), .03 p6, then Pinterest and 0 views
    assert names(get("posts", creator, sort="share_rate", order="asc")) == [
        "p3",
        "p2",
        "p5",
        "p1",
        "p4",
        "p9",
        "p6",
        "p7",
        "p8",
        "p10",
    ]


def test_items_carry_the_rates(creator, get):
    items = {i["platform_post_id"]: i for i in get("posts", creator, sort="views").json()["items"]}
    assert items["p1"]["save_rate"] == pytest.approx(50 / 1000)
    assert items["p1"]["engagement_rate"] == pytest.approx(180 / 800)  # (100+10+50+20) / reach
    assert items["p4"]["engagement_rate"] == pytest.approx(320 / 4000)  # (200+40+80) / views
    assert items["p4"]["save_rate"] is None and items["p8"]["share_rate"] is None
    assert items["p7"]["engagement_rate"] is None  # 0 views
    assert items["p5"]["completion_rate"] == 0.9


def test_completion_and_watch_time_sorts(creator, get):
    assert names(get("posts", creator, sort="completion_rate", limit=3)) == ["p5", "p4", "p10"]
    assert names(get("posts", creator, sort="watch_time_hrs", order="asc", limit=2)) == ["p5", "p4"]


def test_filters(creator, get):
    assert names(get("posts", creator, platform="instagram,pinterest", sort="posted_at", order="asc")) == [
        "p1",
        "p2",
        "p3",
        "p8",
        "p9",
        "p10",
    ]
    assert names(get("posts", creator, type="reel")) == ["p9", "p1"]
    assert names(get("posts", creator, **{"from": "2026-09-03", "to": "2026-09-05"})) == ["p5", "p4", "p3"]
    assert names(get("posts", creator, min_views=3000, sort="views")) == ["p5", "p8", "p4", "p6"]
    assert names(get("posts", creator, q="KILN")) == ["p8", "p2"]  # title or caption, any case


def test_text_search_treats_wildcards_literally(creator, get):
    assert names(get("posts", creator, q="_")) == ["p4"]
    assert names(get("posts", creator, q="100%")) == ["p3"]
    assert names(get("posts", creator, q="%")) == ["p3"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "save_rate", "order": "desc"},
        {"sort": "share_rate", "order": "asc"},
        {"sort": "posted_at", "order": "desc"},
        {"sort": "reach", "order": "asc", "platform": "instagram,youtube"},
    ],
)
def test_paging_with_limit_3_returns_every_post_once_in_order(creator, get, params):
    whole = names(get("posts", creator, **params, limit=100))
    pages = all_pages(get, creator, **params, limit=3)
    assert all(len(page) == 3 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 3
    assert [name for page in pages for name in page] == whole
    assert len(set(whole)) == len(whole)


def test_save_rate_pages_cross_from_values_into_nulls(creator, get):
    assert all_pages(get, creator, sort="save_rate", limit=3) == [
        ["p3", "p9", "p1"],
        ["p8", "p2", "p10"],
        ["p7", "p6", "p5"],
        ["p4"],
    ]


def _cursor(get, user, **params) -> str:
    cursor = get("posts", user, limit=3, **params).json()["next_cursor"]
    assert cursor
    return cursor


def test_a_tampered_cursor_is_a_400(creator, get):
    cursor = _cursor(get, creator, sort="save_rate")
    payload, _, signature = cursor.partition(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["i"] += 1
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    assert_problem_400(get("posts", creator, sort="save_rate", cursor=f"{forged}.{signature}"))
    assert_problem_400(get("posts", creator, sort="save_rate", cursor=cursor[:-2] + "AA"))
    assert_problem_400(get("posts", creator, sort="save_rate", cursor="not-a-cursor"))


def test_a_cursor_reused_with_another_sort_or_filter_is_a_400(creator, get):
    cursor = _cursor(get, creator, sort="save_rate")
    assert_problem_400(get("posts", creator, sort="share_rate", cursor=cursor))
    assert_problem_400(get("posts", creator, sort="save_rate", order="asc", cursor=cursor))
    assert_problem_400(get("posts", creator, sort="save_rate", platform="instagram", cursor=cursor))
    assert get("posts", creator, sort="save_rate", limit=5, cursor=cursor).status_code == 200


def test_another_users_data_and_cursors_are_refused(creator, make_user, get):
    other = make_user("other")
    assert names(get("posts", other)) == []
    cursor = _cursor(get, creator, sort="save_rate")
    assert_problem_400(get("posts", other, sort="save_rate", cursor=cursor))


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "title"},
        {"sort": "id"},
        {"order": "sideways"},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"from": "2026-09-05", "to": "2026-09-01"},
        {"platform": "myspace"},
        {"type": "tweet"},
        {"min_views": "-1"},
        {"q": "x" * 101},
        {"unknown": "1"},
    ],
)
def test_bad_parameters_are_a_400_problem(creator, get, params):
    assert_problem_400(get("posts", creator, **params))
