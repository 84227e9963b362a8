"""Helpers to drive the OAuth flow through the gateway and the sandbox over real HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

FRONTEND = "http://localhost:3000/connections"
# What each platform really grants (docs/platform-apis.md): access-token lifetime in seconds.
ACCESS_LIFETIME_S = {"instagram": 5183944, "youtube": 3599, "pinterest": 2592000, "tiktok": 7200}
PLATFORMS = tuple(ACCESS_LIFETIME_S)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def fragment_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).fragment).items()}


@dataclass
class Flow:
    """One connect attempt: the start response, the platform's redirect back and our final redirect."""

    start: dict
    cookies: httpx.Cookies
    callback_url: str | None = None
    final: httpx.Response | None = None

    @property
    def location(self) -> str:
        assert self.final is not None
        return self.final.headers["location"]

    @property
    def outcome(self) -> dict[str, str]:
        """What the frontend is told: `connected` or `error` in the query, or `complete` (a handle) in the
        fragment when the callback kept the code for the signed-in frontend."""
        return {**query_of(self.location), **fragment_of(self.location)}

    @property
    def handle(self) -> str:
        return self.outcome["complete"]


class Connector:
    """Drives GET /api/auth/{p} → platform authorize page → GET /api/auth/callback."""

    def __init__(self, stack):
        self.stack = stack

    def start(self, user, platform: str) -> Flow:
        response = httpx.get(f"{self.stack.base_url}/api/auth/{platform}", headers=user.headers, timeout=10)
        assert response.status_code == 200, response.text
        return Flow(start=response.json(), cookies=response.cookies)

    def authorize(self, flow: Flow, **sandbox_params: str) -> Flow:
        url = flow.start["authorize_url"]
        if sandbox_params:
            url += "&" + "&".join(f"{k}={v}" for k, v in sandbox_params.items())
        response = httpx.get(url, follow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        flow.callback_url = response.headers["location"]
        return flow

    def callback(
        self,
        flow: Flow,
        url: str | None = None,
        *,
        headers: dict | None = None,
        cookies: httpx.Cookies | dict | None = None,
    ) -> Flow:
        target = url or flow.callback_url
        assert target and target.startswith(f"{self.stack.base_url}/api/auth/callback")
        client = httpx.Client(cookies=cookies if cookies is not None else flow.cookies, follow_redirects=False)
        with client:
            flow.final = client.get(target.split("#")[0], headers=headers or {}, timeout=30)
        assert flow.final.status_code == 302, flow.final.text
        assert flow.location.startswith((FRONTEND + "?", FRONTEND + "#"))
        return flow

    def complete(self, user, handle: str, *, headers: dict | None = None) -> httpx.Response:
        """What the return page does with a handle: POST it with the signed-in creator's token."""
        headers = headers if headers is not None else user.headers if user is not None else {}
        return httpx.post(
            f"{self.stack.base_url}/api/auth/complete", json={"handle": handle}, headers=headers, timeout=30
        )

    def connect(self, user, platform: str, creator: int = 0) -> Flow:
        flow = self.callback(self.authorize(self.start(user, platform), sandbox_creator=str(creator)))
        assert flow.outcome == {"connected": platform}, flow.location
        return flow


@pytest.fixture()
def connector(stack) -> Connector:
    return Connector(stack)


@pytest.fixture()
def sandbox(stack):
    """The running sandbox; faults added by a test are cleared after it."""
    assert stack.sandbox is not None, "these tests need the platform sandbox"
    yield stack.sandbox
    stack.sandbox.clear_faults()


@pytest.fixture()
def db(stack):
    """A service-role connection to the test database (autocommit)."""
    with psycopg.connect(stack.database.url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def connection_row(db, user_id: str, platform: str) -> dict | None:
    return db.execute(
        "select *, platform::text as platform, status::text as status from platform_connections"
        " where user_id = %s and platform = %s",
        (user_id, platform),
    ).fetchone()


def stored_tokens(row: dict) -> tuple[str, str | None]:
    """Decrypt a row's tokens with the app's own vault."""
    from shared.config import get_settings
    from shared.services.connections import load_tokens
    from shared.vault import TokenVault

    tokens = load_tokens(TokenVault.from_settings(get_settings()), {**row, "user_id": str(row["user_id"])})
    refresh = tokens.refresh_token.get_secret_value() if tokens.refresh_token else None
    return tokens.access_token.get_secret_value(), refresh


def sandbox_token(sandbox, value: str):
    """The sandbox's own record of a token (None when it never issued it)."""
    return sandbox.world.tokens.get(value)


def token_problem(sandbox, value: str, kind: str = "access") -> str | None:
    token = sandbox.world.tokens.get(value)
    return sandbox.world.tokens.problem(token, token.platform if token else "?", kind)


def as_json(value) -> str:
    return json.dumps(value, default=str)


@pytest.fixture(autouse=True)
def _forget_connections_made_here(forget_new_connections):
    yield
