"""The rehearsal, stage by stage: build, install alone, import everything, serve each bundle, run the product.

The plan is the deploy's own (`build_plan`) with the local stand-ins as the only substitutions:
PUBLIC_BASE_URL is the proxy, SUPABASE_URL the identity stand-in, and each function gets exactly the
secrets the plan mounts, as env vars with local values. Four settings exist only here: platform hosts
(the sandbox), platform limits, the Google certs URL and the Cloud Tasks API endpoint; and the fetch
cron keeps only one connection for itself (FETCH_FANOUT_THRESHOLD=1) so that its fan-out runs.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from functions.manifest import FUNCTIONS
from scripts.deploy.bundle import Bundle, build_bundle
from scripts.deploy.config import DeployConfig
from scripts.deploy.plan import Plan, build_plan
from scripts.deploy.requirements import load_lock
from scripts.deploy.tasks_queue import queue_path
from scripts.localstack.identity import SigningKey
from scripts.localstack.stack import SANDBOX_CLIENTS, SANDBOX_LIMITS
from scripts.rehearsal.identity import GoogleKey, IdentityServer
from scripts.rehearsal.installed import Venvs, clean_env, import_failures
from scripts.rehearsal.processes import FunctionProcess
from scripts.rehearsal.proxy import GatewayProxy
from scripts.rehearsal.tasks import TasksStandIn

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = "http://localhost:3000"
PROJECT, REGION = "rehearsal-project", "europe-west1"


class RehearsalFailed(AssertionError):
    """A stage failed; `stage` says which (build, install, imports, serve, journey)."""

    def __init__(self, stage: str, detail: str):
        super().__init__(f"{stage}: {detail}")
        self.stage = stage


@dataclass
class BundleReport:
    requirements: int
    install_s: float = 0.0
    import_check_s: float = 0.0
    cold_start_s: float | None = None
    first_request_s: float | None = None
    first_status: int | None = None


@dataclass
class Report:
    bundles: dict[str, BundleReport] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "bundles": {k: vars(v) for k, v in self.bundles.items()},
            "steps": self.steps,
            "tasks": self.tasks,
            "seconds": self.seconds,
        }

    def table(self) -> list[str]:
        """Per bundle: requirements, venv install, import check, cold start, first request; then totals."""
        lines = [f"{'bundle':24} {'reqs':>4} {'venv':>6} {'imports':>7} {'cold start':>10} {'1st request':>11}  status"]
        for name, b in self.bundles.items():
            cold = f"{b.cold_start_s * 1000:8.0f}ms" if b.cold_start_s is not None else f"{'-':>10}"
            first = f"{b.first_request_s * 1000:9.0f}ms" if b.first_request_s is not None else f"{'-':>11}"
            lines.append(
                f"{name:24} {b.requirements:4} {b.install_s:5.1f}s {b.import_check_s:6.1f}s {cold} {first}"
                f"  {b.first_status or '-'}"
            )
        lines.append(
            f"journey: {len(self.steps)} calls through the gateway; {len(self.tasks)} Cloud Tasks delivered; "
            + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        )
        return lines


def build_all(
    out: Path, tamper: Callable[[dict[str, Bundle]], None] | None = None, only: set[str] | None = None
) -> dict[str, Bundle]:
    lock = load_lock(ROOT)
    bundles = {
        s.name: build_bundle(s.name, s.entry, ROOT, out, lock)
        for s in FUNCTIONS
        if s.entry.is_file() and (only is None or s.name in only)
    }
    if tamper is not None:
        tamper(bundles)  # the tests' way to prove a broken bundle fails the rehearsal
    return bundles


def install_and_check(bundles: dict[str, Bundle], venvs: Venvs, report: Report) -> dict[str, Path]:
    """Install each bundle alone and import everything it can load; RehearsalFailed naming every gap."""
    pythons = {}
    for name, bundle in bundles.items():
        requirements = bundle.directory / "requirements.txt"
        report.bundles[name] = BundleReport(len(requirements.read_text().split("\n")) - 1)
        try:
            pythons[name] = venvs.python_for(requirements)
        except Exception as exc:  # noqa: BLE001 - reported per bundle
            raise RehearsalFailed("install", f"{name}: {exc}") from None
        report.bundles[name].install_s = venvs.seconds[pythons[name].parent.parent.name]

    groups: dict[Path, list[str]] = {}
    for name, python in pythons.items():
        groups.setdefault(python, []).append(name)

    def check(python: Path) -> dict[str, dict[str, str]]:
        names = groups[python]
        results = import_failures([bundles[n].directory for n in names], python)
        for name in names:
            failures, report.bundles[name].import_check_s = results[bundles[name].directory]
        return {name: results[bundles[name].directory][0] for name in names}

    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores: two interpreters at a time
        broken = {
            name: failures for checked in pool.map(check, groups) for name, failures in checked.items() if failures
        }
    if broken:
        raise RehearsalFailed("imports", json.dumps(broken, indent=1))
    return pythons


def rehearsal_config(proxy_url: str, identity_url: str) -> DeployConfig:
    return DeployConfig(
        project=PROJECT, region=REGION, public_base_url=proxy_url, supabase_url=identity_url, frontend_origin=FRONTEND
    )


def process_env(deploy: Any, secret_values: dict[str, str], local: dict[str, str]) -> dict[str, str]:
    """Production's shape: the plan's env vars, the secrets the plan mounts (local values), the stand-ins."""
    mounted = {name: secret_values[name] for name in deploy.secrets if name in secret_values}
    return clean_env({**deploy.env, **mounted, **local})


class Rehearsal:
    """Everything the rehearsal started; `close()` stops it all."""

    def __init__(self, build_dir: Path, database_url: str, sandbox_url: str, *, fanout_threshold: int = 1):
        # The stand-ins' access logs would print OAuth codes from query strings; errors still show.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.build_dir, self.report = build_dir, Report()
        self.google, self.supabase_key = GoogleKey(), SigningKey.generate()
        self.identity = IdentityServer(self.google, self.supabase_key)
        self.proxy = GatewayProxy()
        self.processes: dict[str, FunctionProcess] = {}
        self.plan: Plan | None = None
        self.database_url, self.sandbox_url, self.fanout_threshold = database_url, sandbox_url, fanout_threshold
        self.tasks: TasksStandIn | None = None
        # No ANTHROPIC_API_KEY: the LLM functions run their offline provider, as a keyless deploy would.
        self.secret_values = {
            "DATABASE_URL": database_url,
            "TOKEN_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "OAUTH_STATE_SECRET": secrets.token_urlsafe(32),
            "PLATFORM_CREDENTIALS_JSON": json.dumps(SANDBOX_CLIENTS),
        }

    def serve(self, bundles: dict[str, Bundle], pythons: dict[str, Path]) -> None:
        config = rehearsal_config(self.proxy.base_url, self.identity.base_url)
        self.plan = build_plan(config, list(FUNCTIONS), self.build_dir, bundles=bundles)
        self.tasks = TasksStandIn(
            queue_path(config),
            config.tasks_sa,
            self.google,
            max_attempts=config.queue.max_attempts,
            max_concurrent=config.queue.max_concurrent_dispatches,
        )
        from scripts.sandbox import host_urls

        local = {
            "PLATFORM_HOSTS_JSON": json.dumps(host_urls(self.sandbox_url)),
            "PLATFORM_LIMITS_JSON": json.dumps(SANDBOX_LIMITS),
            "CRON_OIDC_CERTS_URL": self.identity.certs_url,
            "TASKS_API_ENDPOINT": self.tasks.base_url,
            "LOG_LEVEL": "INFO",
        }
        backends = {}
        for deploy in self.plan.deploys:
            extra = dict(local)
            if deploy.spec.name == "cron_fetch_analytics":
                extra["FETCH_FANOUT_THRESHOLD"] = str(self.fanout_threshold)  # make the fan-out happen
            process = FunctionProcess(
                deploy.spec.name,
                bundles[deploy.spec.name].directory,
                pythons[deploy.spec.name],
                process_env(deploy, self.secret_values, extra),
            )
            try:
                self.processes[deploy.spec.name] = process.start()
            except RuntimeError as exc:
                raise RehearsalFailed("serve", str(exc)) from None
            self.report.bundles[deploy.spec.name].cold_start_s = process.cold_start_s
            backends[deploy.url] = process.base_url
        self.proxy.configure(
            self.plan.gateway_document, backends, self.google, config.gateway_sa, observe=self._first_request
        )
        self.proxy.start()

    def _first_request(self, operation_id: str, method: str, status: int, seconds: float) -> None:
        entry = self.report.bundles.get(operation_id)
        if entry is not None and entry.first_request_s is None and method != "OPTIONS":
            entry.first_request_s, entry.first_status = seconds, status

    def logs(self) -> str:
        return "\n".join(line for p in self.processes.values() for line in p.output)

    def close(self) -> None:
        for process in self.processes.values():
            process.stop()
        self.proxy.stop()
        self.identity.stop()
        if self.tasks is not None:
            self.tasks.stop()
