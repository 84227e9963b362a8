"""Content recommendations: idempotent, quota-limited generation, each concept scored by her virality model.

A request row (recommendation_requests) goes through three short steps, so no database connection
is held while the concept writer works (it may take a minute):
1. claim, in one transaction under the creator's advisory lock: a succeeded key is replayed; a key still
   being generated, or reused for a different body, is a 409; the daily quota is checked; the row is
   inserted (or a failed row re-opened) as `pending`.
2. generate, outside any transaction: context, her virality model, the provider's concepts.
3. finish, in one transaction: the ranked concepts are inserted and the row marked `succeeded`; or, when
   generation failed, the row is marked `failed` and no concept row exists. A failed key can be retried.
Offline (rules) generations cost nothing and do not count against the daily LLM quota.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared import clock
from shared.errors import Conflict, InvalidInput, RateLimited

if TYPE_CHECKING:
    from shared.auth import UserClaims
    from shared.config import Settings
    from shared.engines.virality import ViralityModel
    from shared.llm.models import ContentConcept, RecommendationContext
    from shared.llm.provider import LLMProvider
    from shared.models.ai import RecommendBody, RecommendResponse

# A pending row older than this is taken to belong to a crashed instance and may be taken over.
PENDING_TAKEOVER_MIN = dt.timedelta(minutes=5)
IN_FLIGHT_RETRY_AFTER_S = 5
_KEY = re.compile(r"^[\x21-\x7e]{8,128}$")


@dataclass
class Claim:
    """The outcome of step 1: a request id to generate for, or a stored answer to replay."""

    request_id: str
    replay: RecommendResponse | None = None


def recommend(settings: Settings, claims: UserClaims, body: RecommendBody, header_key: str | None) -> RecommendResponse:
    """Generate (or replay) ranked, scored concepts for the caller."""
    from shared.db import service_transaction, user_transaction
    from shared.errors import AppError
    from shared.llm.provider import get_provider
    from shared.services.patterns import load_or_fit_virality_model

    key = idempotency_key(body.idempotency_key, header_key)
    provider = get_provider(settings)
    # Request rows are the quota's ledger: written by the service role only (scoped to the verified
    # caller), so a creator cannot delete or rewrite them through PostgREST to lift her quota.
    with service_transaction() as conn:
        claim = claim_request(conn, claims.user_id, key, fingerprint(body), provider, settings)
    if claim.replay is not None:
        return claim.replay
    try:
        with user_transaction(claims) as conn:
            context = build_context(conn, claims.user_id, body.platform)
            model = load_or_fit_virality_model(conn, claims.user_id)
        concepts = provider.generate_concepts(context, body.count).concepts
    except Exception as exc:
        with service_transaction() as conn:
            reason = exc.detail if isinstance(exc, AppError) else type(exc).__name__
            mark_failed(conn, claim.request_id, reason)
        raise
    ranked = rank_concepts(concepts, model, body.platform)
    with service_transaction() as conn:
        return store_recommendations(conn, claims.user_id, claim.request_id, provider, ranked)


def idempotency_key(body_key: str | None, header_key: str | None) -> str:
    """The request's key: body and header must agree when both are sent; none means a fresh key."""
    if header_key is not None:
        header_key = header_key.strip()
        if not _KEY.match(header_key):
            raise InvalidInput("the Idempotency-Key header must be 8-128 printable characters")
    if body_key is not None and header_key is not None and body_key != header_key:
        raise InvalidInput("idempotency_key in the body and the Idempotency-Key header differ")
    # Without a key the request cannot be replayed: it gets one of its own.
    return body_key or header_key or f"auto-{uuid.uuid4().hex}"


def fingerprint(body: RecommendBody) -> str:
    """What the key promises to answer: a key reused for another count or platform is refused."""
    payload = json.dumps({"count": body.count, "platform": body.platform}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def seconds_until_utc_midnight(now: dt.datetime | None = None) -> int:
    now = now or clock.now()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    return max(1, math.ceil((midnight - now).total_seconds()))


def claim_request(
    conn: Any, user_id: str, key: str, body_fingerprint: str, provider: LLMProvider, settings: Settings
) -> Claim:
    """Step 1: replay, refuse, or open the request row as pending (see the module docstring)."""
    # Serialises her claims: the quota count and the insert cannot interleave with another request's.
    conn.execute("select pg_advisory_xact_lock(hashtextextended('recommend:' || %s, 0))", (user_id,))
    # The quota's day and a pending row's age are read on the system clock, which also stamps the rows.
    now = clock.now()
    row = conn.execute(
        "select id::text as id, status, fingerprint, created_at, %s - created_at as age"
        " from recommendation_requests where user_id = %s and idempotency_key = %s",
        (now, user_id, key),
    ).fetchone()
    if row is not None and row["fingerprint"] not in (None, body_fingerprint):
        raise Conflict("this idempotency key was already used for a different request")
    if row is not None and row["status"] == "succeeded":
        return Claim(row["id"], replay=load_response(conn, row["id"], replayed=True))
    takeover = max(PENDING_TAKEOVER_MIN, dt.timedelta(seconds=3 * settings.llm_timeout_s))
    if row is not None and row["status"] == "pending" and row["age"] < takeover:
        raise Conflict(
            "a request with this idempotency key is still being generated; retry shortly",
            headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER_S)},
        )
    if not provider.offline:
        _check_quota(conn, user_id, row["id"] if row else None, settings.llm_daily_quota, now)
    values = (provider.name, provider.offline, body_fingerprint)
    if row is not None:
        conn.execute(
            "update recommendation_requests set status = 'pending', provider = %s, offline = %s,"
            " fingerprint = %s, error = null, created_at = %s, completed_at = null where id = %s",
            (*values, now, row["id"]),
        )
        return Claim(row["id"])
    new = conn.execute(
        "insert into recommendation_requests (user_id, idempotency_key, provider, offline,"
        " fingerprint, created_at) values (%s, %s, %s, %s, %s, %s) returning id::text as id",
        (user_id, key, *values, now),
    ).fetchone()
    return Claim(new["id"])


def _check_quota(conn: Any, user_id: str, reopened_id: str | None, quota: int, now: dt.datetime) -> None:
    # Pending and succeeded LLM generations of this UTC day count; failed ones gave her nothing.
    day_start = dt.datetime.combine(now.date(), dt.time(), dt.timezone.utc)
    used = conn.execute(
        """select count(*) as n from recommendation_requests
           where user_id = %s and not offline and status in ('pending', 'succeeded')
             and created_at >= %s and id is distinct from %s::uuid""",
        (user_id, day_start, reopened_id),
    ).fetchone()["n"]
    if used >= quota:
        raise RateLimited(
            f"daily limit of {quota} AI generations reached; it resets at midnight UTC",
            retry_after=seconds_until_utc_midnight(now),
        )


def mark_failed(conn: Any, request_id: str, reason: str) -> None:
    conn.execute(
        "update recommendation_requests set status = 'failed', error = %s, completed_at = now()"
        " where id = %s and status = 'pending'",
        (reason[:500], request_id),
    )


def build_context(conn: Any, user_id: str, platform: str | None) -> RecommendationContext:
    """Her niche, top trends, 30-day analytics, per-platform rates, best posts and current insights."""
    from shared.llm.models import HashtagStat, Insight, RecommendationContext, TopPost, Trend
    from shared.services.niche import niche_key

    profile = conn.execute("select niche_keywords from profiles where id = %s", (user_id,)).fetchone()
    keywords = list(profile["niche_keywords"]) if profile else []
    # Trends keeps steady topics too (opportunities need them): only rising ones (heat > 0) feed ideas.
    trends = conn.execute(
        "select topic, heat_score, growth_7d, growth_30d from trends where niche_key = %s"
        " and expires_at > %s and heat_score > 0 order by heat_score desc, topic limit 10",
        (niche_key(keywords), clock.now()),
    ).fetchall()
    signals = post_signals(conn, user_id)
    return RecommendationContext(
        top_hashtags=[HashtagStat(**t) for t in top_hashtags(conn, user_id)],
        niche_keywords=keywords,
        trends=[
            Trend(topic=t["topic"], heat=t["heat_score"], growth_7d=t["growth_7d"], growth_30d=t["growth_30d"])
            for t in trends
        ],
        analytics_summary=analytics_summary(conn, user_id),
        signals=signals,
        top_posts=[TopPost(**p) for p in top_posts(conn, user_id)],
        insights=[Insight(**i) for i in current_insights(conn, user_id)],
        platforms=[platform] if platform else sorted(signals),
    )


def analytics_summary(conn: Any, user_id: str) -> dict[str, Any]:
    rows = conn.execute(
        """select platform::text as platform, count(*) as days,
                  (array_agg(followers order by snapshot_date desc) filter (where followers is not null))[1]
                    as followers,
                  (array_agg(followers order by snapshot_date desc) filter (where followers is not null))[1]
                  - (array_agg(followers order by snapshot_date) filter (where followers is not null))[1]
                    as follower_change,
                  sum(views)::bigint as views, sum(saves)::bigint as saves, sum(shares)::bigint as shares,
                  avg(engagement_rate) as engagement_rate
           from analytics_snapshots where user_id = %s and snapshot_date > %s
           group by platform order by platform""",
        (user_id, clock.today() - dt.timedelta(days=30)),
    ).fetchall()
    return {"period_days": 30, "platforms": {r.pop("platform"): r for r in rows}}


def post_signals(conn: Any, user_id: str) -> dict[str, Any]:
    """Median per-view rates of her last 90 days of posts, per platform (views >= 50)."""
    rows = conn.execute(
        """select platform::text as platform, count(*) as n_posts,
                  percentile_cont(0.5) within group (order by save_rate) as save_rate,
                  percentile_cont(0.5) within group (order by share_rate) as share_rate,
                  percentile_cont(0.5) within group (order by engagement_rate) as engagement_rate,
                  percentile_cont(0.5) within group (order by completion_rate) as completion_rate,
                  percentile_cont(0.5) within group (order by skip_rate) as skip_rate
           from posts where user_id = %s and posted_at > %s and views >= 50
           group by platform order by platform""",
        (user_id, clock.now() - dt.timedelta(days=90)),
    ).fetchall()
    return {r.pop("platform"): r for r in rows}


def top_posts(conn: Any, user_id: str, per_metric: int = 5) -> list[dict[str, Any]]:
    """Her best posts by save rate and by share rate (views >= 50), with their attributes."""
    rows = conn.execute(
        """with best as (
             (select id from posts where user_id = %(u)s and views >= 50 and save_rate is not null
              order by save_rate desc, id limit %(n)s)
             union
             (select id from posts where user_id = %(u)s and views >= 50 and share_rate is not null
              order by share_rate desc, id limit %(n)s))
           select p.title, left(p.caption, 240) as caption_excerpt, p.platform::text as platform,
                  p.save_rate, p.share_rate,
                  coalesce((select jsonb_object_agg(a.attribute, a.level) from post_attributes a
                            where a.post_id = p.id), '{}') as attributes
           from posts p join best using (id)
           order by greatest(coalesce(p.save_rate, 0), coalesce(p.share_rate, 0)) desc, p.id""",
        {"u": user_id, "n": per_metric},
    ).fetchall()
    return rows


def current_insights(conn: Any, user_id: str) -> list[dict[str, Any]]:
    """Her significant pattern findings (not what could not be judged)."""
    from shared.attributes import LEVELS

    rows = conn.execute(
        "select insight, data_points from insights where user_id = %s and category = any(%s)"
        " order by detected_at desc, id limit 20",
        (user_id, sorted(LEVELS)),
    ).fetchall()
    return [
        {
            "text": r["insight"],
            "attribute": r["data_points"]["attribute"],
            "level": r["data_points"]["level"],
            "metric": r["data_points"].get("metric"),
            "ratio": r["data_points"]["ratio"],
        }
        for r in rows
    ]


def top_hashtags(conn: Any, user_id: str, limit: int = 8) -> list[dict[str, Any]]:
    """Her own hashtags of the last year, best first by the shrunk relative rate of the posts carrying them."""
    from shared.engines.hashtags import hashtag_performance
    from shared.services.patterns import load_posts

    ranked = hashtag_performance(load_posts(conn, user_id, 365)).head(limit)
    return [{"tag": r["tag"], "posts": r["posts"], "score": round(r["score"], 3)} for r in ranked.iter_rows(named=True)]


def score_concept(model: ViralityModel, concept: ContentConcept) -> tuple[float | None, dict[str, Any]]:
    """P(her top quartile) for the concept, or None when her model is no better than her base rate; with
    what the score rests on and one sentence saying what it means."""
    report = model.report
    used = model.levels_used()
    wanted = [f"{a}={lv}" for a, lv in sorted(concept.attributes.items())]
    earned = report.status == "ok" and report.earned
    raw, low, high = model.predict_interval(concept.attributes, concept.platform)
    interval = [low, high] if earned and high > low else None
    probability = raw if earned else None
    return probability, {
        "probability": probability,
        "probability_ci": interval,
        "earned": earned,
        # What the model said even when it is not shown: realised outcomes are scored against it.
        "model_probability": raw if report.status == "ok" else None,
        "statement": score_statement(report, probability, interval),
        "base_rate": report.base_rate,
        "model_status": report.status,
        "brier": report.brier,
        "brier_base_rate": report.brier_base_rate,
        "skill": report.skill,
        "skill_ci": report.skill_ci,
        "auc": report.auc,
        "n_train": report.n_train,
        "n_test": report.n_test,
        "levels_used": [f for f in wanted if f in used],
        "levels_unknown": [f for f in wanted if f not in used],
    }


def score_statement(report: Any, probability: float | None, interval: list[float] | None = None) -> str:
    """What a virality score means, in whole percentages (the model has not earned decimals)."""
    base = f"{report.base_rate:.0%}"
    if report.status != "ok":
        return (
            f"Not enough history yet ({report.n_posts} posts with measured rates): about {base} of posts "
            "reach a creator's top quartile."
        )
    if probability is None:
        return (
            f"No better than your base rate: {base} of your posts reach your top quartile, and your history "
            "does not yet tell which ideas will."
        )
    spread = f" (95% CI {interval[0]:.0%}–{interval[1]:.0%})" if interval else ""
    return (
        f"{probability:.0%}{spread} chance of reaching your top quartile (base rate {base}); on posts it "
        f"had not seen, this model beat the base rate by {report.skill:.0%} (Brier skill)."
    )


def rank_concepts(
    concepts: list[ContentConcept], model: ViralityModel, platform: str | None
) -> list[tuple[ContentConcept, float | None, dict[str, Any]]]:
    """Concepts with their scores, best first; unscored concepts keep the writer's order."""
    if platform is not None:
        concepts = [c.model_copy(update={"platform": platform}) for c in concepts]
    scored = [(c, *score_concept(model, c)) for c in concepts]
    return sorted(scored, key=lambda item: -(item[1] or 0.0))


def store_recommendations(
    conn: Any,
    user_id: str,
    request_id: str,
    provider: LLMProvider,
    ranked: list[tuple[ContentConcept, float | None, dict[str, Any]]],
) -> RecommendResponse:
    """Step 3: the concepts and the request's success in one transaction."""
    # The clock's now, not the database's: outcome tracking links posts published within 14 days of it.
    now = clock.now()
    done = conn.execute(
        "update recommendation_requests set status = 'succeeded', completed_at = %s"
        " where id = %s and user_id = %s and status = 'pending' returning id",
        (now, request_id, user_id),
    ).fetchone()
    if done is None:
        raise Conflict("this request was taken over by a retry with the same idempotency key")
    for rank, (c, score, details) in enumerate(ranked, start=1):
        conn.execute(
            """insert into content_recommendations (user_id, request_id, rank, platform, concept, hook,
                 video_length, shot_list, editing_style, music, caption, hashtags, attributes, rationale,
                 trend_topic, virality_score, score_details, provider, offline, generated_at)
               values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                user_id,
                request_id,
                rank,
                c.platform,
                c.concept,
                c.hook,
                c.video_length_s,
                json.dumps([s.model_dump() for s in c.shot_list]),
                c.editing_style,
                c.music,
                c.caption,
                c.hashtags,
                json.dumps(c.attributes),
                c.rationale,
                c.trend_topic,
                None if score is None else min(max(score, 0.0), 1.0),
                json.dumps(details),
                provider.name,
                provider.offline,
                now,
            ),
        )
    return load_response(conn, request_id, replayed=False)


def load_response(conn: Any, request_id: str, *, replayed: bool) -> RecommendResponse:
    """The stored answer of a succeeded request."""
    from shared.models.ai import RecommendResponse

    request = conn.execute(
        "select id::text as id, provider, offline, completed_at from recommendation_requests where id = %s",
        (request_id,),
    ).fetchone()
    rows = conn.execute(
        """select id::text as id, rank, virality_score, score_details, concept, hook,
                  video_length as video_length_s, shot_list, editing_style, music, caption, hashtags,
                  platform::text as platform, attributes, rationale, trend_topic
           from content_recommendations where request_id = %s order by rank""",
        (request_id,),
    ).fetchall()
    return RecommendResponse(
        request_id=request["id"],
        provider=request["provider"],
        offline=request["offline"],
        replayed=replayed,
        generated_at=request["completed_at"],
        recommendations=rows,
    )
