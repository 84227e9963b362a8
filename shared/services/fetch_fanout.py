"""The scale path: more due connections than one cron invocation can fetch → one Cloud Task each.

The cron leases the excess under its run id (a longer task lease), then enqueues one HTTP task per
connection to POST /api/tasks/fetch-connection, authenticated by an OIDC token for the tasks service
account. Task names `<hash>-<connection_id>-<yyyymmddhh>` make a retried cron within the same hour a
no-op at the queue (docs/supabase-gcp.md §8; the hashed prefix spreads names across the keyspace).
On the local stack (not production, or no queue configured) the caller dispatches in-process instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Any

from shared import clock

if TYPE_CHECKING:
    from shared.config import Settings

JOB_NAME = "fetch_analytics"
HISTORY_RUNS = 10
DISPATCH_DEADLINE_S = 300  # the worker's timeout (functions/manifest.py)


def uses_cloud_tasks(settings: Settings) -> bool:
    """Production with a queue configured enqueues tasks; anything else dispatches in-process."""
    return settings.environment == "production" and bool(
        settings.tasks_queue and settings.tasks_location and settings.tasks_worker_url and settings.gcp_project
    )


def local_capacity(conn: Any, settings: Settings, budget_s: float) -> int | None:
    """How many connections this invocation should keep for itself; None means no limit is known.

    A configured threshold wins; else the throughput of recent runs that ran out of budget (the only
    runs whose rate is not capped by how much work there was) times this budget.
    """
    if settings.fetch_fanout_threshold is not None:
        return settings.fetch_fanout_threshold
    row = conn.execute(
        """select sum((stats->>'connections_done')::float + (stats->>'connections_failed')::float) as done,
                  sum((stats->>'duration_s')::float) as seconds
           from (select stats from job_runs where job = %s and finished_at is not null
                   and (stats->>'budget_exhausted')::boolean order by started_at desc limit %s) recent""",
        (JOB_NAME, HISTORY_RUNS),
    ).fetchone()
    if not row or not row["done"] or not row["seconds"]:
        return None
    return max(1, int(row["done"] / row["seconds"] * budget_s))


def task_id(connection_id: str, now: dt.datetime) -> str:
    """`<hash>-<connection_id>-<yyyymmddhh>`: one task per connection per hour."""
    hour = now.astimezone(dt.timezone.utc).strftime("%Y%m%d%H")
    digest = hashlib.sha256(f"{connection_id}-{hour}".encode()).hexdigest()[:8]
    return f"{digest}-{connection_id}-{hour}"


def build_task_request(
    settings: Settings, connection_id: str, lease_owner: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The CreateTaskRequest (as the dict google-cloud-tasks accepts) for one connection."""
    from shared.models.ingest import FetchTaskRequest

    now = now or clock.now()
    parent = f"projects/{settings.gcp_project}/locations/{settings.tasks_location}/queues/{settings.tasks_queue}"
    body = FetchTaskRequest(connection_id=connection_id, lease_owner=lease_owner)
    service_account = settings.tasks_service_account or settings.cron_service_account
    return {
        "parent": parent,
        "task": {
            "name": f"{parent}/tasks/{task_id(connection_id, now)}",
            "http_request": {
                "http_method": "POST",
                "url": settings.tasks_worker_url,
                "headers": {"Content-Type": "application/json"},
                "body": body.model_dump_json().encode(),
                # The worker checks aud == its CRON_AUDIENCE and email == its CRON_SERVICE_ACCOUNT
                # (shared/cron_auth.py).
                "oidc_token": {
                    "service_account_email": service_account,
                    "audience": settings.tasks_worker_audience or settings.tasks_worker_url,
                },
            },
            "dispatch_deadline": {"seconds": DISPATCH_DEADLINE_S},
        },
    }


_client: Any = None


def tasks_client(settings: Settings) -> Any:
    """Cloud Tasks with the function's own credentials, or the rehearsal's stand-in API (REST, anonymous)."""
    from google.cloud import tasks_v2

    if not settings.tasks_api_endpoint:
        return tasks_v2.CloudTasksClient()
    from google.auth.credentials import AnonymousCredentials

    return tasks_v2.CloudTasksClient(
        transport="rest",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": settings.tasks_api_endpoint},
    )


def enqueue(settings: Settings, requests: list[dict[str, Any]]) -> tuple[int, int]:
    """Create the tasks (blocking; run in a thread). Returns (created, already_existing)."""
    global _client
    from google.api_core.exceptions import AlreadyExists

    if _client is None:
        _client = tasks_client(settings)
    created = existing = 0
    for request in requests:
        try:
            _client.create_task(request=request)
            created += 1
        except AlreadyExists:  # the same connection was enqueued this hour: de-duplicated
            existing += 1
    return created, existing
