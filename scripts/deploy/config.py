"""Deploy settings: one validated object from a JSON file and/or CLI flags. Never holds secret values.

Example deploy.json (secrets are Secret Manager names and versions; env names are shared/config.py's):
    {"project": "acme-creators", "region": "europe-west1",
     "supabase_url": "https://abcdefghijklmnopqrst.supabase.co", "frontend_origin": "https://app.example.com",
     "secrets": {"DATABASE_URL": {"secret": "database-url", "version": "3"}, "SUPABASE_JWT_SECRET": null},
     "functions": {"tasks_fetch_connection": {"max_instances": 10}}, "queue": {"max_dispatches_per_second": 5}}
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_URL_TEMPLATE = "https://{region}-{project}.cloudfunctions.net/{name}"
# Until the gateway exists its host is unknown; the deploy reads it back and fills it in.
GATEWAY_HOST_PLACEHOLDER = "https://GATEWAY_HOST"
CLOUD_RUN_URL_TEMPLATE = "https://{name}-{project_number}.{region}.run.app"
_SA = r"^[a-z][a-z0-9-]{4,29}@[a-z0-9.-]+\.iam\.gserviceaccount\.com$"
_URL = r"^https?://[^\s/]+(/[^\s]*)?$"


class DeployConfigError(Exception):
    """The deploy settings are missing or invalid; the message names fields, never values of secrets."""


class SecretRef(BaseModel):
    """A Secret Manager secret by name and pinned version (instances read it at start)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: str = Field(pattern=r"^[A-Za-z0-9_-]{1,255}$")
    version: str = Field(default="latest", pattern=r"^(latest|[1-9][0-9]*)$")

    @property
    def flag_value(self) -> str:
        return f"{self.secret}:{self.version}"


DEFAULT_SECRETS: dict[str, SecretRef] = {
    "DATABASE_URL": SecretRef(secret="database-url"),
    "TOKEN_KEYS": SecretRef(secret="token-keys"),
    "OAUTH_STATE_SECRET": SecretRef(secret="oauth-state-secret"),
    "ANTHROPIC_API_KEY": SecretRef(secret="anthropic-api-key"),
    "PLATFORM_CREDENTIALS_JSON": SecretRef(secret="platform-credentials"),
}
# Optional: SUPABASE_JWT_SECRET only for projects still on the legacy HS256 secret; TRENDS_PINTEREST_TOKEN
# only when the app's own Pinterest account should back trend detection. Configure them to deploy them.
OPTIONAL_SECRETS = ("SUPABASE_JWT_SECRET", "TRENDS_PINTEREST_TOKEN")
# Read by shared/config.py but never deployed: production ignores the local cron secret.
LOCAL_ONLY_SECRETS = ("CRON_SECRET",)


class FunctionOverrides(BaseModel):
    """Per-function deviations from the manifest and the defaults."""

    model_config = ConfigDict(extra="forbid")

    memory: str | None = Field(default=None, pattern=r"^[0-9]+(Mi|Gi)$")
    timeout_s: int | None = Field(default=None, ge=1, le=3600)
    min_instances: int | None = Field(default=None, ge=0)
    max_instances: int | None = Field(default=None, ge=1)
    concurrency: int | None = Field(default=None, ge=1, le=1000)
    env: dict[str, str] = Field(default_factory=dict)


class QueueSettings(BaseModel):
    """The Cloud Tasks queue of the per-connection fetch fan-out (throttles platform APIs and the DB pool)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="fetch-connections", pattern=r"^[A-Za-z0-9-]{1,100}$")
    max_dispatches_per_second: float = Field(default=5.0, gt=0, le=500)
    max_concurrent_dispatches: int = Field(default=10, ge=1, le=5000)
    max_attempts: int = Field(default=5, ge=-1)
    min_backoff_s: int = Field(default=10, ge=0)
    max_backoff_s: int = Field(default=300, ge=0)

    @model_validator(mode="after")
    def _backoff_order(self) -> QueueSettings:
        if self.min_backoff_s > self.max_backoff_s:
            raise ValueError("queue.min_backoff_s must not exceed queue.max_backoff_s")
        return self


class GatewaySettings(BaseModel):
    """The API Gateway that is the one public host (https://<gateway>-<hash>.<region>.gateway.dev)."""

    model_config = ConfigDict(extra="forbid")

    api: str = Field(default="creator-intelligence", pattern=r"^[a-z][a-z0-9-]{2,62}$")
    gateway: str = Field(default="creator-intelligence", pattern=r"^[a-z][a-z0-9-]{2,48}$")
    # API Gateway runs in a subset of regions; the gateway's region may differ from the functions'.
    region: str | None = Field(default=None, pattern=r"^[a-z]+-[a-z]+[0-9]+$")


class DeployConfig(BaseModel):
    """Where and how to deploy; service accounts default to this project's conventional names."""

    model_config = ConfigDict(extra="forbid")

    # Real project ids have 6-30 characters; shorter ones are accepted so examples can say "demo".
    project: str = Field(pattern=r"^[a-z][a-z0-9-]{2,28}[a-z0-9]$")
    region: str = Field(pattern=r"^[a-z]+-[a-z]+[0-9]+$")
    project_number: str | None = Field(default=None, pattern=r"^[0-9]{6,20}$")
    runtime: str = "python312"

    scheduler_service_account: str | None = Field(default=None, pattern=_SA)
    tasks_service_account: str | None = Field(default=None, pattern=_SA)
    gateway_service_account: str | None = Field(default=None, pattern=_SA)
    build_service_account: str | None = Field(default=None, pattern=_SA)

    supabase_url: str | None = Field(default=None, pattern=_URL)
    supabase_project_ref: str | None = Field(default=None, pattern=r"^[a-z0-9]{20}$")
    frontend_origin: str | None = Field(default=None, pattern=_URL)
    # More origins CORS allows besides frontend_origin (staging, preview deployments); one `*` may stand for
    # part of an origin's first host label: "https://app-*.preview.example.com".
    extra_origins: list[str] = Field(default_factory=list)
    frontend_url: str | None = Field(default=None, pattern=_URL)
    public_base_url: str | None = Field(default=None, pattern=_URL)
    function_url_template: str = DEFAULT_URL_TEMPLATE

    secrets: dict[str, SecretRef | None] = Field(default_factory=dict)
    env: dict[str, str] = Field(default_factory=dict)
    max_instances: int = Field(default=10, ge=1)
    concurrency: int = Field(default=1, ge=1, le=1000)
    functions: dict[str, FunctionOverrides] = Field(default_factory=dict)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)

    @field_validator("supabase_url", "frontend_origin", "frontend_url", "public_base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("extra_origins")
    @classmethod
    def _origin_patterns(cls, value: list[str]) -> list[str]:
        from shared.config import origin_patterns

        for origin in value:
            if "," in origin:
                raise ValueError("one origin per entry")
            origin_patterns(origin)
        return [origin.rstrip("/") for origin in value]

    @property
    def cors_origins(self) -> str | None:
        """FRONTEND_ORIGIN: frontend_origin, then the extra origins."""
        return ",".join([self.frontend_origin, *self.extra_origins]) if self.frontend_origin else None

    @field_validator("function_url_template")
    @classmethod
    def _template_names_function(cls, value: str) -> str:
        if "{name}" not in value:
            raise ValueError("must contain {name} (the function's deploy name)")
        unknown = set(re.findall(r"\{([^}]*)\}", value)) - {"name", "region", "project", "project_number"}
        if unknown:
            raise ValueError(f"unknown placeholders {sorted(unknown)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DeployConfig:
        if "{project_number}" in self.function_url_template and not self.project_number:
            raise ValueError("function_url_template uses {project_number}: set project_number")
        if self.supabase_url and not self.supabase_project_ref:
            match = re.match(r"^https://([a-z0-9]{20})\.supabase\.co$", self.supabase_url)
            self.supabase_project_ref = match.group(1) if match else None
        return self

    def _account(self, explicit: str | None, default_id: str) -> str:
        return explicit or f"{default_id}@{self.project}.iam.gserviceaccount.com"

    def function_sa(self, deploy_name: str) -> str:
        """Each function runs as its own account, holding only its own secrets and roles."""
        account_id = f"fn-{deploy_name}"
        if len(account_id) > 30:
            raise DeployConfigError(f"service account id {account_id} is longer than 30 characters")
        return self._account(None, account_id)

    @property
    def gateway_sa(self) -> str:
        return self._account(self.gateway_service_account, "api-gateway")

    @property
    def build_sa(self) -> str:
        return self._account(self.build_service_account, "fn-builder")

    @property
    def gateway_region(self) -> str:
        return self.gateway.region or self.region

    @property
    def scheduler_sa(self) -> str:
        return self._account(self.scheduler_service_account, "scheduler-invoker")

    @property
    def tasks_sa(self) -> str:
        return self._account(self.tasks_service_account, "tasks-invoker")

    def function_url(self, deploy_name: str) -> str:
        """The HTTPS URL a deployed function answers on (also the OIDC audience of its callers)."""
        return self.function_url_template.format(
            name=deploy_name, region=self.region, project=self.project, project_number=self.project_number or ""
        )

    @property
    def base_url(self) -> str:
        """PUBLIC_BASE_URL: the gateway's host (read back after creating it) or a configured custom domain."""
        return self.public_base_url or GATEWAY_HOST_PLACEHOLDER

    def public_url(self, route: str) -> str:
        """Where a manifest route is served for everyone: the one public host + the seed's /api/... path."""
        return f"{self.base_url}{route}"

    def secret_refs(self) -> dict[str, SecretRef]:
        """Defaults overlaid with the configured ones (null removes one; optional ones only when configured)."""
        merged: dict[str, SecretRef | None] = {**DEFAULT_SECRETS, **self.secrets}
        return {name: ref for name, ref in sorted(merged.items()) if ref is not None}

    def missing_for_deploy(self) -> list[str]:
        """Fields a real deploy cannot do without (a dry run shows placeholders instead)."""
        missing = [f for f in ("supabase_url", "frontend_origin") if getattr(self, f) is None]
        if self.supabase_project_ref is None:
            missing.append("supabase_project_ref")
        return missing


def _describe(exc: ValidationError, source: str) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    return f"invalid deploy settings ({source}):\n" + "\n".join(lines)


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> DeployConfig:
    """Read the JSON file (if any), let CLI flags win, validate; DeployConfigError says what is wrong."""
    raw: dict[str, Any] = {}
    source = "command line"
    if path is not None:
        source = f"{path} + command line"
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise DeployConfigError(f"config file {path} does not exist") from None
        except json.JSONDecodeError as exc:
            raise DeployConfigError(f"config file {path} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
        if not isinstance(raw, dict):
            raise DeployConfigError(f"config file {path} must hold a JSON object")
    raw.update({key: value for key, value in (overrides or {}).items() if value is not None})
    for required in ("project", "region"):
        if not raw.get(required):
            raise DeployConfigError(f"{required} is required: pass --{required} or set it in the config file")
    try:
        return DeployConfig.model_validate(raw)
    except ValidationError as exc:
        raise DeployConfigError(_describe(exc, source)) from None
