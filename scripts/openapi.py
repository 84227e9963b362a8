"""Generate the OpenAPI 3.1 document from the functions' own pydantic models.

`uv run python -m scripts.openapi` writes docs/openapi.json; `--check` fails when the file is stale
(CI runs it through the test suite).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from functions.manifest import FUNCTIONS
from scripts.localstack.gateway import load_entry
from shared.http import resolve_model
from shared.models.common import Problem

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
REF = "#/components/schemas/{model}"
# Responses some endpoints also give when the Accept header asks for them.
_OTHER_MEDIA = {"analytics_posts": {"text/csv": {"schema": {
    "type": "string", "description": "Accept: text/csv streams every matching post (at most `limit` when given; no "
                                     "cursor) with the same filters and sort: a header row of the JSON item's fields, "
                                     "RFC 4180 quoting, empty cells for unknown values, and text cells that would "
                                     "start a spreadsheet formula (= + - @ tab CR) prefixed with an apostrophe"}}}}
_PATH_SCHEMAS = {"platform": {"type": "string", "enum": ["instagram", "youtube", "pinterest", "tiktok"]},
                 "id": {"type": "string", "format": "uuid"}}
_ERRORS = {"400": "Invalid input", "401": "Missing or invalid token", "403": "Forbidden", "404": "Not found",
           "405": "Method not allowed", "409": "Conflict", "413": "Body too large", "415": "Not JSON",
           "429": "Rate limited", "500": "Internal error", "502": "Upstream failed", "503": "Unavailable"}


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template=REF, mode="validation")
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        if _is_array(prop):
            param.update(style="form", explode=False)
        params.append(param)
    return params


def _is_array(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "array" or any(p.get("type") == "array" for p in prop.get("anyOf", []))


def build_openapi(server: str = "/") -> dict[str, Any]:
    """The document, built from each function's endpoint spec; `server` is the public base URL (a deploy's)."""
    paths: dict[str, dict[str, Any]] = {}
    models: list[tuple[type[BaseModel], str]] = [(Problem, "serialization")]
    specs = []
    for spec in FUNCTIONS:
        if not spec.entry.exists():
            continue
        endpoint = {key: resolve_model(value) if key in ("query", "body", "response") else value
                    for key, value in load_entry(spec).endpoint_spec.items()}
        specs.append((spec, endpoint))
        for key, mode in (("body", "validation"), ("response", "serialization")):
            if endpoint.get(key) is not None:
                models.append((endpoint[key], mode))
    _, top = models_json_schema(models, ref_template=REF, by_alias=True)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    for spec, endpoint in specs:
        for method in spec.methods:
            paths.setdefault(spec.route, {})[method.lower()] = _operation(spec, endpoint, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Creator Intelligence API", "version": "1.0.0",
                 "description": "Errors are RFC 9457 problem JSON; times are UTC ISO 8601; fields snake_case."},
        "servers": [{"url": server}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "supabaseJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cronOidc": {"type": "http", "scheme": "bearer", "bearerFormat": "Google OIDC ID token"},
                "cronSecret": {"type": "apiKey", "in": "header", "name": "X-Cron-Secret",
                               "description": "Local stack only"},
            },
        },
    }


def _operation(spec: Any, endpoint: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": spec.name, "summary": spec.summary, "tags": [spec.route.split("/")[2]]}
    params = []
    for name in re.findall(r"\{([a-z_]+)\}", spec.route):
        schema = _PATH_SCHEMAS.get(name, {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if endpoint.get("query") is not None:
        params.extend(_query_parameters(endpoint["query"], schemas))
    if params:
        op["parameters"] = params
    if endpoint.get("body") is not None:
        op["requestBody"] = {"required": False, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=endpoint["body"].__name__)}}}}
    responses: dict[str, Any] = {}
    if spec.name == "auth_callback":
        responses["302"] = {"description": "Redirect to the frontend with the outcome",
                            "headers": {"Location": {"schema": {"type": "string"}}}}
    elif endpoint.get("response") is not None:
        responses["200"] = {"description": "OK", "content": {"application/json": {
            "schema": {"$ref": REF.format(model=endpoint["response"].__name__)}}, **_OTHER_MEDIA.get(spec.name, {})}}
    else:
        responses["200"] = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    for status, text in _ERRORS.items():
        responses[status] = {"description": text, "content": {"application/problem+json": {
            "schema": {"$ref": REF.format(model="Problem")}}}}
    op["responses"] = responses
    op["security"] = {"user": [{"supabaseJwt": []}], "cron": [{"cronOidc": []}, {"cronSecret": []}],
                      "public": []}[spec.auth]
    return op


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/openapi.json is out of date")
    args = parser.parse_args()
    text = json.dumps(build_openapi(), indent=2, sort_keys=False) + "\n"
    if args.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != text:
            print("docs/openapi.json is out of date: run `uv run python -m scripts.openapi`", file=sys.stderr)
            sys.exit(1)
        print("docs/openapi.json is up to date")
        return
    DOCUMENT.write_text(text)
    print(f"wrote {DOCUMENT.relative_to(DOCUMENT.parents[1])} ({len(text)} bytes)")


if __name__ == "__main__":
    main()
