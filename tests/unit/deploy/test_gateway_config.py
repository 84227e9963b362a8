"""The API Gateway config: valid Swagger 2.0, every manifest route served exactly once, by its function."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from functions.manifest import FUNCTIONS, by_name
from scripts.deploy.gateway import SCHEME, build_gateway_spec, config_id, gateway_routes, match

BASE = "https://europe-west1-acme-creators.cloudfunctions.net"


def url(deploy_name: str) -> str:
    return f"{BASE}/{deploy_name}"


@pytest.fixture(scope="module")
def document():
    return build_gateway_spec(FUNCTIONS, url)


def test_document_is_valid_swagger_2(document):
    validate(document)
    assert document["swagger"] == "2.0"


def test_every_manifest_route_is_served_exactly_once_by_its_function(document):
    served = [(r.path, r.method, r.address) for r in gateway_routes(document) if r.method != "OPTIONS"]
    wanted = [(s.route, m, url(s.deploy_name)) for s in FUNCTIONS for m in s.methods]
    assert sorted(served) == sorted(wanted)
    assert len(set(served)) == len(served)
    for route in gateway_routes(document):
        assert route.jwt_audience == route.address
        assert route.deadline_s > by_name(route.operation_id.removesuffix("_preflight")).timeout_s


def test_every_path_answers_preflight_through_one_of_its_functions(document):
    for path, item in document["paths"].items():
        assert item["options"]["x-google-backend"]["address"] in {
            url(s.deploy_name) for s in FUNCTIONS if s.route == path
        }
        assert "security" not in item["options"]


def test_literal_paths_win_over_templates_and_methods_pick_the_function(document):
    routes = gateway_routes(document)
    assert match(routes, "GET", "/api/auth/callback").operation_id == "auth_callback"
    assert match(routes, "GET", "/api/auth/tiktok").operation_id == "auth_start"
    assert match(routes, "DELETE", "/api/auth/tiktok").operation_id == "auth_disconnect"
    assert match(routes, "DELETE", "/api/auth/callback") is None  # the gateway's 404, not a disconnect
    assert match(routes, "GET", "/api/nothing") is None


def test_cron_and_task_routes_demand_a_google_id_token_for_a_cron_function(document):
    crons = {url(s.deploy_name) for s in FUNCTIONS if s.auth == "cron"}
    definition = document["securityDefinitions"][SCHEME]
    assert definition["x-google-issuer"] == "https://accounts.google.com"
    assert set(definition["x-google-audiences"].split(",")) == crons
    for route in gateway_routes(document):
        spec = by_name(route.operation_id.removesuffix("_preflight"))
        secured = spec.auth == "cron" and route.method != "OPTIONS"
        assert bool(route.audiences) == secured, route


def test_config_id_names_the_document():
    first = build_gateway_spec(FUNCTIONS, url)
    assert config_id(first) == config_id(build_gateway_spec(FUNCTIONS, url))
    assert config_id(first) != config_id(build_gateway_spec(FUNCTIONS[:-1], url))
    assert len(config_id(first)) <= 63 and config_id(first).startswith("cfg-")


def test_two_functions_on_one_route_and_method_are_refused():
    with pytest.raises(ValueError, match="served by two functions"):
        build_gateway_spec([by_name("auth_start"), by_name("auth_start")], url)
