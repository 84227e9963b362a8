"""The TypeScript types in docs/types are what the generator makes from today's OpenAPI document and
today's migrated database: the test fails on a stale file (`uv run python -m scripts.typescript`)."""

from __future__ import annotations

import copy

from scripts.openapi import build_openapi
from scripts.typescript import API_TS, REALTIME_TS, api_types, realtime_types


def test_the_api_types_are_up_to_date():
    assert API_TS.read_text() == api_types(build_openapi()), "run `uv run python -m scripts.typescript`"


def test_the_realtime_row_types_are_up_to_date(stack):
    assert REALTIME_TS.read_text() == realtime_types(stack.database.url), "run `uv run python -m scripts.typescript`"


def test_the_types_follow_the_models_and_the_tables(stack):
    document = copy.deepcopy(build_openapi())
    document["components"]["schemas"]["Problem"]["properties"]["hint"] = {"type": "string"}
    assert "hint?: string;" in api_types(document) and "hint?" not in API_TS.read_text()
    api = API_TS.read_text()
    assert "export type PostsResponse = {" in api and "next_cursor: string | null;" in api
    assert '  trends_topics: {\n    method: "GET";' in api
    realtime = realtime_types(stack.database.url)
    assert 'status: "active" | "needs_reauth" | "revoked";' in realtime  # enums as unions
    assert 'export type SyncStatusKey = Pick<SyncStatusRow, "user_id" | "platform">;' in realtime
    assert "token" not in realtime.replace("the tests fail", "")
