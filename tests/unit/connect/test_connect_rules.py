"""Pure pieces of connect and refresh: redirects, error mapping, due rules, run counts, cold start."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.config import Settings
from shared.logging import request_id_var
from shared.models.auth import CallbackQuery
from shared.platforms.transport import MalformedResponse, RateLimited, RequestRejected, TokenRevoked, UpstreamError
from shared.services.connect import exchange_error, frontend_redirect
from shared.services.token_refresh import INSTAGRAM_LEAD, RefreshOutcome, RefreshRunResult, _skip_reason, due_before

SETTINGS = Settings(frontend_url="https://app.example.com/")
NOW = dt.datetime.now(dt.timezone.utc)


def _query(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://app.example.com/connections"
    return parse_qs(parts.query)


def test_success_redirect_names_the_platform_only():
    assert _query(frontend_redirect(SETTINGS, connected="tiktok")) == {"connected": ["tiktok"]}


def test_error_redirect_carries_code_and_platform_and_a_request_id_only_for_internal():
    assert _query(frontend_redirect(SETTINGS, error="state_expired", platform="youtube")) == {
        "error": ["state_expired"],
        "platform": ["youtube"],
    }
    token = request_id_var.set("req-12345678")
    try:
        assert _query(frontend_redirect(SETTINGS, error="internal")) == {
            "error": ["internal"],
            "request_id": ["req-12345678"],
        }
    finally:
        request_id_var.reset(token)


@pytest.mark.parametrize(
    "error, expected",
    [
        (TokenRevoked("youtube", "invalid_grant"), "exchange_failed"),
        (RequestRejected("instagram", "code used"), "exchange_failed"),
        (MalformedResponse("tiktok", "no access_token", retryable=False), "exchange_failed"),
        (MalformedResponse("tiktok", "html page"), "platform_unavailable"),
        (UpstreamError("pinterest", "HTTP 500"), "platform_unavailable"),
        (RateLimited("youtube", "HTTP 429"), "platform_unavailable"),
    ],
)
def test_exchange_errors_map_to_what_the_creator_can_do(error, expected):
    assert exchange_error(error) == expected


def test_callback_query_ignores_unknown_parameters_and_takes_the_first_of_repeats():
    query = CallbackQuery.model_validate(
        {"state": ["a.b", "c.d"], "code": "xyz", "authuser": "0", "scope": "openid", "prompt": "consent"}
    )
    assert query.state == "a.b" and query.code == "xyz" and query.error is None


def test_instagram_is_due_a_week_ahead_others_within_the_horizon():
    horizon = dt.timedelta(hours=2)
    assert due_before("youtube", NOW, horizon) == NOW + horizon
    assert due_before("instagram", NOW, horizon) == NOW + INSTAGRAM_LEAD


def _row(**kw):
    return {
        "status": "active",
        "platform": "instagram",
        "token_expires_at": NOW + dt.timedelta(hours=1),
        "last_refreshed_at": NOW - dt.timedelta(days=2),
        "connected_at": NOW - dt.timedelta(days=2),
    } | kw


def test_skip_rules_under_the_lock():
    horizon = dt.timedelta(hours=2)
    assert _skip_reason(_row(), horizon) is None
    assert _skip_reason(_row(last_refreshed_at=NOW - dt.timedelta(hours=23)), horizon) == "instagram_token_too_young"
    assert _skip_reason(_row(status="needs_reauth"), horizon) == "not_active"
    assert _skip_reason(_row(platform="tiktok", token_expires_at=NOW + dt.timedelta(hours=3)), horizon) == "not_due"
    # Listed with one expiry, found with another: a concurrent run already refreshed it.
    assert _skip_reason(_row(platform="tiktok"), horizon, listed_expiry=NOW) == "refreshed_meanwhile"
    # The single-connection refresh ignores expiry but still respects Instagram's 24 h rule.
    assert _skip_reason(_row(platform="tiktok", token_expires_at=NOW + dt.timedelta(days=9)), None) is None
    assert _skip_reason(_row(last_refreshed_at=NOW), None) == "instagram_token_too_young"


def test_run_counts_busy_as_skipped_and_errors_by_kind():
    result = RefreshRunResult()
    for status, reason in [
        ("refreshed", None),
        ("busy", None),
        ("skipped", "not_due"),
        ("failed", "upstream"),
        ("failed", "upstream"),
        ("needs_reauth", "token_revoked"),
    ]:
        result.add(RefreshOutcome("c", status, reason))
    assert result.stats() == {"refreshed": 1, "skipped": 2, "failed": 2, "needs_reauth": 1}
    assert result.errors == {"upstream": 2, "token_revoked": 1}


def test_entry_modules_import_no_http_crypto_or_platform_code():
    code = """
import importlib.util, sys
for name in ("auth_start", "auth_callback", "auth_refresh", "auth_disconnect"):
    spec = importlib.util.spec_from_file_location(f"m_{name}", f"functions/{name}/main.py")
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
heavy = sorted(n for n in sys.modules if n.split(".")[0] in ("httpx", "cryptography", "psycopg", "jwt")
               or n.startswith("shared.platforms"))
print(",".join(heavy))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.stdout.strip() == ""
