"""A local stand-in for the Anthropic Messages API that replays recorded wire-format responses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "anthropic"


@dataclass
class Reply:
    """One scripted answer: status, JSON body, headers, and seconds to stall before answering."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


class RecordedAnthropic:
    """Serves scripted replies in order (the last one repeats) and keeps every request it got."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    @staticmethod
    def fixture(name: str) -> dict[str, Any]:
        return json.loads((FIXTURES / name).read_text())

    def recorded(
        self, name: str, *, status: int = 200, headers: dict[str, str] | None = None, delay_s: float = 0.0
    ) -> Reply:
        """A reply whose body is a recorded fixture from tests/fixtures/anthropic."""
        return Reply(self.fixture(name), status=status, headers=headers or {}, delay_s=delay_s)

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorded = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = recorded._next({"path": self.path, "headers": headers, "body": json.loads(raw)})
                if reply.delay_s and recorded.stop.wait(reply.delay_s):
                    return
                payload = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.send_header("request-id", "req_local_replay")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> RecordedAnthropic:
        serve = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        serve.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def anthropic_api() -> Iterator[RecordedAnthropic]:
    with RecordedAnthropic() as server:
        yield server
