"""search.list: discovery-document shape, paging, and which sandbox creators a query finds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest

from scripts.sandbox import SandboxHandle, start_sandbox
from tests.integration.sandbox.test_schemas import SPECS, _discovery_to_jsonschema

CROCHET = "crochet & amigurumi"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    # More creators than the shared fixture, so a niche has several channels and peers to rank.
    with start_sandbox(port=0, seed=7, today="2026-11-25", creators=24) as handle:
        yield handle


@pytest.fixture(scope="module")
def search(sandbox, http):
    token = sandbox.mint_token("youtube")["access_token"]

    def call(auth: str = "bearer", **params):
        headers = {"Authorization": f"Bearer {token}"} if auth == "bearer" else {}
        return http.get(sandbox.url("www.googleapis.com", "/youtube/v3/search"), params=params, headers=headers)

    return call


@pytest.fixture(scope="module")
def validate_search():
    doc = json.loads((SPECS / "youtube.v3.json").read_text())
    definitions = {name: _discovery_to_jsonschema(schema, strict=True) for name, schema in doc["schemas"].items()}
    # The live API sends snippet.publishTime (documented on the search resource page) but the discovery
    # document's SearchResultSnippet lacks it; allow exactly that one field.
    definitions["SearchResultSnippet"]["properties"]["publishTime"] = {"type": "string"}
    validator = jsonschema.Draft7Validator({"$ref": "#/definitions/SearchListResponse", "definitions": definitions})
    return validator.validate


@pytest.fixture(scope="module")
def by_channel(sandbox) -> dict[str, dict]:
    return {c["user_ids"]["youtube"]: c for c in sandbox.creators()}


def _walk(search, **params) -> tuple[list[dict], list[dict]]:
    """Every item of a search, page by page; returns (items, pages)."""
    items, pages, token = [], [], None
    while True:
        page = search(**params, **({"pageToken": token} if token else {})).json()
        pages.append(page)
        items += page["items"]
        token = page.get("nextPageToken")
        if not token:
            return items, pages


def test_search_results_match_the_discovery_document(search, validate_search):
    mixed = search(part="snippet", q="crochet amigurumi", maxResults=50)
    assert mixed.status_code == 200, mixed.text
    body = mixed.json()
    validate_search(body)
    assert body["kind"] == "youtube#searchListResponse" and body["regionCode"] == "US"
    kinds = {item["id"]["kind"] for item in body["items"]}
    assert kinds == {"youtube#channel", "youtube#video"}
    for item in body["items"]:
        assert item["kind"] == "youtube#searchResult"
        key = "channelId" if item["id"]["kind"] == "youtube#channel" else "videoId"
        assert set(item["id"]) == {"kind", key}
        snippet = item["snippet"]
        assert snippet["liveBroadcastContent"] == "none" and snippet["publishTime"] == snippet["publishedAt"]
        assert snippet["channelId"].startswith("UC")
        bare = snippet["description"].replace("&amp;", "").replace("&#39;", "").replace("&quot;", "")
        assert "&" not in bare  # search.list HTML-escapes titles and descriptions
    videos = search(
        part="snippet", q="crochet", type="video", maxResults=10, regionCode="gb", relevanceLanguage="en"
    ).json()
    validate_search(videos)
    assert videos["regionCode"] == "GB" and len(videos["items"]) == 10
    assert all(item["id"]["kind"] == "youtube#video" for item in videos["items"])


def test_search_accepts_an_api_key_instead_of_a_token(search):
    with_key = search(auth="none", part="snippet", q="crochet", type="channel", key="AIzaSandboxKey")
    with_token = search(part="snippet", q="crochet", type="channel")
    assert with_key.status_code == 200
    assert with_key.json()["items"] == with_token.json()["items"]
    assert search(auth="none", part="snippet", q="crochet").status_code == 401


def test_search_pages_reach_every_result_once(search):
    whole, big_pages = _walk(search, part="snippet", q="crochet amigurumi", maxResults=50)
    assert len(big_pages) == -(-len(whole) // 50) >= 2 and big_pages[0]["pageInfo"]["totalResults"] == len(whole) > 50
    items, pages = _walk(search, part="snippet", q="crochet amigurumi", maxResults=7)
    ids = [json.dumps(i["id"]) for i in items]
    assert ids == [json.dumps(i["id"]) for i in whole] and len(set(ids)) == len(ids)
    assert len(pages) == -(-len(items) // 7)
    assert all(p["pageInfo"] == {"totalResults": len(items), "resultsPerPage": 7} for p in pages)
    assert "prevPageToken" not in pages[0] and all("prevPageToken" in p for p in pages[1:])
    default = search(part="snippet", q="crochet amigurumi").json()
    assert len(default["items"]) == 5 and default["pageInfo"]["resultsPerPage"] == 5


def test_a_crafts_query_finds_that_niche_with_peers_first(search, sandbox, by_channel):
    body = search(part="snippet", q="crochet amigurumi", type="channel", maxResults=50).json()
    found = [by_channel[item["id"]["channelId"]] for item in body["items"]]
    crochet = [c for c in sandbox.creators() if c["niche"] == CROCHET]
    assert len(crochet) >= 3 and any(c["is_peer"] for c in crochet)
    assert {c["index"] for c in found} == {c["index"] for c in crochet}
    peers = [c["is_peer"] for c in found]
    assert peers == sorted(peers, reverse=True) and peers[0] is True
    assert [i["snippet"]["title"] for i in body["items"]] == [c["display_name"] for c in found]
    # Run again: the order is deterministic.
    again = search(part="snippet", q="crochet amigurumi", type="channel", maxResults=50).json()
    assert again["items"] == body["items"]


def test_the_demo_creator_is_found_by_her_own_niche(search, by_channel):
    body = search(part="snippet", q="eco resin", type="channel", maxResults=50).json()
    found = [by_channel[item["id"]["channelId"]] for item in body["items"]]
    assert {c["niche"] for c in found} == {"eco resin & handmade decor"}
    assert 0 in {c["index"] for c in found}
    assert found[0]["is_peer"] and not found[-1]["is_peer"]


def test_an_off_niche_query_finds_nothing(search):
    body = search(part="snippet", q="mortgage refinance rates", maxResults=50).json()
    assert body["items"] == [] and body["pageInfo"]["totalResults"] == 0 and "nextPageToken" not in body


def test_video_results_are_that_creators_real_uploads(search, sandbox, by_channel, http):
    body = search(part="snippet", q="crochet", type="video", maxResults=20).json()
    for item in body["items"]:
        owner = by_channel[item["snippet"]["channelId"]]
        assert owner["niche"] == CROCHET
        truth = {p["id"]: p for p in sandbox.posts("youtube", owner["index"])}
        assert item["id"]["videoId"] in truth


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"q": "crochet"}, "required"),
        ({"part": "snippet,statistics"}, "unknownPart"),
        ({"part": "snippet", "maxResults": "51"}, "invalidParameter"),
        ({"part": "snippet", "type": "show"}, "invalidParameter"),
        ({"part": "snippet", "order": "best"}, "invalidParameter"),
        ({"part": "snippet", "pageToken": "not-a-token"}, "invalidPageToken"),
        ({"part": "snippet", "regionCode": "USA"}, "invalidRegionCode"),
    ],
)
def test_bad_parameters_get_googles_error_envelope(search, params, reason):
    response = search(**params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["errors"][0]["reason"] == reason and error["errors"][0]["message"] == error["message"]


def test_published_after_and_before_bound_the_uploads_and_totals_match_the_truth(sandbox, search):
    window = {
        "part": "snippet",
        "type": "video",
        "q": "crochet blanket",
        "maxResults": 50,
        "publishedAfter": "2026-10-26T00:00:00Z",
        "publishedBefore": "2026-11-26T00:00:00Z",
    }
    body = search(**window).json()
    stamps = [item["snippet"]["publishedAt"] for item in body["items"]]
    assert stamps and all("2026-10-26T00:00:00Z" <= s < "2026-11-26T00:00:00Z" for s in stamps)
    everything = search(**{k: v for k, v in window.items() if not k.startswith("published")}).json()
    assert body["pageInfo"]["totalResults"] < everything["pageInfo"]["totalResults"]
    # The admin truth counts the same uploads (the last 30 days up to the market day) without search's index.
    truth = {t["topic"]: t for t in sandbox.market_truth("2026-11-25")["topics"]}
    window["publishedAfter"] = "2026-10-27T00:00:00Z"
    for topic in ("resin coasters", "crochet patterns", "macrame wall hanging"):
        found = search(**{**window, "q": topic}).json()["pageInfo"]["totalResults"]
        assert found == truth[topic]["uploads_30d"], topic


@pytest.mark.parametrize("value", ["2026-10-26", "yesterday", "2026-10-26T00:00:00"])
def test_a_published_bound_that_is_not_rfc3339_is_a_400(search, value):
    response = search(part="snippet", type="video", q="resin", publishedAfter=value)
    assert response.status_code == 400 and response.json()["error"]["errors"][0]["reason"] == "invalidParameter"


def test_nothing_is_published_after_the_market_day(sandbox, search):
    sandbox.set_market_day("2026-11-10")
    try:
        stamps = [
            i["snippet"]["publishedAt"]
            for i in search(part="snippet", type="video", q="crochet", maxResults=50, order="date").json()["items"]
        ]
    finally:
        sandbox.set_market_day(None)
    assert stamps and max(stamps) < "2026-11-11T00:00:00Z"
