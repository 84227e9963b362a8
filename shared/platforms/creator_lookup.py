"""Public stats of other creators: Instagram Business Discovery (Facebook Login) and YouTube channels.

Each lookup returns a `CreatorCheck` {platform, handle, platform_user_id, followers, media_count,
posts: [{id, type, duration_s, posted_at, text, likes, comments, views}]} from what the platform
returned, or raises SourceUnavailable. docs/platform-apis.md §1.7 (business_discovery) and §2.4.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from shared.platforms.models import as_int, parse_time
from shared.platforms.transport import PlatformClient, PlatformError
from shared.platforms.trend_sources import SourceUnavailable

CreatorCheck = dict[str, Any]
RECENT_POSTS = 12
_LINKED = re.compile(
    r"\b(instagram|insta|ig|tiktok|pinterest)(?:\.com/|\b[^@\w]{0,3}@)([a-z0-9._]{1,29}[a-z0-9_])", re.IGNORECASE
)
_PLATFORM_NAMES = {
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "tiktok": "tiktok",
    "pinterest": "pinterest",
}


def linked_handles(text: str | None) -> dict[str, str]:
    """Other accounts a channel names in its description ("Instagram: @name"), by platform."""
    found: dict[str, str] = {}
    for name, handle in _LINKED.findall(text or ""):
        found.setdefault(_PLATFORM_NAMES[name.lower()], handle.lower())
    return found


_IG_MEDIA = "id,caption,like_count,comments_count,view_count,timestamp,media_type,media_product_type"


def _ig_type(item: dict[str, Any]) -> str:
    if item.get("media_product_type") == "REELS":
        return "reel"
    return {"CAROUSEL_ALBUM": "carousel", "VIDEO": "video"}.get(str(item.get("media_type")), "image")


class InstagramBusinessDiscovery:
    """GET /{ig-user-id}?fields=business_discovery.username(x){...}: Facebook Login tokens only."""

    platform = "instagram"

    def __init__(self, client: PlatformClient, access_token: str, ig_user_id: str):
        self.client, self.access_token, self.ig_user_id = client, access_token, ig_user_id

    async def check(self, handle: str) -> CreatorCheck:
        from shared.platforms.instagram import GRAPH_VERSION

        username = handle.lstrip("@")
        fields = (
            f"business_discovery.username({username}){{id,username,followers_count,media_count,"
            f"media.limit({RECENT_POSTS}){{{_IG_MEDIA}}}}}"
        )
        url = f"{self.client.host_url('graph.facebook.com')}/{GRAPH_VERSION}/{self.ig_user_id}"
        try:
            body = await self.client.get(
                url, params={"fields": fields}, token=self.access_token, token_param="access_token"
            )
        except PlatformError as error:
            raise SourceUnavailable("instagram", f"business discovery failed ({error.kind})") from None
        found = (body or {}).get("business_discovery") if isinstance(body, dict) else None
        if not isinstance(found, dict) or as_int(found.get("followers_count")) is None:
            raise SourceUnavailable("instagram", "business discovery answered without followers_count")
        media = (found.get("media") or {}).get("data") or []
        posts = [
            {
                "id": m.get("id"),
                "type": _ig_type(m),
                "duration_s": None,
                "posted_at": _iso(parse_time(m.get("timestamp"))),
                "text": (m.get("caption") or "")[:300],
                "likes": as_int(m.get("like_count")),
                "comments": as_int(m.get("comments_count")),
                "views": as_int(m.get("view_count")),
            }
            for m in media
            if isinstance(m, dict)
        ]
        return {
            "platform": self.platform,
            "handle": found.get("username") or username,
            "platform_user_id": found.get("id"),
            "followers": as_int(found.get("followers_count")),
            "media_count": as_int(found.get("media_count")),
            "posts": posts,
        }


class YouTubeChannels:
    """channels.list by handle or id, the uploads playlist and videos.list (1 quota unit each)."""

    platform = "youtube"

    def __init__(self, client: PlatformClient, access_token: str):
        self.client, self.access_token = client, access_token

    def _url(self, resource: str) -> str:
        return f"{self.client.host_url('www.googleapis.com')}/youtube/v3/{resource}"

    async def _get(self, resource: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            body = await self.client.get(self._url(resource), params=params, token=self.access_token)
        except PlatformError as error:
            raise SourceUnavailable("youtube", f"{resource} failed ({error.kind})") from None
        if not isinstance(body, dict):
            raise SourceUnavailable("youtube", f"{resource} answered with an unexpected shape")
        return body

    async def search_channels(self, query: str, limit: int = 10) -> list[str]:
        """Channel ids for a query (search.list type=channel; its own 100 calls/day bucket)."""
        body = await self._get("search", {"part": "snippet", "type": "channel", "q": query, "maxResults": limit})
        return [
            str(item["id"]["channelId"])
            for item in body.get("items") or []
            if isinstance(item, dict) and isinstance(item.get("id"), dict) and item["id"].get("channelId")
        ]

    async def recent_uploads(
        self, query: str, published_after: dt.datetime, published_before: dt.datetime
    ) -> tuple[int, list[str]]:
        """(videos matching the query uploaded in the window, channel ids on the first page) from one
        search.list call (type=video, order=date). totalResults is YouTube's estimate of the match count."""

        def rfc3339(moment: dt.datetime) -> str:
            return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        body = await self._get(
            "search",
            {
                "part": "snippet",
                "type": "video",
                "q": query,
                "order": "date",
                "maxResults": 50,
                "publishedAfter": rfc3339(published_after),
                "publishedBefore": rfc3339(published_before),
            },
        )
        total = as_int((body.get("pageInfo") or {}).get("totalResults"))
        if total is None:
            raise SourceUnavailable("youtube", "search answered without pageInfo.totalResults")
        channels = [
            str(item["snippet"]["channelId"])
            for item in body.get("items") or []
            if isinstance(item, dict) and isinstance(item.get("snippet"), dict) and item["snippet"].get("channelId")
        ]
        return total, list(dict.fromkeys(channels))

    async def check(self, handle: str | None = None, channel_id: str | None = None) -> CreatorCheck:
        params: dict[str, Any] = {"part": "snippet,statistics,contentDetails"}
        if channel_id:
            params["id"] = channel_id
        else:
            params["forHandle"] = handle if (handle or "").startswith("@") else f"@{handle}"
        items = (await self._get("channels", params)).get("items") or []
        if not items:
            raise SourceUnavailable("youtube", f"no channel {handle or channel_id}")
        channel = items[0]
        stats, snippet = channel.get("statistics") or {}, channel.get("snippet") or {}
        uploads = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
        posts = await self._recent_videos(uploads) if uploads else []
        return {
            "platform": self.platform,
            "handle": snippet.get("customUrl") or handle or channel.get("id"),
            "platform_user_id": channel.get("id"),
            "followers": as_int(stats.get("subscriberCount")),
            "media_count": as_int(stats.get("videoCount")),
            "posts": posts,
            "linked": linked_handles(snippet.get("description")),
        }

    async def _recent_videos(self, playlist_id: str) -> list[dict[str, Any]]:
        from shared.platforms.youtube import parse_duration

        listing = await self._get(
            "playlistItems", {"part": "contentDetails", "playlistId": playlist_id, "maxResults": RECENT_POSTS}
        )
        ids = [
            i["contentDetails"]["videoId"]
            for i in listing.get("items") or []
            if isinstance(i, dict) and (i.get("contentDetails") or {}).get("videoId")
        ]
        if not ids:
            return []
        videos = await self._get("videos", {"part": "snippet,contentDetails,statistics", "id": ",".join(ids)})
        posts = []
        for video in videos.get("items") or []:
            snippet, stats = video.get("snippet") or {}, video.get("statistics") or {}
            duration = parse_duration((video.get("contentDetails") or {}).get("duration"))
            posts.append(
                {
                    "id": video.get("id"),
                    # No "is Short" flag in the Data API (§2.6): up to 3 minutes counts as a Short.
                    "type": None if duration is None else ("short" if duration <= 180 else "video"),
                    "duration_s": duration,
                    "posted_at": _iso(parse_time(snippet.get("publishedAt"))),
                    "text": f"{snippet.get('title') or ''} {snippet.get('description') or ''}".strip()[:300],
                    "likes": as_int(stats.get("likeCount")),
                    "comments": as_int(stats.get("commentCount")),
                    "views": as_int(stats.get("viewCount")),
                }
            )
        return posts


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.timezone.utc).isoformat() if moment else None
