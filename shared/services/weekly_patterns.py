"""The weekly cron: re-run pattern detection for every creator with posts newer than her last run.

Her last run is her virality model's `fitted_at` (every run refits it, even when no finding holds).
Each creator runs in her own service-role transaction, so one failure rolls back only her run and
the others go on; the run is recorded in job_runs as 'weekly_patterns'.
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


@dataclass
class WeeklyRun:
    run_id: str = ""
    candidates: int = 0
    succeeded: int = 0
    failed: int = 0
    deferred: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "candidates": self.candidates, "succeeded": self.succeeded,
                "failed": self.failed, "deferred": self.deferred, "errors": self.errors}


def creators_due(conn: Any) -> list[str]:
    """Creators whose newest fetched post is newer than their last pattern run (or who never had one)."""
    return [r["user_id"] for r in conn.execute(_CANDIDATES_SQL).fetchall()]


def run_weekly_patterns(*, budget_s: float = BUDGET_S) -> WeeklyRun:
    """Detect patterns for every due creator, each in her own transaction; record the run."""
    from shared.db import service_transaction

    started = time.monotonic()
    run = WeeklyRun()
    with service_transaction() as conn:
        run.run_id = start_run(conn, JOB_NAME)
        due = creators_due(conn)
    run.candidates = len(due)
    for user_id in due:
        if time.monotonic() - started > budget_s:
            run.deferred += 1
            continue
        _run_one(user_id, run)
    attempted = run.succeeded + run.failed
    status = "failed" if run.failed and run.failed == attempted else ("partial" if run.failed or run.deferred
                                                                       else "succeeded")
    with service_transaction() as conn:
        stats = {k: v for k, v in run.as_dict().items() if k not in ("run_id", "errors")}
        finish_run(conn, run.run_id, status, stats, run.errors)
    log.info("weekly patterns run finished", extra={"fields": run.as_dict()})
    return run


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
