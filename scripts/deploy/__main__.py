"""Deploy every function: `python -m scripts.deploy --project P --region R [--dry-run]`.

Builds one bundle per function entry that exists, then (unless --dry-run) creates the Cloud Tasks
queue, deploys each function with gcloud, grants invokers and upserts the Scheduler jobs. The
database migrations are printed as a step to run with the Supabase CLI.
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
from scripts.deploy.bundle import Bundle, build_bundle
from scripts.deploy.config import DeployConfig, DeployConfigError, load_config
from scripts.deploy.gcloud import REPO_ROOT as ROOT
from scripts.deploy.gcloud import FunctionDeploy, plan_function, run, unset
from scripts.deploy.requirements import load_lock
from scripts.deploy.scheduler import build_jobs, describe_job, gcloud_equivalent, upsert_jobs
from scripts.deploy.tasks_queue import build_queue, create_command, describe_queue, upsert_queue

PLAN_NAME = "deploy-plan.json"


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
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        c = self.config
        return {
            "project": c.project,
            "region": c.region,
            "service_accounts": {"runtime": c.runtime_sa, "scheduler": c.scheduler_sa, "tasks": c.tasks_sa},
            "secrets": {name: ref.flag_value for name, ref in c.secret_refs().items()},
            "skipped": self.skipped,
            "warnings": self.warnings,
            "steps": [
                {"step": "migrations", "run_by": "you (Supabase CLI, from the repository root)",
                 "command": self.migrations},
                *([{"step": "queue", "request": describe_queue(self.queue),
                    "command": create_command(c).shell}] if self.queue is not None else []),
                *({"step": "deploy", "function": d.spec.name, "url": d.url, "auth": d.spec.auth,
                   "command": d.deploy_command(c).shell,
                   "secrets": {k: v.flag_value for k, v in sorted(d.secrets.items())},
                   "bundle": {"directory": d.source.as_posix(), "files": self.bundles[d.spec.name].files,
                              "requirements": self.bundles[d.spec.name].requirements}}
                  for d in self.deploys),
                *({"step": "invoker", "function": d.spec.name, "member": d.invoker,
                   "command": d.invoker_command(c).shell}  # type: ignore[union-attr]
                  for d in self.deploys if d.invoker_command(c) is not None),
                *({"step": "scheduler", "job": describe_job(job), "command": gcloud_equivalent(job)}
                  for job in self.jobs),
            ],
        }


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


def build_plan(config: DeployConfig, specs: list[FunctionSpec], build_dir: Path, root: Path = ROOT) -> Plan:
    """Write a bundle for every selected function whose main.py exists and plan its deploy."""
    lock = load_lock(root)
    bundles_dir = build_dir / "bundles"
    bundles: dict[str, Bundle] = {}
    skipped: dict[str, str] = {}
    deploys: list[FunctionDeploy] = []
    warnings: list[str] = []
    for spec in specs:
        entry = root / "functions" / spec.name / "main.py"
        if not entry.is_file():
            skipped[spec.name] = f"functions/{spec.name}/main.py does not exist yet"
            continue
        bundle = build_bundle(spec.name, entry, root, bundles_dir, lock)
        bundles[spec.name] = bundle
        deploy = plan_function(spec, bundle, config)
        deploys.append(deploy)
        warnings.extend(f"{spec.name}: {w}" for w in bundle.warnings)
        warnings.extend(deploy.warnings)
    deployed = [d.spec for d in deploys]
    jobs = build_jobs(deployed, config, {d.spec.name: d.timeout_s for d in deploys})
    wants_queue = any(spec.auth == "cron" for spec in specs)
    missing = config.missing_for_deploy()
    if missing:
        warnings.append(f"a real deploy needs {', '.join(missing)} (shown as <unset:...>)")
    if any(ref.version == "latest" for ref in config.secret_refs().values()):
        warnings.append("some secrets use version 'latest': pin versions in the config so rollbacks are exact")
    if not (root / "supabase" / "config.toml").is_file():
        warnings.append("supabase/config.toml is missing: run `supabase init` once before `supabase link`")
    return Plan(config=config, bundles=bundles, deploys=deploys, skipped=skipped, jobs=jobs,
                queue=build_queue(config) if wants_queue else None, migrations=migrations_command(config),
                warnings=sorted(set(warnings)))


def print_plan(plan: Plan, out: Any = None) -> None:
    out = out or sys.stdout
    data = plan.to_json()
    print(f"# Deploy plan for {data['project']} ({data['region']})", file=out)
    for name, reason in plan.skipped.items():
        print(f"# skipped {name}: {reason}", file=out)
    for warning in plan.warnings:
        print(f"# warning: {warning}", file=out)
    for number, step in enumerate(data["steps"], 1):
        title = step.get("function") or step.get("job", {}).get("name") or ""
        print(f"\n## {number}. {step['step']} {title}".rstrip(), file=out)
        if step["step"] == "deploy":
            print(f"#   bundle: {step['bundle']['directory']} ({len(step['bundle']['files'])} files; "
                  f"{', '.join(step['bundle']['requirements'])})", file=out)
        print(step["command"], file=out)


def execute(plan: Plan) -> None:
    """Create the queue, deploy, bind invokers, upsert jobs. Migrations stay a manual step."""
    config = plan.config
    missing = config.missing_for_deploy()
    if missing:
        raise DeployConfigError(f"cannot deploy without {', '.join(missing)}: set them in the config file")
    if shutil.which("gcloud") is None:
        raise DeployConfigError("gcloud is not on PATH: install the Google Cloud SDK or use --dry-run")
    print(f"Before the functions: run the migrations:\n  {plan.migrations}", flush=True)
    if plan.queue is not None:
        from google.cloud import tasks_v2

        print(f"queue {plan.queue.name}: {upsert_queue(tasks_v2.CloudTasksClient(), plan.queue)}", flush=True)
    for deploy in plan.deploys:
        run(deploy.deploy_command(config))
        binding = deploy.invoker_command(config)
        if binding is not None:
            run(binding)
    if plan.jobs:
        from google.cloud import scheduler_v1

        for name, outcome in upsert_jobs(scheduler_v1.CloudSchedulerClient(), plan.jobs):
            print(f"job {name}: {outcome}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--project", help="GCP project id (overrides the config file)")
    parser.add_argument("--region", help="GCP region, e.g. europe-west1 (overrides the config file)")
    parser.add_argument("--config", type=Path, help="deploy settings JSON (see scripts/deploy/config.py)")
    parser.add_argument("--only", help="comma-separated function names (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="build bundles and print the plan; run nothing")
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build", help="where bundles go (default: build/)")
    parser.add_argument("--supabase-url", help="https://<ref>.supabase.co")
    parser.add_argument("--frontend-origin", help="the web app's origin, for CORS and redirects")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_config(args.config, {"project": args.project, "region": args.region,
                                           "supabase_url": args.supabase_url,
                                           "frontend_origin": args.frontend_origin})
        only = [name.strip() for name in args.only.split(",") if name.strip()] if args.only else None
        plan = build_plan(config, select(only), args.build_dir)
        print_plan(plan)
        if args.dry_run:
            path = args.build_dir / PLAN_NAME
            path.write_text(json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n")
            print(f"\n# dry run: {len(plan.bundles)} bundles in {args.build_dir / 'bundles'}, plan in {path}; "
                  "nothing was executed")
            return 0
        execute(plan)
    except DeployConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
