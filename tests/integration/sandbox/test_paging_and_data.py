"""Paging to the end on every platform, and the data rules each platform really has."""

from __future__ import annotations

from datetime import datetime, timezone


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_instagram_media_cursor_paging_reaches_every_post(sandbox, http):
    token = sandbox.mint_token("instagram", creator=1)["access_token"]
    url, params, seen = (
        sandbox.url("graph.instagram.com", "/v25.0/me/media"),
        {"fields": "id,timestamp,media_product_type", "limit": 50, "access_token": token},
        [],
    )
    while url:
        page = http.get(url, params=params).json()
        seen += [m["id"] for m in page["data"]]
        url, params = page["paging"].get("next"), None
    truth = [p["id"] for p in sandbox.posts("instagram", 1)]
    assert seen == truth and len(seen) > 100


def test_youtube_playlist_paging_reaches_every_upload(sandbox, http):
    token = sandbox.mint_token("youtube")["access_token"]
    channel = http.get(
        sandbox.url("www.googleapis.com", "/youtube/v3/channels"),
        params={"part": "contentDetails", "mine": "true"},
        headers=_bearer(token),
    ).json()
    uploads = channel["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    seen, page_token = [], None
    while True:
        params = {"part": "contentDetails", "playlistId": uploads, "maxResults": 50}
        if page_token:
            params["pageToken"] = page_token
        page = http.get(
            sandbox.url("www.googleapis.com", "/youtube/v3/playlistItems"), params=params, headers=_bearer(token)
        ).json()
        seen += [i["contentDetails"]["videoId"] for i in page["items"]]
        page_token = page.get("nextPageToken")
        if not page_token:
            break
    assert seen == [p["id"] for p in sandbox.posts("youtube", 0)]
    too_many = http.get(
        sandbox.url("www.googleapis.com", "/youtube/v3/playlistItems"),
        params={"part": "id", "playlistId": uploads, "maxResults": 51},
        headers=_bearer(token),
    )
    assert too_many.status_code == 400


def test_pinterest_bookmark_paging_reaches_every_pin(sandbox, http):
    token = sandbox.mint_token("pinterest")["access_token"]
    seen, bookmark = [], None
    while True:
        params = {"page_size": 100, **({"bookmark": bookmark} if bookmark else {})}
        page = http.get(sandbox.url("api.pinterest.com", "/v5/pins"), params=params, headers=_bearer(token)).json()
        seen += [p["id"] for p in page["items"]]
        bookmark = page["bookmark"]
        if bookmark is None:
            break
    assert seen == [p["id"] for p in sandbox.posts("pinterest", 0)]


def test_tiktok_cursor_paging_reaches_every_video_with_short_pages(sandbox, http):
    token = sandbox.mint_token("tiktok")["access_token"]
    url = sandbox.url("open.tiktokapis.com", "/v2/video/list/")
    seen, cursor, sizes = [], None, []
    while True:
        body = {"max_count": 20, **({"cursor": cursor} if cursor else {})}
        page = http.post(
            url, params={"fields": "id,create_time,view_count,share_count,duration"}, json=body, headers=_bearer(token)
        ).json()
        assert page["error"]["code"] == "ok"
        seen += [v["id"] for v in page["data"]["videos"]]
        sizes.append(len(page["data"]["videos"]))
        cursor = page["data"]["cursor"]
        if not page["data"]["has_more"]:
            break
    assert seen == [p["id"] for p in sandbox.posts("tiktok", 0)]
    assert min(sizes[:-1]) < 20  # some pages are short even though more follow
    too_many = http.post(url, params={"fields": "id"}, json={"max_count": 21}, headers=_bearer(token))
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "invalid_params"


def test_tiktok_has_no_saves_field(sandbox, http):
    token = sandbox.mint_token("tiktok")["access_token"]
    page = http.post(
        sandbox.url("open.tiktokapis.com", "/v2/video/list/"),
        params={"fields": "id,save_count"},
        json={"max_count": 5},
        headers=_bearer(token),
    )
    assert page.status_code == 400


def test_instagram_reels_metric_on_a_feed_image_fails_the_whole_call(sandbox, http):
    token = sandbox.mint_token("instagram")["access_token"]
    posts = sandbox.posts("instagram", 0)
    image = next(p for p in posts if p["kind"] == "IMAGE")
    reel = next(p for p in posts if p["kind"] == "REELS")
    bad = http.get(
        sandbox.url("graph.instagram.com", f"/v25.0/{image['id']}/insights"),
        params={"metric": "views,saved,reels_skip_rate", "access_token": token},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100
    good = http.get(
        sandbox.url("graph.instagram.com", f"/v25.0/{reel['id']}/insights"),
        params={"metric": "views,saved,shares,reels_skip_rate,ig_reels_avg_watch_time", "access_token": token},
    ).json()
    values = {d["name"]: d["values"][0]["value"] for d in good["data"]}
    assert values["views"] == reel["views"] and values["saved"] == reel["saves"] and values["shares"] == reel["shares"]
    assert 0 < values["reels_skip_rate"] < 100 and values["ig_reels_avg_watch_time"] > 100


def test_instagram_account_insights_follow_metric_type_and_window_rules(sandbox, http):
    token = sandbox.mint_token("instagram")["access_token"]
    url = sandbox.url("graph.instagram.com", "/v25.0/17841400000000001/insights")
    until = int(datetime(2026, 11, 25, tzinfo=timezone.utc).timestamp())
    series = http.get(
        url,
        params={
            "metric": "reach",
            "period": "day",
            "metric_type": "time_series",
            "since": until - 30 * 86400,
            "until": until,
            "access_token": token,
        },
    ).json()
    assert len(series["data"][0]["values"]) == 30
    total = http.get(
        url,
        params={
            "metric": "views,saves,shares,follows_and_unfollows",
            "period": "day",
            "metric_type": "total_value",
            "since": until - 7 * 86400,
            "until": until,
            "access_token": token,
        },
    ).json()
    assert all(d["total_value"]["value"] > 0 for d in total["data"])
    no_type = http.get(url, params={"metric": "views", "period": "day", "access_token": token})
    assert no_type.status_code == 400 and "metric_type=total_value" in no_type.json()["error"]["message"]
    too_long = http.get(
        url,
        params={
            "metric": "reach",
            "period": "day",
            "metric_type": "time_series",
            "since": until - 40 * 86400,
            "until": until,
            "access_token": token,
        },
    )
    assert too_long.status_code == 400
    old = http.get(
        url,
        params={
            "metric": "reach",
            "period": "day",
            "metric_type": "time_series",
            "since": until - 700 * 86400,
            "until": until - 680 * 86400,
            "access_token": token,
        },
    )
    assert old.status_code == 200 and len(old.json()["data"][0]["values"]) == 20


def test_pinterest_analytics_refuse_dates_beyond_90_days(sandbox, http):
    token = sandbox.mint_token("pinterest")["access_token"]
    resp = http.get(
        sandbox.url("api.pinterest.com", "/v5/user_account/analytics"),
        headers=_bearer(token),
        params={"start_date": "2026-07-01", "end_date": "2026-07-30"},
    )
    assert resp.status_code == 400 and set(resp.json()) == {"code", "message"}


def test_youtube_video_report_and_retention_curve(sandbox, http):
    token = sandbox.mint_token("youtube")["access_token"]
    url = sandbox.url("youtubeanalytics.googleapis.com", "/v2/reports")
    top = http.get(
        url,
        headers=_bearer(token),
        params={
            "ids": "channel==MINE",
            "startDate": "2025-01-01",
            "endDate": "2026-11-24",
            "dimensions": "video",
            "metrics": "views,likes,shares,averageViewPercentage",
            "sort": "-views",
            "maxResults": 25,
        },
    ).json()
    assert [h["name"] for h in top["columnHeaders"]] == ["video", "views", "likes", "shares", "averageViewPercentage"]
    assert len(top["rows"]) == 25 and top["rows"][0][1] >= top["rows"][-1][1]
    no_sort = http.get(
        url,
        headers=_bearer(token),
        params={
            "ids": "channel==MINE",
            "startDate": "2025-01-01",
            "endDate": "2026-11-24",
            "dimensions": "video",
            "metrics": "views",
        },
    )
    assert no_sort.status_code == 400
    curve = http.get(
        url,
        headers=_bearer(token),
        params={
            "ids": "channel==MINE",
            "startDate": "2025-01-01",
            "endDate": "2026-11-24",
            "dimensions": "elapsedVideoTimeRatio",
            "metrics": "audienceWatchRatio",
            "filters": f"video=={top['rows'][0][0]}",
        },
    ).json()
    assert len(curve["rows"]) == 100 and curve["rows"][0][0] == 0.01


def test_trends_show_the_rising_keywords_and_interest_filter(sandbox, http):
    token = sandbox.mint_token("pinterest")["access_token"]
    url = sandbox.url("api.pinterest.com", "/v5/trends/keywords/US/top/growing")
    everything = http.get(url, headers=_bearer(token), params={"limit": 10}).json()["trends"]
    keywords = [t["keyword"] for t in everything]
    assert "crypto trading bot" in keywords and "epoxy resin coasters" in keywords
    crafts = http.get(url, headers=_bearer(token), params={"interests": "diy_and_crafts", "limit": 5}).json()["trends"]
    rising = next(t for t in crafts if t["keyword"] == "epoxy resin coasters")  # beside seasonal Christmas terms
    assert rising["pct_growth_mom"] > 100 and "crypto trading bot" not in [t["keyword"] for t in crafts]
    assert len(rising["time_series"]) == 52 and max(rising["time_series"].values()) == 100
    suggest = http.get(
        sandbox.url("suggestqueries.google.com", "/complete/search"),
        params={"client": "firefox", "ds": "yt", "q": "resin"},
    ).json()
    assert suggest[0] == "resin" and any("epoxy resin coasters" == s for s in suggest[1])


def test_business_discovery_and_hashtag_search_show_peers(sandbox, http):
    token = sandbox.mint_token("facebook")["access_token"]
    graph = lambda path: sandbox.url("graph.facebook.com", "/v25.0" + path)  # noqa: E731
    peer = next(c for c in sandbox.creators() if c["index"] != 0 and c["is_peer"])
    found = http.get(
        graph("/17841400000000001"),
        params={
            "fields": f"business_discovery.username({peer['handles']['instagram']}){{followers_count,media_count,"
            "media{id,like_count,view_count}}",
            "access_token": token,
        },
    ).json()
    assert found["business_discovery"]["followers_count"] == peer["followers"]["instagram"]
    tag = http.get(
        graph("/ig_hashtag_search"), params={"user_id": "17841400000000001", "q": "crochet", "access_token": token}
    ).json()["data"][0]["id"]
    top = http.get(
        graph(f"/{tag}/top_media"),
        params={"user_id": "17841400000000001", "fields": "id,caption,like_count", "access_token": token},
    ).json()
    assert "data" in top


def test_same_request_gives_the_same_body(sandbox, http):
    token = sandbox.mint_token("tiktok")["access_token"]
    url = sandbox.url("open.tiktokapis.com", "/v2/video/list/")
    a = http.post(
        url, params={"fields": "id,view_count,video_description"}, json={"max_count": 20}, headers=_bearer(token)
    )
    b = http.post(
        url, params={"fields": "id,view_count,video_description"}, json={"max_count": 20}, headers=_bearer(token)
    )
    assert a.json()["data"] == b.json()["data"]
