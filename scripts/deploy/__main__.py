"""Deploy every function: `python -m scripts.deploy --project P --region R [--dry-run]`.

Builds one bundle per function and the API Gateway config, then (unless --dry-run), in order: enables
the APIs, creates one service account per function (and the gateway's, Scheduler's, Tasks' and the
builder's) with only their grants, creates the Cloud Tasks queue, creates or moves the gateway (the one
public host) and reads its host back, deploys each function (private; the gateway is its only invoker)
and upserts the Scheduler jobs. The database migrations are printed as a step to run with the Supabase CLI.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from functions.manifest import FUNCTIONS, FunctionSpec
from scripts.deploy import iam
from scripts.deploy.bundle import Bundle, build_bundle
from scripts.deploy.config import DeployConfig, DeployConfigError, load_config
from scripts.deploy.gateway import GatewayCommands, build_gateway_spec, config_id, gateway_commands
from scripts.deploy.gcloud import REPO_ROOT as ROOT
from scripts.deploy.gcloud import Command, FunctionDeploy, ensure, plan_function, read, run, unset
from scripts.deploy.requirements import load_lock
from scripts.deploy.scheduler import build_jobs, describe_job, gcloud_equivalent, gcloud_equivalent_argv, upsert_jobs
from scripts.deploy.tasks_queue import build_queue, create_command, describe_queue, upsert_queue

PLAN_NAME = "deploy-plan.json"
GATEWAY_SPEC_NAME = "gateway-openapi.json"
OPENAPI_NAME = "openapi.json"  # docs/openapi.json with `servers` set to this deploy's public host


@dataclass
class Plan:
    """Everything a deploy would do, in order; printable and serialisable, free of secret values."""

    config: DeployConfig
    bundles: dict[str, Bundle]
    deploys: list[FunctionDeploy]
    skipped: dict[str, str]
    jobs: list[Any]
    queue: Any | None
    migrations: str
    gateway_document: dict[str, Any]
    gateway_spec: Path
    accounts: list[iam.Account]
    warnings: list[str] = field(default_factory=list)

    @property
    def gateway(self) -> GatewayCommands:
        return gateway_commands(self.config, _shown(self.gateway_spec), config_id(self.gateway_document))

    def gcloud_commands(self) -> list[Command]:
        """Every gcloud line the deploy may run (or that stands for a client call), for the parse check."""
        c = self.config
        commands = [iam.enable_services(c)]
        for account in self.accounts:
            commands += [*iam.create_account(c, account).commands, *iam.grant_commands(c, account)]
        if self.queue is not None:
            commands.append(create_command(c))
        commands += [*self.gateway.commands, self.gateway.enable_managed_service("MANAGED_SERVICE", c)]
        for d in self.deploys:
            commands += [d.deploy_command(c), d.invoker_command(c)]
        commands += [Command(gcloud_equivalent_argv(job), "scheduler job") for job in self.jobs]
        return commands

    def to_json(self) -> dict[str, Any]:
        c = self.config
        return {
            "project": c.project,
            "region": c.region,
            "public_base_url": c.base_url,
            "service_accounts": {a.account_id: {"email": a.email, "purpose": a.purpose, "grants": a.grants}
                                 for a in self.accounts},
            "secrets": {name: ref.flag_value for name, ref in c.secret_refs().items()},
            "skipped": self.skipped,
            "warnings": self.warnings,
            "steps": [
                {"step": "migrations", "run_by": "you (Supabase CLI, from the repository root)",
                 "command": self.migrations},
                {"step": "services", "command": iam.enable_services(c).shell},
                *([{"step": "queue", "request": describe_queue(self.queue),
                    "command": create_command(c).shell}] if self.queue is not None else []),
                *({"step": "service-account", "account": a.account_id,
                   "command": iam.create_account(c, a).create.shell,
                   "grants": [g.shell for g in iam.grant_commands(c, a)]} for a in self.accounts),
                {"step": "gateway", "config": config_id(self.gateway_document), "spec": _shown(self.gateway_spec),
                 "commands": [command.shell for command in self.gateway.commands]},
                *({"step": "deploy", "function": d.spec.name, "url": d.url, "public_url": c.public_url(d.spec.route),
                   "auth": d.spec.auth, "service_account": d.service_account,
                   "command": d.deploy_command(c).shell, "invoker": d.invoker_command(c).shell,
                   "secrets": {k: v.flag_value for k, v in sorted(d.secrets.items())},
                   "bundle": {"directory": d.source.as_posix(), "files": len(self.bundles[d.spec.name].files),
                              "requirements": self.bundles[d.spec.name].requirements}}
                  for d in self.deploys),
                *({"step": "scheduler", "job": describe_job(job), "command": gcloud_equivalent(job)}
                  for job in self.jobs),
            ],
        }


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def migrations_command(config: DeployConfig) -> str:
    ref = config.supabase_project_ref or unset("supabase_project_ref")
    return f"supabase link --project-ref {ref} && supabase db push"


def select(only: list[str] | None) -> list[FunctionSpec]:
    """The manifest entries to deploy (all, or the named ones)."""
    if not only:
        return list(FUNCTIONS)
    known = {spec.name for spec in FUNCTIONS}
    unknown = sorted(set(only) - known)
    if unknown:
        raise DeployConfigError(f"--only names unknown functions {unknown}; known: {', '.join(sorted(known))}")
    return [spec for spec in FUNCTIONS if spec.name in only]


def build_plan(config: DeployConfig, specs: list[FunctionSpec], build_dir: Path, root: Path = ROOT,
               bundles: dict[str, Bundle] | None = None) -> Plan:
    """Write a bundle for every selected function (unless given) and the gateway config; plan the rest."""
    lock = load_lock(root) if bundles is None else None
    bundles = dict(bundles or {})
    skipped: dict[str, str] = {}
    deploys: list[FunctionDeploy] = []
    warnings: list[str] = []
    for spec in specs:
        if not spec.entry.is_file():
            skipped[spec.name] = f"functions/{spec.name}/main.py does not exist yet"
            continue
        if spec.name not in bundles:
            bundles[spec.name] = build_bundle(spec.name, spec.entry, root, build_dir / "bundles", lock)
        bundle = bundles[spec.name]
        deploy = plan_function(spec, bundle, config)
        deploys.append(deploy)
        warnings.extend(f"{spec.name}: {w}" for w in bundle.warnings)
        warnings.extend(deploy.warnings)
    deployed = [d.spec for d in deploys]
    jobs = build_jobs(deployed, config, {d.spec.name: d.timeout_s for d in deploys})
    # The gateway always serves the whole manifest: --only redeploys functions, not the public surface.
    document = build_gateway_spec([s for s in FUNCTIONS if s.entry.is_file()], config.function_url)
    spec_path = build_dir / GATEWAY_SPEC_NAME
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    missing = config.missing_for_deploy()
    if missing:
        warnings.append(f"a real deploy needs {', '.join(missing)} (shown as <unset:...>)")
    if any(ref.version == "latest" for ref in config.secret_refs().values()):
        warnings.append("some secrets use version 'latest': pin versions in the config so rollbacks are exact")
    if not (root / "supabase" / "config.toml").is_file():
        warnings.append("supabase/config.toml is missing: run `supabase init` once before `supabase link`")
    return Plan(config=config, bundles=bundles, deploys=deploys, skipped=skipped, jobs=jobs,
                queue=build_queue(config) if any(s.auth == "cron" for s in specs) else None,
                migrations=migrations_command(config), gateway_document=document, gateway_spec=spec_path,
                accounts=iam.accounts(config, deploys), warnings=sorted(set(warnings)))


def write_openapi(config: DeployConfig, build_dir: Path) -> Path:
    """The API document for this deploy: the frontend's client is generated against its public host."""
    from scripts.openapi import build_openapi

    path = build_dir / OPENAPI_NAME
    path.write_text(json.dumps(build_openapi(config.base_url), indent=2) + "\n")
    return path


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
            print(f"#   bundle: {step['bundle']['directory']} ({step['bundle']['files']} files; "
                  f"{', '.join(step['bundle']['requirements'])})", file=out)
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
            run(command)
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
    parser.add_argument("--check-gcloud", action="store_true",
                        help="with --dry-run: pass every planned gcloud command through gcloud's own parser")
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build", help="where bundles go (default: build/)")
    parser.add_argument("--supabase-url", help="https://<ref>.supabase.co")
    parser.add_argument("--frontend-origin", help="the web app's origin, for CORS and redirects")
    parser.add_argument("--public-base-url",
                        help="a custom domain in front of the gateway (default: the gateway's own host)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_config(args.config, {"project": args.project, "region": args.region,
                                           "supabase_url": args.supabase_url,
                                           "frontend_origin": args.frontend_origin,
                                           "public_base_url": args.public_base_url})
        only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
        plan = build_plan(config, select(only), args.build_dir)
        print_plan(plan)
        if args.dry_run:
            path = args.build_dir / PLAN_NAME
            path.write_text(json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n")
            write_openapi(config, args.build_dir)
            print(f"\n# dry run: {len(plan.bundles)} bundles in {args.build_dir / 'bundles'}, plan in {path}; "
                  "nothing was executed")
            return check_gcloud(plan) if args.check_gcloud else 0
        execute(plan)
    except DeployConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
