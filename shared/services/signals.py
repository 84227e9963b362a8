"""Ranking-signal scores per connected platform, against her own history and the niche.

For each signal (docs/platform-apis.md §0, §5: what each platform's ranking rewards) every post gets a
value (e.g. saves / reach). Recent = her posts of the last 30 days; baseline = her posts of the 150
days before (the trailing 180 days minus the recent 30, so the recent posts are not judged against
themselves). With m = median of the recent values and b_1..b_n the baseline values:

    score = 100 * (#{b_i < m} + 0.5 * #{b_i = m}) / n            (higher is better)
    score = 100 * (#{b_i > m} + 0.5 * #{b_i = m}) / n            (lower is better, e.g. skip rate)

i.e. the mid-rank percentile of her recent median within her own distribution: 50 = her usual, 90 =
better than 90 % of her earlier posts. Fewer than 5 recent posts (or 5 baseline posts) with the
signal -> score null with a reason. Medians and p25/p75 interpolate linearly between order statistics.
The niche score is the same percentile within the pooled recent posts of the tracked creators
(trending_creators whose niche is one of her niche keywords, latest creator_observations.recent_posts,
whose entries use the posts column names: views, reach, likes, comments, saves, shares, ...).
Peers (services/peer_benchmarks.py): her engagement and follower growth as percentiles among tracked niche
creators in her follower tier, with intervals; save and share rates say why they cannot be compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.models.signals import NicheBenchmark, PlatformSignals, Signal, SignalInputs, SignalsResponse

RECENT_DAYS, BASELINE_DAYS, MIN_POSTS = 30, 180, 5
NOT_ENOUGH = "not enough posts"
PostValue = Callable[[dict[str, Any]], float | None]


def _number(post: dict[str, Any], key: str) -> float | None:
    value = post.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def per(numerator: str, denominator: str) -> PostValue:
    """numerator / denominator of one post; None when either is missing or the denominator is 0."""

    def value(post: dict[str, Any]) -> float | None:
        top, bottom = _number(post, numerator), _number(post, denominator)
        return top / bottom if top is not None and bottom else None

    return value


def field(name: str) -> PostValue:
    return lambda post: _number(post, name)


def engagements_per_view(post: dict[str, Any]) -> float | None:
    counts = [_number(post, k) for k in ("likes", "comments", "shares", "saves")]
    views = _number(post, "views")
    known = [c for c in counts if c is not None]
    return sum(known) / views if known and views else None


@dataclass(frozen=True)
class SignalSpec:
    key: str
    label: str
    value: PostValue | None  # None: the platform does not expose it
    unit: str = "ratio"
    higher_is_better: bool = True
    types: frozenset[str] | None = None
    unavailable: str | None = None


SIGNALS: dict[str, tuple[SignalSpec, ...]] = {
    "instagram": (
        SignalSpec("saves_per_reach", "Saves per reach", per("saves", "reach")),
        SignalSpec("shares_per_reach", "Shares per reach", per("shares", "reach")),
        SignalSpec(
            "reels_avg_watch_time",
            "Reels average watch time",
            field("avg_watch_time_s"),
            unit="seconds",
            types=frozenset({"reel"}),
        ),
        SignalSpec(
            "reels_skip_rate", "Reels skip rate", field("skip_rate"), higher_is_better=False, types=frozenset({"reel"})
        ),
    ),
    "youtube": (
        SignalSpec("average_view_percentage", "Average view percentage", field("completion_rate")),
        SignalSpec("engagement_per_view", "Engagements per view", engagements_per_view),
        SignalSpec("shares_per_view", "Shares per view", per("shares", "views")),
    ),
    "pinterest": (
        SignalSpec("save_rate", "Saves per impression", per("saves", "views")),
        SignalSpec("outbound_click_rate", "Outbound clicks per impression", per("outbound_clicks", "views")),
    ),
    "tiktok": (
        SignalSpec(
            "completion_rate",
            "Completion rate",
            None,
            unavailable="TikTok's Display API reports no watch time or completion, so this is unavailable",
        ),
        SignalSpec("shares_per_view", "Shares per view", per("shares", "views")),
        SignalSpec("comments_per_view", "Comments per view", per("comments", "views")),
    ),
}
METHOD = (
    "score = mid-rank percentile (0-100) of the median of your last 30 days' posts within your posts "
    "of the 150 days before (reversed where lower is better); the niche score places the same median "
    "among tracked niche creators' recent posts. Fewer than 5 posts -> no score. peers: your engagement per "
    "view (median of your 12 latest posts) and 30-day follower growth as percentiles among tracked niche "
    "creators in your follower tier, 95% bootstrap interval; fewer than 5 peers -> no percentile."
)


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default); `sorted_values` non-empty."""
    position = (len(sorted_values) - 1) * q
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def percentile_score(value: float, distribution: list[float], higher_is_better: bool = True) -> float:
    """Mid-rank percentile of `value` within `distribution`, 0-100, rounded to 0.1."""
    below = sum(1 for b in distribution if b < value)
    above = sum(1 for b in distribution if b > value)
    equal = len(distribution) - below - above
    beaten = below if higher_is_better else above
    return round(100 * (beaten + 0.5 * equal) / len(distribution), 1)


def _values(spec: SignalSpec, posts: list[dict[str, Any]]) -> list[float]:
    assert spec.value is not None
    chosen = (p for p in posts if spec.types is None or p.get("type") in spec.types)
    return sorted(v for v in map(spec.value, chosen) if v is not None)


def _show(value: float, unit: str) -> str:
    if unit == "seconds":
        return f"{value:.1f} s"
    return f"{value * 100:.2f}%" if value < 0.01 else f"{value * 100:.1f}%"


def _explain(
    spec: SignalSpec, recent: float | None, base: float | None, score: float | None, n_recent: int, n_baseline: int
) -> str:
    if recent is None:
        return f"Only {n_recent} post(s) of the last 30 days report this; {MIN_POSTS} are needed for a score."
    if score is None or base is None:
        return (
            f"Recent median {_show(recent, spec.unit)}; only {n_baseline} earlier post(s) to compare with, "
            f"{MIN_POSTS} are needed for a score."
        )
    side = "better than" if spec.higher_is_better else "lower than"
    return (
        f"Your recent median {spec.label.lower()} ({_show(recent, spec.unit)}) is {side} {score:.0f}% of "
        f"your posts from the 5 months before (median {_show(base, spec.unit)})."
    )


def _niche(
    spec: SignalSpec, recent: float | None, niche_posts: list[dict[str, Any]] | None, n_creators: int
) -> tuple[NicheBenchmark | None, str | None]:
    if niche_posts is None:
        return None, "no niche keywords set on your profile"
    if n_creators == 0:
        return None, "no tracked creators yet"
    values = _values(spec, niche_posts)
    if len(values) < MIN_POSTS:
        return None, "not enough tracked creators' posts report this metric"
    score = percentile_score(recent, values, spec.higher_is_better) if recent is not None else None
    return NicheBenchmark(
        value=quantile(values, 0.5),
        p25=quantile(values, 0.25),
        p75=quantile(values, 0.75),
        score=score,
        n_posts=len(values),
        n_creators=n_creators,
    ), None


def score_signal(
    spec: SignalSpec,
    recent_posts: list[dict[str, Any]],
    baseline_posts: list[dict[str, Any]],
    niche_posts: list[dict[str, Any]] | None,
    n_creators: int,
) -> Signal:
    """One signal's score, inputs, niche benchmark and explanation."""
    common = {"key": spec.key, "label": spec.label, "unit": spec.unit, "higher_is_better": spec.higher_is_better}
    if spec.value is None:
        return Signal(
            **common,
            score=None,
            reason="unavailable",
            explanation=spec.unavailable or "unavailable",
            inputs=None,
            niche_benchmark=None,
            niche_reason="unavailable",
        )
    recent_values, base_values = _values(spec, recent_posts), _values(spec, baseline_posts)
    recent = quantile(recent_values, 0.5) if len(recent_values) >= MIN_POSTS else None
    score, reason = None, None
    if recent is None:
        reason = NOT_ENOUGH
    elif len(base_values) < MIN_POSTS:
        reason = "not enough posts in the baseline"
    else:
        score = percentile_score(recent, base_values, spec.higher_is_better)
    inputs = SignalInputs(
        recent_value=recent,
        baseline_median=quantile(base_values, 0.5) if base_values else None,
        baseline_p25=quantile(base_values, 0.25) if base_values else None,
        baseline_p75=quantile(base_values, 0.75) if base_values else None,
        n_recent=len(recent_values),
        n_baseline=len(base_values),
    )
    niche, niche_reason = _niche(spec, recent, niche_posts, n_creators)
    return Signal(
        **common,
        score=score,
        reason=reason,
        inputs=inputs,
        niche_benchmark=niche,
        niche_reason=niche_reason,
        explanation=_explain(spec, recent, inputs.baseline_median, score, len(recent_values), len(base_values)),
    )


_POSTS_SQL = """
select platform::text as platform, type::text as type, posted_at, views, reach, likes, comments, saves, shares,
       avg_watch_time_s, skip_rate, completion_rate, outbound_clicks
from posts where user_id = (select auth.uid()) and posted_at >= %(since)s and posted_at <= %(now)s
"""
_NICHE_SQL = """
select c.platform::text as platform, c.id, o.recent_posts
from trending_creators c
join lateral (select recent_posts from creator_observations o where o.creator_id = c.id
              order by o.observed_at desc limit 1) o on true
where lower(c.niche) = any(%(keywords)s::text[])
"""


def _niche_posts(conn: Any) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]] | None:
    profile = conn.execute("select niche_keywords from profiles where id = (select auth.uid())").fetchone()
    keywords = [k.strip().lower() for k in (profile["niche_keywords"] if profile else []) if k.strip()]
    if not keywords:
        return None
    posts: dict[str, list[dict[str, Any]]] = {}
    creators: dict[str, int] = {}
    for row in conn.execute(_NICHE_SQL, {"keywords": keywords}):
        creators[row["platform"]] = creators.get(row["platform"], 0) + 1
        entries = row["recent_posts"] if isinstance(row["recent_posts"], list) else []
        posts.setdefault(row["platform"], []).extend(e for e in entries if isinstance(e, dict))
    return posts, creators


def signals(conn: Any, now: dt.datetime | None = None) -> SignalsResponse:
    """Score every connected platform's signals, and her standing among peers, for the caller (RLS-scoped)."""
    from shared import clock
    from shared.services.peer_benchmarks import peer_benchmarks

    now = now or clock.now()
    recent_start = now - dt.timedelta(days=RECENT_DAYS)
    connections = conn.execute("""select platform::text as platform, status::text as status
                                  from platform_connections where user_id = (select auth.uid())
                                  order by platform""").fetchall()
    posts = conn.execute(_POSTS_SQL, {"since": now - dt.timedelta(days=BASELINE_DAYS), "now": now}).fetchall()
    niche = _niche_posts(conn)
    result = []
    for connection in connections:
        platform = connection["platform"]
        mine = [p for p in posts if p["platform"] == platform]
        recent = [p for p in mine if p["posted_at"] >= recent_start]
        baseline = [p for p in mine if p["posted_at"] < recent_start]
        niche_posts = niche[0].get(platform, []) if niche else None
        n_creators = niche[1].get(platform, 0) if niche else 0
        result.append(
            PlatformSignals(
                platform=platform,
                connection_status=connection["status"],
                signals=[score_signal(spec, recent, baseline, niche_posts, n_creators) for spec in SIGNALS[platform]],
                peers=peer_benchmarks(conn, platform, now),
            )
        )
    return SignalsResponse(
        as_of=now, recent_days=RECENT_DAYS, baseline_days=BASELINE_DAYS, method=METHOD, platforms=result
    )
