"""CORS per method on shared paths, a list of frontend origins (with preview patterns), and W3C trace
context in the Cloud Logging fields."""

from __future__ import annotations

import io
import json
import logging
from collections import defaultdict

import flask
import pytest

from functions.manifest import FUNCTIONS
from scripts.localstack.gateway import load_entry
from shared.config import Settings, origin_patterns, reset_settings, settings_from_env
from shared.errors import ConfigurationError
from shared.logging import CloudLoggingFormatter, set_trace, trace_from_headers

SPECS = [spec for spec in FUNCTIONS if spec.entry.is_file()]
ORIGINS = "https://app.example.com, https://app-*.preview.example.com ,http://localhost:3000"


def _route_methods() -> dict[str, set[str]]:
    methods: dict[str, set[str]] = defaultdict(set)
    for spec in SPECS:
        methods[spec.route].update(spec.methods)
    return methods


@pytest.fixture()
def origins(monkeypatch):
    monkeypatch.setenv("FRONTEND_ORIGIN", ORIGINS)
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def _preflight(spec, method: str, origin: str) -> flask.Response:
    app = flask.Flask("probe")
    path = spec.route.replace("{platform}", "instagram").replace("{id}", "00000000-0000-4000-8000-000000000000")
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    with app.test_request_context(path, method="OPTIONS", headers=headers):
        return app.make_response(load_entry(spec)(flask.request))


def test_every_function_allows_the_methods_of_every_function_sharing_its_path():
    # A gateway sends a path's OPTIONS to one of its functions (locally and deployed: the first in the
    # manifest), so each must answer for its siblings' methods too.
    shared = _route_methods()
    for spec in SPECS:
        declared = set(load_entry(spec).endpoint_spec["path_methods"])
        assert declared == shared[spec.route], spec.name


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_a_preflight_allows_each_method_of_its_path_for_each_listed_origin(spec, origins):
    for origin in ("https://app.example.com", "https://app-pr-42.preview.example.com", "http://localhost:3000"):
        for method in _route_methods()[spec.route]:
            response = _preflight(spec, method, origin)
            assert response.status_code == 204
            assert response.headers["Access-Control-Allow-Origin"] == origin
            allowed = [m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")]
            assert method in allowed and "OPTIONS" in allowed
            assert {"Authorization", "Content-Type", "traceparent"} <= {
                h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")
            }
            assert response.headers["Vary"] == "Origin"


def test_the_disconnect_preflight_allows_delete_whichever_function_answers_it(origins):
    start = next(spec for spec in SPECS if spec.name == "auth_start")
    response = _preflight(start, "DELETE", "https://app.example.com")
    assert "DELETE" in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://app.example.com.evil.example",
        "https://app-x.preview.example.com.evil.example",
        "https://app-.preview.example.com",
        "https://app-a.b.preview.example.com",
        "http://app.example.com",
        "null",
        "http://localhost:30000",
    ],
)
def test_other_origins_get_no_cors_headers(origin, origins):
    response = _preflight(SPECS[0], SPECS[0].methods[0], origin)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_origins_match_with_a_trailing_slash_and_in_any_case():
    settings = Settings(frontend_origin="https://App.Example.com/")
    assert settings.origin_allowed("https://app.example.com")
    assert settings.origin_allowed("https://APP.example.com/")


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "https://*",
        "https://a*b*.example.com",
        "app.example.com",
        "https://app.example.com/path",
        "https://app.example.com:123456",
        " , ",
    ],
)
def test_a_malformed_origin_list_is_a_configuration_error_naming_the_variable(value):
    with pytest.raises(ConfigurationError) as raised:
        settings_from_env({"FRONTEND_ORIGIN": value})
    assert raised.value.detail == "invalid settings: frontend_origin"


def test_a_wildcard_stands_for_part_of_one_label_only():
    (pattern,) = origin_patterns("https://app-*-acme.vercel.app")
    assert pattern.fullmatch("https://app-git-main-acme.vercel.app")
    assert not pattern.fullmatch("https://app-x.y-acme.vercel.app")
    assert not pattern.fullmatch("https://app--acme.vercel.app")


TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}, (TRACE, "00f067aa0ba902b7", True)),
        ({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-00"}, (TRACE, "00f067aa0ba902b7", False)),
        # A later version may append fields; version ff and all-zero ids are invalid, so the next header counts.
        ({"traceparent": f"01-{TRACE}-00f067aa0ba902b7-01-extra"}, (TRACE, "00f067aa0ba902b7", True)),
        ({"traceparent": f"ff-{TRACE}-00f067aa0ba902b7-01"}, None),
        ({"traceparent": f"00-{'0' * 32}-00f067aa0ba902b7-01"}, None),
        ({"traceparent": f"00-{TRACE}-{'0' * 16}-01"}, None),
        ({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01-extra"}, None),
        ({"traceparent": f"00-{TRACE.upper()}-00f067aa0ba902b7-01"}, None),
        ({"X-Cloud-Trace-Context": f"{TRACE}/1;o=1"}, (TRACE, "0000000000000001", True)),
        ({"X-Cloud-Trace-Context": f"{TRACE}"}, (TRACE, None, None)),
        ({"X-Cloud-Trace-Context": "not-a-trace"}, None),
        ({"traceparent": "garbage", "X-Cloud-Trace-Context": f"{TRACE}/17;o=0"}, (TRACE, "0000000000000011", False)),
        (
            {"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01", "X-Cloud-Trace-Context": f"{'a' * 32}/1;o=1"},
            (TRACE, "00f067aa0ba902b7", True),
        ),
        ({}, None),
    ],
)
def test_trace_context_comes_from_traceparent_then_the_cloud_header(headers, expected):
    assert trace_from_headers(headers) == expected


def test_log_lines_carry_the_trace_span_and_sampling_cloud_logging_reads():
    set_trace({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"})
    try:
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None)
        entry = json.loads(CloudLoggingFormatter("acme").format(record))
    finally:
        set_trace({})
    assert entry["logging.googleapis.com/trace"] == f"projects/acme/traces/{TRACE}"
    assert entry["logging.googleapis.com/spanId"] == "00f067aa0ba902b7"
    assert entry["logging.googleapis.com/trace_sampled"] is True


def test_a_request_with_traceparent_logs_under_its_trace(origins, monkeypatch):
    from shared import logging as shared_logging

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CloudLoggingFormatter("acme"))
    logging.getLogger("http").addHandler(handler)
    monkeypatch.setattr(shared_logging, "_configured", True)
    try:
        spec = next(spec for spec in SPECS if spec.name == "analytics_growth")
        app = flask.Flask("probe")
        with app.test_request_context(spec.route, headers={"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}):
            assert app.make_response(load_entry(spec)(flask.request)).status_code == 401
    finally:
        logging.getLogger("http").removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all(line["logging.googleapis.com/trace"] == f"projects/acme/traces/{TRACE}" for line in lines)
