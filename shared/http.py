"""The handler wrapper every function uses: parsing, auth, CORS, error mapping and logging.

Functions-framework hands each entry point a Flask request. `endpoint(...)` turns a plain
function of a `RequestContext` into that entry point, so every function validates, authenticates,
answers errors as problem JSON and logs the same way, locally and deployed.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from shared.errors import (
    PROBLEM_CONTENT_TYPE,
    AppError,
    ConfigurationError,
    InvalidInput,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    to_problem,
)
from shared.logging import configure_logging, get_logger, request_id_var, set_trace

if TYPE_CHECKING:
    import flask
    from pydantic import BaseModel

    from shared.auth import UserClaims
    from shared.config import Settings

AuthMode = Literal["user", "cron", "public"]
MAX_BODY_BYTES = 64 * 1024
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-Id, traceparent, tracestate"
log = get_logger("http")


@dataclass
class RequestContext:
    """What a handler needs from a request, already validated."""

    request: flask.Request
    settings: Settings
    request_id: str
    claims: UserClaims | None = None
    cron_caller: str | None = None
    query: Any = None
    body: Any = None
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> UserClaims:
        assert self.claims is not None, "endpoint declared without user auth"
        return self.claims


@dataclass
class JsonBody:
    """A 200 whose JSON text is already built (answered as is, not serialised again)."""

    text: str


@dataclass
class Redirect:
    """A 302 to `location` (the OAuth flow ends in the browser, not in JSON)."""

    location: str


def _json_response(payload: Any, status: int, content_type: str = "application/json") -> flask.Response:
    import flask

    return flask.Response(
        json.dumps(payload, default=str, separators=(",", ":")), status=status, content_type=content_type
    )


def _validation_problem(exc: Any, where: str) -> InvalidInput:
    # Echo locations and messages, never the submitted values (they may hold codes or tokens).
    errors = [{"loc": [where, *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    described = [f"{'.'.join(e['loc'][1:])}: {e['msg']}" if len(e["loc"]) > 1 else e["msg"] for e in errors]
    return InvalidInput(f"invalid {where}: " + "; ".join(described), extra={"errors": errors})


def _parse_query(request: flask.Request, model: type[BaseModel]) -> Any:
    from pydantic import ValidationError

    raw: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        raw[key] = values if len(values) > 1 else values[0]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _validation_problem(exc, "query") from None


def _parse_body(request: flask.Request, model: type[BaseModel]) -> Any:
    from pydantic import ValidationError

    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body larger than {MAX_BODY_BYTES} bytes")
    data = request.get_data(cache=True)
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body larger than {MAX_BODY_BYTES} bytes")
    if not data.strip():
        data = b"{}"
    elif request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise _validation_problem(exc, "body") from None


def _cors_headers(request: flask.Request, settings: Settings, methods: tuple[str, ...]) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if not origin or not settings.origin_allowed(origin):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join((*methods, "OPTIONS")),
        "Access-Control-Allow-Headers": _ALLOWED_HEADERS,
        "Access-Control-Expose-Headers": "Retry-After, X-Request-Id",
        "Access-Control-Max-Age": "600",
        # The OAuth start sets a browser-binding cookie; the frontend calls it with credentials.
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


def _authenticate(ctx: RequestContext, auth: AuthMode) -> None:
    if auth == "user":
        from shared.auth import bearer_token, verify_user_token

        header = ctx.request.headers.get(ctx.settings.caller_auth_header)
        ctx.claims = verify_user_token(bearer_token(header), ctx.settings)
    elif auth == "cron":
        from shared.cron_auth import verify_cron_request

        ctx.cron_caller = verify_cron_request(ctx.request.headers, ctx.settings)


def _render(result: Any) -> flask.Response:
    import flask

    if isinstance(result, flask.Response):
        return result
    if isinstance(result, JsonBody):
        return flask.Response(result.text, status=200, content_type="application/json")
    if isinstance(result, Redirect):
        response = flask.Response(status=302)
        response.headers["Location"] = result.location
        response.headers["Cache-Control"] = "no-store"
        return response
    status = 200
    if isinstance(result, tuple):
        result, status = result
    if hasattr(result, "model_dump"):
        result = result.model_dump(mode="json", by_alias=True)
    return _json_response(result, status)


def _no_content() -> flask.Response:
    import flask

    return flask.Response(status=204)


def _begin(request: flask.Request) -> str:
    supplied = request.headers.get("X-Request-Id", "")
    request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
    request_id_var.set(request_id)
    set_trace(request.headers)
    return request_id


def resolve_model(ref: Any) -> Any:
    """A model class, or the class a "package.module:Model" string names (imported on first use).

    Entry files name their models as strings so a cold start does not pay for pydantic and the
    service modules before the first request needs them.
    """
    if not isinstance(ref, str):
        return ref
    module_name, _, name = ref.partition(":")
    return getattr(importlib.import_module(module_name), name)


def endpoint_spec(handler: Callable[..., Any]) -> dict[str, Any]:
    """What `endpoint(...)` was told about a handler: auth, methods, models and path (the OpenAPI input)."""
    spec: dict[str, Any] = vars(handler)["endpoint_spec"]
    return spec


def endpoint(
    *,
    auth: AuthMode,
    methods: tuple[str, ...] = ("GET",),
    query: Any = None,
    body: Any = None,
    response: Any = None,
    path: str | None = None,
    path_methods: tuple[str, ...] | None = None,
) -> Callable[..., Any]:
    """Wrap `fn(ctx) -> model | dict | Redirect | (model, status)` as a functions-framework handler.

    `path` like "/api/auth/{platform}" extracts named segments; `response` documents the 200 body.
    `path_methods`: every method served at this path, by this function and the others that share it
    (a gateway sends a path's OPTIONS to one of them, which must allow its siblings' methods too).
    """
    cors_methods = path_methods or methods
    path_pattern = _compile_path(path) if path else None

    def decorate(fn: Callable[[RequestContext], Any]) -> Callable[[flask.Request], flask.Response]:
        @functools.wraps(fn)
        def handler(request: flask.Request) -> flask.Response:
            started = time.perf_counter()
            settings = _settings_or_problem()
            if isinstance(settings, ConfigurationError):
                return _misconfigured(settings, request, started)
            configure_logging(settings.log_level, settings.gcp_project)
            request_id = _begin(request)
            cors = _cors_headers(request, settings, cors_methods)
            ctx = RequestContext(request=request, settings=settings, request_id=request_id)
            try:
                if request.method == "OPTIONS":
                    response = _render(_no_content())
                else:
                    response = _run(fn, ctx, auth, methods, query, body, path_pattern)
            except AppError as error:
                response = _problem(error, request, request_id)
            except Exception:  # noqa: BLE001 - the one place unexpected errors become a 500
                log.exception("unhandled error", extra={"fields": {"path": request.path}})
                response = _problem(AppError("unexpected error; quote the request id"), request, request_id)
            response.headers.update(cors)
            response.headers["X-Request-Id"] = request_id
            _log_request(request, response.status_code, started, ctx)
            return response

        vars(handler)["endpoint_spec"] = {
            "auth": auth,
            "methods": methods,
            "query": query,
            "body": body,
            "response": response,
            "path": path,
            "fn": fn,
            "path_methods": cors_methods,
        }
        return handler

    return decorate


def _settings_or_problem() -> Settings | ConfigurationError:
    """The settings, or the error that says which fields are wrong (never their values)."""
    from shared.config import get_settings

    try:
        return get_settings()
    except ConfigurationError as error:
        return error


def _misconfigured(error: ConfigurationError, request: flask.Request, started: float) -> flask.Response:
    # Bad settings must not become functions-framework's HTML 500: answer problem JSON and say why in
    # the log (field names only), with the logging defaults since the configured level is unknown.
    configure_logging()
    request_id = _begin(request)
    log.error("configuration error", extra={"fields": {"detail": error.detail, "path": request.path}})
    response = _problem(error, request, request_id)
    response.headers["X-Request-Id"] = request_id
    _log_request(request, response.status_code, started, None)
    return response


def _run(
    fn: Callable[[RequestContext], Any],
    ctx: RequestContext,
    auth: AuthMode,
    methods: tuple[str, ...],
    query: type[BaseModel] | None,
    body: type[BaseModel] | None,
    path_pattern: re.Pattern[str] | None,
) -> flask.Response:
    request = ctx.request
    if request.method not in methods:
        raise MethodNotAllowed(f"use {' or '.join(methods)}", headers={"Allow": ", ".join(methods)})
    if path_pattern is not None:
        match = path_pattern.search(request.path)
        if match is None:
            raise InvalidInput("unexpected path")
        ctx.path_params = match.groupdict()
    _authenticate(ctx, auth)
    if query is not None:
        ctx.query = _parse_query(request, resolve_model(query))
    if body is not None:
        ctx.body = _parse_body(request, resolve_model(body))
    return _render(fn(ctx))


def _compile_path(template: str) -> re.Pattern[str]:
    # Deployed functions may sit behind a prefix or a rewrite, so match the template's tail.
    parts = re.split(r"(\{[a-z_]+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(regex + "/?$")


def _problem(error: AppError, request: flask.Request, request_id: str) -> flask.Response:
    response = _json_response(
        to_problem(error, instance=request.path, request_id=request_id), error.status, PROBLEM_CONTENT_TYPE
    )
    response.headers.update(error.headers)
    return response


def _log_request(request: flask.Request, status: int, started: float, ctx: RequestContext | None) -> None:
    # Path only: query strings carry OAuth codes and states.
    fields: dict[str, Any] = {
        "httpRequest": {
            "requestMethod": request.method,
            "requestUrl": request.path,
            "status": status,
            "latency": f"{time.perf_counter() - started:.6f}s",
            "userAgent": request.headers.get("User-Agent", "")[:200],
        }
    }
    if ctx is not None and ctx.claims is not None:
        fields["user_id"] = ctx.claims.user_id
    level = 40 if status >= 500 else 20
    log.log(level, f"{request.method} {request.path} {status}", extra={"fields": fields})
