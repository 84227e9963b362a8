"""Deploy every function: `python -m scripts.deploy --project P --region R [--dry-run]`.

Builds one bundle per function and the API Gateway config, then (unless --dry-run), in order: enables
the APIs, creates the Cloud Tasks queue, creates one service account per function (and the gateway's,
Scheduler's, Tasks' and the builder's) with only their grants, creates or moves the gateway (the one
public host) and reads its host back, deploys each function (private; the gateway is its only invoker)
and upserts the Scheduler jobs. The database migrations are printed as a step to run with the Supabase CLI.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from scripts.deploy import iam
from scripts.deploy.config import DeployConfigError, load_config
from scripts.deploy.gcloud import REPO_ROOT as ROOT
from scripts.deploy.gcloud import ensure, read, run
from scripts.deploy.plan import PLAN_NAME, Plan, build_plan, select, write_openapi
from scripts.deploy.scheduler import upsert_jobs
from scripts.deploy.tasks_queue import upsert_queue

IAM_ATTEMPTS = 5


def print_plan(plan: Plan, out: Any = None) -> None:
    out = out or sys.stdout
    data = plan.to_json()
    print(f"# Deploy plan for {data['project']} ({data['region']}); public API: {data['public_base_url']}", file=out)
    for name, reason in plan.skipped.items():
        print(f"# skipped {name}: {reason}", file=out)
    for warning in plan.warnings:
        print(f"# warning: {warning}", file=out)
    for number, step in enumerate(data["steps"], 1):
        title = step.get("function") or step.get("account") or step.get("job", {}).get("name") or ""
        print(f"\n## {number}. {step['step']} {title}".rstrip(), file=out)
        if step["step"] == "deploy":
            print(
                f"#   bundle: {step['bundle']['directory']} ({step['bundle']['files']} files; "
                f"{', '.join(step['bundle']['requirements'])})",
                file=out,
            )
        for line in step.get("commands") or [step["command"]]:
            print(line, file=out)
        for line in [*step.get("grants", []), *([step["invoker"]] if "invoker" in step else [])]:
            print(line, file=out)


def execute(plan: Plan) -> None:
    """Services, accounts and grants, queue, gateway (then its host), functions, jobs. Migrations stay manual."""
    config = plan.config
    missing = config.missing_for_deploy()
    if missing:
        raise DeployConfigError(f"cannot deploy without {', '.join(missing)}: set them in the config file")
    if shutil.which("gcloud") is None:
        raise DeployConfigError("gcloud is not on PATH: install the Google Cloud SDK or use --dry-run")
    print(f"Before the functions: run the migrations:\n  {plan.migrations}", flush=True)
    run(iam.enable_services(config))
    if plan.queue is not None:
        from google.cloud import tasks_v2

        print(f"queue {plan.queue.name}: {upsert_queue(tasks_v2.CloudTasksClient(), plan.queue)}", flush=True)
    for account in plan.accounts:
        ensure(iam.create_account(config, account))
    for account in plan.accounts:
        for command in iam.grant_commands(config, account):
            run(command, attempts=IAM_ATTEMPTS)  # a new account takes a moment to be visible to IAM
    gateway = plan.gateway
    ensure(gateway.api)
    run(gateway.enable_managed_service(read(gateway.managed_service), config))
    ensure(gateway.api_config)
    ensure(gateway.gateway)
    if not config.public_base_url:
        # The host exists only now; functions and jobs are planned again with it.
        config = config.model_copy(update={"public_base_url": f"https://{read(gateway.host)}"})
        plan = build_plan(config, [d.spec for d in plan.deploys], plan.gateway_spec.parent, bundles=plan.bundles)
    write_openapi(config, plan.gateway_spec.parent)
    print(f"public API: {config.base_url}", flush=True)
    for deploy in plan.deploys:
        run(deploy.deploy_command(config))
        run(deploy.invoker_command(config))
    if plan.jobs:
        from google.cloud import scheduler_v1

        for name, outcome in upsert_jobs(scheduler_v1.CloudSchedulerClient(), plan.jobs):
            print(f"job {name}: {outcome}", flush=True)


def check_gcloud(plan: Plan) -> int:
    """Report whether the installed gcloud parses every planned command; 1 if any does not."""
    from scripts.deploy.gcloud_check import check_commands

    results = check_commands(plan.gcloud_commands())
    failed = [r for r in results if not r.parsed]
    for result in failed:
        print(f"# gcloud rejects: {result.command.shell}\n#   {result.message or result.error}")
    print(f"# gcloud parsed {len(results) - len(failed)} of {len(results)} planned commands")
    return 1 if failed else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--project", help="GCP project id (overrides the config file)")
    parser.add_argument("--region", help="GCP region, e.g. europe-west1 (overrides the config file)")
    parser.add_argument("--config", type=Path, help="deploy settings JSON (see scripts/deploy/config.py)")
    parser.add_argument("--only", help="comma-separated function names (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="build bundles and print the plan; run nothing")
    parser.add_argument(
        "--check-gcloud",
        action="store_true",
        help="with --dry-run: pass every planned gcloud command through gcloud's own parser",
    )
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build", help="where bundles go (default: build/)")
    parser.add_argument("--supabase-url", help="https://<ref>.supabase.co")
    parser.add_argument("--frontend-origin", help="the web app's origin, for CORS and redirects")
    parser.add_argument(
        "--public-base-url", help="a custom domain in front of the gateway (default: the gateway's own host)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_config(
            args.config,
            {
                "project": args.project,
                "region": args.region,
                "supabase_url": args.supabase_url,
                "frontend_origin": args.frontend_origin,
                "public_base_url": args.public_base_url,
            },
        )
        only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
        plan = build_plan(config, select(only), args.build_dir)
        print_plan(plan)
        if args.dry_run:
            path = args.build_dir / PLAN_NAME
            path.write_text(json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n")
            write_openapi(config, args.build_dir)
            print(
                f"\n# dry run: {len(plan.bundles)} bundles in {args.build_dir / 'bundles'}, plan in {path}; "
                "nothing was executed"
            )
            return check_gcloud(plan) if args.check_gcloud else 0
        execute(plan)
    except DeployConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
