"""A whole connect-and-refresh run, logged at DEBUG, never writes a token, an authorization code or a
completion handle."""

from __future__ import annotations

import io
import logging

import httpx

from shared.logging import CloudLoggingFormatter, configure_logging
from tests.e2e.connect.conftest import query_of


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.raw: list[str] = []
        self.formatted = io.StringIO()
        self.formatter_ = CloudLoggingFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        # Before redaction too: the safety net must not be what keeps secrets out.
        self.raw.append(f"{record.getMessage()} {getattr(record, 'fields', '')} {record.exc_text or ''}")
        self.formatted.write(self.formatter_.format(record) + "\n")


def test_connect_refresh_and_disconnect_log_no_token_no_code_and_no_handle(stack, connector, sandbox, db, make_user):
    configure_logging()
    root = logging.getLogger()
    capture, level = _Capture(), root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    tokens_before = set(sandbox.world.tokens.tokens)
    codes: list[str] = []
    try:
        user, other = make_user("logs"), make_user("logs-other")
        for platform in ("instagram", "youtube", "pinterest", "tiktok"):
            flow = connector.connect(user, platform, creator=0)
            codes.append(query_of(flow.callback_url)["code"])
            replay = connector.callback(flow)  # a refusal path logs too
            assert replay.outcome["error"] == "state_replayed"
            # A browser without the cookie: the code is kept, then completed, replayed, refused to another.
            kept = connector.callback(connector.authorize(connector.start(user, platform)), cookies={})
            codes += [query_of(kept.callback_url)["code"], kept.handle]
            assert connector.complete(user, kept.handle).status_code == 200
            assert connector.complete(user, kept.handle).status_code == 409
            stolen = connector.callback(connector.authorize(connector.start(user, platform)), cookies={})
            codes += [query_of(stolen.callback_url)["code"], stolen.handle]
            assert connector.complete(other, stolen.handle).status_code == 403
        db.execute(
            "update platform_connections set token_expires_at = now() + interval '10 minutes' where user_id = %s",
            (user.user_id,),
        )
        assert (
            httpx.post(f"{stack.base_url}/api/auth/refresh", headers=stack.cron_headers, timeout=60).status_code == 200
        )
        assert httpx.delete(f"{stack.base_url}/api/auth/tiktok", headers=user.headers).status_code == 200
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
    secrets = [t for t in sandbox.world.tokens.tokens if t not in tokens_before] + codes
    assert len(secrets) > 20
    logged = "\n".join(capture.raw) + capture.formatted.getvalue()
    assert "connect started" in logged and "platform connected" in logged and "token refreshed" in logged
    assert "connect awaiting completion" in logged and "connect completion refused" in logged
    leaked = [s[:8] for s in secrets if s in logged or s[:24] in logged]
    assert leaked == []
