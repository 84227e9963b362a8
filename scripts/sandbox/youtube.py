"""YouTube Data API v3 (channels, playlistItems, videos, search) and YouTube Analytics API v2 (reports)."""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
import zlib
from datetime import date, datetime, timedelta, timezone

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scripts.sandbox.errors import google_api_error, google_bad_request, google_token_error
from scripts.sandbox.posts import PostTable, retention_curve

ANALYTICS_LAG_DAYS = 3  # daily reports miss the most recent days
CHANNEL_PUBLISHED_AT = "2019-03-02T10:14:33Z"
INTEGER_METRICS = (
    "views",
    "engagedViews",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "likes",
    "dislikes",
    "comments",
    "shares",
    "subscribersGained",
    "subscribersLost",
    "videosAddedToPlaylists",
    "videosRemovedFromPlaylists",
)
FLOAT_METRICS = ("averageViewPercentage", "audienceWatchRatio", "relativeRetentionPerformance")
RETENTION_METRICS = ("audienceWatchRatio", "relativeRetentionPerformance")


def _etag(*parts: object) -> str:
    return base64.urlsafe_b64encode(hashlib.sha1(repr(parts).encode()).digest()).decode()[:27]


def _authenticate(request: Request):
    world = request.app.state.world
    header = request.headers.get("authorization", "")
    value = header[7:] if header.lower().startswith("bearer ") else request.query_params.get("access_token")
    token = world.tokens.get(value)
    problem = world.tokens.problem(token, "youtube")
    if problem:
        return None, google_token_error(problem)
    return token.creator, None


def _parts(request: Request) -> list[str] | Response:
    part = request.query_params.get("part")
    if not part:
        return google_bad_request("Required parameter: part", reason="required")
    return [p.strip() for p in part.split(",") if p.strip()]


def _authorized_parts(request: Request) -> tuple | Response:
    """The token's creator and the requested `part` list, or the error Google answers first."""
    creator, denied = _authenticate(request)
    if denied:
        return denied
    parts = _parts(request)
    if isinstance(parts, Response):
        return parts
    return creator, parts


def _iso_z(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration as the Data API writes it (PT1M5S)."""
    total = int(round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    out = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s or total == 0 else "")
    return out


def _thumbnails(key: str) -> dict:
    sizes = {"default": (120, 90), "medium": (320, 180), "high": (480, 360)}
    return {
        name: {"url": f"https://i.ytimg.com/vi/{key}/{name}.jpg", "width": w, "height": h}
        for name, (w, h) in sizes.items()
    }


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"CAUQ{offset:06d}".encode()).decode().rstrip("=")


def _page_offset(token: str) -> int | None:
    try:
        return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()[4:])
    except (ValueError, UnicodeDecodeError):
        return None


def _page_window(params) -> tuple[int, int] | Response:
    """(offset, maxResults) from pageToken and maxResults (0..50, default 5), or the 400 Google sends."""
    try:
        max_results = int(params.get("maxResults", "5"))
    except ValueError:
        max_results = -1
    if not 0 <= max_results <= 50:
        return google_bad_request(
            f"Invalid value '{params.get('maxResults')}'. Values must be within the range: [0, 50]",
            reason="invalidParameter",
        )
    offset = 0
    if params.get("pageToken"):
        parsed = _page_offset(params["pageToken"])
        if parsed is None or parsed < 0:
            return google_bad_request("The request specifies an invalid page token.", reason="invalidPageToken")
        offset = parsed
    return offset, max_results


# Data API ----------------------------------------------------------------------------------------
def names_other_accounts(profile) -> bool:
    """Most channels list their other accounts in the description, as real creators do; about 1 in 5 does not."""
    return zlib.crc32(profile.handles["youtube"].encode()) % 5 != 0


def _channel_description(profile) -> str:
    text = f"{profile.niche['name'].capitalize()} videos, shorts and slow crafting."
    if names_other_accounts(profile):
        text += f" Instagram: @{profile.handles['instagram']} | TikTok: @{profile.handles['tiktok']}"
    return text


def channel_resource(world, creator: int, parts: list[str]) -> dict:
    profile = world.creator(creator)
    table = world.posts(creator, "youtube")
    channel_id = profile.user_ids["youtube"]
    item: dict = {"kind": "youtube#channel", "etag": _etag(channel_id, world.today), "id": channel_id}
    if "snippet" in parts:
        item["snippet"] = {
            "title": profile.display_name,
            "description": _channel_description(profile),
            "customUrl": profile.handles["youtube"].lower(),
            "publishedAt": CHANNEL_PUBLISHED_AT,
            "thumbnails": _thumbnails(channel_id),
            "localized": {"title": profile.display_name, "description": ""},
            "country": "GB" if profile.time_zone.startswith("Europe/London") else "US",
        }
    if "contentDetails" in parts:
        item["contentDetails"] = {"relatedPlaylists": {"likes": "", "uploads": "UU" + channel_id[2:]}}
    if "statistics" in parts:
        from scripts.sandbox.trends import trends_day

        subscribers = profile.followers_on("youtube", trends_day(world))  # public counter: market clock
        digits = len(str(subscribers))
        rounded = round(subscribers, -(digits - 3)) if digits > 3 else subscribers  # public 3-significant-figure count
        views = int(sum(table.counters(i)["views"] for i in range(len(table))))
        item["statistics"] = {
            "viewCount": str(views),
            "subscriberCount": str(int(rounded)),
            "hiddenSubscriberCount": False,
            "videoCount": str(len(table)),
        }
    return item


async def channels_list(request: Request) -> Response:
    checked = _authorized_parts(request)
    if isinstance(checked, Response):
        return checked
    creator, parts = checked
    world, params = request.app.state.world, request.query_params
    if params.get("mine") == "true":
        targets = [creator]
    elif params.get("id"):
        targets = [
            c for c in (world.creator_by_user_id("youtube", i) for i in params["id"].split(",")) if c is not None
        ]
    elif params.get("forHandle"):
        found = world.creator_by_handle("youtube", params["forHandle"])
        targets = [found] if found is not None else []
    else:
        return google_bad_request(
            "No filter selected. Expected one of: forUsername, managedByMe, categoryId, mine, "
            "mySubscribers, id, idParam, forHandle",
            reason="missingRequiredParameter",
        )
    items = [channel_resource(world, c, parts) for c in targets]
    return JSONResponse(
        {
            "kind": "youtube#channelListResponse",
            "etag": _etag("channels", targets),
            "pageInfo": {"totalResults": len(items), "resultsPerPage": 5},
            "items": items,
        }
    )


def _video_snippet(table: PostTable, i: int) -> dict:
    text = table.text(i)
    profile = table.creator
    return {
        "publishedAt": _iso_z(float(table.ts[i])),
        "channelId": profile.user_ids["youtube"],
        "title": text["title"],
        "description": text["caption"],
        "thumbnails": _thumbnails(table.ids[i]),
        "channelTitle": profile.display_name,
    }


async def playlist_items_list(request: Request) -> Response:
    checked = _authorized_parts(request)
    if isinstance(checked, Response):
        return checked
    creator, parts = checked
    world, params = request.app.state.world, request.query_params
    playlist_id = params.get("playlistId", "")
    if not playlist_id:
        return google_bad_request(
            "No filter selected. Expected one of: playlistId, id", reason="missingRequiredParameter"
        )
    owner = world.creator_by_user_id("youtube", "UC" + playlist_id[2:]) if playlist_id.startswith("UU") else None
    if owner is None:
        return google_api_error(
            404,
            "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.",
            "playlistNotFound",
            "NOT_FOUND",
            domain="youtube.playlistItem",
        )
    window = _page_window(params)
    if isinstance(window, Response):
        return window
    offset, max_results = window
    table = world.posts(owner, "youtube")
    items = []
    for position in range(offset, min(offset + max_results, len(table))):
        video_id = table.ids[position]
        item: dict = {
            "kind": "youtube#playlistItem",
            "etag": _etag("pli", video_id),
            "id": base64.urlsafe_b64encode(f"{playlist_id}.{video_id}".encode()).decode().rstrip("="),
        }
        if "snippet" in parts:
            item["snippet"] = {
                **_video_snippet(table, position),
                "playlistId": playlist_id,
                "position": position,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
                "videoOwnerChannelTitle": table.creator.display_name,
                "videoOwnerChannelId": table.creator.user_ids["youtube"],
            }
        if "contentDetails" in parts:
            item["contentDetails"] = {"videoId": video_id, "videoPublishedAt": _iso_z(float(table.ts[position]))}
        if "status" in parts:
            item["status"] = {"privacyStatus": "public"}
        items.append(item)
    body: dict = {"kind": "youtube#playlistItemListResponse", "etag": _etag(playlist_id, offset, max_results)}
    if offset + max_results < len(table) and max_results > 0:
        body["nextPageToken"] = _page_token(offset + max_results)
    if offset > 0:
        body["prevPageToken"] = _page_token(max(0, offset - max_results))
    body["items"] = items
    body["pageInfo"] = {"totalResults": len(table), "resultsPerPage": max_results}
    return JSONResponse(body)


def video_owner(video_id: str) -> int | None:
    """Creator index encoded in a sandbox video id."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if len(video_id) != 11 or any(c not in alphabet for c in video_id):
        return None
    n = 0
    for c in video_id:
        n = n * 64 + alphabet.index(c)
    return (n // 64) // 100003


def _find_video(world, video_id: str) -> tuple[PostTable, int] | None:
    owner = video_owner(video_id)
    if owner is None or owner >= world.config.creators:
        return None
    table = world.posts(owner, "youtube")
    i = table.index_of.get(video_id)
    return None if i is None else (table, i)


async def videos_list(request: Request) -> Response:
    checked = _authorized_parts(request)
    if isinstance(checked, Response):
        return checked
    _, parts = checked
    world, params = request.app.state.world, request.query_params
    if not params.get("id"):
        return google_bad_request(
            "No filter selected. Expected one of: myRating, chart, id, idParam", reason="missingRequiredParameter"
        )
    ids = [v for v in params["id"].split(",") if v]
    if len(ids) > 50:
        return google_bad_request("The request specifies an invalid filter parameter.", reason="invalidFilters")
    items = []
    for video_id in ids:
        found = _find_video(world, video_id)
        if found is None:
            continue  # unknown ids are silently left out, as the real API does
        table, i = found
        item: dict = {"kind": "youtube#video", "etag": _etag("video", video_id, world.today), "id": video_id}
        if "snippet" in parts:
            item["snippet"] = {
                **_video_snippet(table, i),
                "tags": [t.lstrip("#") for t in table.creator.niche["tags"]],
                "categoryId": "26",
                "liveBroadcastContent": "none",
                "defaultAudioLanguage": "en",
                "localized": {"title": table.text(i)["title"], "description": table.text(i)["caption"]},
            }
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "duration": iso_duration(float(table.duration_s[i])),
                "dimension": "2d",
                "definition": "hd",
                "caption": "false",
                "licensedContent": False,
                "contentRating": {},
                "projection": "rectangular",
            }
        if "statistics" in parts:
            c = table.counters(i)
            item["statistics"] = {
                "viewCount": str(c["views"]),
                "likeCount": str(c["likes"]),
                "favoriteCount": "0",
                "commentCount": str(c["comments"]),
            }
        if "status" in parts:
            item["status"] = {
                "uploadStatus": "processed",
                "privacyStatus": "public",
                "license": "youtube",
                "embeddable": True,
                "publicStatsViewable": True,
                "madeForKids": False,
            }
        items.append(item)
    return JSONResponse(
        {
            "kind": "youtube#videoListResponse",
            "etag": _etag("videos", ids),
            "items": items,
            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
        }
    )


# search.list --------------------------------------------------------------------------------------
# Costs 1 call from its own 100 calls/day bucket (docs/platform-apis.md §2.5); the sandbox counts requests only.
SEARCH_TYPES = ("channel", "playlist", "video")
SEARCH_ORDERS = ("date", "rating", "relevance", "title", "videoCount", "viewCount", "searchSortUnspecified")
SEARCH_MAX_RESULTS = 500  # real search stops paging at about 500 results
SEARCH_SCAN_CREATORS = 200  # creators whose captions are indexed; the long tail is not found, as on YouTube
SEARCH_RECENT_VIDEOS = 60  # videos per creator that search looks at (covers 30 days at any pace, even replayed)
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = {"a", "an", "and", "the", "for", "with", "how", "to", "of", "in", "on", "my", "your", "is"}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower())}


def _query_terms(q: str) -> list[str]:
    return list(dict.fromkeys(_stem(w) for w in _WORD.findall(q.lower()) if w not in _STOP_WORDS))


def _search_entry(world, creator: int) -> dict:
    """What search knows of one creator: profile words, handle, and the words of each recent video."""
    index = world.__dict__.setdefault("yt_search_index", {})
    if creator not in index:
        profile = world.creator(creator)
        niche = profile.niche
        table = world.posts(creator, "youtube")
        tag_words = " ".join(t.lstrip("#") for t in niche["tags"])
        videos = []
        for i in range(min(SEARCH_RECENT_VIDEOS, len(table))):
            videos.append((i, video_words(world, creator, table, i)))
        index[creator] = {
            "profile": _words(
                " ".join([niche["name"], *niche["items"], tag_words, profile.display_name, profile.handles["youtube"]])
            ),
            "handle": profile.handles["youtube"].lstrip("@").lower(),
            "captions": set().union(*(w for _, w in videos)) if videos else set(),
            "videos": videos,
        }
    return index[creator]


def _channel_score(entry: dict, terms: list[str]) -> tuple[int, int]:
    """(terms matched, score): a term in the niche, handle or title weighs 2, in captions only 1."""
    matched = score = 0
    for term in terms:
        if term in entry["profile"] or (len(term) >= 4 and term in entry["handle"]):
            matched, score = matched + 1, score + 2
        elif term in entry["captions"]:
            matched, score = matched + 1, score + 1
    return matched, score


def _escaped(text: str) -> str:
    # search.list HTML-escapes titles and descriptions (&amp;, &#39;), unlike channels.list and videos.list.
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def _search_channel(world, creator: int) -> dict:
    profile = world.creator(creator)
    channel_id = profile.user_ids["youtube"]
    # Channel results carry avatar URLs without sizes.
    thumbnails = {
        name: {"url": f"https://yt3.ggpht.com/sandbox/{channel_id}=s{size}-c-k-c0xffffffff-no-rj-mo"}
        for name, size in (("default", 88), ("medium", 240), ("high", 800))
    }
    return {
        "kind": "youtube#searchResult",
        "etag": _etag("search", channel_id, world.today),
        "id": {"kind": "youtube#channel", "channelId": channel_id},
        "snippet": {
            "publishedAt": CHANNEL_PUBLISHED_AT,
            "channelId": channel_id,
            "title": _escaped(profile.display_name),
            "description": _escaped(_channel_description(profile)),
            "thumbnails": thumbnails,
            "channelTitle": _escaped(profile.display_name),
            "liveBroadcastContent": "none",
            "publishTime": CHANNEL_PUBLISHED_AT,
        },
    }


def _search_video(world, creator: int, i: int) -> dict:
    table = world.posts(creator, "youtube")
    video_id, snippet = table.ids[i], _video_snippet(table, i)
    return {
        "kind": "youtube#searchResult",
        "etag": _etag("search", video_id, world.today),
        "id": {"kind": "youtube#video", "videoId": video_id},
        "snippet": {
            "publishedAt": snippet["publishedAt"],
            "channelId": snippet["channelId"],
            "title": _escaped(snippet["title"]),
            "description": _escaped(snippet["description"][:160]),
            "thumbnails": snippet["thumbnails"],
            "channelTitle": _escaped(snippet["channelTitle"]),
            "liveBroadcastContent": "none",
            "publishTime": snippet["publishedAt"],
        },
    }


def video_matches(words: set[str], terms: list[str]) -> bool:
    """A video answers a query holding about half of its words (as loose as real search)."""
    return not terms or sum(1 for t in terms if t in words) >= max(1, math.ceil(len(terms) / 2))


def video_words(world, creator: int, table: PostTable, i: int) -> set[str]:
    """What search reads of a video: its title, its caption and its channel's niche tags."""
    text = table.text(i)
    tag_words = " ".join(t.lstrip("#") for t in world.creator(creator).niche["tags"])
    return _words(f"{text['title']} {text['caption']} {tag_words}")


def _search_results(
    world, terms: list[str], types: set[str], order: str, published: tuple[float, float] = (-math.inf, math.inf)
) -> list[tuple[str, int, int]]:
    """Matching (kind, creator, video position) in result order; position is -1 for channels. Videos are
    kept when uploaded within `published` (epoch seconds, [after, before))."""
    need = max(1, math.ceil(len(terms) / 2))
    channels, videos = [], []
    for creator in range(min(world.config.creators, SEARCH_SCAN_CREATORS)):
        entry = _search_entry(world, creator)
        peer_rank = 0 if world.creator(creator).is_peer else 1
        matched, score = _channel_score(entry, terms)
        if matched >= need or not terms:
            channels.append((peer_rank, -score, creator))
        if "video" in types:
            table = world.posts(creator, "youtube")
            for i, words in entry["videos"]:
                if published[0] <= float(table.ts[i]) < published[1] and video_matches(words, terms):
                    videos.append((peer_rank, -sum(1 for t in terms if t in words), creator, i))
    posts = lambda c: world.posts(c, "youtube")  # noqa: E731
    if order == "date":
        channels.sort(key=lambda k: (-float(posts(k[2]).ts[0]) if len(posts(k[2])) else 0.0, k[2]))
        videos.sort(key=lambda k: (-float(posts(k[2]).ts[k[3]]), k[2], k[3]))
    elif order == "viewCount":
        channels.sort(
            key=lambda k: (
                -float(np.nansum(posts(k[2]).final["views"] * posts(k[2]).saturation(posts(k[2]).as_of))),
                k[2],
            )
        )
        videos.sort(key=lambda k: (-posts(k[2]).counters(k[3]).get("views", 0), k[2], k[3]))
    elif order == "title":
        channels.sort(key=lambda k: (world.creator(k[2]).display_name.lower(), k[2]))
        videos.sort(key=lambda k: (posts(k[2]).text(k[3])["title"].lower(), k[2], k[3]))
    elif order == "videoCount":
        channels.sort(key=lambda k: (-len(posts(k[2])), k[2]))
        videos.sort()
    else:  # relevance (and rating, which the sandbox has no signal for): peers first, then how well it matched
        channels.sort()
        videos.sort()
    results = [("channel", c[2], -1) for c in channels] if "channel" in types else []
    results += [("video", v[2], v[3]) for v in videos]
    return results[:SEARCH_MAX_RESULTS]


async def search_list(request: Request) -> Response:
    params = request.query_params
    has_token = request.headers.get("authorization") or params.get("access_token")
    if not has_token and "key" in params:
        if not params["key"].strip():
            return google_bad_request("API key not valid. Please pass a valid API key.")
    else:
        _, denied = _authenticate(request)
        if denied:
            return denied
    parts = _parts(request)
    if isinstance(parts, Response):
        return parts
    for part in parts:
        if part not in ("id", "snippet"):
            return google_api_error(400, f"'{part}'", "unknownPart", "INVALID_ARGUMENT", domain="youtube.part")
    types = {t.strip() for t in params.get("type", "").split(",") if t.strip()} or set(SEARCH_TYPES)
    unknown = sorted(types - set(SEARCH_TYPES))
    if unknown:
        return google_bad_request(
            f"Invalid string value: '{unknown[0]}'. Allowed values: [channel, playlist, video]",
            reason="invalidParameter",
        )
    order = params.get("order", "relevance")
    if order not in SEARCH_ORDERS:
        return google_bad_request(
            f"Invalid string value: '{order}'. Allowed values: [date, rating, relevance, title, videocount, viewcount]",
            reason="invalidParameter",
        )
    window = _page_window(params)
    if isinstance(window, Response):
        return window
    offset, max_results = window
    region = params.get("regionCode", "US")
    if not re.fullmatch(r"[A-Za-z]{2}", region):
        return google_bad_request(
            "The <code>regionCode</code> parameter specifies an invalid region code.", reason="invalidRegionCode"
        )
    world = request.app.state.world
    published = _published_window(params, world)
    if isinstance(published, Response):
        return published
    # regionCode and relevanceLanguage are accepted without effect: every sandbox video is public everywhere
    # and in English. Playlist results are never produced: sandbox creators keep no public playlists.
    results = _search_results(world, _query_terms(params.get("q", "")), types, order, published)
    page = results[offset : offset + max_results]
    items = []
    for kind, creator, position in page:
        item = _search_channel(world, creator) if kind == "channel" else _search_video(world, creator, position)
        if "snippet" not in parts:
            item.pop("snippet")
        items.append(item)
    body: dict = {
        "kind": "youtube#searchListResponse",
        "etag": _etag("searchList", params.get("q"), sorted(types), order, offset, max_results),
    }
    if max_results > 0 and offset + max_results < len(results):
        body["nextPageToken"] = _page_token(offset + max_results)
    if offset > 0:
        body["prevPageToken"] = _page_token(max(0, offset - max_results))
    body["regionCode"] = region.upper()
    body["pageInfo"] = {"totalResults": len(results), "resultsPerPage": max_results}
    body["items"] = items
    return JSONResponse(body)


def _published_window(params, world) -> tuple[float, float] | Response:
    """[publishedAfter, publishedBefore) as epoch seconds (RFC 3339 date-times, e.g. 1970-01-01T00:00:00Z);
    nothing is published after the end of the market day the trends clock answers for."""
    from scripts.sandbox.trends import trends_day

    end = datetime.combine(trends_day(world) + timedelta(days=1), datetime.min.time(), timezone.utc).timestamp()
    bounds = [-math.inf, end]
    for k, name in enumerate(("publishedAfter", "publishedBefore")):
        raw = params.get(name)
        if raw is None:
            continue
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None or "T" not in raw:
            return google_bad_request(
                f"Invalid value for {name}: '{raw}'. Expected an RFC 3339 date-time value (1970-01-01T00:00:00Z).",
                reason="invalidParameter",
            )
        bounds[k] = max(bounds[k], moment.timestamp()) if k == 0 else min(bounds[k], moment.timestamp())
    return bounds[0], bounds[1]


def uploads_truth(world, topics: list[str], until: datetime, days: int = 30) -> dict[str, int]:
    """Ground truth of supply: per topic, YouTube videos of every creator uploaded in the `days` days
    before `until` that search would match (the same words and rule as search.list)."""
    end = until.timestamp()
    start = end - days * 86400
    terms = {t: _query_terms(t) for t in topics}
    counts = dict.fromkeys(topics, 0)
    for creator in range(world.config.creators):
        table = world.posts(creator, "youtube")
        for i in range(len(table)):  # newest first
            if float(table.ts[i]) < start:
                break
            if float(table.ts[i]) >= end:
                continue
            words = video_words(world, creator, table, i)
            for topic in topics:
                counts[topic] += video_matches(words, terms[topic])
    return counts


# Analytics ---------------------------------------------------------------------------------------
def _unsupported_query() -> Response:
    return google_bad_request(
        "The query is not supported. Check the documentation at https://developers.google.com"
        "/youtube/analytics/v2/available_reports for a list of supported queries."
    )


def _parse_date(value: str | None, name: str) -> date | Response:
    if not value:
        return google_bad_request(f"Required parameter: {name}", reason="required")
    try:
        return date.fromisoformat(value)
    except ValueError:
        return google_bad_request(f"Invalid value '{value}' for {name}. Expected YYYY-MM-DD.", reason="invalidValue")


def _metric_columns(table: PostTable, idx: np.ndarray, start_s: float, end_s: float) -> dict[str, np.ndarray]:
    """Per-video metric values over [start_s, end_s) for the posts in idx."""
    share = table.saturation(end_s)[idx] - table.saturation(start_s)[idx]
    f = table.final
    views = np.floor(f["views"][idx] * share)
    duration = np.nan_to_num(table.duration_s[idx], nan=60.0)
    fraction = table.avg_view_fraction[idx]
    return {
        "views": views,
        "engagedViews": np.floor(views * np.where(duration <= 180, 0.72, 0.95)),
        "estimatedMinutesWatched": np.floor(views * duration * fraction / 60.0),
        "averageViewDuration": np.where(views > 0, np.round(duration * fraction), 0),
        "averageViewPercentage": np.where(views > 0, np.round(fraction * 100, 2), 0.0),
        "likes": np.floor(f["likes"][idx] * share),
        "dislikes": np.floor(f["likes"][idx] * share * 0.02),
        "comments": np.floor(f["comments"][idx] * share),
        "shares": np.floor(f["shares"][idx] * share),
        "subscribersGained": np.floor(f["follows"][idx] * share * 3),
        "subscribersLost": np.floor(views * 0.0002),
        "videosAddedToPlaylists": np.floor(views * 0.004),
        "videosRemovedFromPlaylists": np.floor(views * 0.0005),
    }


def _channel_daily(world, creator: int, table: PostTable) -> dict[str, np.ndarray]:
    cache = table.__dict__.setdefault("_yt_daily", {})
    if cache:
        return cache
    daily = table.daily(("views", "likes", "comments", "shares", "watch_minutes", "follows"))
    followers = world.followers_series(creator, "youtube")
    net = np.diff(followers)
    churn = np.round(followers[:-1] * 0.0004)
    views = np.round(daily[:, 0])
    cache.update(
        {
            "views": views,
            "engagedViews": np.round(views * 0.8),
            "likes": np.round(daily[:, 1]),
            "dislikes": np.round(daily[:, 1] * 0.02),
            "comments": np.round(daily[:, 2]),
            "shares": np.round(daily[:, 3]),
            "estimatedMinutesWatched": np.round(daily[:, 4]),
            "averageViewDuration": np.where(views > 0, np.round(daily[:, 4] * 60 / np.maximum(views, 1)), 0),
            "averageViewPercentage": np.where(views > 0, 55.0, 0.0),
            "subscribersGained": np.maximum(net, 0) + churn,
            "subscribersLost": np.maximum(-net, 0) + churn,
            "videosAddedToPlaylists": np.round(views * 0.004),
            "videosRemovedFromPlaylists": np.round(views * 0.0005),
        }
    )
    return cache


async def reports(request: Request) -> Response:
    creator, denied = _authenticate(request)
    if denied:
        return denied
    world, params = request.app.state.world, request.query_params
    ids = params.get("ids", "")
    if not ids:
        return google_bad_request("Required parameter: ids", reason="required")
    channel_id = world.creator(creator).user_ids["youtube"]
    if ids not in ("channel==MINE", f"channel=={channel_id}"):
        return google_api_error(403, "Forbidden", "forbidden", "PERMISSION_DENIED")
    start, end = _parse_date(params.get("startDate"), "startDate"), _parse_date(params.get("endDate"), "endDate")
    if isinstance(start, Response):
        return start
    if isinstance(end, Response):
        return end
    if start > end:
        return google_bad_request("The start date must be before or equal to the end date.", reason="invalidValue")
    metrics = [m for m in params.get("metrics", "").split(",") if m]
    if not metrics:
        return google_bad_request("Required parameter: metrics", reason="required")
    for m in metrics:
        if m not in INTEGER_METRICS + FLOAT_METRICS:
            return google_bad_request(
                f"Unknown identifier ({m}) given in field parameters.metrics.", reason="invalidValue"
            )
    dimensions = [d for d in params.get("dimensions", "").split(",") if d]
    video_filter = []
    for clause in [c for c in params.get("filters", "").split(";") if c]:
        key, _, value = clause.partition("==")
        if key == "video":
            video_filter = [v for v in value.split(",") if v]
        elif key not in ("country", "audienceType", "creatorContentType"):
            return _unsupported_query()
    table = world.posts(creator, "youtube")
    if dimensions == ["elapsedVideoTimeRatio"]:
        return _retention(table, metrics, video_filter)
    if (
        any(m in RETENTION_METRICS for m in metrics)
        or len(dimensions) > 1
        or (dimensions and dimensions[0] not in ("day", "video"))
    ):
        return _unsupported_query()
    if video_filter:
        idx = np.array([table.index_of[v] for v in video_filter if v in table.index_of], dtype=int)
    else:
        idx = np.arange(len(table))
    last_day = min(end, world.today - timedelta(days=ANALYTICS_LAG_DAYS))
    first_day = max(start, world.today - timedelta(days=730))
    headers = [{"name": d, "columnType": "DIMENSION", "dataType": "STRING"} for d in dimensions] + [
        {"name": m, "columnType": "METRIC", "dataType": "FLOAT" if m in FLOAT_METRICS else "INTEGER"} for m in metrics
    ]
    rows: list[list] = []
    if dimensions == ["video"]:
        rows = _video_rows(table, idx, metrics, first_day, last_day, params)
        if isinstance(rows, Response):
            return rows
    elif dimensions == ["day"]:
        rows = _day_rows(world, creator, table, idx, metrics, first_day, last_day, bool(video_filter))
    elif first_day <= last_day:
        cols = _metric_columns(table, idx, _ts(first_day), _ts(last_day + timedelta(days=1)))
        totals = [_aggregate(m, cols) for m in metrics]
        rows = [totals]
    body: dict = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
    if rows:
        body["rows"] = rows
    return JSONResponse(body)


def _ts(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def _aggregate(metric: str, cols: dict[str, np.ndarray]):
    views = cols["views"]
    if metric == "averageViewDuration":
        return int(round(float((cols["averageViewDuration"] * views).sum() / max(1.0, views.sum()))))
    if metric == "averageViewPercentage":
        return round(float((cols["averageViewPercentage"] * views).sum() / max(1.0, views.sum())), 2)
    return int(cols[metric].sum())


def _video_rows(table: PostTable, idx: np.ndarray, metrics: list[str], first: date, last: date, params):
    sort = params.get("sort", "")
    try:
        max_results = int(params.get("maxResults", "0"))
        start_index = int(params.get("startIndex", "1"))
    except ValueError:
        return _unsupported_query()
    # Top-videos reports need a descending sort on a requested metric and maxResults <= 200.
    if not sort.startswith("-") or sort[1:] not in metrics or not 1 <= max_results <= 200 or start_index < 1:
        return _unsupported_query()
    if first > last:
        return []
    cols = _metric_columns(table, idx, _ts(first), _ts(last + timedelta(days=1)))
    order = np.argsort(-cols[sort[1:]], kind="stable")
    rows = []
    for k in order:
        if cols["views"][k] <= 0:
            continue
        rows.append([table.ids[int(idx[k])]] + [_cell(m, cols[m][k]) for m in metrics])
    return rows[start_index - 1 : start_index - 1 + max_results]


def _cell(metric: str, value):
    return round(float(value), 2) if metric in FLOAT_METRICS else int(value)


def _day_rows(
    world, creator: int, table: PostTable, idx: np.ndarray, metrics: list[str], first: date, last: date, filtered: bool
) -> list[list]:
    if first > last:
        return []
    history_start = world.today - timedelta(days=730)
    rows = []
    daily = None if filtered else _channel_daily(world, creator, table)
    day = first
    while day <= last:
        if daily is not None:
            d = (day - history_start).days
            rows.append([day.isoformat()] + [_cell(m, daily[m][d]) for m in metrics])
        else:
            cols = _metric_columns(table, idx, _ts(day), _ts(day + timedelta(days=1)))
            rows.append([day.isoformat()] + [_aggregate(m, cols) for m in metrics])
        day += timedelta(days=1)
    return rows


def _retention(table: PostTable, metrics: list[str], video_filter: list[str]) -> Response:
    if len(video_filter) != 1 or any(m not in RETENTION_METRICS for m in metrics):
        return _unsupported_query()
    i = table.index_of.get(video_filter[0])
    headers = [{"name": "elapsedVideoTimeRatio", "columnType": "DIMENSION", "dataType": "FLOAT"}] + [
        {"name": m, "columnType": "METRIC", "dataType": "FLOAT"} for m in metrics
    ]
    body: dict = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
    if i is not None:
        curve = retention_curve(table, i)
        body["rows"] = [[x] + [watch if m == "audienceWatchRatio" else rel for m in metrics] for x, watch, rel in curve]
    return JSONResponse(body)


def routes() -> dict[str, list]:
    return {
        "www.googleapis.com": [
            Route("/youtube/v3/channels", channels_list),
            Route("/youtube/v3/playlistItems", playlist_items_list),
            Route("/youtube/v3/videos", videos_list),
            Route("/youtube/v3/search", search_list),
        ],
        "youtubeanalytics.googleapis.com": [Route("/v2/reports", reports)],
    }
