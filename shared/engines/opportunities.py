"""Content gaps: topics people search for that few creators serve, from the numbers the sources give.

demand, one row per topic: interest_index (Pinterest interest on one scale for every keyword of a run,
so topics compare), relevance (0-1 to her niche), engagement_rate (mean rate of n_related posts on
the topic) and niche_engagement (the mean over every related post of the niche); any may be null.
supply, one row per topic: youtube_uploads_30d (videos matching the topic uploaded in 30 days, YouTube
search), instagram_posts_24h (recent hashtag media on the topic), tracked_posts_30d (tracked creators'
posts on it in 30 days); null = not measured, never 0. Formulas:

- engagement_factor = clip(sqrt(shrunk / niche_engagement), 0.8, 1.25) with shrunk = (n * rate + 10 *
  niche_engagement) / (n + 10): related posts nudge demand by at most 25 %, a handful barely; 1 when
  either rate is unknown.
- demand_index   = relevance * interest_index * engagement_factor; null without an interest index.
- posts_per_week = youtube_uploads_30d * 7 / 30 + instagram_posts_24h * 7 over the measured ones; when
                   neither is measured, tracked_posts_30d * 7 / 30 (tracked creators only: a lower
                   bound, `supply_basis` says so); null when nothing measured the topic.
- gap_ratio      = demand_index / (1 + posts_per_week): searches per unit of fresh content (the +1
                   keeps an unserved topic finite); null when demand or supply is unknown.
- gap_score      = 100 * gap_ratio / (gap_ratio + 10), in [0, 100): absolute, so scores compare across
                   runs; 50 = e.g. interest 50 at full relevance against 4 posts a week.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

ENGAGEMENT_PRIOR_POSTS = 10.0
ENGAGEMENT_BOUNDS = (0.8, 1.25)
GAP_HALF = 10.0
DEMAND_COLUMNS = {
    "interest_index": pl.Float64,
    "relevance": pl.Float64,
    "engagement_rate": pl.Float64,
    "n_related": pl.Int64,
    "niche_engagement": pl.Float64,
}
SUPPLY_COLUMNS = {"youtube_uploads_30d": pl.Float64, "instagram_posts_24h": pl.Float64, "tracked_posts_30d": pl.Float64}


def _with_columns(frame: pl.DataFrame, columns: Mapping[str, Any]) -> pl.DataFrame:
    # A signal nobody measured is unknown (null), never zero.
    return frame.with_columns(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c) for c, t in columns.items()
    )


def opportunity_gaps(demand: pl.DataFrame, supply: pl.DataFrame) -> pl.DataFrame:
    """Every input column plus engagement_factor, demand_index, posts_per_week, supply_basis, gap_ratio,
    gap_score; widest gap first, unknown gaps last."""
    demand = _with_columns(demand, DEMAND_COLUMNS)
    supply = _with_columns(supply, SUPPLY_COLUMNS).select("topic", *SUPPLY_COLUMNS)
    n, rate, niche = (
        pl.col("n_related").fill_null(0).cast(pl.Float64),
        pl.col("engagement_rate"),
        pl.col("niche_engagement"),
    )
    shrunk = (n * rate.fill_null(0.0) + ENGAGEMENT_PRIOR_POSTS * niche) / (n + ENGAGEMENT_PRIOR_POSTS)
    youtube, instagram, tracked = (pl.col(c) for c in SUPPLY_COLUMNS)
    searched = youtube.is_not_null() | instagram.is_not_null()
    return (
        demand.join(supply, on="topic", how="left")
        .with_columns(
            engagement_factor=pl.when(niche > 0).then((shrunk / niche).sqrt().clip(*ENGAGEMENT_BOUNDS)).otherwise(1.0)
        )
        .with_columns(
            demand_index=pl.col("relevance").fill_null(0.0) * pl.col("interest_index") * pl.col("engagement_factor"),
            posts_per_week=pl.when(searched)
            .then(youtube.fill_null(0.0) * 7 / 30 + instagram.fill_null(0.0) * 7)
            .otherwise(tracked * 7 / 30),
            supply_basis=pl.when(youtube.is_not_null() & instagram.is_not_null())
            .then(pl.lit("youtube+instagram"))
            .when(youtube.is_not_null())
            .then(pl.lit("youtube"))
            .when(instagram.is_not_null())
            .then(pl.lit("instagram"))
            .when(tracked.is_not_null())
            .then(pl.lit("tracked_creators_lower_bound")),
        )
        .with_columns(gap_ratio=pl.col("demand_index") / (1 + pl.col("posts_per_week")))
        .with_columns(gap_score=100 * pl.col("gap_ratio") / (pl.col("gap_ratio") + GAP_HALF))
        .sort(["gap_score", "topic"], descending=[True, False], nulls_last=True)
    )


def significant_strengths(findings: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Her best level per attribute among pattern findings whose 95 % CI lies above 1 (ratio > 1 for sure):
    ({attribute: level}, the findings used). Findings carry attribute, level, metric, ratio, ci_low, ci_high."""
    best: dict[str, dict[str, Any]] = {}
    for f in findings:
        if not f.get("attribute") or not f.get("level") or f.get("ci_low") is None or f.get("ratio") is None:
            continue
        if float(f["ci_low"]) > 1 and (f["attribute"] not in best or f["ratio"] > best[f["attribute"]]["ratio"]):
            best[f["attribute"]] = dict(f)
    used = sorted(best.values(), key=lambda f: -float(f["ratio"]))
    return {f["attribute"]: f["level"] for f in used}, used


# How each craft is made, in words a caption would use.
_CRAFT_WORDS: dict[str, dict[str, str]] = {
    "resin": {"make": "pour", "moment": "the demould", "trouble": "bubbles and sticky cures"},
    "crochet": {"make": "crochet", "moment": "the last stitch", "trouble": "wonky edges and uneven tension"},
    "knitting": {"make": "knit", "moment": "casting off", "trouble": "dropped stitches"},
    "decor": {"make": "make and style", "moment": "the styled-shelf reveal", "trouble": "a cluttered look"},
    "slow crafting": {"make": "slowly make", "moment": "the quiet final touches", "trouble": "rushing the process"},
    "pottery": {"make": "throw", "moment": "the kiln opening", "trouble": "cracks while drying"},
    "candle making": {"make": "pour", "moment": "the first burn", "trouble": "tunnelling and sinkholes"},
    "macrame": {"make": "knot", "moment": "trimming the fringe", "trouble": "uneven knots"},
    "fiber art": {"make": "weave", "moment": "taking it off the loom", "trouble": "pulled-in edges"},
    "embroidery": {"make": "stitch", "moment": "popping it out of the hoop", "trouble": "puckered fabric"},
    "jewelry making": {"make": "make", "moment": "the first try-on", "trouble": "loose jump rings"},
}
_DEFAULT_WORDS = {"make": "make", "moment": "the reveal", "trouble": "the usual beginner mistakes"}
_DURATION = {"under_15s": "10 s", "15_30s": "30 s", "30_60s": "60 s", "60_180s": "2 minutes", "over_180s": "5 minutes"}
_ANGLE = {
    "overhead": ", shot overhead",
    "closeup": ", in close-up",
    "face_to_camera": ", talking to camera",
    "pov": ", from your point of view",
    "wide": ", in one wide studio shot",
}
_AUDIO = {
    "trending_audio": ", on a trending sound",
    "voiceover": ", with a voiceover",
    "original_audio": ", with the real studio sounds",
    "asmr": ", as ASMR, no music",
}
_HOOK = {
    "instant": "; open on the finished piece",
    "fast": "; show the result in the first 3 s",
    "slow": "; save the reveal for the last second",
}
_FIXES_IDEA = "Fixes: 3 {topic} mistakes ({trouble}) and how I avoid them, ending on {moment}{audio}"
_FORMAT_IDEAS = {
    "timelapse": "Timelapse: {make} {topic} start to finish in {duration}{angle}",
    "tutorial": "Tutorial: {make} {topic} step by step in {duration}{angle}{hook}",
    "before_after": "Before/after: {topic} from raw materials to {moment} in {duration}{angle}",
    "showcase": "Showcase: 5 {topic} pieces in {duration}{angle}{hook}",
    "behind_the_scenes": "Behind the scenes: a day of making {topic} for the shop{audio}",
}


def content_ideas(topic: str, category: str | None, creator_strengths: Mapping[str, str]) -> list[str]:
    """Three concrete post ideas for a gap, in the creator's strongest format, length, angle and sound
    (significant_strengths); `category` is the topic's own craft, for the verbs. An angle, sound or hook she
    has no finding for is left out rather than guessed."""
    words = {
        **_CRAFT_WORDS.get(category or "", _DEFAULT_WORDS),
        "topic": topic,
        "duration": _DURATION.get(creator_strengths.get("duration_bucket", ""), "30 s"),
        "angle": _ANGLE.get(creator_strengths.get("camera_angle", ""), ""),
        "audio": _AUDIO.get(creator_strengths.get("audio_type", ""), ""),
        "hook": _HOOK.get(creator_strengths.get("hook_speed", ""), ""),
    }
    best_format = creator_strengths.get("content_format")
    template = _FORMAT_IDEAS.get(best_format or "", _FORMAT_IDEAS["timelapse"])
    # The other two ideas use a different format than the first so the three do not repeat.
    second = _FORMAT_IDEAS["before_after" if template != _FORMAT_IDEAS["before_after"] else "tutorial"]
    ideas = [template.format(**words), second.format(**words), _FIXES_IDEA.format(**words)]
    return [idea[0].upper() + idea[1:] for idea in ideas]
