"""Schemathesis over the local gateway: every endpoint, with a valid user token and without one.

Zero 5xx and zero responses outside the published schema. Cron endpoints are fuzzed without their
secret only (with it they would run real jobs; their happy paths have their own tests).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

from scripts.openapi import build_openapi

schema = schemathesis.openapi.from_dict(build_openapi())
# Cross-field rules (from <= to, range length) cannot be written in OpenAPI, so a schema-valid request may
# rightly get a 400; every other check stays on (no 5xx, statuses, content types, response schemas).
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def fuzz_user(stack):
    return stack.create_user("fuzz@example.com", ttl_s=6 * 3600)


@schema.parametrize()
@FUZZ
def test_endpoints_with_a_valid_user_token(case, stack, fuzz_user):
    headers = fuzz_user.headers
    # A case generated to lack or mangle its Authorization header must reach the server that way.
    if case.path.startswith(("/api/cron/", "/api/tasks/", "/api/auth/refresh")) or (
        case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    ):
        headers = {}
    case.call_and_validate(base_url=stack.base_url, headers=headers, allow_redirects=False, excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ
def test_endpoints_without_a_token(case, stack):
    case.call_and_validate(base_url=stack.base_url, headers={}, allow_redirects=False, excluded_checks=EXCLUDED)
