"""Generate the OpenAPI 3.1 document from the functions' own pydantic models.

`uv run python -m scripts.openapi` writes docs/openapi.json; `--check` fails when the file is stale
(CI runs it through the test suite). Every operation carries an example request and answer, recorded from
the running system (docs/examples.json, `python -m scripts.record_examples`) and passed through the
operation's own models here: the build fails on an operation without one, or one its models refuse. Each
operation lists the statuses it can answer, and no other.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from functions.manifest import FUNCTIONS, FunctionSpec
from scripts.localstack.gateway import load_entry
from shared.errors import to_problem
from shared.http import _validation_problem, endpoint_spec, resolve_model
from shared.models.ai import IDEMPOTENCY_KEY_PATTERN
from shared.models.common import Problem

DOCS = Path(__file__).resolve().parents[1] / "docs"
DOCUMENT = DOCS / "openapi.json"
EXAMPLES = DOCS / "examples.json"
REF = "#/components/schemas/{model}"
# Responses some endpoints also give when the Accept header asks for them.
_OTHER_MEDIA = {
    "analytics_posts": {
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "Accept: text/csv streams every matching post (at most `limit` when given; no "
                "cursor) with the same filters and sort: a header row of the JSON item's fields, "
                "RFC 4180 quoting, empty cells for unknown values, and text cells that would "
                "start a spreadsheet formula (= + - @ tab CR) prefixed with an apostrophe",
            }
        }
    }
}
_PATH_SCHEMAS = {
    "platform": {"type": "string", "enum": ["instagram", "youtube", "pinterest", "tiktok"]},
    "id": {"type": "string", "format": "uuid"},
}
_TAGS = {
    "auth": "Connect and disconnect platforms (OAuth), and the token refresh cron",
    "analytics": "Her numbers: overview, growth, posts, ranking signals, when to post",
    "trends": "Her niche's rising topics and keywords",
    "creators": "Trending creators of her niche",
    "opportunities": "Content gaps: demand against supply",
    "ai": "Pattern detection, briefs, and what became of them",
    "cron": "Scheduled jobs (Cloud Scheduler's OIDC token; X-Cron-Secret locally)",
    "tasks": "Cloud Tasks workers",
}
# Statuses an operation answers beyond what its endpoint spec implies (400 with a query or body, 401 with a
# token to check, 403 for a cron caller of the wrong account, 413 and 415 with a body, 503 with a database
# or token keys behind it, 500 always), with when.
_RAISES: dict[str, dict[str, str]] = {
    "auth_start": {"404": "Unknown platform"},
    "auth_disconnect": {"404": "Unknown platform"},
    "auth_complete": {
        "403": "`code: wrong_user`: another creator started this connection (the code is discarded)",
        "404": "`code: invalid_state`: no such handle",
        "409": "`code: state_expired` (5 minutes) or `code: state_replayed` (the handle was used)",
        "502": "`code: exchange_failed` or `platform_unavailable`: the platform refused or failed the code exchange",
    },
    "ai_recommend": {
        "409": "The Idempotency-Key was used for another body, or its first request is still "
        "being generated (Retry-After)",
        "429": "Her daily quota of AI generations is used up (Retry-After: until midnight UTC)",
        "502": "The concept writer refused the request",
    },
    "ai_recommendation_posted": {"404": "No such brief of hers"},
    "ai_recommendation_unposted": {"404": "No such brief of hers"},
}
_STATUS_TEXT = {
    "400": "Invalid input: unknown or invalid query parameters or body fields (`errors[]` says which)",
    "401": "Missing, expired or invalid token",
    "403": "Forbidden",
    "404": "Not found",
    "409": "Conflict",
    "413": "Body larger than 64 KiB",
    "415": "A body that is not application/json",
    "429": "Too many requests",
    "500": "Unexpected error; quote the request id",
    "502": "An upstream service failed",
    "503": "A dependency is unavailable (database, token keys, the concept writer); retry after Retry-After seconds",
}
_RETRY_AFTER = {"$ref": "#/components/headers/RetryAfter"}
_REQUEST_ID = {"$ref": "#/components/headers/XRequestId"}


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
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    specs = []
    for spec in FUNCTIONS:
        if not spec.entry.exists():
            continue
        endpoint = {
            key: resolve_model(value) if key in ("query", "body", "response") else value
            for key, value in endpoint_spec(load_entry(spec)).items()
        }
        specs.append((spec, endpoint))
        modes: tuple[tuple[str, JsonSchemaMode], ...] = (("body", "validation"), ("response", "serialization"))
        for key, mode in modes:
            if endpoint.get(key) is not None:
                models.append((endpoint[key], mode))
    _, top = models_json_schema(models, ref_template=REF, by_alias=True)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    examples = json.loads(EXAMPLES.read_text()) if EXAMPLES.exists() else {}
    missing = [spec.name for spec, _ in specs if spec.name not in examples]
    if missing:
        raise SystemExit(
            f"no example for {', '.join(missing)} in docs/examples.json: run `uv run python -m scripts.record_examples`"
        )
    for spec, endpoint in specs:
        for method in spec.methods:
            operation = _operation(spec, endpoint, schemas)
            _add_examples(operation, spec, endpoint, examples[spec.name])
            paths.setdefault(spec.route, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Creator Intelligence API", "version": "1.0.0", "description": _INFO},
        "servers": [{"url": server}],
        "tags": [{"name": name, "description": text} for name, text in _TAGS.items()],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "headers": {
                "XRequestId": {
                    "description": "This request's id (the caller's X-Request-Id when well formed); "
                    "in every log line of the request",
                    "schema": {"type": "string"},
                },
                "RetryAfter": {
                    "description": "Seconds to wait before retrying",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                },
            },
            "securitySchemes": {
                "supabaseJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cronOidc": {"type": "http", "scheme": "bearer", "bearerFormat": "Google OIDC ID token"},
                "cronSecret": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Cron-Secret",
                    "description": "Local stack only",
                },
            },
        },
    }


_INFO = (
    "Errors are RFC 9457 problem JSON (`application/problem+json`) with the request id; times are UTC ISO "
    "8601, dates YYYY-MM-DD; fields snake_case; unknown values null, never 0. Every list takes `limit` and "
    "`cursor` and answers `items` and `next_cursor` (null on the last page; pass it back unchanged with "
    "the same filters). Send `X-Request-Id` to name a request (echoed, and in every log line) and W3C "
    "`traceparent` to join a trace."
)


def error_statuses(spec: FunctionSpec, endpoint: dict[str, Any]) -> dict[str, str]:
    """Every error status the operation can answer, with when: from its spec, then its own (_RAISES)."""
    statuses: dict[str, str] = {}
    # The callback answers every refusal with a redirect to the frontend (and ignores unknown parameters).
    redirects = spec.name == "auth_callback"
    if (endpoint.get("query") is not None or endpoint.get("body") is not None) and not redirects:
        statuses["400"] = _STATUS_TEXT["400"]
    if spec.auth != "public":
        statuses["401"] = _STATUS_TEXT["401"]
    if spec.auth == "cron":
        statuses["403"] = "The OIDC token is not the scheduler's service account"
    if endpoint.get("body") is not None:
        statuses.update({"413": _STATUS_TEXT["413"], "415": _STATUS_TEXT["415"]})
    statuses.update(_RAISES.get(spec.name, {}))
    statuses["500"] = _STATUS_TEXT["500"]
    if not redirects:  # an outage too: ?error=service_unavailable
        statuses["503"] = _STATUS_TEXT["503"]
    return dict(sorted(statuses.items()))


def _description(spec: FunctionSpec) -> str:
    """The entry file's docstring (what the function does, in its own words), then the list convention."""
    doc = (spec.entry.read_text().split('"""')[1]).strip()
    text = re.sub(r"^[A-Z]+ /\S+( \([^)]*\))?: ", "", doc)
    text = text[0].upper() + text[1:]
    return " ".join(text.split())


def _operation(spec: FunctionSpec, endpoint: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary,
        "description": _description(spec),
        "tags": [spec.route.split("/")[2]],
    }
    params: list[dict[str, Any]] = []
    for name in re.findall(r"\{([a-z_]+)\}", spec.route):
        schema = _PATH_SCHEMAS.get(name, {"type": "string"})
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if endpoint.get("query") is not None:
        params.extend(_query_parameters(endpoint["query"], schemas))
    if spec.name == "ai_recommend":
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
                "description": "Any unique string (a UUID): a retry with the same key and body answers the "
                "first result without generating (or counting against the quota) again",
            }
        )
    if params:
        op["parameters"] = params
    if endpoint.get("body") is not None:
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=endpoint["body"].__name__)}}},
        }
    responses: dict[str, Any] = {}
    if spec.name == "auth_callback":
        responses["302"] = {
            "description": "Redirect to the frontend with the outcome",
            "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}, "X-Request-Id": _REQUEST_ID},
        }
    elif endpoint.get("response") is not None:
        responses["200"] = {
            "description": "OK",
            "headers": {"X-Request-Id": _REQUEST_ID},
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=endpoint["response"].__name__)}},
                **_OTHER_MEDIA.get(spec.name, {}),
            },
        }
        if spec.name == "auth_start":
            responses["200"]["headers"]["Set-Cookie"] = {
                "description": "The browser-binding cookie (HttpOnly); call with credentials so the callback gets "
                "it back",
                "schema": {"type": "string"},
            }
    else:
        responses["200"] = {
            "description": "OK",
            "headers": {"X-Request-Id": _REQUEST_ID},
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    for status, text in error_statuses(spec, endpoint).items():
        headers: dict[str, Any] = {"X-Request-Id": _REQUEST_ID}
        if status in ("429", "503"):
            headers["Retry-After"] = _RETRY_AFTER
        elif status == "409" and spec.name == "ai_recommend":
            headers["Retry-After"] = {
                "description": "While the first request is still being generated: seconds to wait",
                "schema": {"type": "integer", "minimum": 0},
            }
        elif status == "401":
            headers["WWW-Authenticate"] = {"schema": {"type": "string"}, "description": 'Bearer realm="api"'}
        responses[status] = {
            "description": text,
            "headers": headers,
            "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
        }
    op["responses"] = responses
    op["security"] = {"user": [{"supabaseJwt": []}], "cron": [{"cronOidc": []}, {"cronSecret": []}], "public": []}[
        spec.auth
    ]
    return op


def _add_examples(op: dict[str, Any], spec: FunctionSpec, endpoint: dict[str, Any], example: dict[str, Any]) -> None:
    """The recorded request and answer, each through the operation's own models (a stale one fails the build),
    and a 400's problem as the handler would build it for an unknown parameter."""

    def stale(why: str) -> SystemExit:
        return SystemExit(
            f"the example of {spec.name} {why}: re-record with `uv run python -m scripts.record_examples`"
        )

    path_values = re.fullmatch(re.sub(r"\{([a-z_]+)\}", r"(?P<\1>[^/]+)", spec.route), example["path"])
    if path_values is None:
        raise stale("is not a request to its path")
    query, body = endpoint.get("query"), endpoint.get("body")
    if query is not None:
        query.model_validate(example["query"])
    elif example["query"]:
        raise stale("has query parameters its operation does not take")
    values = {**path_values.groupdict(), **example["query"], **example.get("headers", {})}
    for param in op.get("parameters", []):
        if param["name"] in values:
            param["example"] = _typed(param["schema"], values[param["name"]])
    if body is not None:
        request = body.model_validate(example.get("body", {}))
        op["requestBody"]["content"]["application/json"]["example"] = request.model_dump(
            mode="json", by_alias=True, exclude_unset=True
        )
    answer = example["response"]
    status = str(answer["status"])
    if status not in op["responses"]:
        raise stale(f"answered {status}, which the operation does not list")
    documented = op["responses"][status]
    if "body" in answer:
        model = endpoint.get("response")
        dumped = (
            model.model_validate(answer["body"]).model_dump(mode="json", by_alias=True) if model else answer["body"]
        )
        documented["content"]["application/json"]["example"] = dumped
    for name, value in answer.get("headers", {}).items():
        if name in documented.get("headers", {}):
            documented["headers"][name]["example"] = value
    if "400" in op["responses"]:
        from pydantic import ValidationError

        where, model, valid = (
            ("query", query, example["query"]) if query is not None else ("body", body, example.get("body", {}))
        )
        assert model is not None  # a 400 is listed for an operation with a query or a body
        try:
            model.model_validate({**valid, "unknown_field": "1"})  # the recorded request, one parameter too many
        except ValidationError as exc:
            problem = to_problem(
                _validation_problem(exc, where), instance=example["path"], request_id="5f0c6a3e9b2d4e8f"
            )
            op["responses"]["400"]["content"]["application/problem+json"]["example"] = Problem.model_validate(
                problem
            ).model_dump(mode="json", exclude_none=True)


def _typed(schema: dict[str, Any], value: Any) -> Any:
    """A query string value as the parameter's type (the example of an integer is a number)."""
    kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    if isinstance(value, str) and "integer" in kinds:
        return int(value)
    if isinstance(value, str) and "number" in kinds:
        return float(value)
    if isinstance(value, str) and "array" in kinds:
        return value.split(",")
    return value


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
