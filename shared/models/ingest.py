"""POST /api/cron/fetch-analytics and POST /api/tasks/fetch-connection: bodies and responses."""

from __future__ import annotations

from pydantic import Field

from shared.models.common import BodyModel, ResponseModel


class FetchRunRequest(BodyModel):
    """Optional knobs for one cron run (Cloud Scheduler sends `{}`)."""

    max_connections: int | None = Field(default=None, ge=1, description="Lease at most this many connections")
    budget_s: float | None = Field(default=None, gt=0, description="Stop leasing new work after this long")


class RowsWritten(ResponseModel):
    snapshots: int = 0
    posts: int = 0
    raw_payloads: int = 0


class FetchRunResult(ResponseModel):
    """What one cron run did; also stored in job_runs.stats / job_runs.errors."""

    run_id: str
    status: str = Field(description="succeeded | partial | failed")
    connections_due: int = Field(description="Due connections counted at the start of the run")
    connections_leased: int
    connections_done: int = Field(description="Fetched and written without error")
    connections_failed: int
    connections_deferred: int = Field(description="Rate limited: next_fetch_at moved to when the platform allows")
    connections_needs_reauth: int
    connections_released: int = Field(description="Leased but not started before the budget ran out")
    connections_lost_lease: int = Field(
        default=0,
        description="Another run took the lease over (this run "
        "held it past its expiry): nothing written, not counted as done",
    )
    fanned_out: int = Field(description="Connections handed to the fetch-connection worker as tasks")
    rows: RowsWritten
    pages: dict[str, int] = Field(description="Raw platform responses archived, by platform")
    errors: dict[str, int] = Field(description="Failed or deferred connections by error kind")
    duration_s: float


class FetchTaskRequest(BodyModel):
    """One Cloud Task: fetch this connection, which the enqueuing run leased under `lease_owner`."""

    connection_id: str = Field(min_length=1, max_length=64)
    lease_owner: str | None = Field(default=None, max_length=64)


class FetchTaskResult(ResponseModel):
    connection_id: str
    outcome: str = Field(description="done | failed | deferred | needs_reauth | lost_lease | skipped")
    error_kind: str | None = None
    rows: RowsWritten
    duration_s: float
