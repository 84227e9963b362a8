"""Every planned gcloud command passes the installed gcloud's own argument parser (no credentials used)."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions.manifest import FUNCTIONS
from scripts.deploy.config import load_config
from scripts.deploy.gcloud import Command
from scripts.deploy.gcloud_check import check_commands, sdk_root
from scripts.deploy.plan import build_plan

pytestmark = pytest.mark.skipif(sdk_root() is None, reason="gcloud (Cloud SDK) is not installed")
SETTINGS = {
    "project": "acme-creators",
    "region": "europe-west1",
    "public_base_url": "https://ci-abc.ew.gateway.dev",
    "supabase_url": "https://abcdefghijklmnopqrst.supabase.co",
    "frontend_origin": "https://app.example.com",
    "secrets": {"TRENDS_PINTEREST_TOKEN": {"secret": "trends-pinterest-token", "version": "1"}},
}
BROKEN = [
    Command(("gcloud", "functions", "deploy", "x", "--gen2", "--no-such-flag"), "unknown flag"),
    Command(("gcloud", "api-gateway", "gateways", "create", "g", "--api=a"), "missing --api-config"),
    Command(
        (
            "gcloud",
            "scheduler",
            "jobs",
            "create",
            "http",
            "j",
            "--location=europe-west1",
            "--schedule=* * * * *",
            "--uri=https://x",
            "--http-method=FETCH",
        ),
        "bad choice",
    ),
]


def test_every_planned_command_parses_and_broken_ones_do_not(tmp_path: Path):
    plan = build_plan(load_config(None, SETTINGS), list(FUNCTIONS), tmp_path)
    commands = plan.gcloud_commands()
    assert len(commands) > 100
    results = check_commands([*commands, *BROKEN])
    failures = [(r.command.shell, r.error, r.message) for r in results[: len(commands)] if not r.parsed]
    assert failures == []
    groups = {" ".join(r.command.argv[1:4]) for r in results[: len(commands)]}
    assert {
        "functions deploy auth-start",
        "api-gateway api-configs create",
        "scheduler jobs create",
        "tasks queues add-iam-policy-binding",
        "iam service-accounts add-iam-policy-binding",
    } <= groups
    for result in results[len(commands) :]:
        assert not result.parsed and result.error.startswith("usage error"), result
        assert "ERROR: (gcloud." in result.message
