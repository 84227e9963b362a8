"""Trend fixtures: hand-picked rows inserted as the database owner for a niche unique to each test."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.types.json import Jsonb

from shared.services.niche import niche_key

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)  # the app's clock in these tests
JSON_COLUMNS = {"series", "recent_posts", "volumes", "supply", "data_points"}


@pytest.fixture(autouse=True)
def frozen_clock():
    """The gateway runs in this process: freezing shared.clock pins every "now" the endpoints use."""
    from shared import clock

    clock.set_now(NOW)
    yield
    clock.set_now(None)


def execute(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def insert(url: str, table: str, row: dict[str, Any]) -> Any:
    columns = ", ".join(row)
    values = [Jsonb(v) if k in JSON_COLUMNS else v for k, v in row.items()]
    returning = " returning id" if table in ("posts", "trending_creators") else ""
    rows = execute(
        url, f"insert into {table} ({columns}) values ({', '.join(['%s'] * len(row))}){returning}", tuple(values)
    )
    return rows[0][0] if rows else None


def trend(key: str, topic: str, heat: float, **extra: Any) -> dict[str, Any]:
    row = {
        "niche_key": key,
        "topic": topic,
        "heat_score": heat,
        "sources": ["pinterest_trends"],
        "category": None,
        "growth_rate": None,
        "detected_at": NOW - dt.timedelta(hours=1),
        "expires_at": NOW + dt.timedelta(hours=47),
        "series": [],
    }
    row.update(extra)
    return row


@pytest.fixture()
def niche(stack, make_user):
    """A creator whose niche keyword is unique to this test, and that niche's key (already computed)."""
    token = f"tok{uuid.uuid4().hex[:8]}"
    user = make_user("trends")
    keywords = [token]
    execute(stack.database.url, "update profiles set niche_keywords = %s where id = %s", (keywords, user.user_id))
    key = niche_key(keywords)
    execute(
        stack.database.url,
        "insert into trend_niches (niche_key, keywords, computed_at, topics) values (%s, %s, now(), 0)",
        (key, keywords),
    )
    return {"user": user, "token": token, "key": key}


@pytest.fixture()
def get(stack):
    def call(path: str, user=None, **params: Any) -> httpx.Response:
        headers = user.headers if user is not None else {}
        return httpx.get(f"{stack.base_url}/api/{path}", params=params, headers=headers, timeout=30)

    return call


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def walk(get: Any, path: str, user: Any, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, one request per page, following next_cursor to the end."""
    pages, cursor = [], None
    while True:
        body = get(path, user, **params, **({"cursor": cursor} if cursor else {})).json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "a list that never ends"


def assert_pages_are_the_list(
    get: Any, path: str, user: Any, stranger: Any, key: str, other_filters: dict[str, str] | None, **params: Any
) -> None:
    """Pages of one item are the whole list in order, none twice; the first page's cursor is refused under
    other filters, by another list and for another user."""
    whole = get(path, user, **params).json()
    assert whole["next_cursor"] is None, "the fixture's list fits one default page"
    pages = walk(get, path, user, **params, limit="1")
    assert len(pages) == len(whole["items"]) >= 2 and all(len(page) == 1 for page in pages)
    assert [page[0][key] for page in pages] == [item[key] for item in whole["items"]]
    cursor = get(path, user, **params, limit="1").json()["next_cursor"]
    refusals = [(path, stranger, params), ("analytics/posts", user, {})]
    if other_filters is not None:
        refusals.append((path, user, other_filters))
    for other_path, caller, other_params in refusals:
        problem = assert_problem(get(other_path, caller, **other_params, limit="1", cursor=cursor), 400)
        assert "cursor" in problem["detail"] and cursor not in problem["detail"]
