"""Her briefs over HTTP: the list with status, link and outcome (GET /api/ai/recommendations), and the post
she names as having followed a brief (POST|DELETE /api/ai/recommendations/{id}/posted).

Everything runs as her (role authenticated, RLS decides); only the measurement of a post that already has 7 days
of data runs as the service role, which alone writes outcomes (services/outcomes.py). The list pages by keyset
on (generated_at desc, rank, id) with a signed cursor (shared/cursors.py), like /api/analytics/posts.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from shared import clock, cursors
from shared.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from shared.auth import UserClaims
    from shared.models.outcomes import PostedBody, RecommendationItem, RecommendationsQuery, RecommendationsResponse

_CURSOR_LABEL = b"ai-recommendations-cursor:v1"

_LIST_SQL = """
select c.id::text as id, c.rank, c.virality_score, c.score_details, c.concept, c.hook,
       c.video_length as video_length_s, c.shot_list, c.editing_style, c.music, c.caption, c.hashtags,
       c.platform::text as platform, c.attributes, c.rationale, c.trend_topic, c.generated_at,
       case when o.recommendation_id is not null then 'measured'
            when l.recommendation_id is not null then 'posted' else 'open' end as status,
       l.platform::text as link_platform, l.platform_post_id as link_post, l.post_id as link_post_id,
       l.source as link_source, l.confidence as link_confidence, l.match as link_match, l.linked_at,
       o.measured_at, o.data_days, o.views, o.save_rate, o.share_rate, o.baseline, o.save_ratio, o.share_ratio,
       o.score_percentile, o.top_quartile, o.predicted_probability, o.predicted_shown, o.base_rate
from content_recommendations c
left join recommendation_links l on l.recommendation_id = c.id
left join recommendation_outcomes o on o.recommendation_id = c.id
where c.user_id = (select auth.uid())
"""
_STATUS = (
    "case when o.recommendation_id is not null then 'measured' when l.recommendation_id is not null"
    " then 'posted' else 'open' end"
)
_ORDER = " order by c.generated_at desc, c.rank asc, c.id asc"
_OUTCOME_FIELDS = (
    "measured_at",
    "data_days",
    "views",
    "save_rate",
    "share_rate",
    "baseline",
    "save_ratio",
    "share_ratio",
    "score_percentile",
    "top_quartile",
    "predicted_probability",
    "predicted_shown",
    "base_rate",
)


def list_recommendations(conn: Any, user_id: str, query: RecommendationsQuery) -> RecommendationsResponse:
    """One page of her briefs with status, link and outcome (RLS-scoped connection), and the next cursor."""
    from shared.models.outcomes import RecommendationsResponse

    where, params = [], {"limit": query.limit + 1, "status": query.status}
    if query.status:
        where.append(f"{_STATUS} = any(%(status)s::text[])")
    if query.cursor:
        after = _decode_cursor(query, user_id)
        where.append("(c.generated_at < %(g)s or (c.generated_at = %(g)s and (c.rank, c.id) > (%(r)s, %(i)s::uuid)))")
        params.update(after)
    sql = _LIST_SQL + "".join(f" and {w}" for w in where) + _ORDER + " limit %(limit)s"
    rows = conn.execute(sql, params).fetchall()
    items = [_item(r) for r in rows[: query.limit]]
    next_cursor = None
    if len(rows) > query.limit:
        last = rows[query.limit - 1]
        next_cursor = cursors.sign(
            _CURSOR_LABEL,
            user_id,
            {"f": _fingerprint(query), "g": last["generated_at"].isoformat(), "r": last["rank"], "i": last["id"]},
        )
    return RecommendationsResponse(items=items, next_cursor=next_cursor)


def _fingerprint(query: RecommendationsQuery) -> list[str]:
    return sorted(query.status or [])


def _decode_cursor(query: RecommendationsQuery, user_id: str) -> dict[str, Any]:
    assert query.cursor is not None
    data = cursors.verify(_CURSOR_LABEL, user_id, query.cursor)
    import uuid

    try:
        after = {"g": dt.datetime.fromisoformat(data["g"]), "r": data["r"], "i": str(uuid.UUID(data["i"]))}
        fingerprint = data["f"]
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(cursors.INVALID) from None
    if fingerprint != _fingerprint(query):
        raise InvalidInput("this cursor belongs to another status filter; start again without one")
    if after["g"].tzinfo is None or type(after["r"]) is not int:
        raise InvalidInput(cursors.INVALID)
    return after


def _item(row: dict[str, Any]) -> RecommendationItem:
    from shared.models.outcomes import RecommendationItem

    link = None
    if row["link_post"] is not None:
        link = {
            "platform": row["link_platform"],
            "platform_post_id": row["link_post"],
            "post_id": row["link_post_id"],
            "source": row["link_source"],
            "confidence": row["link_confidence"],
            "match": row["link_match"],
            "linked_at": row["linked_at"],
        }
    outcome = {k: row[k] for k in _OUTCOME_FIELDS} if row["measured_at"] is not None else None
    brief = {k: v for k, v in row.items() if not k.startswith("link") and k not in _OUTCOME_FIELDS}
    return RecommendationItem(**brief, link=link, outcome=outcome)


def _one(conn: Any, recommendation_id: str) -> RecommendationItem:
    row = conn.execute(_LIST_SQL + " and c.id = %(id)s", {"id": recommendation_id}).fetchone()
    if row is None:
        raise NotFound("no such recommendation")
    return _item(row)


def _brief_id(value: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("no such recommendation") from None


def link_post(claims: UserClaims, recommendation_id: str, body: PostedBody) -> RecommendationItem:
    """She names the post that followed a brief: it replaces any link of the brief and of the post, then the
    outcome is measured at once if the post already has 7 days of data."""
    from shared.db import service_transaction, user_transaction
    from shared.services.outcomes import measure_due

    brief_id = _brief_id(recommendation_id)
    with user_transaction(claims) as conn:
        _one(conn, brief_id)  # hers, or 404 (RLS)
        conn.execute(
            "delete from recommendation_links where recommendation_id = %s"
            " or (platform = %s and platform_post_id = %s)",
            (brief_id, body.platform, body.platform_post_id),
        )
        conn.execute(
            "delete from recommendation_link_rejections where recommendation_id = %s and platform = %s"
            " and platform_post_id = %s",
            (brief_id, body.platform, body.platform_post_id),
        )
        conn.execute(
            """insert into recommendation_links (recommendation_id, user_id, platform, platform_post_id, post_id,
                 linked_at)
               values (%s, %s, %s, %s, (select id from posts where user_id = %s and platform = %s
                                                         and platform_post_id = %s), %s)""",
            (
                brief_id,
                claims.user_id,
                body.platform,
                body.platform_post_id,
                claims.user_id,
                body.platform,
                body.platform_post_id,
                clock.now(),
            ),
        )
    with service_transaction() as conn:
        measure_due(conn, claims.user_id, clock.now())
    with user_transaction(claims) as conn:
        return _one(conn, brief_id)


def unlink_post(claims: UserClaims, recommendation_id: str) -> RecommendationItem:
    """She removes a brief's link (and its outcome); the matcher will not link that pair again."""
    from shared.db import user_transaction

    brief_id = _brief_id(recommendation_id)
    with user_transaction(claims) as conn:
        _one(conn, brief_id)
        removed = conn.execute(
            "delete from recommendation_links where recommendation_id = %s"
            " returning platform::text as platform, platform_post_id",
            (brief_id,),
        ).fetchone()
        if removed is not None:
            conn.execute(
                "insert into recommendation_link_rejections (recommendation_id, user_id, platform,"
                " platform_post_id, rejected_at) values (%s, %s, %s, %s, %s) on conflict do nothing",
                (brief_id, claims.user_id, removed["platform"], removed["platform_post_id"], clock.now()),
            )
        return _one(conn, brief_id)
