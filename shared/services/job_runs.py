"""The record every cron keeps of its runs (`job_runs`): started, then finished with counts and errors."""
from __future__ import annotations

from typing import Any


def start_run(conn: Any, job: str) -> str:
    """Insert a running row for `job`; returns its id."""
    return str(conn.execute("insert into job_runs (job) values (%s) returning id", (job,)).fetchone()["id"])


def finish_run(conn: Any, run_id: str, status: str, stats: dict[str, Any], errors: dict[str, Any]) -> None:
    """Close a run: status (succeeded|partial|failed), its counts and its errors by kind."""
    from psycopg.types.json import Jsonb

    conn.execute("update job_runs set finished_at = now(), status = %s, stats = %s, errors = %s where id = %s",
                 (status, Jsonb(stats), Jsonb(errors), run_id))
