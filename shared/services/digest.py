"""The weekly digest of one creator: read as her (role authenticated with her claims, so RLS decides what it can
contain), rendered as an email (engines/digest.py) and stored in weekly_digests, which Realtime pushes to the
frontend. Sending it is a configured provider's job.

What it says, for the 7 days ending on the clock's today:
- what changed: the overview's 7-day comparison on equal windows (services/overview.py);
- her pattern findings, largest effect first, new ones marked (not in her previous digest);
- her briefs: outcomes measured this week and posts linked this week (services/outcomes.py);
- the best next post: her open brief of the last 30 days with the highest score (the writer's order when
  unscored), and when to post it: the best window for its platform from best-times, with its interval,
  or why there is none.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from shared import clock

PERIOD_DAYS = 7
OPEN_BRIEF_DAYS = 30
_METRICS = ("followers", "views", "engagement_rate", "saves", "shares")


def write_digest(user_id: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Compose, render and store her digest for the week ending today; returns the stored row's key facts."""
    from shared.auth import UserClaims
    from shared.db import service_transaction, user_transaction
    from shared.engines.digest import render_html, render_text, subject

    now = now or clock.now()
    claims = UserClaims(user_id=user_id, role="authenticated", email=None, raw={"sub": user_id})
    with user_transaction(claims) as conn:
        content = digest_content(conn, user_id, now)
    with service_transaction() as conn:
        row = conn.execute(
            """insert into weekly_digests (user_id, period_start, period_end, subject, html, text, content, created_at)
               values (%s, %s, %s, %s, %s, %s, %s, %s)
               on conflict (user_id, period_end) do update set period_start = excluded.period_start,
                 subject = excluded.subject, html = excluded.html, text = excluded.text, content = excluded.content,
                 created_at = excluded.created_at
               returning id::text as id""",
            (
                user_id,
                content["period"]["start"],
                content["period"]["end"],
                subject(content),
                render_html(content),
                render_text(content),
                json.dumps(content),
                now,
            ),
        ).fetchone()
    assert row is not None  # an upsert's returning always answers
    return {"id": row["id"], "period_end": content["period"]["end"]}


def digest_content(conn: Any, user_id: str, now: dt.datetime) -> dict[str, Any]:
    """What her digest says, as data (RLS-scoped connection)."""
    end = now.date()
    start = end - dt.timedelta(days=PERIOD_DAYS)
    profile = conn.execute("select name from profiles where id = %s", (user_id,)).fetchone()
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "name": profile["name"] if profile else None,
        "changes": _changes(conn, end),
        "findings": _findings(conn, user_id, end),
        "outcomes": _outcomes(conn, user_id, now - dt.timedelta(days=PERIOD_DAYS), now),
        "next_post": _next_post(conn, user_id, now),
    }


def _changes(conn: Any, end: dt.date) -> list[dict[str, Any]]:
    from shared.models.overview import OverviewQuery
    from shared.services.overview import overview

    body = overview(conn, OverviewQuery(period="7d"), today=end)
    return [
        {
            "platform": p.platform,
            **{m: getattr(p.metrics, m).model_dump(include={"value", "change", "change_pct"}) for m in _METRICS},
        }
        for p in body.platforms
    ]


def _findings(conn: Any, user_id: str, end: dt.date) -> list[dict[str, Any]]:
    from shared.attributes import LEVELS

    rows = conn.execute(
        "select insight, data_points from insights where user_id = %s and category = any(%s)"
        " order by detected_at desc, id",
        (user_id, sorted(LEVELS)),
    ).fetchall()
    previous = conn.execute(
        "select content from weekly_digests where user_id = %s and period_end < %s order by period_end desc limit 1",
        (user_id, end),
    ).fetchone()
    seen = {f.get("key") for f in (previous["content"].get("findings", []) if previous else [])}
    out = []
    for row in rows:
        points = row["data_points"]
        key = f"{points.get('attribute')}={points.get('level')}:{points.get('metric')}"
        strength = abs(math.log(points["ratio"])) if (points.get("ratio") or 0) > 0 else 0.0
        out.append({"key": key, "text": row["insight"], "new": key not in seen, "_strength": strength})
    # The largest effects first.
    out.sort(key=lambda f: (-f.pop("_strength"), f["key"]))
    return out


def _outcomes(conn: Any, user_id: str, since: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    rows = conn.execute(
        """select c.concept, l.platform::text as platform,
                  case when o.recommendation_id is not null then 'measured' else 'posted' end as status,
                  o.save_ratio, o.share_ratio, o.top_quartile, o.predicted_probability as predicted
           from recommendation_links l join content_recommendations c on c.id = l.recommendation_id
           left join recommendation_outcomes o on o.recommendation_id = l.recommendation_id
           where l.user_id = %(u)s and ((o.measured_at > %(since)s and o.measured_at <= %(now)s)
                                        or (o.recommendation_id is null and l.linked_at > %(since)s
                                            and l.linked_at <= %(now)s))
           order by coalesce(o.measured_at, l.linked_at), c.id""",
        {"u": user_id, "since": since, "now": now},
    ).fetchall()
    return [dict(r) for r in rows]


def _next_post(conn: Any, user_id: str, now: dt.datetime) -> dict[str, Any] | None:
    brief = conn.execute(
        """select c.id, c.concept, c.hook, c.platform::text as platform, c.score_details
           from content_recommendations c
           where c.user_id = %s and c.generated_at > %s and c.generated_at <= %s
             and not exists (select 1 from recommendation_links l where l.recommendation_id = c.id)
           order by c.virality_score desc nulls last, c.generated_at desc, c.rank limit 1""",
        (user_id, now - dt.timedelta(days=OPEN_BRIEF_DAYS), now),
    ).fetchone()
    if brief is None:
        return None
    when, reason = _best_window(conn, user_id, brief["platform"])
    return {
        "concept": brief["concept"],
        "hook": brief["hook"],
        "platform": brief["platform"],
        "statement": (brief["score_details"] or {}).get("statement"),
        "when": when,
        "when_reason": reason,
    }


def _best_window(conn: Any, user_id: str, platform: str | None) -> tuple[dict[str, Any] | None, str | None]:
    from shared.services.best_times import BLOCK_HOURS, best_times

    if platform is None:
        return None, "the brief names no platform"
    answer = best_times(conn, user_id, platform)
    found = next((p for p in answer.platforms if p.platform == platform), None)
    if found is None or found.status != "ok" or not found.best or found.best[0].ratio is None:
        return None, f"not enough posts on {platform} in the last year to say when"
    best = found.best[0]
    return (
        {
            "weekday": best.weekday,
            "block": best.block,
            "hours": BLOCK_HOURS[best.block],
            "ratio": best.ratio,
            "ci_low": best.ci_low,
            "ci_high": best.ci_high,
            "timezone": answer.timezone,
        },
        None,
    )
