"""The Cloud Tasks queue of the fetch fan-out: one task per due connection, throttled here."""

from __future__ import annotations

from typing import Any

from google.api_core.exceptions import AlreadyExists
from google.cloud import tasks_v2
from google.protobuf import duration_pb2, field_mask_pb2

from scripts.deploy.config import DeployConfig
from scripts.deploy.gcloud import Command

UPDATE_MASK = ("rate_limits", "retry_config")


def queue_path(config: DeployConfig) -> str:
    return f"projects/{config.project}/locations/{config.region}/queues/{config.queue.name}"


def build_queue(config: DeployConfig) -> tasks_v2.Queue:
    """Rate and concurrency limits protect platform quotas and the database pool; retries back off."""
    q = config.queue
    return tasks_v2.Queue(
        name=queue_path(config),
        rate_limits=tasks_v2.RateLimits(
            max_dispatches_per_second=q.max_dispatches_per_second, max_concurrent_dispatches=q.max_concurrent_dispatches
        ),
        retry_config=tasks_v2.RetryConfig(
            max_attempts=q.max_attempts,
            min_backoff=duration_pb2.Duration(seconds=q.min_backoff_s),
            max_backoff=duration_pb2.Duration(seconds=q.max_backoff_s),
        ),
    )


def create_command(config: DeployConfig) -> Command:
    """The same queue as a gcloud line (`queues update` takes the same flags)."""
    q = config.queue
    argv = (
        "gcloud",
        "tasks",
        "queues",
        "create",
        q.name,
        f"--project={config.project}",
        f"--location={config.region}",
        f"--max-dispatches-per-second={q.max_dispatches_per_second:g}",
        f"--max-concurrent-dispatches={q.max_concurrent_dispatches}",
        f"--max-attempts={q.max_attempts}",
        f"--min-backoff={q.min_backoff_s}s",
        f"--max-backoff={q.max_backoff_s}s",
    )
    return Command(argv, f"create the {q.name} queue (or update it with `gcloud tasks queues update`)")


def upsert_queue(client: Any, queue: tasks_v2.Queue) -> str:
    """Create the queue, or update its limits in place; returns "created" or "updated"."""
    parent = queue.name.rsplit("/queues/", 1)[0]
    try:
        client.create_queue(request=tasks_v2.CreateQueueRequest(parent=parent, queue=queue))
        return "created"
    except AlreadyExists:
        client.update_queue(
            request=tasks_v2.UpdateQueueRequest(
                queue=queue, update_mask=field_mask_pb2.FieldMask(paths=list(UPDATE_MASK))
            )
        )
        return "updated"


def describe_queue(queue: tasks_v2.Queue) -> dict[str, Any]:
    return {
        "name": queue.name,
        "max_dispatches_per_second": queue.rate_limits.max_dispatches_per_second,
        "max_concurrent_dispatches": queue.rate_limits.max_concurrent_dispatches,
        "max_attempts": queue.retry_config.max_attempts,
        "min_backoff_s": int(queue.retry_config.min_backoff.total_seconds()),
        "max_backoff_s": int(queue.retry_config.max_backoff.total_seconds()),
    }
