"""Cloud Scheduler jobs and the Cloud Tasks queue: what Google is asked to create, and idempotent upserts."""

from __future__ import annotations

from google.api_core.exceptions import AlreadyExists

from functions.manifest import FUNCTIONS, by_name
from scripts.deploy.config import DeployConfig
from scripts.deploy.scheduler import attempt_deadline_s, build_jobs, upsert_jobs
from scripts.deploy.tasks_queue import build_queue, create_command, upsert_queue

CONFIG = DeployConfig(
    project="acme-creators",
    region="europe-west1",
    scheduler_service_account="cron-caller@acme-creators.iam.gserviceaccount.com",
)
BASE = "https://europe-west1-acme-creators.cloudfunctions.net"


class FakeGoogleApi:
    """Stands for the Scheduler/Tasks API (unreachable here): remembers resources, refuses duplicates."""

    def __init__(self):
        self.created, self.updated = {}, []

    def _create(self, name, resource):
        if name in self.created:
            raise AlreadyExists(f"{name} exists")
        self.created[name] = resource

    def create_job(self, request):
        self._create(request.job.name, request.job)
        assert request.parent == request.job.name.rsplit("/jobs/", 1)[0]

    def update_job(self, request):
        self.updated.append((request.job.name, list(request.update_mask.paths)))

    def create_queue(self, request):
        self._create(request.queue.name, request.queue)

    def update_queue(self, request):
        self.updated.append((request.queue.name, list(request.update_mask.paths)))


def test_every_scheduled_function_gets_one_job_with_its_schedule():
    jobs = build_jobs(FUNCTIONS, CONFIG)
    scheduled = [spec for spec in FUNCTIONS if spec.schedule]
    assert [job.name for job in jobs] == [
        f"projects/acme-creators/locations/europe-west1/jobs/{spec.deploy_name}" for spec in scheduled
    ]
    assert {job.name.rsplit("/", 1)[1]: job.schedule for job in jobs} == {
        "auth-refresh": "0 * * * *",
        "cron-fetch-analytics": "*/30 * * * *",
        "cron-detect-trends": "0 */6 * * *",
        "cron-weekly-patterns": "0 4 * * 1",
    }
    assert all(job.time_zone == "Etc/UTC" for job in jobs)


def test_job_posts_json_to_the_public_route_with_a_token_for_the_function_url():
    config = CONFIG.model_copy(update={"public_base_url": "https://ci-abc123.ew.gateway.dev"})
    (job,) = build_jobs([by_name("cron_fetch_analytics")], config)
    target = job.http_target
    assert target.uri == "https://ci-abc123.ew.gateway.dev/api/cron/fetch-analytics"
    assert target.http_method.name == "POST"
    assert target.body == b"{}"
    assert dict(target.headers) == {"Content-Type": "application/json"}
    assert target.oidc_token.service_account_email == "cron-caller@acme-creators.iam.gserviceaccount.com"
    assert target.oidc_token.audience == f"{BASE}/cron-fetch-analytics"


def test_jobs_retry_with_backoff_and_wait_for_the_function_timeout():
    jobs = {job.name.rsplit("/", 1)[1]: job for job in build_jobs(FUNCTIONS, CONFIG)}
    retry = jobs["cron-detect-trends"].retry_config
    assert retry.retry_count == 3
    assert retry.min_backoff_duration.total_seconds() == 30
    assert retry.max_backoff_duration.total_seconds() == 600
    assert retry.max_doublings == 3
    assert jobs["cron-detect-trends"].attempt_deadline.total_seconds() == 570  # 540 s timeout + 30 s
    assert jobs["auth-refresh"].attempt_deadline.total_seconds() == 330
    assert (attempt_deadline_s(1), attempt_deadline_s(3600)) == (31, 1800)
    assert attempt_deadline_s(0) >= 15


def test_overridden_timeout_moves_the_attempt_deadline():
    (job,) = build_jobs([by_name("cron_weekly_patterns")], CONFIG, {"cron_weekly_patterns": 900})
    assert job.attempt_deadline.total_seconds() == 930


def test_upsert_creates_then_updates_in_place():
    api = FakeGoogleApi()
    jobs = build_jobs(FUNCTIONS, CONFIG)
    first = upsert_jobs(api, jobs)
    second = upsert_jobs(api, jobs)
    assert [outcome for _, outcome in first] == ["created"] * len(jobs)
    assert [outcome for _, outcome in second] == ["updated"] * len(jobs)
    assert len(api.created) == len(jobs)
    assert api.updated[0] == (
        jobs[0].name,
        ["schedule", "time_zone", "http_target", "retry_config", "attempt_deadline"],
    )


def test_fetch_queue_throttles_and_retries_five_times():
    queue = build_queue(CONFIG)
    assert queue.name == "projects/acme-creators/locations/europe-west1/queues/fetch-connections"
    assert queue.retry_config.max_attempts == 5
    assert (queue.rate_limits.max_dispatches_per_second, queue.rate_limits.max_concurrent_dispatches) == (5, 10)
    assert (queue.retry_config.min_backoff.total_seconds(), queue.retry_config.max_backoff.total_seconds()) == (10, 300)
    assert create_command(CONFIG).argv[:5] == ("gcloud", "tasks", "queues", "create", "fetch-connections")
    api = FakeGoogleApi()
    assert (upsert_queue(api, queue), upsert_queue(api, queue)) == ("created", "updated")
