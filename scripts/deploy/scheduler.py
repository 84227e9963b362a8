"""Cloud Scheduler jobs for the scheduled functions: POST with an OIDC token, idempotent upsert."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.api_core.exceptions import AlreadyExists
from google.cloud import scheduler_v1
from google.protobuf import duration_pb2, field_mask_pb2

from functions.manifest import FunctionSpec
from scripts.deploy.config import DeployConfig

TIME_ZONE = "Etc/UTC"
RETRY_COUNT = 3
MIN_BACKOFF_S = 30
MAX_BACKOFF_S = 600
MAX_DOUBLINGS = 3
# Cloud Scheduler accepts attempt deadlines of 15 s to 30 min for HTTP targets.
MIN_ATTEMPT_DEADLINE_S = 15
MAX_ATTEMPT_DEADLINE_S = 1800
UPDATE_MASK = ("schedule", "time_zone", "http_target", "retry_config", "attempt_deadline")


def attempt_deadline_s(timeout_s: int) -> int:
    """Long enough for the function to finish (plus slack), within Scheduler's bounds."""
    return max(MIN_ATTEMPT_DEADLINE_S, min(timeout_s + 30, MAX_ATTEMPT_DEADLINE_S))


def build_job(spec: FunctionSpec, config: DeployConfig, timeout_s: int | None = None) -> scheduler_v1.Job:
    """The job that POSTs to the function's public route; its token's audience is the function's own URL.

    The gateway accepts the token for any cron function's URL; the function checks its exact URL and
    the scheduler account (shared/cron_auth.py).
    """
    if not spec.schedule:
        raise ValueError(f"{spec.name} has no schedule")
    url = config.public_url(spec.route)
    audience = config.function_url(spec.deploy_name)
    return scheduler_v1.Job(
        name=f"projects/{config.project}/locations/{config.region}/jobs/{spec.deploy_name}",
        description=spec.summary,
        schedule=spec.schedule,
        time_zone=TIME_ZONE,
        http_target=scheduler_v1.HttpTarget(
            uri=url,
            http_method=scheduler_v1.HttpMethod.POST,
            body=b"{}",
            headers={"Content-Type": "application/json"},
            oidc_token=scheduler_v1.OidcToken(service_account_email=config.scheduler_sa, audience=audience),
        ),
        retry_config=scheduler_v1.RetryConfig(
            retry_count=RETRY_COUNT,
            min_backoff_duration=duration_pb2.Duration(seconds=MIN_BACKOFF_S),
            max_backoff_duration=duration_pb2.Duration(seconds=MAX_BACKOFF_S),
            max_doublings=MAX_DOUBLINGS,
        ),
        attempt_deadline=duration_pb2.Duration(seconds=attempt_deadline_s(timeout_s or spec.timeout_s)),
    )


def build_jobs(
    specs: Iterable[FunctionSpec], config: DeployConfig, timeouts: dict[str, int] | None = None
) -> list[scheduler_v1.Job]:
    """One job per scheduled function, in manifest order."""
    timeouts = timeouts or {}
    return [build_job(spec, config, timeouts.get(spec.name)) for spec in specs if spec.schedule]


def upsert_jobs(client: Any, jobs: Iterable[scheduler_v1.Job]) -> list[tuple[str, str]]:
    """Create each job, or update it in place if it exists; returns (job name, "created"|"updated")."""
    done = []
    for job in jobs:
        parent = job.name.rsplit("/jobs/", 1)[0]
        try:
            client.create_job(request=scheduler_v1.CreateJobRequest(parent=parent, job=job))
            done.append((job.name, "created"))
        except AlreadyExists:
            client.update_job(
                request=scheduler_v1.UpdateJobRequest(
                    job=job, update_mask=field_mask_pb2.FieldMask(paths=list(UPDATE_MASK))
                )
            )
            done.append((job.name, "updated"))
    return done


def describe_job(job: scheduler_v1.Job) -> dict[str, Any]:
    """The job as plain JSON for the plan (no secrets: OIDC tokens are minted by Google at call time)."""
    target = job.http_target
    return {
        "name": job.name,
        "schedule": job.schedule,
        "time_zone": job.time_zone,
        "uri": target.uri,
        "http_method": scheduler_v1.HttpMethod(target.http_method).name,
        "body": target.body.decode(),
        "headers": dict(target.headers),
        "oidc_service_account": target.oidc_token.service_account_email,
        "oidc_audience": target.oidc_token.audience,
        "retry_count": job.retry_config.retry_count,
        "min_backoff_s": int(job.retry_config.min_backoff_duration.total_seconds()),
        "max_backoff_s": int(job.retry_config.max_backoff_duration.total_seconds()),
        "max_doublings": job.retry_config.max_doublings,
        "attempt_deadline_s": int(job.attempt_deadline.total_seconds()),
    }


def gcloud_equivalent(job: scheduler_v1.Job) -> str:
    """The same job as a `gcloud scheduler jobs create http` line, for people who prefer the CLI."""
    import shlex

    return shlex.join(gcloud_equivalent_argv(job))


def gcloud_equivalent_argv(job: scheduler_v1.Job) -> tuple[str, ...]:
    d = describe_job(job)
    _, project, _, location, _, name = job.name.split("/")
    return tuple(
        [
            "gcloud",
            "scheduler",
            "jobs",
            "create",
            "http",
            name,
            f"--project={project}",
            f"--location={location}",
            f"--schedule={d['schedule']}",
            f"--time-zone={d['time_zone']}",
            f"--uri={d['uri']}",
            "--http-method=POST",
            "--message-body={}",
            "--headers=Content-Type=application/json",
            f"--oidc-service-account-email={d['oidc_service_account']}",
            f"--oidc-token-audience={d['oidc_audience']}",
            f"--attempt-deadline={d['attempt_deadline_s']}s",
            f"--max-retry-attempts={d['retry_count']}",
            f"--min-backoff={d['min_backoff_s']}s",
            f"--max-backoff={d['max_backoff_s']}s",
            f"--max-doublings={d['max_doublings']}",
        ]
    )
