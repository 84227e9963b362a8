"""Start the sandbox in a background thread and talk to its admin API."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date, datetime

import httpx
import uvicorn

from scripts.sandbox.app import create_app
from scripts.sandbox.config import SandboxConfig, host_urls
from scripts.sandbox.world import World


class SandboxHandle:
    """A running sandbox: its URLs, its world, and helpers over the admin API."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, port: int, world: World) -> None:
        self._server = server
        self._thread = thread
        self.port = port
        self.world = world
        self.base_url = f"http://127.0.0.1:{port}"
        self._admin = httpx.Client(base_url=f"{self.base_url}/_sandbox", timeout=30)

    @property
    def hosts(self) -> dict[str, str]:
        return host_urls(self.base_url)

    def url(self, host: str, path: str = "") -> str:
        return f"{self.base_url}/{host}{path}"

    def _call(self, method: str, path: str, json: object = None) -> object:
        response = self._admin.request(method, path, json=json)
        response.raise_for_status()
        return response.json()

    def add_fault(
        self,
        kind: str | None = None,
        host: str = "*",
        path: str = "",
        count: int | None = None,
        retry_after: int | None = None,
        latency_ms: int | None = None,
        status: int | None = None,
        probability: float = 1.0,
        **rule: object,
    ) -> dict:
        payload = {
            "kind": kind,
            "host": host,
            "path": path,
            "count": count,
            "retry_after": retry_after,
            "latency_ms": latency_ms,
            "status": status,
            "probability": probability,
            **rule,
        }
        return self._call("POST", "/faults", payload)  # type: ignore[return-value]

    def set_market_day(self, day: object | None) -> dict:
        """Move the date trend endpoints and public counters answer for (None: back to today)."""
        return self._call("POST", "/trends/clock", {"today": str(day) if day else None})  # type: ignore[return-value]

    def trends_truth(self, day: object | None = None) -> dict:
        """The keyword model's ground truth on a day (default: the trends clock's day)."""
        path = f"/trends/truth?day={day}" if day else "/trends/truth"
        return self._call("GET", path)  # type: ignore[return-value]

    def market_truth(self, day: object | None = None, until: object | None = None) -> dict:
        """Per keyword: true demand on a day, YouTube uploads of the 30 days before `until` (default: the
        day's end) and their ratio."""
        params = {k: str(v) for k, v in (("day", day), ("until", until)) if v}
        response = self._admin.get("/market/truth", params=params)
        response.raise_for_status()
        return response.json()

    def account_daily(self, platform: str, creator: int = 0) -> dict:
        """A creator's true daily account metrics on a platform, up to the platform's last final day."""
        return self._call("GET", f"/account_daily/{platform}/{creator}")  # type: ignore[return-value]

    def set_today(self, day: object) -> dict:
        """Move the day every platform answers for (YYYY-MM-DD or a date)."""
        return self._call("POST", "/clock", {"today": str(day)})  # type: ignore[return-value]

    def publish(self, platform: str, creator: int = 0, **post: object) -> dict:
        """Publish a post for a creator (caption, posted_at, attributes, ...; see admin.publish); returns it
        with its platform post id."""
        posted_at = post.get("posted_at")
        if isinstance(posted_at, (date, datetime)):
            post["posted_at"] = posted_at.isoformat()
        return self._call("POST", f"/publish/{platform}/{creator}", post)  # type: ignore[return-value]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def stats(self) -> dict:
        return self._call("GET", "/stats")  # type: ignore[return-value]

    def limits(self) -> dict:
        """Requests over the platforms' documented limits and usage per limit (start with limits=True)."""
        return self._call("GET", "/limits")  # type: ignore[return-value]

    def expire_token(self, token: str | None = None, platform: str | None = None, creator: int | None = None) -> dict:
        return self._call("POST", "/tokens/expire", {"token": token, "platform": platform, "creator": creator})  # type: ignore[return-value]

    def revoke_token(self, token: str | None = None, platform: str | None = None, creator: int | None = None) -> dict:
        return self._call("POST", "/tokens/revoke", {"token": token, "platform": platform, "creator": creator})  # type: ignore[return-value]

    def mint_token(self, platform: str, creator: int = 0, expires_in: int | None = None, age_s: int = 0) -> dict:
        return self._call(
            "POST",
            "/tokens/mint",
            {
                "platform": platform,
                "creator": creator,  # type: ignore[return-value]
                "expires_in": expires_in,
                "age_s": age_s,
            },
        )

    def creators(self) -> list[dict]:
        return self._call("GET", "/creators")["creators"]  # type: ignore[index]

    def posts(self, platform: str, creator: int = 0) -> list[dict]:
        return self._call("GET", f"/posts/{platform}/{creator}")["posts"]  # type: ignore[index]

    def stop(self) -> None:
        self._admin.close()
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    port: int = 0,
    seed: int = 7,
    effects: object = None,
    faults: object = None,
    today: date | str | None = None,
    creators: int = 3,
    trends: object = None,
    latency_ms: int = 0,
    host: str = "127.0.0.1",
    limits: bool = False,
) -> SandboxHandle:
    """Start the sandbox on a background thread; returns once it accepts connections."""
    config = SandboxConfig.build(
        seed=seed,
        effects=effects,
        faults=faults,
        today=today,
        creators=creators,
        trends=trends,
        latency_ms=latency_ms,
        limits=limits,
    )
    world = World(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this: without it, keep-alive clients wait ~40 ms on delayed ACKs.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    uv_config = uvicorn.Config(
        create_app(world),
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
        timeout_keep_alive=30,
        limit_concurrency=None,
    )
    server = uvicorn.Server(uv_config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"sandbox-{bound_port}")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("sandbox failed to start")
        time.sleep(0.01)
    return SandboxHandle(server, thread, bound_port, world)
