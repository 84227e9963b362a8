"""The ASGI app: every real host mounted under its own path prefix, plus /_sandbox admin."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount

from scripts.sandbox import admin, instagram, oauth, pinterest, tiktok, trends, youtube
from scripts.sandbox.errors import family, oauth_error, pinterest_error, server_error, throttled, token_error
from scripts.sandbox.world import World


def create_app(world: World) -> SandboxMiddleware:
    """Starlette app with all hosts, wrapped in latency / fault / stats handling."""
    mounts: dict[str, list] = {}
    for module in (oauth, instagram, youtube, pinterest, tiktok, trends):
        for host, routes in module.routes().items():
            mounts.setdefault(host, []).extend(routes)
    app = Starlette(
        routes=[Mount("/_sandbox", routes=admin.routes())]
        + [Mount(f"/{host}", routes=routes) for host, routes in mounts.items()]
    )
    app.state.world = world
    return SandboxMiddleware(app, world)


def _template(scope: dict, host: str) -> str:
    if scope.get("sandbox_template"):
        return f"{host}{scope['sandbox_template']}"
    path = scope["path"]
    for name, value in (scope.get("path_params") or {}).items():
        if value and name != "rest":
            path = path.replace(f"/{value}", "/{" + name + "}", 1)
    return path.lstrip("/")


class SandboxMiddleware:
    """Global latency, injected faults and per-endpoint request counts."""

    def __init__(self, app: Starlette, world: World) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        host = path.lstrip("/").split("/", 1)[0]
        if host == "_sandbox":
            await self.app(scope, receive, send)
            return
        if self.world.config.latency_ms:
            await asyncio.sleep(self.world.config.latency_ms / 1000)
        over = self._over_limit(scope, host, path[len(host) + 1 :] or "/")
        rule = None if over else self.world.take_fault(host, path[len(host) + 1 :] or "/")
        try:
            if over is not None:
                await over(scope, receive, send)
            elif rule is None:
                await self.app(scope, receive, send)
            else:
                await self._fault(rule, host, scope, receive, send)
        finally:
            self.world.stats[_template(scope, host)] += 1

    def _over_limit(self, scope, host: str, path: str):
        """The platform's refusal when this request goes over one of its documented limits, else None."""
        if self.world.limits is None:
            return None
        from scripts.sandbox.limits import refusal, request_token

        token = self.world.tokens.get(request_token(scope))
        verdict = self.world.limits.admit(host, path, token)
        return None if verdict is None else refusal(host, *verdict)

    async def _fault(self, rule: dict, host: str, scope, receive, send) -> None:
        kind = rule["kind"]
        if kind in ("latency", "timeout"):
            await asyncio.sleep(rule["latency_ms"] / 1000)
            await self.app(scope, receive, send)
            return
        if kind == "truncated":
            await self._truncated(scope, receive, send)
            return
        response = self._fault_response(rule, host)
        await response(scope, receive, send)

    def _fault_response(self, rule: dict, host: str):
        kind = rule["kind"]
        if kind == "429":
            return throttled(host, rule["retry_after"], rule["status"] if rule["status"] in (400, 403) else None)
        if kind == "5xx":
            return server_error(host, rule["status"] if rule["status"] >= 500 else 503)
        if kind == "malformed":
            return HTMLResponse(
                "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Sorry, "
                "something went wrong.</h1><p>We're working on it.</p></body></html>",
                status_code=200,
            )
        if kind in ("expired_token", "revoked_token"):
            return token_error(host, "expired" if kind == "expired_token" else "revoked")
        # refresh_fail: the token endpoint refuses the grant in the platform's shape.
        fam = family(host)
        if fam == "meta":
            return token_error(host, "expired")
        if fam == "pinterest":
            return pinterest_error(400, 1, "Invalid refresh token.")
        return oauth_error("invalid_grant", "Token has been expired or revoked.", with_log_id=fam == "tiktok")

    async def _truncated(self, scope, receive, send) -> None:
        messages: list[dict[str, Any]] = []
        body = bytearray()

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                messages.append(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(scope, receive, capture)
        cut = bytes(body[: max(1, len(body) // 2)])
        start: dict[str, Any] = (
            messages[0] if messages else {"type": "http.response.start", "status": 200, "headers": []}
        )
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": cut})
