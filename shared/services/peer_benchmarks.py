"""Benchmarks against peers: her rates as percentiles among tracked niche creators in her follower tier.

Peers are the tracked creators /api/creators/trending lists for her niche (services/trend_queries.py,
her own accounts excluded) on the same platform, in her follower tier there; each one's latest check
(creator_observations) gives its recent posts' public counts. The statistics are engines/peers.py's.
Save and share rates are not benchmarked: no platform API exposes another account's saves or shares
(Business Discovery and the YouTube Data API give likes, comments and views), so those say so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.models.signals import PeerBenchmarks, PeerMetric

GROWTH_DAYS = 30
_LABELS = {
    "engagement_rate": "Engagement per view (likes + comments)",
    "save_rate": "Saves per view",
    "share_rate": "Shares per view",
    "follower_growth": "Follower growth, 30 days",
}
_OBSERVATIONS_SQL = """
select distinct on (creator_id) creator_id::text as creator_id, recent_posts
from creator_observations where creator_id = any(%s::uuid[]) and observed_at <= %s
order by creator_id, observed_at desc
"""


def peer_benchmarks(conn: Any, platform: str, now: dt.datetime) -> PeerBenchmarks:
    """Her percentiles among her peers on one platform (RLS-scoped connection)."""
    from shared.engines.peers import follower_tier
    from shared.services.niche import NOT_COVERED, my_niche, niche_creators

    followers = _her_followers(conn, platform, now)
    unavailable = [_unavailable(key, platform) for key in ("save_rate", "share_rate")]
    if followers is None:
        return PeerBenchmarks(
            tier=None,
            tier_range=[None, None],
            followers=None,
            n_peers=0,
            reason="no follower count from this platform yet",
            metrics=unavailable,
        )
    tier, low, high = follower_tier(followers)
    if platform in NOT_COVERED:
        return PeerBenchmarks(
            tier=tier,
            tier_range=[low, high],
            followers=followers,
            n_peers=0,
            reason=f"no peers yet: {NOT_COVERED[platform]}",
            metrics=unavailable,
        )
    keywords, _, _ = my_niche(conn)
    peers = [
        c
        for c in niche_creators(conn, keywords, platform)
        if c["followers"] is not None and c["followers"] >= low and (high is None or c["followers"] < high)
    ]
    posts = (
        {
            r["creator_id"]: r["recent_posts"]
            for r in conn.execute(_OBSERVATIONS_SQL, ([str(c["id"]) for c in peers], now)).fetchall()
        }
        if peers
        else {}
    )
    metrics = [
        _engagement(conn, platform, now, [posts.get(str(c["id"])) or [] for c in peers]),
        *unavailable,
        _growth(conn, platform, now, [c["growth_rate"] for c in peers]),
    ]
    reason = (
        None
        if peers
        else f"no peers yet: no tracked {platform} creator in your niche has {tier}-tier "
        f"followers ({_range(low, high)})"
    )
    return PeerBenchmarks(
        tier=tier, tier_range=[low, high], followers=followers, n_peers=len(peers), reason=reason, metrics=metrics
    )


def _range(low: int, high: int | None) -> str:
    return f"{low:,} or more" if high is None else f"{low:,} to {high - 1:,}"


def _her_followers(conn: Any, platform: str, now: dt.datetime) -> int | None:
    row = conn.execute(
        "select followers from analytics_snapshots where user_id = (select auth.uid())"
        " and platform = %s and followers is not null and snapshot_date <= %s"
        " order by snapshot_date desc limit 1",
        (platform, now.date()),
    ).fetchone()
    return row["followers"] if row else None


def _unavailable(key: str, platform: str) -> PeerMetric:
    noun = "saves" if key == "save_rate" else "shares"
    return PeerMetric(
        key=key,
        label=_LABELS[key],
        status="unavailable",
        percentile=None,
        ci_low=None,
        ci_high=None,
        value=None,
        peer_median=None,
        n_peers=0,
        explanation=f"No platform API exposes other accounts' {noun} (Instagram Business Discovery and "
        "the YouTube Data API give likes, comments and views), so there is no peer "
        f"{noun} rate to compare with.",
    )


def _posts_frame(rows: list[dict[str, Any]]) -> Any:
    import polars as pl

    from shared.platforms.models import parse_time

    schema: dict[str, Any] = {
        "posted_at": pl.Datetime("us", "UTC"),
        "views": pl.Float64,
        "likes": pl.Float64,
        "comments": pl.Float64,
    }
    data = [
        (
            parse_time(r["posted_at"]) if isinstance(r.get("posted_at"), str) else r.get("posted_at"),
            r.get("views"),
            r.get("likes"),
            r.get("comments"),
        )
        for r in rows
        if isinstance(r, dict)
    ]
    return pl.DataFrame(data, schema=schema, orient="row")


def _engagement(conn: Any, platform: str, now: dt.datetime, peer_posts: list[list[dict[str, Any]]]) -> PeerMetric:
    import numpy as np

    from shared.engines.peers import MIN_POSTS, engagement_per_view

    mine = engagement_per_view(
        _posts_frame(
            conn.execute(
                """select posted_at, views, likes, comments from posts where user_id = (select auth.uid())
           and platform = %s and posted_at <= %s order by posted_at desc limit 200""",
                (platform, now),
            ).fetchall()
        )
    )
    peers = [v for v in (engagement_per_view(_posts_frame(p)) for p in peer_posts) if len(v) >= MIN_POSTS]
    if len(mine) < MIN_POSTS:
        return _not_enough(
            "engagement_rate",
            len(peers),
            f"{len(mine)} of your recent posts have views and likes or comments; {MIN_POSTS} are needed",
        )
    value = float(np.median(mine))
    return _scored("engagement_rate", value, mine, [float(np.median(p)) for p in peers], peers)


def _growth(conn: Any, platform: str, now: dt.datetime, peer_growth: list[float | None]) -> PeerMetric:
    import numpy as np
    import polars as pl

    from shared.engines.creators import creator_growth

    rows = conn.execute(
        "select snapshot_date, followers from analytics_snapshots where user_id = (select auth.uid())"
        " and platform = %s and followers is not null and snapshot_date > %s and snapshot_date <= %s",
        (platform, now.date() - dt.timedelta(days=GROWTH_DAYS), now.date()),
    ).fetchall()
    history = pl.DataFrame(
        [
            ("me", "me", platform, dt.datetime.combine(r["snapshot_date"], dt.time(), dt.timezone.utc), r["followers"])
            for r in rows
        ],
        schema={
            "creator_id": pl.String,
            "handle": pl.String,
            "platform": pl.String,
            "observed_at": pl.Datetime("us", "UTC"),
            "followers": pl.Int64,
        },
        orient="row",
    )
    growth = creator_growth(history, now.date(), GROWTH_DAYS)
    value = growth["growth_rate"][0] if growth.height else None
    known = [g for g in peer_growth if g is not None]
    if value is None:
        return _not_enough(
            "follower_growth", len(known), "fewer than two follower counts over 3 or more days in the last 30"
        )
    return _scored("follower_growth", float(value), np.array([value]), known, [np.array([g]) for g in known])


def _creators(n: int) -> str:
    return f"{n} tracked creator{'' if n == 1 else 's'}"


def _not_enough(key: str, n_peers: int, why: str) -> PeerMetric:
    return PeerMetric(
        key=key,
        label=_LABELS[key],
        status="not_enough_data",
        percentile=None,
        ci_low=None,
        ci_high=None,
        value=None,
        peer_median=None,
        n_peers=n_peers,
        explanation=f"Not enough data: {why}.",
    )


def _scored(key: str, value: float, mine: Any, peer_values: list[float], peer_samples: list[Any]) -> PeerMetric:
    """Her percentile among the peers' values with its interval, or "no peers yet" below MIN_PEERS."""
    import numpy as np

    from shared.engines.peers import MIN_PEERS, percentile, percentile_interval

    common = {"key": key, "label": _LABELS[key], "value": value, "n_peers": len(peer_values)}
    shown = f"{value:+.1%}" if key == "follower_growth" else f"{value:.2%}"
    if len(peer_values) < MIN_PEERS:
        return PeerMetric(
            **common,
            status="no_peers",
            percentile=None,
            ci_low=None,
            ci_high=None,
            peer_median=float(np.median(peer_values)) if peer_values else None,
            explanation=f"No peers yet: {_creators(len(peer_values))} of your size in your niche "
            f"{'reports' if len(peer_values) == 1 else 'report'} this; {MIN_PEERS} are "
            f"needed for a percentile. Yours: {shown}.",
        )
    point = percentile(value, peer_values)
    low, high = percentile_interval(mine, peer_samples)
    median = float(np.median(peer_values))
    return PeerMetric(
        **common,
        status="ok",
        percentile=round(point),
        ci_low=round(low),
        ci_high=round(high),
        peer_median=median,
        explanation=f"Yours {shown} is above {point:.0f}% of {len(peer_values)} niche creators of your "
        f"size (95% CI {low:.0f}–{high:.0f}%; their median "
        f"{f'{median:+.1%}' if key == 'follower_growth' else f'{median:.2%}'}).",
    )
