"""Viral pattern detection for one creator: read posts, extract attributes, test, store insights and model.

Everything happens on the connection the caller opened, so one transaction covers the attribute
upsert, the insight replacement and the virality model: a failed run leaves the previous results.
The same code runs as the creator (`user_transaction`, RLS applies) and as the cron (service role).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared import clock
from shared.attributes import LEVELS

if TYPE_CHECKING:
    import polars as pl

    from shared.config import Settings
    from shared.engines.virality import ViralityModel

FDR = 0.05
TOP_N = 50
# Posts sent to the model per run: a first run over a long history fills in over a few runs.
LLM_POSTS_PER_RUN = 200
COVERAGE_CATEGORY = "pattern_coverage"
# Pattern insights are the ones whose category is an attribute of the vocabulary, plus what could not be judged.
PATTERN_CATEGORIES = sorted([*LEVELS, COVERAGE_CATEGORY])
DATA_POINT_KEYS = (
    "attribute",
    "level",
    "metric",
    "ratio",
    "ci_low",
    "ci_high",
    "n_level",
    "n_reference",
    "reference",
    "p_value",
    "q_value",
    "top_share",
    "base_share",
)
_POSTS_SQL = """
select id, platform::text as platform, type::text as type, title, caption, duration_s, views, saves, shares,
       skip_rate, retention_early, posted_at
from posts where user_id = %s and posted_at >= %s and posted_at <= %s
order by posted_at, id
"""
# Newest first: those weigh most in her current patterns. Posts without words give a model nothing.
_UNREAD_POSTS_SQL = """
select p.id::text as post_id, p.platform::text as platform, p.title, p.caption, p.thumbnail_url
from posts p
where p.user_id = %s and p.id = any(%s)
  and (coalesce(btrim(p.title), '') <> '' or coalesce(btrim(p.caption), '') <> '')
  and not exists (select 1 from post_attributes a where a.post_id = p.id and a.source = 'llm')
order by p.posted_at desc, p.id desc
limit %s
"""


@dataclass
class PatternRun:
    """What one detection run stored, what it could not judge, and how good her virality model is."""

    insights: list[dict[str, Any]] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    not_enough_data: list[dict[str, Any]] = field(default_factory=list)
    tested: int = 0
    fdr: float = FDR
    virality_report: dict[str, Any] = field(default_factory=dict)
    posts_analyzed: int = 0


def run_pattern_detection(
    conn: Any,
    user_id: str,
    *,
    window_days: int = 365,
    min_posts_per_level: int = 15,
    fdr: float = FDR,
    settings: Settings | None = None,
) -> PatternRun:
    """Detect her patterns over the window, replace her pattern insights and refit her virality model."""
    from shared.engines.patterns import coverage_text, detect_patterns, findings

    _lock_creator(conn, user_id)
    posts = load_posts(conn, user_id, window_days)
    attributes = with_brief_levels(
        conn, user_id, refresh_attributes(conn, user_id, posts, profile_timezone(conn, user_id), settings=settings)
    )
    result = detect_patterns(posts, attributes, top_n=TOP_N, min_n=min_posts_per_level, fdr=fdr)
    coverage = [{**row, "text": coverage_text(row)} for row in result.coverage.iter_rows(named=True)]
    stored = replace_pattern_insights(conn, user_id, findings(result), not_judged(coverage, min_posts_per_level))
    model = store_virality_model(
        conn,
        user_id,
        posts,
        attributes,
        result,
        lambda p, a: detect_patterns(p, a, top_n=TOP_N, min_n=min_posts_per_level, fdr=fdr),
    )
    missing = result.levels.filter(result.levels.get_column("status") == "not_enough_data")
    return PatternRun(
        insights=stored,
        coverage=coverage,
        not_enough_data=[
            {"attribute": r["attribute"], "level": r["level"], "metric": r["metric"], "n": r["n_level"]}
            for r in missing.iter_rows(named=True)
        ],
        tested=result.families_tested,
        fdr=fdr,
        virality_report=model.report.model_dump(mode="json"),
        posts_analyzed=posts.height,
    )


def _lock_creator(conn: Any, user_id: str) -> None:
    # Two runs for one creator (her click and the cron) would interleave deletes and inserts.
    conn.execute("select pg_advisory_xact_lock(hashtextextended('patterns:' || %s, 0))", (user_id,))


def profile_timezone(conn: Any, user_id: str) -> str:
    row = conn.execute("select timezone from profiles where id = %s", (user_id,)).fetchone()
    return row["timezone"] if row else "UTC"


def load_posts(conn: Any, user_id: str, window_days: int) -> pl.DataFrame:
    """Her posts of the window (up to the clock's now) as the engines expect them."""
    now = clock.now()
    rows = conn.execute(_POSTS_SQL, (user_id, now - dt.timedelta(days=window_days), now)).fetchall()
    return posts_frame(rows)


def posts_frame(rows: Any) -> pl.DataFrame:
    """Post rows (the posts table's columns: id, platform, type, ..., skip_rate as a 0-1 share) as the
    engines expect them: post_id as text, Instagram's skip rate in percent, times in UTC."""
    import polars as pl

    schema: dict[str, Any] = {
        "post_id": pl.Utf8,
        "platform": pl.Utf8,
        "type": pl.Utf8,
        "title": pl.Utf8,
        "caption": pl.Utf8,
        "duration_s": pl.Float64,
        "views": pl.Int64,
        "saves": pl.Int64,
        "shares": pl.Int64,
        "reels_skip_rate": pl.Float64,
        "retention_early": pl.Float64,
        "posted_at": pl.Datetime("us", "UTC"),
    }
    data = [
        (
            str(r["id"]),
            r["platform"],
            r["type"],
            r["title"],
            r["caption"],
            r["duration_s"],
            r["views"],
            r["saves"],
            r["shares"],
            # posts.skip_rate is a 0-1 share; the rule's cut points are Instagram's percent.
            r["skip_rate"] * 100 if r["skip_rate"] is not None else None,
            r["retention_early"],
            r["posted_at"].astimezone(dt.timezone.utc),
        )
        for r in rows
    ]
    return pl.DataFrame(data, schema=schema, orient="row")


def refresh_attributes(
    conn: Any,
    user_id: str,
    posts: pl.DataFrame,
    timezone: str,
    *,
    read_with_llm: bool = True,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Re-extract rule attributes, add model-read ones for unread posts, return every stored attribute."""
    from shared.engines.attribute_rules import extract_attributes, merge_read_attributes

    ids = [int(i) for i in posts.get_column("post_id").to_list()]
    read = read_unread_posts(conn, user_id, ids, settings) if read_with_llm else []
    extracted = merge_read_attributes(extract_attributes(posts, timezone), read)
    # Rules are re-run from scratch (a caption edit may remove a cue); rows read by an LLM stay. Only what
    # changed is written: a rule row no rule reads now goes, a changed one is updated, an unchanged one is
    # left as it is (a rerun over 3,000 posts rewrote ~24,000 rows before).
    if not extracted.height:
        conn.execute(
            "delete from post_attributes where user_id = %s and post_id = any(%s) and source <> 'llm'", (user_id, ids)
        )
        return stored_attributes(conn, user_id, ids)
    conn.execute(
        """with new as (
             select * from unnest(%(post)s::bigint[], %(attribute)s::text[], %(level)s::text[], %(source)s::text[],
                                  %(confidence)s::float8[]) as t(post_id, attribute, level, source, confidence)),
           gone as (
             delete from post_attributes a
             where a.user_id = %(user)s and a.post_id = any(%(ids)s) and a.source <> 'llm'
               and not exists (select 1 from new n where n.post_id = a.post_id and n.attribute = a.attribute))
           insert into post_attributes as a (post_id, user_id, attribute, level, source, confidence)
           select post_id, %(user)s, attribute, level, source, confidence from new
           on conflict (user_id, post_id, attribute) do update
           set level = excluded.level, source = excluded.source, confidence = excluded.confidence,
               extracted_at = now()
           where (a.source <> 'llm' and (a.level, a.source, a.confidence)
                                         is distinct from (excluded.level, excluded.source, excluded.confidence))
              or (a.source = 'llm' and (excluded.source = 'platform' or a.confidence < excluded.confidence))""",
        {
            "user": user_id,
            "ids": ids,
            "post": [int(i) for i in extracted.get_column("post_id")],
            "attribute": extracted.get_column("attribute").to_list(),
            "level": extracted.get_column("level").to_list(),
            "source": extracted.get_column("source").to_list(),
            "confidence": extracted.get_column("confidence").to_list(),
        },
    )
    return stored_attributes(conn, user_id, ids)


def read_unread_posts(
    conn: Any, user_id: str, post_ids: list[int], settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Attribute rows a model read from posts it has not read before; none without an API key."""
    from shared.config import get_settings

    settings = settings or get_settings()
    key = settings.anthropic_api_key
    if key is None or not key.get_secret_value() or not post_ids:
        return []
    unread = conn.execute(_UNREAD_POSTS_SQL, (user_id, post_ids, LLM_POSTS_PER_RUN)).fetchall()
    if not unread:
        return []
    from shared.llm.attribute_extractor import extract_attributes_llm

    return extract_attributes_llm(settings, [dict(row) for row in unread])


def stored_attributes(conn: Any, user_id: str, post_ids: list[int]) -> pl.DataFrame:
    import polars as pl

    rows = conn.execute(
        "select post_id::text as post_id, attribute, level, source, confidence"
        " from post_attributes where user_id = %s and post_id = any(%s)"
        " order by post_id, attribute",
        (user_id, post_ids),
    ).fetchall()
    schema: dict[str, Any] = {
        "post_id": pl.Utf8,
        "attribute": pl.Utf8,
        "level": pl.Utf8,
        "source": pl.Utf8,
        "confidence": pl.Float64,
    }
    return pl.DataFrame([tuple(r.values()) for r in rows], schema=schema, orient="row")


def not_judged(coverage: list[dict[str, Any]], min_n: int) -> list[dict[str, Any]]:
    """What could not be judged, worth telling her: one line per metric she has too few posts for, else one
    per attribute her platforms do not let us read."""
    from shared.engines.patterns import METRIC_NOUNS

    out = []
    for metric in sorted({c["metric"] for c in coverage}):
        rows = [c for c in coverage if c["metric"] == metric and c["verdict"] == "not_testable"]
        if rows and rows[0]["n_posts"] < 2 * min_n:
            noun = METRIC_NOUNS[metric]
            out.append(
                {
                    "attribute": None,
                    "metric": metric,
                    "verdict": "not_testable",
                    "n_posts": rows[0]["n_posts"],
                    "n_known": None,
                    "reason": f"{rows[0]['n_posts']} posts with {noun} so far",
                    "text": f"Not enough data to judge anything on {metric.replace('_', ' ')} yet: "
                    f"{rows[0]['n_posts']} posts with {noun} so far.",
                }
            )
        else:
            out.extend(rows)
    return out


def replace_pattern_insights(
    conn: Any, user_id: str, found: list[Any], not_judged: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Replace her pattern insights: the findings that hold, then what could not be judged; returns them."""
    conn.execute("delete from insights where user_id = %s and category = any(%s)", (user_id, PATTERN_CATEGORIES))
    rows = [(f.text, f.impact, f.category, {key: getattr(f, key) for key in DATA_POINT_KEYS}) for f in found]
    rows += [
        (
            c["text"],
            "low",
            COVERAGE_CATEGORY,
            {k: c[k] for k in ("attribute", "metric", "verdict", "reason", "n_posts", "n_known")},
        )
        for c in not_judged
    ]
    stored = []
    for text, impact, category, data_points in rows:
        stored.append(
            conn.execute(
                "insert into insights (user_id, insight, impact, category, data_points)"
                " values (%s, %s, %s, %s, %s)"
                " returning id::text as id, insight, impact, category, data_points",
                (user_id, text, impact, category, json.dumps(data_points)),
            ).fetchone()
        )
    return stored


def with_brief_levels(conn: Any, user_id: str, attributes: pl.DataFrame) -> pl.DataFrame:
    """Her stored attributes, plus the brief's levels on posts she said followed a brief, where no rule or
    model read that attribute (the stored level wins: engines keep the first level per post and attribute)."""
    import polars as pl

    from shared.services.outcomes import brief_levels_of_linked_posts

    briefed = brief_levels_of_linked_posts(conn, user_id)
    return attributes if briefed.is_empty() else pl.concat([attributes, briefed.select(attributes.columns)])


def store_virality_model(
    conn: Any,
    user_id: str,
    posts: pl.DataFrame,
    attributes: pl.DataFrame,
    patterns: Any = None,
    fit_patterns: Any = None,
) -> ViralityModel:
    """Fit her virality model (on `patterns`, the run's full-history result, when given; with her briefs'
    realised calibration) and upsert it."""
    from shared.engines.virality import fit_virality_model
    from shared.services.outcomes import realised_report

    model = fit_virality_model(
        posts, attributes, patterns=patterns, fit_patterns=fit_patterns, realised=realised_report(conn, user_id)
    )
    conn.execute(
        # fitted_at is bookkeeping the weekly cron compares with posts.fetched_at: both database time.
        """insert into virality_models (user_id, model, report, fitted_at) values (%s, %s, %s, now())
           on conflict (user_id) do update set model = excluded.model, report = excluded.report,
                                               fitted_at = excluded.fitted_at""",
        (user_id, json.dumps(model.to_json_dict()), json.dumps(model.report.model_dump(mode="json"))),
    )
    return model


def load_or_fit_virality_model(conn: Any, user_id: str, *, window_days: int = 365) -> ViralityModel:
    """Her stored model, or one fitted (and stored) now from her posts when she has none yet."""
    from shared.engines.virality import ViralityModel

    row = conn.execute("select model from virality_models where user_id = %s", (user_id,)).fetchone()
    if row is not None:
        try:
            return ViralityModel.from_json_dict(row["model"])
        except (KeyError, TypeError, ValueError):
            pass  # an unreadable stored model (older format, hand-edited row) is simply refitted
    _lock_creator(conn, user_id)
    posts = load_posts(conn, user_id, window_days)
    # Inside a recommend request: no model calls beyond the concepts (her quota); the next pattern
    # run reads the posts.
    attributes = with_brief_levels(
        conn, user_id, refresh_attributes(conn, user_id, posts, profile_timezone(conn, user_id), read_with_llm=False)
    )
    return store_virality_model(conn, user_id, posts, attributes)


def patterns_response(run: PatternRun) -> Any:
    """The HTTP answer of POST /api/ai/patterns for a run."""
    from shared.models.ai import PatternsResponse, ViralitySummary

    summary = ViralitySummary(**{k: run.virality_report.get(k) for k in ViralitySummary.model_fields})
    return PatternsResponse(
        insights=run.insights,
        coverage=run.coverage,
        not_enough_data=run.not_enough_data,
        tested=run.tested,
        fdr=run.fdr,
        virality_model=summary,
        posts_analyzed=run.posts_analyzed,
    )
