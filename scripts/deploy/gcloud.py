"""`gcloud functions deploy` and invoker-binding commands for one bundle, and running them."""

from __future__ import annotations

import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from functions.manifest import FunctionSpec, by_name
from scripts.deploy.bundle import Bundle
from scripts.deploy.config import LOCAL_ONLY_SECRETS, OPTIONAL_SECRETS, DeployConfig, SecretRef

REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINT = "handler"
# API Gateway sends its own ID token in Authorization and moves the caller's here.
GATEWAY_FORWARDED_AUTHORIZATION = "X-Forwarded-Authorization"


@dataclass(frozen=True)
class Command:
    """One command line; `shell` is how the plan prints it."""

    argv: tuple[str, ...]
    why: str

    @property
    def shell(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class Ensure:
    """Idempotent creation: run `create` unless `exists` succeeds, in which case run `update` (if any)."""

    exists: Command
    create: Command
    update: Command | None = None

    @property
    def commands(self) -> tuple[Command, ...]:
        return (self.exists, self.create, *((self.update,) if self.update else ()))


def unset(field_name: str) -> str:
    """How a dry run shows a setting a real deploy requires."""
    return f"<unset:{field_name}>"


def known_env_names() -> frozenset[str]:
    """Every variable the functions' settings read (shared/config.py is the one source)."""
    from shared.config import _ENV_NAMES, _JSON_ENV_NAMES

    return frozenset({*_ENV_NAMES.values(), *_JSON_ENV_NAMES.values()})


@dataclass
class FunctionDeploy:
    """Everything `gcloud functions deploy` needs for one function."""

    spec: FunctionSpec
    source: Path
    url: str
    env: dict[str, str]
    secrets: dict[str, SecretRef]
    memory: str
    timeout_s: int
    min_instances: int
    max_instances: int
    concurrency: int
    service_account: str  # what the function runs as (its own: scripts/deploy/iam.py)
    invoker: str  # the one account allowed to call it: API Gateway's
    warnings: list[str] = field(default_factory=list)

    def deploy_command(self, config: DeployConfig) -> Command:
        # Every function is private at the IAM layer; the public reaches them only through the gateway,
        # and user endpoints still verify the caller's Supabase JWT themselves.
        argv = [
            "gcloud",
            "functions",
            "deploy",
            self.spec.deploy_name,
            "--gen2",
            f"--project={config.project}",
            f"--region={config.region}",
            f"--runtime={config.runtime}",
            f"--source={shown_path(self.source)}",
            f"--entry-point={ENTRY_POINT}",
            "--trigger-http",
            "--no-allow-unauthenticated",
            f"--service-account={self.service_account}",
            f"--build-service-account=projects/{config.project}/serviceAccounts/{config.build_sa}",
            f"--set-secrets={_joined({k: v.flag_value for k, v in self.secrets.items()})}",
            f"--set-env-vars={_joined(self.env)}",
            f"--memory={self.memory}",
            f"--timeout={self.timeout_s}s",
            f"--min-instances={self.min_instances}",
            f"--max-instances={self.max_instances}",
            f"--concurrency={self.concurrency}",
        ]
        return Command(tuple(argv), f"deploy {self.spec.name} ({self.spec.auth})")

    def invoker_command(self, config: DeployConfig) -> Command:
        argv = (
            "gcloud",
            "functions",
            "add-invoker-policy-binding",
            self.spec.deploy_name,
            f"--project={config.project}",
            f"--region={config.region}",
            f"--member=serviceAccount:{self.invoker}",
        )
        return Command(argv, f"let {self.invoker} invoke {self.spec.deploy_name}")


def shown_path(path: Path) -> str:
    """Repository-relative when possible (commands run from the repository root)."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def _joined(values: dict[str, str]) -> str:
    """KEY=VALUE pairs for a gcloud map flag; switch delimiter (gcloud `^D^` syntax) if a value has commas."""
    body = [f"{key}={value}" for key, value in sorted(values.items())]
    if not any("," in value for value in values.values()):
        return ",".join(body)
    delimiter = next(d for d in "@#|;~" if not any(d in pair for pair in body))
    return f"^{delimiter}^" + delimiter.join(body)


def secrets_needed(bundle: Bundle) -> list[str]:
    """The secret env vars a function gets: those whose settings its reachable code reads."""
    from shared.config import _ENV_NAMES, _JSON_ENV_NAMES

    names = {**_ENV_NAMES, **_JSON_ENV_NAMES}
    return sorted(
        names[field] for field in bundle.settings_read if field in names and names[field] not in LOCAL_ONLY_SECRETS
    )


def plan_function(spec: FunctionSpec, bundle: Bundle, config: DeployConfig) -> FunctionDeploy:
    """The deploy of one function: secrets and environment it needs, sizes, who may invoke it."""
    overrides = config.functions.get(spec.name)
    url = config.function_url(spec.deploy_name)
    warnings: list[str] = []

    refs = config.secret_refs()
    wanted = secrets_needed(bundle)
    secrets = {name: refs[name] for name in wanted if name in refs}
    for name in wanted:
        if name not in refs and name not in OPTIONAL_SECRETS:
            warnings.append(f"{spec.name}: no secret configured for {name}")

    env = {
        "APP_ENV": "production",
        "GOOGLE_CLOUD_PROJECT": config.project,
        "SUPABASE_URL": config.supabase_url or unset("supabase_url"),
        "FRONTEND_ORIGIN": config.cors_origins or unset("frontend_origin"),
        "FRONTEND_URL": config.frontend_url or config.frontend_origin or unset("frontend_url"),
        "PUBLIC_BASE_URL": config.base_url,
        "CALLER_AUTH_HEADER": GATEWAY_FORWARDED_AUTHORIZATION,
    }
    if spec.auth == "cron":
        # Scheduled crons are called by Cloud Scheduler; unscheduled ones are Cloud Tasks workers. Both
        # come through the gateway with a Google ID token whose audience is this function's own URL.
        env["CRON_AUDIENCE"] = url
        env["CRON_SERVICE_ACCOUNT"] = config.scheduler_sa if spec.schedule else config.tasks_sa
    if spec.name == "cron_fetch_analytics":
        # The fan-out: one Cloud Task per connection, to the worker's public route, OIDC for its URL.
        worker = by_name("tasks_fetch_connection")
        env["TASKS_QUEUE"] = config.queue.name
        env["TASKS_LOCATION"] = config.region
        env["TASKS_WORKER_URL"] = config.public_url(worker.route)
        env["TASKS_WORKER_AUDIENCE"] = config.function_url(worker.deploy_name)
        env["TASKS_SERVICE_ACCOUNT"] = config.tasks_sa
    env.update(config.env)
    if overrides:
        env.update(overrides.env)
    overlap = sorted(set(env) & set(secrets))
    if overlap:
        raise ValueError(f"{spec.name}: {overlap} set both as secret and as plain env var")
    known = known_env_names() | {"GOOGLE_CLOUD_PROJECT"}
    unknown = sorted(name for name in (*env, *secrets) if name not in known)
    if unknown:
        warnings.append(f"{spec.name}: shared/config.py reads none of {unknown}")

    return FunctionDeploy(
        spec=spec,
        source=bundle.directory,
        url=url,
        env=env,
        secrets=secrets,
        memory=(overrides and overrides.memory) or spec.memory,
        timeout_s=(overrides and overrides.timeout_s) or spec.timeout_s,
        min_instances=overrides.min_instances if overrides and overrides.min_instances is not None else 0,
        max_instances=(overrides and overrides.max_instances) or config.max_instances,
        concurrency=(overrides and overrides.concurrency) or config.concurrency,
        service_account=config.function_sa(spec.deploy_name),
        invoker=config.gateway_sa,
        warnings=warnings,
    )


def run(command: Command, attempts: int = 1, wait_s: float = 10.0) -> None:
    """Run one command, echoing it; a failure (after `attempts`) stops the deploy."""
    print(f"$ {command.shell}", flush=True)
    for attempt in range(1, attempts + 1):
        if subprocess.run(command.argv, cwd=REPO_ROOT).returncode == 0:
            return
        if attempt < attempts:
            print(f"# attempt {attempt} failed; again in {wait_s:.0f} s", flush=True)
            time.sleep(wait_s)
    raise subprocess.CalledProcessError(1, command.argv)


def read(command: Command) -> str:
    """Run a describe-style command and return what it printed."""
    print(f"$ {command.shell}", flush=True)
    return subprocess.run(command.argv, check=True, cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()


def ensure(step: Ensure) -> None:
    """Create what does not exist yet; update what does (when an update is planned)."""
    found = subprocess.run(step.exists.argv, cwd=REPO_ROOT, capture_output=True, text=True).returncode == 0
    if not found:
        run(step.create)
    elif step.update is not None:
        run(step.update)
    else:
        print(f"# exists: {step.exists.why}", flush=True)
