"""The weekly cron: close the loop on her briefs, re-run pattern detection where there are new posts, and
write every connected creator's weekly digest.

1. Briefs (services/outcomes.py): for every creator with a brief of the last three weeks or a link not yet
   measured, new posts are linked and linked posts with 7 days of data measured, before the refit reads them.
2. Patterns: for every creator with posts newer than her last run (her virality model's `fitted_at`; every
   run refits it, even when no finding holds).
3. Digests (services/digest.py): for every creator with an active connection.
Each creator's step runs in its own transaction, so one failure rolls back only hers and the others go on;
the run is recorded in job_runs as 'weekly_patterns'.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from shared.logging import get_logger
from shared.services.job_runs import finish_run, start_run

JOB_NAME = "weekly_patterns"
# Stays below the function's 540 s timeout; creators left over are picked up by the next run.
BUDGET_S = 480.0
log = get_logger(__name__)

_CANDIDATES_SQL = """
select p.user_id::text as user_id
from posts p left join virality_models m on m.user_id = p.user_id
group by p.user_id, m.fitted_at
having m.fitted_at is null or max(p.fetched_at) > m.fitted_at
order by max(p.fetched_at)
"""


_LOOP_SQL = """
select distinct c.user_id::text as user_id from content_recommendations c
where c.generated_at > %(since)s
   or exists (select 1 from recommendation_links l where l.recommendation_id = c.id
              and not exists (select 1 from recommendation_outcomes o where o.recommendation_id = l.recommendation_id))
order by 1
"""
_CONNECTED_SQL = "select distinct user_id::text as user_id from platform_connections where status = 'active' order by 1"


@dataclass
class WeeklyRun:
    run_id: str = ""
    candidates: int = 0
    succeeded: int = 0
    failed: int = 0
    deferred: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    briefs_linked: int = 0
    briefs_measured: int = 0
    digests: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "candidates": self.candidates,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "deferred": self.deferred,
            "errors": self.errors,
            "briefs_linked": self.briefs_linked,
            "briefs_measured": self.briefs_measured,
            "digests": self.digests,
        }


def creators_due(conn: Any) -> list[str]:
    """Creators whose newest fetched post is newer than their last pattern run (or who never had one)."""
    return [r["user_id"] for r in conn.execute(_CANDIDATES_SQL).fetchall()]


def run_weekly_patterns(*, budget_s: float = BUDGET_S, user_ids: list[str] | None = None) -> WeeklyRun:
    """Briefs, patterns and digests, each creator in her own transactions; record the run.

    `user_ids` limits the run to those creators (scripts and tests; the cron takes everyone)."""
    import datetime as dt

    from shared import clock
    from shared.db import service_transaction

    started = time.monotonic()
    run = WeeklyRun()
    wanted = (lambda ids: [u for u in ids if u in user_ids]) if user_ids is not None else (lambda ids: ids)
    with service_transaction() as conn:
        run.run_id = start_run(conn, JOB_NAME)
        looped = wanted(
            [r["user_id"] for r in conn.execute(_LOOP_SQL, {"since": clock.now() - dt.timedelta(days=21)}).fetchall()]
        )
        due = wanted(creators_due(conn))
        connected = wanted([r["user_id"] for r in conn.execute(_CONNECTED_SQL).fetchall()])
    for user_id in looped:
        _close_loop(user_id, run)
    run.candidates = len(due)
    for user_id in due:
        if time.monotonic() - started > budget_s:
            run.deferred += 1
            continue
        _run_one(user_id, run)
    for user_id in connected:
        if time.monotonic() - started > budget_s:
            break  # the digest of a week is written once; a later run the same day rewrites it
        _digest(user_id, run)
    attempted = run.succeeded + run.failed
    status = (
        "failed"
        if run.failed and run.failed == attempted
        else ("partial" if run.failed or run.deferred else "succeeded")
    )
    with service_transaction() as conn:
        stats = {k: v for k, v in run.as_dict().items() if k not in ("run_id", "errors")}
        finish_run(conn, run.run_id, status, stats, run.errors)
    log.info("weekly patterns run finished", extra={"fields": run.as_dict()})
    return run


def _close_loop(user_id: str, run: WeeklyRun) -> None:
    from shared.db import service_transaction
    from shared.services.outcomes import close_the_loop

    try:
        with service_transaction() as conn:
            tally = close_the_loop(conn, user_id)
        run.briefs_linked += tally.linked
        run.briefs_measured += tally.measured
    except Exception as exc:  # noqa: BLE001 - one creator's failure must not stop the others
        log.exception("closing the loop failed", extra={"fields": {"user_id": user_id}})
        run.errors.setdefault(user_id, type(exc).__name__)


def _digest(user_id: str, run: WeeklyRun) -> None:
    from shared.services.digest import write_digest

    try:
        write_digest(user_id)
        run.digests += 1
    except Exception as exc:  # noqa: BLE001 - one creator's failure must not stop the others
        log.exception("weekly digest failed", extra={"fields": {"user_id": user_id}})
        run.errors.setdefault(user_id, type(exc).__name__)


def _run_one(user_id: str, run: WeeklyRun) -> None:
    from shared.db import service_transaction
    from shared.services.patterns import run_pattern_detection

    try:
        with service_transaction() as conn:
            run_pattern_detection(conn, user_id)
        run.succeeded += 1
    except Exception as exc:  # noqa: BLE001 - one creator's failure must not stop the others
        log.exception("pattern detection failed", extra={"fields": {"user_id": user_id}})
        run.failed += 1
        run.errors[user_id] = type(exc).__name__
