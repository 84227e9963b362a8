"""Content gaps: topics people look for and engage with that few creators in the niche serve.

demand, one row per topic: search_interest (latest index 0-100), growth_rate (fractional, as in
trends), engagement_rate (mean save/engagement rate of posts on the topic, 0.04 = 4 %); any may be
null. supply, one row per topic: active_creators (tracked creators who posted on it in the last 30
days), posts_per_week (posts on it per week in the niche). Formulas:

- interest_term   = clip(search_interest / 100, 0, 1)
- growth_term     = 1 - exp(-max(growth_rate, 0) / 0.5)       (the velocity_score squashing)
- engagement_term = 1 - exp(-engagement_rate / 0.05)          (a 5 % rate -> 0.63)
- demand_index    = weighted mean of the known terms, weights 0.4 / 0.3 / 0.3, renormalised over
                    the terms that are not null; null when none is known
- supply_index    = active_creators + 0.5 * posts_per_week. A topic missing from supply has zero
                    supply (nobody posted on it); a null inside a supply row stays unknown.
- gap_ratio       = demand_index / (1 + ln(1 + supply_index)): the +1 keeps zero supply finite,
                    the log makes the first few creators count more than the fortieth
- gap_score       = 100 * gap_ratio, in [0, 100]; absolute, so scores compare across runs.
"""
from __future__ import annotations

from collections.abc import Mapping

import polars as pl

DEMAND_COLUMNS = ("search_interest", "growth_rate", "engagement_rate")
DEMAND_WEIGHTS = {"interest_term": 0.4, "growth_term": 0.3, "engagement_term": 0.3}
GROWTH_SCALE = 0.5
ENGAGEMENT_SCALE = 0.05
POSTS_PER_WEEK_WEIGHT = 0.5


def opportunity_gaps(
    demand: pl.DataFrame,
    supply: pl.DataFrame,
    *,
    growth_scale: float = GROWTH_SCALE,
    engagement_scale: float = ENGAGEMENT_SCALE,
) -> pl.DataFrame:
    """Every input column plus the three terms, demand_index, supply_index, gap_ratio, gap_score."""
    supply_columns = ["active_creators", "posts_per_week"]
    # A demand signal nobody measured is unknown (null), never zero.
    demand = demand.with_columns(
        (pl.col(c) if c in demand.columns else pl.lit(None)).cast(pl.Float64).alias(c)
        for c in DEMAND_COLUMNS)
    joined = demand.join(supply.select("topic", *supply_columns), on="topic", how="left")
    missing_supply = pl.col("topic").is_in(supply["topic"].implode()).not_()
    known = [pl.col(term).is_not_null().cast(pl.Float64) * w for term, w in DEMAND_WEIGHTS.items()]
    weighted = [pl.col(term) * w for term, w in DEMAND_WEIGHTS.items()]
    return (
        joined.with_columns(
            *(pl.when(missing_supply).then(0).otherwise(pl.col(c)).cast(pl.Float64).alias(c)
              for c in supply_columns),
            interest_term=(pl.col("search_interest") / 100).clip(0.0, 1.0),
            growth_term=1 - (-pl.col("growth_rate").clip(lower_bound=0) / growth_scale).exp(),
            engagement_term=1 - (-pl.col("engagement_rate").clip(lower_bound=0) / engagement_scale).exp(),
        )
        .with_columns(
            demand_index=pl.when(pl.sum_horizontal(known) > 0)
            .then(pl.sum_horizontal(weighted) / pl.sum_horizontal(known)),
            supply_index=pl.col("active_creators") + POSTS_PER_WEEK_WEIGHT * pl.col("posts_per_week"),
        )
        .with_columns(
            gap_ratio=pl.col("demand_index") / (1 + pl.col("supply_index").clip(lower_bound=0).log1p()))
        .with_columns(gap_score=100 * pl.col("gap_ratio"))
        .sort(["gap_score", "topic"], descending=[True, False], nulls_last=True)
    )


# How each craft is made, in words a caption would use.
_CRAFT_WORDS: dict[str, dict[str, str]] = {
    "resin": {"make": "pour", "moment": "the demould", "trouble": "bubbles and sticky cures"},
    "crochet": {"make": "crochet", "moment": "the last stitch", "trouble": "wonky edges and uneven tension"},
    "knitting": {"make": "knit", "moment": "casting off", "trouble": "dropped stitches"},
    "decor": {"make": "make and style", "moment": "the styled-shelf reveal", "trouble": "a cluttered look"},
    "slow crafting": {"make": "slowly make", "moment": "the quiet final touches",
                      "trouble": "rushing the process"},
    "pottery": {"make": "throw", "moment": "the kiln opening", "trouble": "cracks while drying"},
    "candle making": {"make": "pour", "moment": "the first burn", "trouble": "tunnelling and sinkholes"},
    "macrame": {"make": "knot", "moment": "trimming the fringe", "trouble": "uneven knots"},
    "fiber art": {"make": "weave", "moment": "taking it off the loom", "trouble": "pulled-in edges"},
    "embroidery": {"make": "stitch", "moment": "popping it out of the hoop", "trouble": "puckered fabric"},
    "jewelry making": {"make": "make", "moment": "the first try-on", "trouble": "loose jump rings"},
}
_DEFAULT_WORDS = {"make": "make", "moment": "the reveal", "trouble": "the usual beginner mistakes"}
_DURATION = {"under_15s": "10 s", "15_30s": "30 s", "30_60s": "60 s", "60_180s": "2 minutes",
             "over_180s": "5 minutes"}
_ANGLE = {"overhead": "shot overhead", "closeup": "in close-up", "face_to_camera": "talking to camera",
          "pov": "from your point of view", "wide": "in one wide studio shot"}
_AUDIO = {"trending_audio": "on a trending sound", "voiceover": "with a voiceover",
          "original_audio": "with the real studio sounds", "asmr": "as ASMR, no music"}
_HOOK = {"instant": "open on the finished piece", "fast": "show the result in the first 3 s",
         "slow": "save the reveal for the last second"}
_FIXES_IDEA = "Fixes: 3 {topic} mistakes ({trouble}) and how I avoid them, ending on {moment}, {audio}"
_FORMAT_IDEAS = {
    "timelapse": "Timelapse: {make} {topic} start to finish in {duration}, {angle}",
    "tutorial": "Tutorial: {make} {topic} step by step in {duration}, {angle}; {hook}",
    "before_after": "Before/after: {topic} from raw materials to {moment} in {duration}, {angle}",
    "showcase": "Showcase: 5 {topic} pieces in {duration}, {angle}; {hook}",
    "behind_the_scenes": "Behind the scenes: a day of making {topic} for the shop, {audio}",
}


def content_ideas(topic: str, category: str | None, creator_strengths: Mapping[str, str]) -> list[str]:
    """Three concrete post ideas for a gap, in the creator's strongest format, length, angle and sound."""
    words = {
        **_CRAFT_WORDS.get(category or "", _DEFAULT_WORDS),
        "topic": topic,
        "duration": _DURATION.get(creator_strengths.get("duration_bucket", ""), "30 s"),
        "angle": _ANGLE.get(creator_strengths.get("camera_angle", ""), "shot overhead"),
        "audio": _AUDIO.get(creator_strengths.get("audio_type", ""), "with the real studio sounds"),
        "hook": _HOOK.get(creator_strengths.get("hook_speed", ""), "open on the finished piece"),
    }
    best_format = creator_strengths.get("content_format")
    template = _FORMAT_IDEAS.get(best_format or "", _FORMAT_IDEAS["timelapse"])
    # The other two ideas use a different format than the first so the three do not repeat.
    second = _FORMAT_IDEAS["before_after" if template != _FORMAT_IDEAS["before_after"] else "tutorial"]
    ideas = [
        template.format(**words),
        second.format(**words),
        _FIXES_IDEA.format(**words),
    ]
    return [idea[0].upper() + idea[1:] for idea in ideas]
