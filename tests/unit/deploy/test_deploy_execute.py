"""A real deploy's order, with gcloud and the Google clients replaced by recorders (nothing leaves here)."""

from __future__ import annotations

import pytest
from google.api_core.exceptions import AlreadyExists

import scripts.deploy.__main__ as deploy_cli
from functions.manifest import FUNCTIONS
from scripts.deploy.config import load_config
from scripts.deploy.plan import build_plan

HOST = "creator-intelligence-3x4mpl3.ew.gateway.dev"
SETTINGS = {
    "project": "acme-creators",
    "region": "europe-west1",
    "supabase_url": "https://abcdefghijklmnopqrst.supabase.co",
    "frontend_origin": "https://app.example.com",
}


class Recorder:
    """Stands for gcloud (run/read/ensure) and for the Tasks and Scheduler clients."""

    def __init__(self):
        self.calls: list[str] = []

    def run(self, command, attempts=1, wait_s=0.0):
        self.calls.append(" ".join(command.argv[1:4]) + " " + command.shell)

    def read(self, command):
        self.calls.append("read " + command.shell)
        return HOST if "defaultHostname" in command.shell else "creator-intelligence-abc.apigateway.acme.cloud.goog"

    def ensure(self, step):
        self.calls.append("create " + step.create.shell)

    def create_queue(self, request):
        self.calls.append(f"queue {request.queue.name}")

    def create_job(self, request):
        self.calls.append(f"job {request.job.http_target.uri} {request.job.http_target.oidc_token.audience}")

    def update_queue(self, request):  # pragma: no cover - only when the queue exists
        raise AlreadyExists("unexpected")

    update_job = update_queue


@pytest.fixture()
def recorder(monkeypatch):
    rec = Recorder()
    for name in ("run", "read", "ensure"):
        monkeypatch.setattr(deploy_cli, name, getattr(rec, name))
    monkeypatch.setattr(deploy_cli.shutil, "which", lambda _: "/usr/bin/gcloud")
    from google.cloud import scheduler_v1, tasks_v2

    monkeypatch.setattr(tasks_v2, "CloudTasksClient", lambda: rec)
    monkeypatch.setattr(scheduler_v1, "CloudSchedulerClient", lambda: rec)
    return rec


def first(calls, needle):
    return next(i for i, call in enumerate(calls) if needle in call)


def test_deploy_creates_the_gateway_first_and_feeds_its_host_to_functions_and_jobs(tmp_path, recorder):
    plan = build_plan(load_config(None, SETTINGS), list(FUNCTIONS), tmp_path)
    deploy_cli.execute(plan)
    calls = recorder.calls
    assert (
        first(calls, "services enable cloudfunctions")
        < first(calls, "queue projects/")
        < first(calls, "service-accounts create fn-auth-start")
        < first(calls, "secrets add-iam-policy-binding")
        < first(calls, "api-gateway apis create")
        < first(calls, "api-configs create")
        < first(calls, "gateways create")
        < first(calls, "defaultHostname")
        < first(calls, "functions deploy")
    )
    assert "services enable creator-intelligence-abc.apigateway.acme.cloud.goog" in " ".join(calls)
    deploys = [c for c in calls if c.startswith("functions deploy")]
    assert len(deploys) == len([s for s in FUNCTIONS if s.entry.is_file()])
    assert all(f"PUBLIC_BASE_URL=https://{HOST}" in c for c in deploys)
    assert len([c for c in calls if "add-invoker-policy-binding" in c]) == len(deploys)
    jobs = [c for c in calls if c.startswith("job ")]
    assert len(jobs) == 4 and all(c.startswith(f"job https://{HOST}/api/") for c in jobs)
    assert all(".cloudfunctions.net/" in c.split()[2] for c in jobs)  # audience: the function's own URL
    assert first(calls, "functions deploy") < first(calls, "job ")
    assert (tmp_path / "openapi.json").read_text().count(HOST) == 1
