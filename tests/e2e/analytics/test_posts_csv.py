"""GET /api/analytics/posts with Accept: text/csv: every matching post streamed in the listing's order, the same
filters and RLS, RFC 4180 quoting, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io

import httpx
import pytest

from tests.e2e.analytics.analytics_support import insert_rows

TRICKY = [
    '=HYPERLINK("http://evil","x")',
    "+1 555 0100",
    "-2 for the glaze",
    "@SUM(A1:A9)",
    "\tindent",
    'comma, quote " and\nnewline',
    "plain",
    None,
]


@pytest.fixture(scope="module")
def creator(stack):
    """1,210 posts (three CSV pages): captions that need quoting or would start a formula, some Pinterest."""
    import uuid

    user = stack.create_user(f"csv-{uuid.uuid4().hex[:8]}@example.com")
    start = dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone.utc)
    insert_rows(
        stack.database.url,
        "posts",
        [
            {
                "user_id": user.user_id,
                "platform": "pinterest" if i % 5 == 0 else "instagram",
                "platform_post_id": f"{'-' if i == 3 else ''}c{i}",
                "type": "pin" if i % 5 == 0 else "reel",
                "posted_at": start + dt.timedelta(hours=7 * i),
                "views": 100 + i,
                "saves": i % 17,
                "shares": None if i % 5 == 0 else i % 7,
                "title": f"Post {i}",
                "caption": TRICKY[i % len(TRICKY)],
            }
            for i in range(1210)
        ],
    )
    return user


def _csv(stack, user, **params) -> httpx.Response:
    return httpx.get(
        f"{stack.base_url}/api/analytics/posts",
        params=params,
        headers={**user.headers, "Accept": "text/csv"},
        timeout=60,
    )


def _json_all(stack, user, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = httpx.get(
            f"{stack.base_url}/api/analytics/posts",
            params={**params, "limit": 100, **({"cursor": cursor} if cursor else {})},
            headers=user.headers,
            timeout=60,
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def test_every_matching_post_streams_in_the_listings_order_with_the_same_filters(stack, creator):
    params = {"sort": "save_rate", "order": "desc", "platform": "instagram", "min_views": 150}
    response = _csv(stack, creator, **params)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="posts.csv"'
    assert "content-length" not in response.headers  # streamed, not built in memory
    rows, items = _rows(response), _json_all(stack, creator, **params)
    # Instagram (4 in 5) with views 100 + i >= 150: i = 50 .. 1209, 1,160 x 4/5 = 928.
    assert len(rows) == len(items) == 928 and [r["id"] for r in rows] == [str(i["id"]) for i in items]
    assert list(rows[0]) == list(items[0])  # the JSON item's fields, in order
    first = items[0]
    assert rows[0]["save_rate"] == repr(first["save_rate"]) and rows[0]["views"] == str(first["views"])
    assert rows[0]["posted_at"] == dt.datetime.fromisoformat(first["posted_at"]).isoformat()


def test_quoting_round_trips_and_formulas_are_defused(stack, creator):
    rows = {r["platform_post_id"]: r for r in _rows(_csv(stack, creator, sort="posted_at", order="asc"))}
    assert len(rows) == 1210
    assert rows["c0"]["caption"] == '\'=HYPERLINK("http://evil","x")'
    assert rows["c1"]["caption"] == "'+1 555 0100" and rows["c2"]["caption"] == "'-2 for the glaze"
    assert rows["'-c3"]["caption"] == "'@SUM(A1:A9)" and rows["c4"]["caption"] == "'\tindent"
    assert rows["c5"]["caption"] == 'comma, quote " and\nnewline' and rows["c6"]["caption"] == "plain"
    assert rows["c7"]["caption"] == "" and rows["c5"]["shares"] == "" and rows["c6"]["shares"] == "6"


def test_a_limit_caps_the_export_and_a_cursor_is_refused(stack, creator):
    assert len(_rows(_csv(stack, creator, limit=7))) == 7
    cursor = httpx.get(
        f"{stack.base_url}/api/analytics/posts", params={"limit": 2}, headers=creator.headers, timeout=30
    ).json()["next_cursor"]
    refused = _csv(stack, creator, cursor=cursor)
    assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"


def test_nobody_elses_posts_and_json_stays_the_default(stack, creator, make_user):
    assert _rows(_csv(stack, make_user("csv-other"))) == []
    for accept in ("*/*", "application/json", "application/json, text/csv;q=0.5"):
        response = httpx.get(
            f"{stack.base_url}/api/analytics/posts",
            params={"limit": 1},
            headers={**creator.headers, "Accept": accept},
            timeout=30,
        )
        assert response.headers["content-type"] == "application/json" and len(response.json()["items"]) == 1
    assert (
        httpx.get(f"{stack.base_url}/api/analytics/posts", headers={"Accept": "text/csv"}, timeout=30).status_code
        == 401
    )
