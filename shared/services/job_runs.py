"""The record every cron keeps of its runs (`job_runs`): started with a deadline, then finished with
counts and errors. A run killed before it could finish (a function timeout, an OOM, a redeploy) is
closed as 'abandoned' by the next run of the same job once its deadline has passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared import clock

# Longer than any function's timeout (Cloud Run functions stop HTTP requests after at most 60 minutes).
DEFAULT_MAX_DURATION = dt.timedelta(hours=1)


def start_run(
    conn: Any, job: str, *, max_duration: dt.timedelta = DEFAULT_MAX_DURATION, now: dt.datetime | None = None
) -> str:
    """Insert a running row for `job` that must finish within `max_duration`; close the job's runs that
    outlived their deadline; returns the new run's id."""
    now = now or clock.now()
    run_id = str(
        conn.execute(
            "insert into job_runs (job, started_at, deadline_at) values (%s, %s, %s) returning id",
            (job, now, now + max_duration),
        ).fetchone()["id"]
    )
    conn.execute(
        """update job_runs set status = 'abandoned', finished_at = %(now)s,
               errors = errors || jsonb_build_object('abandoned',
                   'no end was recorded before the run''s deadline (killed or timed out); closed by run '
                   || %(closer)s::text)
           where job = %(job)s and status = 'running' and id <> %(closer)s::uuid
             and coalesce(deadline_at, started_at + %(fallback)s) < %(now)s""",
        {"now": now, "closer": run_id, "job": job, "fallback": DEFAULT_MAX_DURATION},
    )
    return run_id


def finish_run(
    conn: Any,
    run_id: str,
    status: str,
    stats: dict[str, Any],
    errors: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> None:
    """Close a run: status (succeeded|partial|failed), its counts and its errors by kind."""
    from psycopg.types.json import Jsonb

    conn.execute(
        "update job_runs set finished_at = %s, status = %s, stats = %s, errors = %s where id = %s",
        (now or clock.now(), status, Jsonb(stats), Jsonb(errors), run_id),
    )
