"""Trending creators: who in the niche is growing fastest, and what they post.

- growth_rate: ordinary least squares slope b of ln(followers) against time in days, over the
  follower counts observed in the last window_days (30) up to today; growth_rate = exp(30 * b) - 1,
  the fractional growth per 30 days whatever the window. Needs >= 2 counts spanning >= 3 days,
  else null (unknown). The log-linear fit uses every point, so one late or early snapshot does
  not decide the rate the way a first/last ratio would.
- Size-aware growth (what "trending" ranks by): percent growth alone crowns tiny accounts (+4 % of 680
  followers is 27 people), so growth is shrunk toward zero by size, as a posterior mean with a prior of
  PRIOR_FOLLOWERS followers at zero growth: trend_score = growth_rate * F / (F + 5,000), F = followers
  (+4 % at 680 -> 0.5 %; at 50,000 -> 3.6 %). followers_gained = F - F / (1 + growth_rate), the
  followers added over 30 days at that rate. Creators under MIN_FOLLOWERS (1,000) are not ranked.
- format_description: the dominant post type and its share, the most common duration bucket
  (shared.attributes), the posting rate (posts / max(7, days from first to last post + 1) * 7),
  and the most common content format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone

import polars as pl

from shared.attributes import duration_bucket

GROWTH_PERIOD_DAYS = 30
PRIOR_FOLLOWERS = 5_000
MIN_FOLLOWERS = 1_000
MIN_POINTS = 2
MIN_SPAN_DAYS = 3.0
_DURATION_WORDS = {
    "under_15s": "under 15 s",
    "15_30s": "15-30 s",
    "30_60s": "30-60 s",
    "60_180s": "1-3 min",
    "over_180s": "over 3 min",
}
_FORMAT_WORDS = {"before_after": "before/after", "behind_the_scenes": "behind-the-scenes"}


def creator_growth(history: pl.DataFrame, today: date, window_days: int = 30) -> pl.DataFrame:
    """creator_id, handle, platform, followers (latest), n_points, span_days, growth_rate (per 30 days)."""
    # Compare in the column's own time zone (UTC-aware frames from the db, naive ones in tests).
    zone = getattr(history.schema["observed_at"], "time_zone", None)
    end = datetime.combine(today + timedelta(days=1), time(), tzinfo=timezone.utc if zone else None)
    start = end - timedelta(days=window_days)
    days = (pl.col("observed_at") - pl.col("observed_at").min()).dt.total_seconds() / 86_400
    in_window = pl.col("observed_at") >= start
    fit = pl.col("followers") > 0
    x, y = days.filter(in_window & fit), pl.col("followers").cast(pl.Float64).log().filter(in_window & fit)
    return (
        history.filter(pl.col("observed_at") < end)
        .sort("observed_at")
        .group_by("creator_id", maintain_order=True)
        .agg(
            pl.col("handle").last(),
            pl.col("platform").last(),
            pl.col("followers").last(),
            n_points=x.len().cast(pl.Int64),
            span_days=x.max() - x.min(),
            slope=pl.cov(x, y) / x.var(),
        )
        .with_columns(
            growth_rate=pl.when((pl.col("n_points") >= MIN_POINTS) & (pl.col("span_days") >= MIN_SPAN_DAYS)).then(
                (pl.col("slope") * GROWTH_PERIOD_DAYS).exp() - 1
            )
        )
        .drop("slope")
    )


def size_aware(growth_rate: pl.Expr, followers: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(followers_gained over 30 days, trend_score) expressions; null where growth or followers is unknown."""
    size = followers.cast(pl.Float64)
    gained = (size - size / (1 + growth_rate)).round(0)
    return gained, growth_rate * size / (size + PRIOR_FOLLOWERS)


def trend_score(growth_rate: float | None, followers: int | None) -> tuple[int | None, float | None]:
    """(followers_gained, trend_score) of one creator (see the module docstring)."""
    if growth_rate is None or not followers:
        return None, None
    return round(followers - followers / (1 + growth_rate)), growth_rate * followers / (followers + PRIOR_FOLLOWERS)


def _plural(kind: str) -> str:
    kind = kind.replace("_", " ")
    return kind if kind.endswith("s") else kind + "s"


def _share_phrase(types: list[str]) -> str | None:
    if not types:
        return None
    ranked = sorted(Counter(types).items(), key=lambda item: (-item[1], item[0]))
    (top, top_n), total = ranked[0], len(types)
    if top_n * 2 > total or len(ranked) == 1:
        return f"Mostly {_plural(top)} ({round(100 * top_n / total)}%)"
    second, second_n = ranked[1]
    return (
        f"Mix of {_plural(top)} ({round(100 * top_n / total)}%) "
        f"and {_plural(second)} ({round(100 * second_n / total)}%)"
    )


def _rate_phrase(posted: list[datetime]) -> str:
    span_days = (max(posted) - min(posted)).total_seconds() / 86_400 + 1
    per_week = len(posted) / max(span_days, 7.0) * 7
    if per_week >= 1:
        n = round(per_week)
        return f"about {n} post{'s' if n != 1 else ''} a week"
    n = max(1, round(per_week * 30 / 7))
    return f"about {n} post{'s' if n != 1 else ''} a month"


def _most_common(values: list[str]) -> str | None:
    if not values:
        return None
    return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))[0][0]


def format_description(posts: pl.DataFrame) -> str:
    """One creator's recent posts in a sentence.

    E.g. "Mostly reels (70%), typically 15-30 s, about 4 posts a week; favours timelapse"."""
    if posts.is_empty():
        return "No recent posts"
    types = [t for t in posts["type"].to_list() if t is not None]
    buckets = [duration_bucket(s) for s in posts["duration_s"].to_list() if s is not None]
    formats = [f for f in posts["content_format"].to_list() if f is not None]
    parts = [p for p in (_share_phrase(types),) if p]
    if (bucket := _most_common([b for b in buckets if b])) is not None:
        parts.append(f"typically {_DURATION_WORDS[bucket]}")
    parts.append(_rate_phrase([p for p in posts["posted_at"].to_list() if p is not None]))
    text = ", ".join(parts)
    if (favourite := _most_common(formats)) is not None:
        text += f"; favours {_FORMAT_WORDS.get(favourite, favourite.replace('_', ' '))}"
    return text[0].upper() + text[1:]


def rank_trending_creators(
    history: pl.DataFrame,
    posts: pl.DataFrame,
    today: date,
    *,
    niches: Mapping[str, str] | None = None,
    window_days: int = 30,
    limit: int | None = None,
    min_followers: int = MIN_FOLLOWERS,
) -> pl.DataFrame:
    """rank, creator_id, handle, platform, followers, growth_rate, followers_gained, trend_score, n_points,
    span_days, niche, format_description; creators at or above the floor, highest trend_score first,
    unknown growth last."""
    growth = creator_growth(history, today, window_days).filter(pl.col("followers") >= min_followers)
    gained, score = size_aware(pl.col("growth_rate"), pl.col("followers"))
    growth = growth.with_columns(followers_gained=gained, trend_score=score)
    by_creator = {key[0]: frame for key, frame in posts.partition_by("creator_id", as_dict=True).items()}
    ids = growth["creator_id"].to_list()
    ranked = (
        growth.with_columns(
            pl.Series("niche", [(niches or {}).get(c) for c in ids], dtype=pl.String),
            pl.Series(
                "format_description",
                [format_description(by_creator.get(c, posts.clear())) for c in ids],
                dtype=pl.String,
            ),
        )
        .sort(["trend_score", "followers", "creator_id"], descending=[True, True, False], nulls_last=True)
        .with_row_index("rank", offset=1)
        .select(
            "rank",
            "creator_id",
            "handle",
            "platform",
            "followers",
            "growth_rate",
            "followers_gained",
            "trend_score",
            "n_points",
            "span_days",
            "niche",
            "format_description",
        )
    )
    return ranked if limit is None else ranked.head(limit)
