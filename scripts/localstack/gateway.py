"""One process serving every function at its seed path, through each function's own entry point.

Each `functions/<name>/main.py` is imported under its own module name (functions-framework would
load every one of them as `main`), and a request is handed to its `handler` unchanged, so what
runs here is what deploys. The gateway also serves the local JWKS and the OpenAPI document.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask
from werkzeug.serving import make_server

from functions.manifest import FUNCTIONS, FunctionSpec

ROOT = Path(__file__).resolve().parents[2]


def load_entry(spec: FunctionSpec) -> Callable[[flask.Request], Any]:
    """Import one function's main.py under a unique module name and return its handler."""
    module_name = f"functions_{spec.name}_main"
    if module_name in sys.modules:
        return sys.modules[module_name].handler
    module_spec = importlib.util.spec_from_file_location(module_name, spec.entry)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    return module.handler


def _route_regex(route: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", route)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "/?$")


@dataclass
class _Route:
    spec: FunctionSpec
    regex: re.Pattern[str]
    literal: bool


def build_app(jwks: dict[str, Any] | None = None, openapi: Callable[[], dict[str, Any]] | None = None) -> flask.Flask:
    """The gateway WSGI app; only functions whose entry file exists are routed."""
    app = flask.Flask("gateway")
    routes = [_Route(s, _route_regex(s.route), "{" not in s.route) for s in FUNCTIONS if s.entry.exists()]
    # Literal routes win over templates: /api/auth/callback is not a platform.
    routes.sort(key=lambda r: not r.literal)
    handlers: dict[str, Callable[[flask.Request], Any]] = {}
    handlers_lock = threading.Lock()

    def handler_for(spec: FunctionSpec) -> Callable[[flask.Request], Any]:
        with handlers_lock:
            if spec.name not in handlers:
                handlers[spec.name] = load_entry(spec)
            return handlers[spec.name]

    @app.route("/auth/v1/.well-known/jwks.json")
    def jwks_document() -> Any:
        return flask.jsonify(jwks or {"keys": []})

    @app.route("/openapi.json")
    def openapi_document() -> Any:
        if openapi is None:
            return flask.Response(status=404)
        return flask.Response(json.dumps(openapi()), content_type="application/json")

    @app.route("/healthz")
    def health() -> Any:
        return {"ok": True, "functions": [r.spec.name for r in routes]}

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

    @app.route("/api/<path:rest>", methods=methods)
    def dispatch(rest: str) -> Any:
        request = flask.request
        matching = [r for r in routes if r.regex.match(request.path)]
        if not matching:
            return _not_found(request.path)
        # A literal path belongs to its own function whatever the method: DELETE /api/auth/callback is
        # the callback's 405, not a disconnect of platform "callback".
        candidates = [r for r in matching if r.literal] or matching
        chosen = next((r for r in candidates if request.method in r.spec.methods), None)
        if chosen is None:
            # Same path, other method: let the first function answer (405 or CORS preflight) itself.
            chosen = candidates[0]
        return handler_for(chosen.spec)(request)

    return app


def _not_found(path: str) -> flask.Response:
    from shared.errors import PROBLEM_CONTENT_TYPE, NotFound, to_problem

    body = to_problem(NotFound(f"no endpoint at {path}"), instance=path)
    return flask.Response(json.dumps(body), status=404, content_type=PROBLEM_CONTENT_TYPE)


class GatewayServer:
    """The gateway on a background thread (tests, demo)."""

    def __init__(self, app: flask.Flask, host: str = "127.0.0.1", port: int = 0):
        self._server = make_server(host, port, app, threaded=True)
        self.port = self._server.server_port
        self.base_url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)

    def start(self) -> GatewayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
