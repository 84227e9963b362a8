"""Responses validate against the official Pinterest OpenAPI and YouTube discovery documents."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
from openapi_schema_validator import OAS30ReadValidator

SPECS = Path("/work/shared/specs")
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def pinterest_spec() -> dict:
    return json.loads((SPECS / "pinterest-v5-openapi.json").read_text())


def _pinterest_validate(spec: dict, path: str, instance: object, method: str = "get") -> None:
    schema = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    OAS30ReadValidator({**schema, "components": spec["components"]}).validate(instance)


def _discovery_to_jsonschema(node: object, strict: bool) -> object:
    """Discovery schemas are JSON-Schema-like with `$ref: Name`; point refs at definitions, close objects."""
    if isinstance(node, list):
        return [_discovery_to_jsonschema(n, strict) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            out["$ref"] = f"#/definitions/{value}"
        elif key in ("id", "description", "annotations", "enumDescriptions", "deprecated", "default", "readOnly"):
            continue
        elif key == "type" and value == "any":
            continue  # discovery's "any" means no constraint
        elif key == "format":
            continue  # int64/uint64 are strings in discovery; JSON Schema formats would misread them
        elif key == "properties":
            out["properties"] = {k: _discovery_to_jsonschema(v, strict) for k, v in value.items()}
        else:
            out[key] = _discovery_to_jsonschema(value, strict)
    if strict and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False  # catch misspelled field names
    return out


@pytest.fixture(scope="module")
def youtube_validator():
    doc = json.loads((SPECS / "youtube.v3.json").read_text())
    definitions = {name: _discovery_to_jsonschema(schema, strict=True) for name, schema in doc["schemas"].items()}

    def validate(name: str, instance: object) -> None:
        jsonschema.Draft7Validator({"$ref": f"#/definitions/{name}", "definitions": definitions}).validate(instance)

    return validate


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_pinterest_account_pins_and_analytics_match_the_openapi_document(sandbox, http, pinterest_spec):
    token = sandbox.mint_token("pinterest")["access_token"]
    api = lambda path: sandbox.url("api.pinterest.com", "/v5" + path)  # noqa: E731
    account = http.get(api("/user_account"), headers=_bearer(token)).json()
    _pinterest_validate(pinterest_spec, "/user_account", account)
    pins = http.get(api("/pins"), params={"page_size": 100, "pin_metrics": "true"}, headers=_bearer(token)).json()
    _pinterest_validate(pinterest_spec, "/pins", pins)
    assert {p["media"]["media_type"] for p in pins["items"]} == {"image", "video"}
    window = {"start_date": (TODAY - timedelta(days=30)).isoformat(), "end_date": TODAY.isoformat()}
    analytics = http.get(api("/user_account/analytics"), params=window, headers=_bearer(token)).json()
    _pinterest_validate(pinterest_spec, "/user_account/analytics", analytics)
    video = next(p for p in pins["items"] if p["media"]["media_type"] == "video")
    per_pin = http.get(
        api(f"/pins/{video['id']}/analytics"),
        headers=_bearer(token),
        params={**window, "metric_types": "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,VIDEO_MRC_VIEW,VIDEO_START"},
    ).json()
    _pinterest_validate(pinterest_spec, "/pins/{pin_id}/analytics", per_pin)
    assert "VIDEO_START" in per_pin["all"]["summary_metrics"]
    batch = http.get(
        api("/pins/analytics"),
        headers=_bearer(token),
        params={**window, "pin_ids": ",".join(p["id"] for p in pins["items"][:5]), "metric_types": "IMPRESSION,SAVE"},
    ).json()
    _pinterest_validate(pinterest_spec, "/pins/analytics", batch)
    trends = http.get(
        api("/trends/keywords/US/top/growing"),
        headers=_bearer(token),
        params={"interests": "diy_and_crafts", "limit": 10},
    ).json()
    _pinterest_validate(pinterest_spec, "/trends/keywords/{region}/top/{trend_type}", trends)


def test_pinterest_token_response_matches_the_openapi_document(sandbox, http, pinterest_spec):
    import base64

    from tests.integration.sandbox.conftest import redirect_params

    code = redirect_params(
        http.get(
            sandbox.url("www.pinterest.com", "/oauth/"),
            params={
                "client_id": "p",
                "redirect_uri": "https://x.example/cb",
                "response_type": "code",
                "scope": "pins:read",
            },
        )
    )["code"]
    body = http.post(
        sandbox.url("api.pinterest.com", "/v5/oauth/token"),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": "https://x.example/cb"},
        headers={"Authorization": "Basic " + base64.b64encode(b"p:s").decode()},
    ).json()
    _pinterest_validate(pinterest_spec, "/oauth/token", body, method="post")


def test_youtube_lists_match_the_discovery_document(sandbox, http, youtube_validator):
    token = sandbox.mint_token("youtube")["access_token"]
    api = lambda path: sandbox.url("www.googleapis.com", "/youtube/v3" + path)  # noqa: E731
    channels = http.get(
        api("/channels"), params={"part": "snippet,statistics,contentDetails", "mine": "true"}, headers=_bearer(token)
    ).json()
    youtube_validator("ChannelListResponse", channels)
    uploads = channels["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    assert uploads.startswith("UU")
    items = http.get(
        api("/playlistItems"),
        params={"part": "snippet,contentDetails", "playlistId": uploads, "maxResults": 50},
        headers=_bearer(token),
    ).json()
    youtube_validator("PlaylistItemListResponse", items)
    ids = ",".join(i["contentDetails"]["videoId"] for i in items["items"])
    videos = http.get(
        api("/videos"), params={"part": "snippet,contentDetails,statistics", "id": ids}, headers=_bearer(token)
    ).json()
    youtube_validator("VideoListResponse", videos)
    assert len(videos["items"]) == 50
    assert all(v["contentDetails"]["duration"].startswith("PT") for v in videos["items"])


def test_youtube_analytics_result_table_matches_the_discovery_document(sandbox, http):
    doc = json.loads((SPECS / "youtubeAnalytics.v2.json").read_text())
    definitions = {n: _discovery_to_jsonschema(s, strict=True) for n, s in doc["schemas"].items()}
    token = sandbox.mint_token("youtube")["access_token"]
    report = http.get(
        sandbox.url("youtubeanalytics.googleapis.com", "/v2/reports"),
        headers=_bearer(token),
        params={
            "ids": "channel==MINE",
            "startDate": "2026-10-01",
            "endDate": "2026-11-25",
            "metrics": "views,estimatedMinutesWatched,averageViewPercentage",
            "dimensions": "day",
        },
    ).json()
    jsonschema.Draft7Validator({"$ref": "#/definitions/QueryResponse", "definitions": definitions}).validate(report)
    assert report["rows"][-1][0] == "2026-11-22"  # the last days are not in daily reports yet
