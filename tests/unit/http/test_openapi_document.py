"""The OpenAPI document as a frontend developer's manual: every operation described, tagged, with an example
request and answer that fit its schemas, only the statuses it can answer, and the headers it reads and sends."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from scripts import openapi
from scripts.openapi import build_openapi

DOC = build_openapi()
OPERATIONS = [(path, method, op) for path, methods in DOC["paths"].items() for method, op in methods.items()]
IDS = [op["operationId"] for _, _, op in OPERATIONS]


def _validator(schema: dict) -> Draft202012Validator:
    # The document's components as a schema registry: $refs resolve as a client generator would resolve them.
    return Draft202012Validator({**schema, "components": DOC["components"]})


def test_the_document_is_valid_openapi_3_1_and_up_to_date():
    validate(DOC)
    assert json.loads(openapi.DOCUMENT.read_text()) == DOC, "run `uv run python -m scripts.openapi`"


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=IDS)
def test_every_operation_is_described_tagged_and_has_an_example_request_and_answer(path, method, op):
    declared = {tag["name"] for tag in DOC["tags"]}
    assert op["summary"] and len(op["description"]) > 20 and set(op["tags"]) <= declared
    for param in op.get("parameters", []):
        if param["in"] == "path" or param["required"]:
            assert "example" in param, param["name"]
        if "example" in param:
            errors = list(_validator(param["schema"]).iter_errors(param["example"]))
            assert not errors, (param["name"], errors)
    if "requestBody" in op:
        content = op["requestBody"]["content"]["application/json"]
        assert not list(_validator(content["schema"]).iter_errors(content["example"]))
    (success,) = [status for status in op["responses"] if status < "400"]
    answer = op["responses"][success]
    if "content" in answer:
        content = answer["content"]["application/json"]
        assert not list(_validator(content["schema"]).iter_errors(content["example"]))
    else:
        assert answer["headers"]["Location"]["example"].startswith("https://")
    for status, response in op["responses"].items():
        if status == "400":
            content = response["content"]["application/problem+json"]
            assert not list(_validator(content["schema"]).iter_errors(content["example"]))
            where = "body" if "requestBody" in op else "query"
            assert [e["loc"] for e in content["example"]["errors"]] == [[where, "unknown_field"]]


def test_an_operation_without_an_example_fails_the_build(tmp_path, monkeypatch):
    examples = json.loads(openapi.EXAMPLES.read_text())
    del examples["trends_topics"]
    monkeypatch.setattr(openapi, "EXAMPLES", tmp_path / "examples.json")
    openapi.EXAMPLES.write_text(json.dumps(examples))
    with pytest.raises(SystemExit, match="no example for trends_topics"):
        build_openapi()


@pytest.mark.parametrize(
    ("operation", "change", "why"),
    [
        ("trends_topics", lambda e: e["response"]["body"].pop("next_cursor"), "Field required"),
        ("analytics_posts", lambda e: e["query"].update(sort="virality"), "Input should be"),
        ("ai_recommend", lambda e: e["response"].update(status=418), "answered 418"),
        ("auth_start", lambda e: e.update(path="/api/auth"), "not a request to its path"),
    ],
)
def test_an_example_its_models_refuse_fails_the_build(tmp_path, monkeypatch, operation, change, why):
    examples = json.loads(openapi.EXAMPLES.read_text())
    change(examples[operation])
    monkeypatch.setattr(openapi, "EXAMPLES", tmp_path / "examples.json")
    openapi.EXAMPLES.write_text(json.dumps(examples))
    with pytest.raises((SystemExit, ValueError), match=why):
        build_openapi()


def _statuses(operation_id: str) -> set[str]:
    return next(set(op["responses"]) for _, _, op in OPERATIONS if op["operationId"] == operation_id)


def test_each_operation_lists_only_the_statuses_it_can_answer():
    for _, method, op in OPERATIONS:
        statuses = set(op["responses"])
        assert "405" not in statuses and "500" in statuses
        if "requestBody" not in op:
            assert not statuses & {"413", "415"}, op["operationId"]
        if method == "get":
            assert "409" not in statuses, op["operationId"]
    assert _statuses("ai_recommend") == {"200", "400", "401", "409", "413", "415", "429", "500", "502", "503"}
    assert _statuses("trends_topics") == {"200", "400", "401", "500", "503"}
    assert _statuses("auth_callback") == {"302", "500"}
    assert _statuses("auth_complete") >= {"403", "404", "409", "502"}
    assert "403" in _statuses("cron_fetch_analytics") and "403" not in _statuses("analytics_posts")


def test_headers_are_declared_where_they_are_read_and_sent():
    recommend = DOC["paths"]["/api/ai/recommend"]["post"]
    (key,) = [p for p in recommend["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and key["schema"]["pattern"] and key["example"]
    retry = "#/components/headers/RetryAfter"
    for _, _, op in OPERATIONS:
        for status, response in op["responses"].items():
            assert response["headers"]["X-Request-Id"] == {"$ref": "#/components/headers/XRequestId"}
            if status in ("429", "503"):
                assert response["headers"]["Retry-After"] == {"$ref": retry}
            if status == "401":
                assert "WWW-Authenticate" in response["headers"]
    assert "Set-Cookie" in DOC["paths"]["/api/auth/{platform}"]["get"]["responses"]["200"]["headers"]


def test_the_problem_schema_names_every_field_a_problem_may_carry():
    problem = DOC["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "request_id", "errors", "code", "platform"} == set(
        problem["properties"]
    )
    issue = DOC["components"]["schemas"]["ValidationIssue"]
    assert set(issue["required"]) == {"loc", "msg", "type"}
    assert all(p.get("description") for p in problem["properties"].values())


def test_every_list_takes_limit_and_cursor_and_answers_items_and_next_cursor():
    lists = 0
    for _, method, op in OPERATIONS:
        names = {p["name"] for p in op.get("parameters", [])}
        if method != "get" or "limit" not in names:
            continue
        lists += 1
        assert "cursor" in names, op["operationId"]
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        properties = DOC["components"]["schemas"][ref]["properties"]
        assert {"items", "next_cursor"} <= set(properties), op["operationId"]
        assert properties["items"]["type"] == "array"
    assert lists == 6
