"""gcloud deploy commands and the deploy settings: flags, auth at the IAM layer, secrets by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.manifest import by_name
from scripts.deploy.bundle import Bundle
from scripts.deploy.config import DeployConfig, DeployConfigError, load_config
from scripts.deploy.gcloud import plan_function

CONFIG = {
    "project": "acme-creators",
    "region": "europe-west1",
    "supabase_url": "https://abcdefghijklmnopqrst.supabase.co",
    "frontend_origin": "https://app.example.com",
    "secrets": {
        "DATABASE_URL": {"secret": "db-url", "version": "3"},
        "TOKEN_KEYS": {"secret": "token-keys", "version": "2"},
        "OAUTH_STATE_SECRET": {"secret": "oauth-state", "version": "1"},
        "ANTHROPIC_API_KEY": {"secret": "anthropic", "version": "4"},
        "PLATFORM_CREDENTIALS_JSON": {"secret": "platform-apps", "version": "5"},
    },
}


def config(**changes) -> DeployConfig:
    return DeployConfig.model_validate({**CONFIG, **changes})


CORE = ["database_url", "state_secret", "supabase_jwt_secret", "token_keys"]


def bundle(name: str, *, platforms: bool = False, llm: bool = False, reads: list[str] | None = None) -> Bundle:
    read = list(CORE if reads is None else reads)
    read += ["platform_credentials"] if platforms else []
    read += ["anthropic_api_key"] if llm else []
    return Bundle(
        name=name,
        directory=Path("/tmp/bundles") / name,
        files=["main.py"],
        requirements=[],
        warnings=[],
        settings_read=read,
    )


def flags(argv: tuple[str, ...]) -> dict[str, str]:
    return {a.split("=", 1)[0]: (a.split("=", 1)[1] if "=" in a else "") for a in argv if a.startswith("--")}


GATEWAY = "api-gateway@acme-creators.iam.gserviceaccount.com"
FUNCTIONS_HOST = "https://europe-west1-acme-creators.cloudfunctions.net"
PUBLIC = "https://creator-intelligence-abc123.ew.gateway.dev"


def test_user_endpoint_is_private_at_iam_runs_as_itself_and_gets_its_secrets_by_name():
    cfg = config(public_base_url=PUBLIC)
    deploy = plan_function(by_name("analytics_growth"), bundle("analytics_growth"), cfg)
    command = deploy.deploy_command(cfg)
    f = flags(command.argv)
    assert command.argv[:4] == ("gcloud", "functions", "deploy", "analytics-growth")
    assert "--no-allow-unauthenticated" in f and "--allow-unauthenticated" not in f
    assert f["--gen2"] == "" and f["--trigger-http"] == ""
    assert f["--runtime"] == "python312" and f["--entry-point"] == "handler" and f["--region"] == "europe-west1"
    assert f["--service-account"] == "fn-analytics-growth@acme-creators.iam.gserviceaccount.com"
    assert f["--build-service-account"] == (
        "projects/acme-creators/serviceAccounts/fn-builder@acme-creators.iam.gserviceaccount.com"
    )
    assert f["--set-secrets"] == "DATABASE_URL=db-url:3,OAUTH_STATE_SECRET=oauth-state:1,TOKEN_KEYS=token-keys:2"
    env = dict(pair.split("=", 1) for pair in f["--set-env-vars"].split(","))
    assert env == {
        "APP_ENV": "production",
        "GOOGLE_CLOUD_PROJECT": "acme-creators",
        "SUPABASE_URL": "https://abcdefghijklmnopqrst.supabase.co",
        "FRONTEND_ORIGIN": "https://app.example.com",
        "FRONTEND_URL": "https://app.example.com",
        "PUBLIC_BASE_URL": PUBLIC,
        "CALLER_AUTH_HEADER": "X-Forwarded-Authorization",
    }
    assert (f["--memory"], f["--timeout"], f["--min-instances"], f["--max-instances"], f["--concurrency"]) == (
        "512Mi",
        "60s",
        "0",
        "10",
        "1",
    )
    binding = deploy.invoker_command(cfg).argv
    assert binding[:4] == ("gcloud", "functions", "add-invoker-policy-binding", "analytics-growth")
    assert f"--member=serviceAccount:{GATEWAY}" in binding


def test_only_secrets_the_code_reads_are_mounted():
    deploy = plan_function(
        by_name("analytics_overview"), bundle("analytics_overview", reads=["database_url"]), config()
    )
    assert list(deploy.secrets) == ["DATABASE_URL"]


def test_scheduled_cron_checks_the_scheduler_token_for_its_own_url_and_only_the_gateway_invokes_it():
    deploy = plan_function(by_name("cron_detect_trends"), bundle("cron_detect_trends"), config())
    f = flags(deploy.deploy_command(config()).argv)
    assert "--no-allow-unauthenticated" in f and "--allow-unauthenticated" not in f
    env = dict(pair.split("=", 1) for pair in f["--set-env-vars"].split(","))
    assert env["CRON_AUDIENCE"] == f"{FUNCTIONS_HOST}/cron-detect-trends"
    assert env["CRON_SERVICE_ACCOUNT"] == "scheduler-invoker@acme-creators.iam.gserviceaccount.com"
    assert (f["--memory"], f["--timeout"]) == ("1Gi", "540s")
    assert f"--member=serviceAccount:{GATEWAY}" in deploy.invoker_command(config()).argv


def test_fetch_cron_enqueues_to_the_workers_public_route_with_the_worker_function_as_audience():
    cfg = config(public_base_url=PUBLIC, tasks_service_account="fanout@acme-creators.iam.gserviceaccount.com")
    deploy = plan_function(by_name("cron_fetch_analytics"), bundle("cron_fetch_analytics", platforms=True), cfg)
    env = deploy.env
    assert env["TASKS_WORKER_URL"] == f"{PUBLIC}/api/tasks/fetch-connection"
    assert env["TASKS_WORKER_AUDIENCE"] == f"{FUNCTIONS_HOST}/tasks-fetch-connection"
    assert env["TASKS_SERVICE_ACCOUNT"] == "fanout@acme-creators.iam.gserviceaccount.com"
    assert (env["TASKS_QUEUE"], env["TASKS_LOCATION"]) == ("fetch-connections", "europe-west1")


def test_task_worker_accepts_only_the_tasks_account():
    cfg = config(tasks_service_account="fanout@acme-creators.iam.gserviceaccount.com")
    deploy = plan_function(by_name("tasks_fetch_connection"), bundle("tasks_fetch_connection", platforms=True), cfg)
    f = flags(deploy.deploy_command(cfg).argv)
    assert "--no-allow-unauthenticated" in f
    assert "PLATFORM_CREDENTIALS_JSON=platform-apps:5" in f["--set-secrets"]
    assert deploy.env["CRON_SERVICE_ACCOUNT"] == "fanout@acme-creators.iam.gserviceaccount.com"
    assert deploy.env["CRON_AUDIENCE"] == f"{FUNCTIONS_HOST}/tasks-fetch-connection"


def test_anthropic_key_goes_only_to_functions_that_use_the_llm():
    llm = plan_function(by_name("ai_recommend"), bundle("ai_recommend", llm=True), config())
    plain = plan_function(by_name("ai_patterns"), bundle("ai_patterns"), config())
    assert llm.secrets["ANTHROPIC_API_KEY"].flag_value == "anthropic:4"
    assert "ANTHROPIC_API_KEY" not in plain.secrets
    assert "PLATFORM_CREDENTIALS_JSON" not in plain.secrets
    assert (llm.timeout_s, plain.timeout_s) == (120, 120)


def test_optional_jwt_secret_and_per_function_overrides_apply():
    cfg = config(
        secrets={**CONFIG["secrets"], "SUPABASE_JWT_SECRET": {"secret": "legacy-jwt", "version": "1"}},
        functions={"analytics_growth": {"max_instances": 3, "memory": "1Gi", "min_instances": 1}},
    )
    f = flags(plan_function(by_name("analytics_growth"), bundle("analytics_growth"), cfg).deploy_command(cfg).argv)
    assert "SUPABASE_JWT_SECRET=legacy-jwt:1" in f["--set-secrets"]
    assert (f["--max-instances"], f["--memory"], f["--min-instances"]) == ("3", "1Gi", "1")


def test_env_values_with_commas_switch_the_gcloud_delimiter():
    cfg = config(env={"LOG_LEVEL": "INFO"}, functions={"analytics_growth": {"env": {"ANTHROPIC_MODEL": "a,b"}}})
    f = flags(plan_function(by_name("analytics_growth"), bundle("analytics_growth"), cfg).deploy_command(cfg).argv)
    delimiter = f["--set-env-vars"][1]
    assert f["--set-env-vars"].startswith(f"^{delimiter}^")
    assert "ANTHROPIC_MODEL=a,b" in f["--set-env-vars"][3:].split(delimiter)


def test_cloud_run_url_template_needs_the_project_number():
    with pytest.raises(DeployConfigError, match="project_number"):
        load_config(None, {**CONFIG, "function_url_template": "https://{name}-{project_number}.{region}.run.app"})
    cfg = config(function_url_template="https://{name}-{project_number}.{region}.run.app", project_number="123456789")
    assert cfg.function_url("cron-detect-trends") == "https://cron-detect-trends-123456789.europe-west1.run.app"


def test_invalid_settings_name_the_field(tmp_path):
    with pytest.raises(DeployConfigError, match="region"):
        load_config(None, {"project": "acme-creators", "region": "Europe West"})
    with pytest.raises(DeployConfigError, match=r"secrets\.DATABASE_URL\.version"):
        load_config(None, {**CONFIG, "secrets": {"DATABASE_URL": {"secret": "db", "version": "v3"}}})
    with pytest.raises(DeployConfigError, match="does not exist"):
        load_config(tmp_path / "missing.json")
    bad = tmp_path / "deploy.json"
    bad.write_text("{not json")
    with pytest.raises(DeployConfigError, match="not valid JSON"):
        load_config(bad)
    with pytest.raises(DeployConfigError, match="project is required"):
        load_config(None, {"region": "europe-west1"})


def test_config_file_values_yield_to_cli_flags(tmp_path):
    path = tmp_path / "deploy.json"
    path.write_text(json.dumps({**CONFIG, "region": "us-central1"}))
    cfg = load_config(path, {"region": "europe-west1", "project": None})
    assert (cfg.project, cfg.region, cfg.supabase_project_ref) == (
        "acme-creators",
        "europe-west1",
        "abcdefghijklmnopqrst",
    )
    assert cfg.missing_for_deploy() == []


def test_extra_origins_join_the_frontend_origin_in_one_cors_list_and_the_redirects_stay_on_the_first():
    cfg = config(
        public_base_url=PUBLIC, extra_origins=["https://staging.example.com/", "https://app-*.preview.example.com"]
    )
    f = flags(plan_function(by_name("analytics_growth"), bundle("analytics_growth"), cfg).deploy_command(cfg).argv)
    value = f["--set-env-vars"]
    delimiter = value[1]
    assert value.startswith(f"^{delimiter}^") and delimiter != ","  # gcloud's syntax for values with commas
    env = dict(pair.split("=", 1) for pair in value[3:].split(delimiter))
    assert env["FRONTEND_ORIGIN"] == (
        "https://app.example.com,https://staging.example.com,https://app-*.preview.example.com"
    )
    assert env["FRONTEND_URL"] == "https://app.example.com"


@pytest.mark.parametrize(
    "origin",
    ["https://a.example.com,https://b.example.com", "*", "https://a*b*.example.com", "https://app.example.com/path"],
)
def test_a_malformed_extra_origin_is_refused(origin):
    with pytest.raises(ValueError, match="extra_origins"):
        config(extra_origins=[origin])
