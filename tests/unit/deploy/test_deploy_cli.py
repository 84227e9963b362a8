"""`python -m scripts.deploy --dry-run`: bundles for every existing entry, the whole plan, no secret values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from functions.manifest import FUNCTIONS
from scripts.deploy.__main__ import main

ROOT = Path(__file__).resolve().parents[3]
SECRET_VALUES = {
    "DATABASE_URL": "postgresql://postgres:pw-db-0f9e8d@db.example.com:5432/postgres",
    "TOKEN_KEYS": "k1:c2VjcmV0LXRva2VuLWtleS12YWx1ZQ==",
    "OAUTH_STATE_SECRET": "state-secret-7a6b5c",
    "ANTHROPIC_API_KEY": "sk-ant-api-value-123456",
    "SUPABASE_JWT_SECRET": "jwt-secret-value-abcdef",
    "PLATFORM_CREDENTIALS_JSON": '{"instagram": {"client_id": "x", "client_secret": "ig-secret-value"}}',
}


def existing_entries() -> list[str]:
    return [spec.name for spec in FUNCTIONS if spec.entry.is_file()]


def test_dry_run_cli_exits_zero_and_writes_every_existing_bundle(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.deploy",
            "--project",
            "demo",
            "--region",
            "europe-west1",
            "--dry-run",
            "--build-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    built = sorted(p.name for p in (tmp_path / "bundles").iterdir())
    assert built == sorted(existing_entries())
    for name in built:
        assert (tmp_path / "bundles" / name / "requirements.txt").is_file()
        assert (tmp_path / "bundles" / name / "main.py").is_file()
    plan = json.loads((tmp_path / "deploy-plan.json").read_text())
    assert {s["function"] for s in plan["steps"] if s["step"] == "deploy"} == set(built)
    assert set(plan["skipped"]) == {spec.name for spec in FUNCTIONS} - set(built)
    assert plan["steps"][0]["command"].startswith("supabase link --project-ref ")
    assert "&& supabase db push" in plan["steps"][0]["command"]
    assert "nothing was executed" in result.stdout


def test_dry_run_prints_secret_names_never_values(tmp_path, monkeypatch, capsys):
    for name, value in SECRET_VALUES.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "deploy.json"
    config.write_text(
        json.dumps(
            {
                "supabase_url": "https://abcdefghijklmnopqrst.supabase.co",
                "frontend_origin": "https://app.example.com",
                "secrets": {"SUPABASE_JWT_SECRET": {"secret": "legacy-jwt", "version": "2"}},
            }
        )
    )
    code = main(
        [
            "--project",
            "demo-project",
            "--region",
            "europe-west1",
            "--dry-run",
            "--config",
            str(config),
            "--build-dir",
            str(tmp_path / "build"),
        ]
    )
    out = capsys.readouterr().out
    plan_text = (tmp_path / "build" / "deploy-plan.json").read_text()
    assert code == 0
    for value in SECRET_VALUES.values():
        assert value not in out and value not in plan_text
    for entry in existing_entries():
        assert f"gcloud functions deploy {entry.replace('_', '-')} --gen2" in out
    if existing_entries():
        assert "DATABASE_URL=database-url:latest" in out
        assert "SUPABASE_JWT_SECRET=legacy-jwt:2" in out
    assert "supabase link --project-ref abcdefghijklmnopqrst && supabase db push" in out


def test_only_limits_the_plan_and_unknown_names_fail_clearly(tmp_path, capsys):
    assert (
        main(
            [
                "--project",
                "demo",
                "--region",
                "europe-west1",
                "--dry-run",
                "--only",
                "no_such_fn",
                "--build-dir",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert "unknown functions ['no_such_fn']" in capsys.readouterr().err
    assert (
        main(
            [
                "--project",
                "demo",
                "--region",
                "europe-west1",
                "--dry-run",
                "--only",
                "cron_detect_trends",
                "--build-dir",
                str(tmp_path),
            ]
        )
        == 0
    )
    plan = json.loads((tmp_path / "deploy-plan.json").read_text())
    deployed = [s["function"] for s in plan["steps"] if s["step"] == "deploy"]
    assert deployed == [n for n in existing_entries() if n == "cron_detect_trends"]


def test_real_deploy_refuses_incomplete_settings(tmp_path, capsys):
    assert main(["--project", "demo", "--region", "europe-west1", "--build-dir", str(tmp_path)]) == 2
    assert "cannot deploy without supabase_url, frontend_origin" in capsys.readouterr().err


def test_bad_region_is_a_clear_error(tmp_path, capsys):
    assert main(["--project", "demo", "--region", "Europe West", "--dry-run", "--build-dir", str(tmp_path)]) == 2
    assert "region" in capsys.readouterr().err


def test_one_public_host_feeds_env_scheduler_and_openapi_servers(tmp_path):
    host = "https://api.example.com"
    assert (
        main(
            [
                "--project",
                "demo-project",
                "--region",
                "europe-west1",
                "--dry-run",
                "--public-base-url",
                host,
                "--build-dir",
                str(tmp_path),
            ]
        )
        == 0
    )
    plan = json.loads((tmp_path / "deploy-plan.json").read_text())
    assert plan["public_base_url"] == host
    deploys = [s for s in plan["steps"] if s["step"] == "deploy"]
    assert all(f"PUBLIC_BASE_URL={host}" in s["command"] for s in deploys)
    assert {s["public_url"] for s in deploys} >= {f"{host}/api/auth/callback", f"{host}/api/cron/detect-trends"}
    jobs = [s["job"] for s in plan["steps"] if s["step"] == "scheduler"]
    assert jobs and all(job["uri"].startswith(f"{host}/api/") for job in jobs)
    assert json.loads((tmp_path / "openapi.json").read_text())["servers"] == [{"url": host}]
    gateway = json.loads((tmp_path / "gateway-openapi.json").read_text())
    assert gateway["swagger"] == "2.0"
