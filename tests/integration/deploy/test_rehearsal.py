"""The deploy rehearsal: every bundle installed alone, served as its own process behind the gateway config,
the whole product run through it; and a bundle missing a module or a requirement fails it."""

from __future__ import annotations

import json
import shutil
import uuid

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from functions.manifest import FUNCTIONS
from scripts.localstack import migrate
from scripts.rehearsal.installed import Venvs
from scripts.rehearsal.rehearse import rehearse
from scripts.rehearsal.run import RehearsalFailed

pytestmark = pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH (scripts/ensure_env.sh)")
SPECS = [spec for spec in FUNCTIONS if spec.entry.is_file()]


@pytest.fixture(scope="module")
def database_url(stack) -> str:
    """A database of its own on the session's Postgres, migrated as `supabase db push` would."""
    name = f"rehearsal_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(stack.database.url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    url = make_conninfo(stack.database.url, dbname=name)
    migrate.apply(url, bootstrap=True)
    return url


@pytest.fixture(scope="module")
def sandbox():
    from scripts.sandbox import start_sandbox

    handle = start_sandbox(seed=7, creators=3)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def venvs(tmp_path_factory) -> Venvs:
    return Venvs(tmp_path_factory.mktemp("venvs"))


@pytest.fixture(scope="module")
def report(request, tmp_path_factory, database_url, sandbox, venvs):
    build = tmp_path_factory.mktemp("rehearsal")
    result = rehearse(build, database_url, sandbox.base_url, venvs)
    request.config.rehearsal_report = result  # printed by conftest.py at the end of the run
    return result, build


def test_every_bundle_is_served_alone_and_answers_a_business_request(report):
    result, _ = report
    assert set(result.bundles) == {spec.name for spec in SPECS}
    for name, bundle in result.bundles.items():
        assert bundle.cold_start_s is not None and bundle.cold_start_s > 0, name
        assert bundle.first_status in (200, 302), (name, bundle)


def test_the_journey_connects_fetches_through_cloud_tasks_and_reads_everything(report):
    result, build = report
    steps = {step["step"]: step["status"] for step in result.steps}
    for platform in ("instagram", "youtube"):  # as a same-site frontend's browser: the cookie comes back
        assert steps[f"GET /api/auth/callback ({platform}, binding cookie)"] == 302
    for platform in ("pinterest", "tiktok"):  # as deployed, the frontend on another site than the gateway
        assert steps[f"GET /api/auth/callback ({platform}, no cookie: code kept)"] == 302
        assert steps[f"POST /api/auth/complete ({platform})"] == 200
        assert steps[f"POST /api/auth/complete ({platform}, replayed: 409)"] == 409
    assert steps["OPTIONS /api/auth/complete (CORS preflight of a cross-site frontend)"] == 204
    assert steps["POST /api/cron/fetch-analytics (Scheduler)"] == 200
    assert result.tasks and all(task["statuses"][-1] == 200 for task in result.tasks)
    assert all(task["url"].endswith("/api/tasks/fetch-connection") for task in result.tasks)
    assert steps["GET /api/nowhere (gateway 404)"] == 404
    assert steps["POST /api/cron/detect-trends as the tasks account (function 403)"] == 403
    saved = json.loads((build / "rehearsal-report.json").read_text())
    assert set(saved["bundles"]) == set(result.bundles)


def test_a_bundle_missing_a_registry_loaded_module_fails_the_rehearsal(tmp_path, database_url, sandbox, venvs):
    def remove_tiktok(bundles):
        (bundles["auth_start"].directory / "shared" / "platforms" / "tiktok.py").unlink()

    with pytest.raises(RehearsalFailed) as failed:
        rehearse(
            tmp_path, database_url, sandbox.base_url, venvs, tamper=remove_tiktok, only={"auth_start"}, journey=False
        )
    assert failed.value.stage == "imports"
    assert "shared.platforms.tiktok" in str(failed.value) and "auth_start" in str(failed.value)


def test_a_bundle_missing_a_requirement_fails_the_rehearsal(tmp_path, database_url, sandbox, venvs):
    def drop_cloud_tasks(bundles):
        requirements = bundles["cron_fetch_analytics"].directory / "requirements.txt"
        kept = [line for line in requirements.read_text().splitlines() if not line.startswith("google-cloud-tasks")]
        requirements.write_text("\n".join(kept) + "\n")

    with pytest.raises(RehearsalFailed) as failed:
        rehearse(
            tmp_path,
            database_url,
            sandbox.base_url,
            venvs,
            tamper=drop_cloud_tasks,
            only={"cron_fetch_analytics"},
            journey=False,
        )
    assert failed.value.stage == "imports"
    assert "tasks_v2" in str(failed.value) and "cron_fetch_analytics" in str(failed.value)
