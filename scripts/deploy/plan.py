"""The deploy plan: bundles, gateway config, accounts and grants, functions, jobs; printable, no secret values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from functions.manifest import FUNCTIONS, FunctionSpec
from scripts.deploy import iam
from scripts.deploy.bundle import Bundle, build_bundle
from scripts.deploy.config import DeployConfig, DeployConfigError
from scripts.deploy.gateway import GatewayCommands, build_gateway_spec, config_id, gateway_commands
from scripts.deploy.gcloud import REPO_ROOT as ROOT
from scripts.deploy.gcloud import Command, FunctionDeploy, plan_function, shown_path, unset
from scripts.deploy.requirements import load_lock
from scripts.deploy.scheduler import build_jobs, describe_job, gcloud_equivalent, gcloud_equivalent_argv
from scripts.deploy.tasks_queue import build_queue, create_command, describe_queue

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
        return gateway_commands(self.config, shown_path(self.gateway_spec), config_id(self.gateway_document))

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
            "service_accounts": {
                a.account_id: {"email": a.email, "purpose": a.purpose, "secrets": a.secrets, "grants": a.grants}
                for a in self.accounts
            },
            "secrets": {name: ref.flag_value for name, ref in c.secret_refs().items()},
            "skipped": self.skipped,
            "warnings": self.warnings,
            "steps": [
                {
                    "step": "migrations",
                    "run_by": "you (Supabase CLI, from the repository root)",
                    "command": self.migrations,
                },
                {"step": "services", "command": iam.enable_services(c).shell},
                *(
                    [{"step": "queue", "request": describe_queue(self.queue), "command": create_command(c).shell}]
                    if self.queue is not None
                    else []
                ),
                *(
                    {
                        "step": "service-account",
                        "account": a.account_id,
                        "command": iam.create_account(c, a).create.shell,
                        "grants": [g.shell for g in iam.grant_commands(c, a)],
                    }
                    for a in self.accounts
                ),
                {
                    "step": "gateway",
                    "config": config_id(self.gateway_document),
                    "spec": shown_path(self.gateway_spec),
                    "commands": [command.shell for command in self.gateway.commands],
                },
                *(
                    {
                        "step": "deploy",
                        "function": d.spec.name,
                        "url": d.url,
                        "public_url": c.public_url(d.spec.route),
                        "auth": d.spec.auth,
                        "service_account": d.service_account,
                        "command": d.deploy_command(c).shell,
                        "invoker": d.invoker_command(c).shell,
                        "secrets": {k: v.flag_value for k, v in sorted(d.secrets.items())},
                        "bundle": {
                            "directory": d.source.as_posix(),
                            "files": len(self.bundles[d.spec.name].files),
                            "requirements": self.bundles[d.spec.name].requirements,
                        },
                    }
                    for d in self.deploys
                ),
                *(
                    {"step": "scheduler", "job": describe_job(job), "command": gcloud_equivalent(job)}
                    for job in self.jobs
                ),
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


def build_plan(
    config: DeployConfig,
    specs: list[FunctionSpec],
    build_dir: Path,
    root: Path = ROOT,
    bundles: dict[str, Bundle] | None = None,
) -> Plan:
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
            lock = lock or load_lock(root)
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
    return Plan(
        config=config,
        bundles=bundles,
        deploys=deploys,
        skipped=skipped,
        jobs=jobs,
        queue=build_queue(config) if any(s.auth == "cron" for s in specs) else None,
        migrations=migrations_command(config),
        gateway_document=document,
        gateway_spec=spec_path,
        accounts=iam.accounts(config, deploys),
        warnings=sorted(set(warnings)),
    )


def write_openapi(config: DeployConfig, build_dir: Path) -> Path:
    """The API document for this deploy: the frontend's client is generated against its public host."""
    from scripts.openapi import build_openapi

    path = build_dir / OPENAPI_NAME
    path.write_text(json.dumps(build_openapi(config.base_url), indent=2) + "\n")
    return path
