"""The fetch cron is deployed with everything its Cloud Tasks fan-out needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_fetch_cron_gets_the_queue_worker_url_and_tasks_account(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.deploy",
            "--project",
            "acme-creators",
            "--region",
            "europe-west1",
            "--dry-run",
            "--build-dir",
            str(tmp_path),
            "--only",
            "cron_fetch_analytics",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    plan = json.loads((tmp_path / "deploy-plan.json").read_text())
    text = json.dumps(plan)
    assert "TASKS_QUEUE=fetch-connections" in text or '"TASKS_QUEUE": "fetch-connections"' in text
    assert "https://europe-west1-acme-creators.cloudfunctions.net/tasks-fetch-connection" in text
    assert "tasks-invoker@acme-creators.iam.gserviceaccount.com" in text
    assert "shared/config.py reads none of" not in text
