"""The document's 400 examples are what the running API answers: the recorded request with one parameter too
many, sent through the gateway with a valid caller, gets that very problem (but its own request id)."""

from __future__ import annotations

import httpx
import pytest

from scripts.openapi import build_openapi

DOC = build_openapi()
CASES = [
    (path, method, op)
    for path, methods in DOC["paths"].items()
    for method, op in methods.items()
    if "400" in op["responses"]
]


@pytest.fixture(scope="module")
def caller(stack):
    return stack.create_user("examples@example.com")


@pytest.mark.parametrize(("path", "method", "op"), CASES, ids=[op["operationId"] for _, _, op in CASES])
def test_the_400_example_is_the_live_answer(stack, caller, path, method, op):
    expected = op["responses"]["400"]["content"]["application/problem+json"]["example"]
    params = {p["name"]: p["example"] for p in op.get("parameters", []) if "example" in p}
    url = stack.base_url + path.format(**{k: v for k, v in params.items() if f"{{{k}}}" in path})
    query = {
        p["name"]: ",".join(map(str, v)) if isinstance(v, list) else v
        for p in op.get("parameters", [])
        if p["in"] == "query" and (v := params.get(p["name"])) is not None
    }
    headers = (
        stack.cron_headers if "/cron/" in path or "/tasks/" in path or path == "/api/auth/refresh" else caller.headers
    )
    if "requestBody" in op:
        body = {**op["requestBody"]["content"]["application/json"]["example"], "unknown_field": "1"}
        response = httpx.request(method, url, params=query, json=body, headers=headers, timeout=60)
    else:
        response = httpx.request(method, url, params={**query, "unknown_field": "1"}, headers=headers, timeout=60)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["request_id"] == response.headers["X-Request-Id"]
    assert {**problem, "request_id": expected["request_id"]} == expected
