"""Bad settings answer problem JSON (never functions-framework's HTML 500) in every function, and are logged."""

from __future__ import annotations

import json
import logging

import flask
import pytest

from functions.manifest import FUNCTIONS
from scripts.localstack.gateway import load_entry
from shared.config import reset_settings
from shared.logging import configure_logging

SPECS = [spec for spec in FUNCTIONS if spec.entry.is_file()]
SECRET = "k1:c2VjcmV0LXZhbHVlLW5ldmVyLXNob3du"


@pytest.fixture()
def bad_settings(monkeypatch):
    configure_logging()  # once per process; later calls keep the handlers (caplog's included)
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "lots")
    monkeypatch.setenv("TOKEN_KEYS", SECRET)
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_bad_settings_answer_problem_json_and_are_logged(spec, bad_settings, caplog):
    handler = load_entry(spec)
    app = flask.Flask("probe")
    path = spec.route.replace("{platform}", "instagram")
    with caplog.at_level(logging.ERROR), app.test_request_context(path, method=spec.methods[0]):
        response = app.make_response(handler(flask.request))
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    problem = json.loads(body)
    assert problem["type"].endswith("/misconfigured") and problem["status"] == 500
    assert "db_pool_max_size" in problem["detail"] and problem["request_id"] == response.headers["X-Request-Id"]
    assert SECRET not in body
    logged = [r for r in caplog.records if r.getMessage() == "configuration error"]
    assert logged and "db_pool_max_size" in logged[0].fields["detail"]
    assert all(
        SECRET not in r.getMessage() and SECRET not in json.dumps(getattr(r, "fields", {})) for r in caplog.records
    )
