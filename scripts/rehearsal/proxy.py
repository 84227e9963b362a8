"""A local stand-in for API Gateway, driven by the very document the deploy uploads (gateway-openapi.json).

Per request, what ESPv2 does: find the operation (literal paths before templates; an unknown path or
method is a 404), check a Google ID token on secured operations (issuer, signature, one of the
`x-google-audiences`), move the caller's Authorization to X-Forwarded-Authorization, put an ID token of
the gateway's account for `jwt_audience` in Authorization, and forward to `address` + the request path
(APPEND_PATH_TO_ADDRESS) within `deadline`. Cloud Functions strips the `/<function>` prefix of its
cloudfunctions.net URL before the function sees the path, so the local address is the process's root.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import flask
import httpx
from werkzeug.serving import make_server

from scripts.deploy.gateway import gateway_routes, match
from scripts.rehearsal.identity import GoogleKey

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "host",
    "proxy-authorization",
    "proxy-authenticate",
    "content-encoding",
}


def _problem(status: int, detail: str) -> flask.Response:
    # ESPv2 answers its own errors as JSON ({"code", "message"}); the shape is not ours, the status is.
    return flask.Response(
        json.dumps({"code": status, "message": detail}), status=status, content_type="application/json"
    )


class GatewayProxy:
    """The proxy on a background thread; `backends` maps each function URL to a local base URL."""

    def __init__(self, host: str = "127.0.0.1"):
        self.app = flask.Flask("rehearsal-gateway")
        self.app.add_url_rule(
            "/<path:path>", "proxy", self._handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
        )
        self._server = make_server(host, 0, self.app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self._routes: list[Any] = []
        self._backends: dict[str, str] = {}
        self._google: GoogleKey | None = None
        self._gateway_account = ""
        self._observe: Callable[[str, str, int, float], None] | None = None
        # A gateway keeps no cookies: one a function sets goes to the caller, never back on someone else's request.
        self._client = httpx.Client(follow_redirects=False, cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])))
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway-proxy", daemon=True)

    def configure(
        self,
        document: dict[str, Any],
        backends: dict[str, str],
        google: GoogleKey,
        gateway_account: str,
        observe: Callable[[str, str, int, float], None] | None = None,
    ) -> None:
        self._routes = gateway_routes(document)
        missing = sorted({r.address for r in self._routes} - set(backends))
        if missing:
            raise ValueError(f"no local process for {missing}")
        self._backends, self._google, self._gateway_account = backends, google, gateway_account
        self._observe = observe

    def start(self) -> GatewayProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def _handle(self, path: str) -> flask.Response:
        request = flask.request
        route = match(self._routes, request.method, request.path)
        if route is None:
            return _problem(404, f"The current request is not defined by this API: {request.method} {request.path}")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        caller = headers.pop("Authorization", None)
        if route.audiences:
            token = caller.partition(" ")[2] if caller and caller.lower().startswith("bearer ") else ""
            try:
                assert self._google is not None
                self._google.verify(token, route.audiences)
            except Exception:  # noqa: BLE001 - any failure is the gateway's 401
                return _problem(401, "Jwt is missing or not valid for this API")
        headers.pop("X-Forwarded-Authorization", None)
        if caller:
            headers["X-Forwarded-Authorization"] = caller
        assert self._google is not None
        headers["Authorization"] = f"Bearer {self._google.id_token(self._gateway_account, route.jwt_audience)}"
        url = self._backends[route.address] + request.full_path.rstrip("?")
        try:
            upstream = self._client.request(
                request.method, url, headers=headers, content=request.get_data(), timeout=route.deadline_s
            )
        except httpx.TimeoutException:
            return _problem(504, "upstream request timeout")
        except httpx.TransportError:
            return _problem(503, "upstream connect error")
        if self._observe is not None:
            self._observe(route.operation_id, route.method, upstream.status_code, upstream.elapsed.total_seconds())
        response = flask.Response(upstream.content, status=upstream.status_code)
        for key, value in upstream.headers.multi_items():
            if key.lower() not in HOP_BY_HOP:
                response.headers.add(key, value)
        return response
