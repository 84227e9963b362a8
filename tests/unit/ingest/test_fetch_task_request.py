"""The production fan-out request, built without calling Google."""

from __future__ import annotations

import datetime as dt
import json
import re

from shared.config import Settings
from shared.services.fetch_fanout import build_task_request, task_id, uses_cloud_tasks

WORKER = "https://europe-west1-proj.cloudfunctions.net/tasks-fetch-connection"
CONNECTION = "0b6f7c1e-8d44-4f0e-9d7a-3f1f0f1f2a3b"


def _production() -> Settings:
    return Settings(
        environment="production",
        gcp_project="proj",
        tasks_location="europe-west1",
        tasks_queue="fetch",
        tasks_worker_url=WORKER,
        tasks_service_account="tasks@proj.iam.gserviceaccount.com",
    )


def test_task_request_names_targets_and_authenticates_the_worker():
    now = dt.datetime(2026, 11, 21, 14, 59, tzinfo=dt.timezone.utc)
    request = build_task_request(_production(), CONNECTION, "run-1", now)

    parent = "projects/proj/locations/europe-west1/queues/fetch"
    assert request["parent"] == parent
    task = request["task"]
    assert re.fullmatch(rf"{parent}/tasks/[0-9a-f]{{8}}-{CONNECTION}-2026112114", task["name"])
    http = task["http_request"]
    assert http["url"] == WORKER and http["http_method"] == "POST"
    assert http["oidc_token"] == {"service_account_email": "tasks@proj.iam.gserviceaccount.com", "audience": WORKER}
    assert json.loads(http["body"]) == {"connection_id": CONNECTION, "lease_owner": "run-1"}
    assert http["headers"] == {"Content-Type": "application/json"}


def test_task_request_is_a_valid_cloud_tasks_message():
    from google.cloud import tasks_v2

    message = tasks_v2.CreateTaskRequest(build_task_request(_production(), CONNECTION, "run-1"))
    assert message.task.http_request.http_method == tasks_v2.HttpMethod.POST
    assert message.task.http_request.oidc_token.audience == WORKER
    assert message.task.dispatch_deadline.total_seconds() == 300


def test_task_names_dedupe_within_the_hour_only():
    at = dt.datetime(2026, 11, 21, 14, 5, tzinfo=dt.timezone.utc)
    assert task_id(CONNECTION, at) == task_id(CONNECTION, at.replace(minute=55))
    assert task_id(CONNECTION, at) != task_id(CONNECTION, at.replace(hour=15))
    assert task_id(CONNECTION, at) != task_id("another", at)


def test_only_production_with_a_queue_enqueues():
    assert uses_cloud_tasks(_production())
    assert not uses_cloud_tasks(_production().model_copy(update={"environment": "local"}))
    assert not uses_cloud_tasks(_production().model_copy(update={"tasks_queue": None}))


def test_tasks_through_the_public_host_carry_the_worker_function_as_audience():
    public = "https://ci-gw-abc123.ew.gateway.dev/api/tasks/fetch-connection"
    settings = _production().model_copy(update={"tasks_worker_url": public, "tasks_worker_audience": WORKER})
    http = build_task_request(settings, CONNECTION, "run-1")["task"]["http_request"]
    assert http["url"] == public
    assert http["oidc_token"]["audience"] == WORKER
