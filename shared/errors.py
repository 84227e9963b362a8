"""One error hierarchy, mapped to HTTP problem JSON in one place (`to_problem`)."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Base of every error a function may answer with; `detail` is safe to show a user."""

    status = 500
    title = "Internal error"
    type_slug = "internal"

    def __init__(
        self, detail: str | None = None, *, extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra or {}
        self.headers = headers or {}


class InvalidInput(AppError):
    status, title, type_slug = 400, "Invalid input", "invalid-input"


class Unauthorized(AppError):
    status, title, type_slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any):
        super().__init__(detail, **kw)
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')


class Forbidden(AppError):
    status, title, type_slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, type_slug = 404, "Not found", "not-found"


class MethodNotAllowed(AppError):
    status, title, type_slug = 405, "Method not allowed", "method-not-allowed"


class Conflict(AppError):
    status, title, type_slug = 409, "Conflict", "conflict"


class PayloadTooLarge(AppError):
    status, title, type_slug = 413, "Payload too large", "payload-too-large"


class UnsupportedMediaType(AppError):
    status, title, type_slug = 415, "Unsupported media type", "unsupported-media-type"


class RateLimited(AppError):
    status, title, type_slug = 429, "Too many requests", "rate-limited"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None, **kw: Any):
        super().__init__(detail, **kw)
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers["Retry-After"] = str(int(retry_after))


class UpstreamFailed(AppError):
    """A platform or provider answered badly; the caller may retry later."""

    status, title, type_slug = 502, "Upstream failed", "upstream-failed"


class ServiceUnavailable(AppError):
    status, title, type_slug = 503, "Service unavailable", "service-unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None, **kw: Any):
        super().__init__(detail, **kw)
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers["Retry-After"] = str(int(retry_after))


class ConfigurationError(AppError):
    """Settings are missing or invalid; never names a secret's value."""

    status, title, type_slug = 500, "Server misconfigured", "misconfigured"


PROBLEM_CONTENT_TYPE = "application/problem+json"


def to_problem(error: AppError, *, instance: str | None = None, request_id: str | None = None) -> dict[str, Any]:
    """RFC 9457 problem document for an error."""
    body: dict[str, Any] = {
        "type": f"https://creator-intelligence.dev/problems/{error.type_slug}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    body.update(error.extra)
    return body
