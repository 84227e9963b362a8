"""A frontend's script in a real browser, from its own origin, with CORS in force: it reads two endpoints and
disconnects a platform (a DELETE with a token: the browser preflights it, and the preflight of a path two
functions share must allow DELETE). The allowed origins are a list with a preview-deployment pattern; from
an origin not on it, the browser lets the script read nothing and sends no DELETE at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from shared.config import reset_settings
from tests.e2e.connect.browser import Frontend, chromium, require_browser
from tests.e2e.connect.conftest import connection_row
from tests.integration.ingest.ingest_support import connect

API_HOST = "api.creator.localhost"
PREVIEW, ELSEWHERE = "app-pr-42.creatorstudio.localhost", "app.elsewhere.localhost"

# What the dashboard does: two reads, then the disconnect button. Each outcome is kept: a status and a
# field of the answer, or the error the browser gave the script instead (CORS refusals are TypeErrors).
SCRIPT = """
const [api, token, done] = arguments;
const auth = {Authorization: "Bearer " + token};
const call = async (method, path) => {
  try {
    const response = await fetch(api + path, {method, headers: auth});
    return {status: response.status, body: await response.json(), requestId: response.headers.get("X-Request-Id")};
  } catch (error) {
    return {error: error.name};
  }
};
(async () => done([await call("GET", "/api/analytics/overview?period=30d"),
                   await call("GET", "/api/trends/topics?limit=5"),
                   await call("DELETE", "/api/auth/pinterest")]))();
"""


@pytest.fixture(scope="module", autouse=True)
def _browser_available():
    require_browser()


@contextmanager
def frontends(stack) -> Iterator[tuple[str, Frontend, Frontend]]:
    """A preview deployment of the frontend (allowed by pattern) and another site, both on their own origin."""
    api = f"http://{API_HOST}:{stack.gateway.port}"
    preview, elsewhere = Frontend(PREVIEW, api), Frontend(ELSEWHERE, api)
    port = preview.origin.rsplit(":", 1)[1]
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("FRONTEND_ORIGIN", f"https://app.example.com, http://app-*.creatorstudio.localhost:{port}")
            reset_settings()
            yield api, preview, elsewhere
    finally:
        preview.stop()
        elsewhere.stop()
        reset_settings()


def _run(driver, frontend: Frontend, api: str, token: str) -> list[dict]:
    driver.get(f"{frontend.origin}/start/dashboard")
    driver.set_script_timeout(60)
    return driver.execute_async_script(SCRIPT, api, token)


def test_a_frontend_script_reads_two_endpoints_and_disconnects_from_an_allowed_origin_only(stack, make_user, db):
    user = make_user("browser")
    connect(stack.sandbox, user.user_id, "pinterest", creator=0)
    with frontends(stack) as (api, preview, elsewhere), chromium() as driver:
        # Elsewhere first: a token header makes every call preflighted; the API allows no such origin, so
        # the browser gives the script no answer and sends none of the requests, the DELETE included.
        refused = _run(driver, elsewhere, api, user.token)
        assert refused == [{"error": "TypeError"}] * 3
        assert connection_row(db, user.user_id, "pinterest") is not None
        overview, topics, disconnected = _run(driver, preview, api, user.token)
    assert overview["status"] == 200 and "platforms" in overview["body"] and overview["requestId"]
    assert topics["status"] == 200 and set(topics["body"]) >= {"items", "next_cursor"}
    assert disconnected["status"] == 200 and disconnected["body"]["platform"] == "pinterest"
    assert connection_row(db, user.user_id, "pinterest") is None
