"""External trend signals: Pinterest Trends, YouTube search suggestions, Instagram hashtag search.

Each source returns `(observations, raw_pages)`; an observation is
`{keyword, source, region, observed_at, value, value_kind ("index"|"rank"|"count"), extra}` and comes
only from what the platform returned — a source that cannot answer raises SourceUnavailable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from shared import clock
from shared.platforms.models import RawPage, as_int, raw_page
from shared.platforms.transport import PlatformClient, PlatformError, scrub_body

Observation = dict[str, Any]
ValueKind = Literal["index", "rank", "count"]


class SourceUnavailable(PlatformError):
    """This trend source cannot answer for this account or right now (wrong login, odd shape, down)."""

    kind = "source_unavailable"


def observation(
    keyword: str,
    source: str,
    region: str | None,
    value: float,
    value_kind: ValueKind,
    observed_at: dt.datetime | None = None,
    **extra: Any,
) -> Observation:
    return {
        "keyword": keyword,
        "source": source,
        "region": region,
        "observed_at": (observed_at or clock.now()).isoformat(),
        "value": value,
        "value_kind": value_kind,
        "extra": extra,
    }


BASELINE_GAP_DAYS = 56
MIN_BASELINE_POINTS = 8


def series_baseline(points: list[tuple[str, int]]) -> float | None:
    """A response's reference level for one keyword: the mean of its weekly points older than 8 weeks
    (all points when fewer than 8 are). A mean of many integer points keeps the resolution a median of
    rounded indices loses (a keyword that grew to 9x its old level sits at ~11 of 100 before its rise,
    so a median moves in 9 % steps), and leaving the recent weeks out keeps a rise from moving it."""
    dated = [(dt.date.fromisoformat(day), value) for day, value in points if value > 0]
    if not dated:
        return None
    cutoff = max(day for day, _ in dated) - dt.timedelta(days=BASELINE_GAP_DAYS)
    older = [value for day, value in dated if day <= cutoff]
    chosen = older if len(older) >= MIN_BASELINE_POINTS else [value for _, value in dated]
    return sum(chosen) / len(chosen)


class PinterestTrendsSource:
    """GET /v5/trends/keywords/{region}/top/{trend_type} (scope user_accounts:read)."""

    source = "pinterest_trends"

    def __init__(self, client: PlatformClient, access_token: str):
        self.client, self.access_token = client, access_token

    async def fetch(
        self,
        *,
        region: str = "US",
        trend_type: str = "growing",
        interests: tuple[str, ...] = ("diy_and_crafts", "home_decor"),
        limit: int = 50,
    ) -> tuple[list[Observation], list[RawPage]]:
        params = {"interests": ",".join(interests), "limit": limit}
        url = f"{self.client.host_url('api.pinterest.com')}/v5/trends/keywords/{region}/top/{trend_type}"
        body = await self.client.get(url, params=params, token=self.access_token)
        page = raw_page("trends_keywords", {**params, "region": region, "trend_type": trend_type}, body)
        return self.normalize([page]), [page]

    @classmethod
    def normalize(cls, raw_pages: list[RawPage]) -> list[Observation]:
        """Rank at fetch time, plus every weekly 0-100 index point Pinterest returned (dated week ends)."""
        observations: list[Observation] = []
        for page in raw_pages:
            trends = (page.get("body") or {}).get("trends")
            if not isinstance(trends, list):
                raise SourceUnavailable("pinterest", "trends response has no 'trends' list")
            params, fetched = page["params"], dt.datetime.fromisoformat(page["fetched_at"])
            for rank, trend in enumerate(trends, start=1):
                keyword = trend.get("keyword")
                if not keyword:
                    continue
                growth = {k: trend.get(k) for k in ("pct_growth_wow", "pct_growth_mom", "pct_growth_yoy")}
                observations.append(
                    observation(
                        keyword,
                        cls.source,
                        params.get("region"),
                        rank,
                        "rank",
                        fetched,
                        trend_type=params.get("trend_type"),
                        **growth,
                    )
                )
                points = sorted(
                    (week_end, number)
                    for week_end, value in (trend.get("time_series") or {}).items()
                    if (number := as_int(value)) is not None
                )
                # Each response scales a keyword to its own peak; the series baseline lets readings from
                # different responses be put on one scale (value / baseline).
                middle = series_baseline(points)
                for week_end, value in points:
                    when = dt.datetime.combine(dt.date.fromisoformat(week_end), dt.time(), dt.timezone.utc)
                    observations.append(
                        observation(
                            keyword,
                            cls.source,
                            params.get("region"),
                            value,
                            "index",
                            when,
                            trend_type=params.get("trend_type"),
                            series_baseline=middle,
                        )
                    )
        return observations

    @staticmethod
    def group_points(page: RawPage) -> list[dict[str, Any]]:
        """A normalize_against_group response: per keyword its latest weekly point and the sum of its series,
        both on the response's one scale (100 = the highest weekly point among the response's keywords)."""
        trends = (page.get("body") or {}).get("trends")
        if not isinstance(trends, list):
            raise SourceUnavailable("pinterest", "trends response has no 'trends' list")
        out = []
        for trend in trends:
            points = sorted(
                (week_end, number)
                for week_end, value in (trend.get("time_series") or {}).items()
                if (number := as_int(value)) is not None
            )
            if trend.get("keyword") and points:
                out.append(
                    {
                        "keyword": str(trend["keyword"]).lower(),
                        "latest": float(points[-1][1]),
                        "total": float(sum(v for _, v in points)),
                        "week_end": points[-1][0],
                    }
                )
        return out


class YouTubeSuggestSource:
    """suggestqueries.google.com (unofficial, no SLA): `["term", ["suggestion", ...]]`, ranked."""

    source = "youtube_suggest"

    def __init__(self, client: PlatformClient):
        self.client = client

    async def fetch(
        self, term: str, *, language: str = "en", region: str = "US"
    ) -> tuple[list[Observation], list[RawPage]]:
        params = {"client": "firefox", "ds": "yt", "q": term, "hl": language, "gl": region}
        try:
            body = await self.client.get(
                f"{self.client.host_url('suggestqueries.google.com')}/complete/search", params=params
            )
        except PlatformError as error:
            raise SourceUnavailable("youtube", f"suggestions unavailable ({error.kind})") from None
        page = raw_page("suggest", params, body)
        return self.normalize([page]), [page]

    @classmethod
    def normalize(cls, raw_pages: list[RawPage]) -> list[Observation]:
        observations: list[Observation] = []
        for page in raw_pages:
            body = page.get("body")
            if not (
                isinstance(body, list)
                and len(body) >= 2
                and isinstance(body[1], list)
                and all(isinstance(s, str) for s in body[1])
            ):
                raise SourceUnavailable("youtube", "suggestion response has an unexpected shape")
            fetched = dt.datetime.fromisoformat(page["fetched_at"])
            observations.extend(
                observation(
                    s, cls.source, page["params"].get("gl"), rank, "rank", fetched, seed=page["params"].get("q")
                )
                for rank, s in enumerate(body[1], start=1)
            )
        return observations


class InstagramHashtagSource:
    """Hashtag search on graph.facebook.com — Facebook Login tokens only (30 hashtags / 7 days / account)."""

    source = "instagram_hashtag"
    MEDIA_FIELDS = "id,caption,media_type,media_product_type,like_count,comments_count,timestamp"

    def __init__(
        self, client: PlatformClient, access_token: str, ig_user_id: str, *, login: Literal["facebook", "instagram"]
    ):
        self.client, self.access_token, self.ig_user_id, self.login = client, access_token, ig_user_id, login

    async def fetch(self, hashtag: str) -> tuple[list[Observation], list[RawPage]]:
        if self.login != "facebook":
            raise SourceUnavailable("instagram", "hashtag search requires Facebook Login")
        from shared.platforms.instagram import GRAPH_VERSION

        base = f"{self.client.host_url('graph.facebook.com')}/{GRAPH_VERSION}"
        pages: list[RawPage] = []

        async def get(endpoint: str, path: str, params: dict[str, Any]) -> Any:
            body = await self.client.get(
                f"{base}/{path}", params=params, token=self.access_token, token_param="access_token"
            )
            pages.append(raw_page(endpoint, {**params, "hashtag": tag}, scrub_body(body)))
            return body

        tag = hashtag.lstrip("#").lower()
        found = await get("hashtag_search", "ig_hashtag_search", {"user_id": self.ig_user_id, "q": tag})
        ids = [item.get("id") for item in found.get("data") or [] if item.get("id")]
        if not ids:
            return [], pages
        for edge in ("top_media", "recent_media"):
            await get(edge, f"{ids[0]}/{edge}", {"user_id": self.ig_user_id, "fields": self.MEDIA_FIELDS, "limit": 50})
        return self.normalize(pages), pages

    @classmethod
    def normalize(cls, raw_pages: list[RawPage]) -> list[Observation]:
        """recent_media → count of posts on the page; top_media → likes + comments of the top posts."""
        observations: list[Observation] = []
        for page in raw_pages:
            if page["endpoint"] not in ("top_media", "recent_media"):
                continue
            items = (page.get("body") or {}).get("data")
            if not isinstance(items, list):
                raise SourceUnavailable("instagram", f"{page['endpoint']} response has no data list")
            tag, fetched = page["params"]["hashtag"], dt.datetime.fromisoformat(page["fetched_at"])
            if page["endpoint"] == "recent_media":
                observations.append(observation(tag, f"{cls.source}_recent", None, len(items), "count", fetched))
                continue
            known = [(as_int(i.get("like_count")), as_int(i.get("comments_count"))) for i in items]
            interactions = [
                (likes or 0) + (comments or 0) for likes, comments in known if likes is not None or comments is not None
            ]
            if interactions:
                observations.append(
                    observation(
                        tag,
                        f"{cls.source}_top_interactions",
                        None,
                        sum(interactions),
                        "count",
                        fetched,
                        posts=len(interactions),
                    )
                )
        return observations
