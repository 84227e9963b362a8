"""Least privilege: an account per function with only its secrets; actAs and enqueue only where tasks are made."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions.manifest import FUNCTIONS, by_name
from scripts.deploy.config import load_config
from scripts.deploy.iam import ACT_AS, ENQUEUER, SECRET_ACCESSOR, grant_commands, iam_table
from scripts.deploy.plan import build_plan

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = {
    "project": "acme-creators",
    "region": "europe-west1",
    "supabase_url": "https://abcdefghijklmnopqrst.supabase.co",
    "frontend_origin": "https://app.example.com",
}


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return build_plan(load_config(None, SETTINGS), list(FUNCTIONS), tmp_path_factory.mktemp("build"))


def by_id(plan):
    return {a.account_id: a for a in plan.accounts}


def test_each_function_runs_as_its_own_account_holding_exactly_its_secrets(plan):
    accounts = by_id(plan)
    for deploy in plan.deploys:
        account = accounts[f"fn-{deploy.spec.deploy_name}"]
        assert deploy.service_account == account.email
        assert account.secrets == sorted({ref.secret for ref in deploy.secrets.values()})
        granted = [c.argv[3] for c in grant_commands(plan.config, account) if c.argv[1] == "secrets"]
        assert granted == account.secrets
    assert accounts["fn-analytics-overview"].secrets == ["database-url"]
    assert "anthropic-api-key" in accounts["fn-ai-recommend"].secrets
    assert "token-keys" not in accounts["fn-trends-topics"].secrets
    assert "platform-credentials" in accounts["fn-tasks-fetch-connection"].secrets


def test_only_the_fetch_cron_may_enqueue_and_act_as_the_tasks_account(plan):
    config = plan.config
    bindings = [(a.account_id, c.argv) for a in plan.accounts for c in grant_commands(config, a)]
    act_as = [(who, argv) for who, argv in bindings if f"--role={ACT_AS}" in argv]
    enqueue = [(who, argv) for who, argv in bindings if f"--role={ENQUEUER}" in argv]
    assert [who for who, _ in act_as] == ["fn-cron-fetch-analytics"]
    assert act_as[0][1][:5] == ("gcloud", "iam", "service-accounts", "add-iam-policy-binding", config.tasks_sa)
    assert [who for who, _ in enqueue] == ["fn-cron-fetch-analytics"]
    assert enqueue[0][1][:5] == ("gcloud", "tasks", "queues", "add-iam-policy-binding", "fetch-connections")
    assert all(
        f"--role={SECRET_ACCESSOR}" in argv or who in ("fn-cron-fetch-analytics", "fn-builder")
        for who, argv in bindings
    )


def test_the_gateway_is_every_functions_only_invoker_and_callers_hold_no_roles(plan):
    accounts = by_id(plan)
    assert {d.invoker_command(plan.config).argv[3] for d in plan.deploys} == {
        s.deploy_name for s in FUNCTIONS if s.entry.is_file()
    }
    assert all(d.invoker == plan.config.gateway_sa for d in plan.deploys)
    assert accounts["scheduler-invoker"].grants == [] and accounts["tasks-invoker"].grants == []
    assert grant_commands(plan.config, accounts["scheduler-invoker"]) == []
    assert by_name("cron_fetch_analytics").deploy_name == "cron-fetch-analytics"


def test_readme_lists_the_iam_the_deploy_grants(plan):
    assert iam_table(plan.accounts) in (ROOT / "README.md").read_text()
