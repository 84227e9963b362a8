"""Settings from the environment, validated once, in one place."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from shared.errors import ConfigurationError

# Real hosts the platform clients talk to; the sandbox overrides each with a local prefix.
REAL_PLATFORM_HOSTS: dict[str, str] = {
    host: f"https://{host}"
    for host in (
        "www.instagram.com",
        "api.instagram.com",
        "graph.instagram.com",
        "graph.facebook.com",
        "www.facebook.com",
        "accounts.google.com",
        "oauth2.googleapis.com",
        "www.googleapis.com",
        "youtubeanalytics.googleapis.com",
        "suggestqueries.google.com",
        "www.pinterest.com",
        "api.pinterest.com",
        "www.tiktok.com",
        "open.tiktokapis.com",
    )
}


class PlatformCredentials(BaseModel):
    """OAuth client credentials of one platform app."""

    client_id: str
    client_secret: SecretStr


class Settings(BaseModel):
    """Everything the functions read from the environment."""

    model_config = ConfigDict(defer_build=True)

    environment: Literal["local", "test", "production"] = "local"
    database_url: SecretStr | None = None
    db_pool_max_size: int = Field(default=4, ge=1, le=50)
    db_connect_timeout_s: int = Field(default=10, ge=1)

    supabase_url: str = "http://127.0.0.1:54321"
    supabase_jwt_secret: SecretStr | None = None
    supabase_jwt_audience: str = "authenticated"
    supabase_jwks_url: str | None = None

    # The web app's origins CORS allows, comma-separated: production, staging, preview deployments. One `*`
    # in an origin's first host label stands for letters, digits and hyphens (`https://app-*.preview.example.com`).
    frontend_origin: str = "http://localhost:3000"
    frontend_url: str = "http://localhost:3000"
    public_base_url: str = "http://127.0.0.1:8080"

    cron_secret: SecretStr | None = None
    cron_audience: str | None = None
    cron_service_account: str | None = None
    # Where Google's ID-token signing certs are (x509 map or JWK set); the deploy rehearsal points it at
    # its local stand-in for Google. Unset: Google's own.
    cron_oidc_certs_url: str | None = None
    # The header carrying the caller's token. Behind API Gateway the gateway's own ID token (for the
    # function's IAM check) takes Authorization and the caller's moves to X-Forwarded-Authorization.
    caller_auth_header: str = "Authorization"

    # "kid:base64key,kid:base64key"; the last one encrypts, all decrypt.
    token_keys: SecretStr | None = None
    state_secret: SecretStr | None = None

    platform_hosts: dict[str, str] = Field(default_factory=lambda: dict(REAL_PLATFORM_HOSTS))
    platform_credentials: dict[str, PlatformCredentials] = Field(default_factory=dict)

    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = "claude-sonnet-5"
    # Only for tests and proxies; the SDK talks to api.anthropic.com otherwise.
    anthropic_base_url: str | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_daily_quota: int = Field(default=20, ge=0)

    log_level: str = "INFO"
    gcp_project: str | None = None

    # Ingest (shared/services/fetch_run.py). The budget stays below the cron's 540 s timeout.
    fetch_budget_s: float = Field(default=480.0, gt=0)
    fetch_lease_s: int = Field(default=900, ge=5)
    fetch_task_lease_s: int = Field(default=1800, ge=5)
    fetch_interval_h: float = Field(default=24.0, gt=0)
    fetch_max_in_flight: int = Field(default=200, ge=1)
    # Due connections above this are fanned out to Cloud Tasks; None: estimate from recent job_runs.
    fetch_fanout_threshold: int | None = Field(default=None, ge=0)
    # Per-platform overrides of transport.PlatformLimits fields, e.g. {"tiktok": {"concurrency": 8}}.
    platform_limits: dict[str, dict[str, float]] = Field(default_factory=dict)
    tasks_queue: str | None = None
    tasks_location: str | None = None
    tasks_worker_url: str | None = None
    # The OIDC audience of the tasks' tokens: the worker function's own URL (it checks aud against its
    # CRON_AUDIENCE) while the task is delivered through the public API host. Unset: the worker URL.
    tasks_worker_audience: str | None = None
    tasks_service_account: str | None = None
    # A Cloud Tasks API stand-in (REST, no credentials): the deploy rehearsal's. Unset in production.
    tasks_api_endpoint: str | None = None

    # Trend detection (shared/services/trend_detection.py). Lists accept JSON or comma-separated text.
    trends_region: str = "US"
    trends_interests: list[str] = Field(default_factory=lambda: ["diy_and_crafts", "home_decor"])
    trends_seed_phrases: list[str] = Field(default_factory=lambda: ["diy crafts", "handmade"])
    # A Pinterest user token of the app's own account; used when no creator's Pinterest connection is active.
    trends_pinterest_token: SecretStr | None = None
    # The app's own Instagram professional account, connected with Facebook Login (hashtag search and
    # Business Discovery need it, §1.7): its token and IG user id; used when no creator has such a connection.
    trends_instagram_token: SecretStr | None = None
    trends_instagram_user_id: str | None = None
    trends_ttl_h: float = Field(default=48.0, gt=0)
    trends_history_days: int = Field(default=45, ge=31, le=400)
    trends_budget_s: float = Field(default=420.0, gt=0)
    trends_max_suggest_seeds: int = Field(default=40, ge=0)
    trends_hashtags_per_run: int = Field(default=10, ge=0, le=30)
    # YouTube search.list calls per run for topic supply (its own bucket: 100 calls a day, §2.5).
    trends_supply_searches_per_run: int = Field(default=20, ge=0, le=50)
    # Seed list of creators to track: [{"platform": "instagram", "handle": "name"}, ...].
    tracked_creators: list[dict[str, str]] = Field(default_factory=list)
    creators_max_per_run: int = Field(default=100, ge=0)

    @field_validator("trends_interests", "trends_seed_phrases", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("frontend_origin")
    @classmethod
    def _origins(cls, value: str) -> str:
        origin_patterns(value)  # raises ValueError on a malformed entry
        return value

    def origin_allowed(self, origin: str) -> bool:
        """Whether a browser `Origin` is one of the frontend's (FRONTEND_ORIGIN)."""
        return any(p.fullmatch(origin.rstrip("/").lower()) for p in origin_patterns(self.frontend_origin))

    @field_validator("supabase_url", "frontend_url", "public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def jwks_url(self) -> str:
        return self.supabase_jwks_url or f"{self.supabase_url}/auth/v1/.well-known/jwks.json"

    @property
    def jwt_issuer(self) -> str:
        return f"{self.supabase_url}/auth/v1"

    def host_url(self, host: str) -> str:
        """Base URL for a real platform host (the sandbox's prefix on the local stack)."""
        return self.platform_hosts.get(host, f"https://{host}").rstrip("/")


_ORIGIN = re.compile(r"^(https?://)([a-z0-9*-]+)((?:\.[a-z0-9-]+)*)(:[0-9]{1,5})?$")


@lru_cache(maxsize=8)
def origin_patterns(value: str) -> tuple[re.Pattern[str], ...]:
    """FRONTEND_ORIGIN's entries as patterns matching a browser's Origin exactly; ValueError on a bad entry."""
    patterns = []
    for entry in (part.strip().rstrip("/").lower() for part in value.split(",")):
        if not entry:
            continue
        match = _ORIGIN.match(entry)
        if match is None or match.group(2).count("*") > 1 or (match.group(2) == "*" and not match.group(3)):
            raise ValueError("each origin is scheme://host[:port], with at most one * in the first host label")
        scheme, label, rest, port = (match.group(i) or "" for i in range(1, 5))
        label_regex = "[a-z0-9-]+".join(re.escape(part) for part in label.split("*"))
        patterns.append(re.compile(re.escape(scheme) + label_regex + re.escape(rest + port)))
    if not patterns:
        raise ValueError("at least one origin")
    return tuple(patterns)


_ENV_NAMES = {
    "environment": "APP_ENV",
    "database_url": "DATABASE_URL",
    "db_pool_max_size": "DB_POOL_MAX_SIZE",
    "db_connect_timeout_s": "DB_CONNECT_TIMEOUT_S",
    "supabase_url": "SUPABASE_URL",
    "supabase_jwt_secret": "SUPABASE_JWT_SECRET",
    "supabase_jwt_audience": "SUPABASE_JWT_AUDIENCE",
    "supabase_jwks_url": "SUPABASE_JWKS_URL",
    "frontend_origin": "FRONTEND_ORIGIN",
    "frontend_url": "FRONTEND_URL",
    "public_base_url": "PUBLIC_BASE_URL",
    "cron_secret": "CRON_SECRET",
    "cron_audience": "CRON_AUDIENCE",
    "cron_service_account": "CRON_SERVICE_ACCOUNT",
    "cron_oidc_certs_url": "CRON_OIDC_CERTS_URL",
    "caller_auth_header": "CALLER_AUTH_HEADER",
    "token_keys": "TOKEN_KEYS",
    "state_secret": "OAUTH_STATE_SECRET",
    "anthropic_api_key": "ANTHROPIC_API_KEY",
    "anthropic_model": "ANTHROPIC_MODEL",
    "anthropic_base_url": "ANTHROPIC_BASE_URL",
    "llm_timeout_s": "LLM_TIMEOUT_S",
    "llm_daily_quota": "LLM_DAILY_QUOTA",
    "log_level": "LOG_LEVEL",
    "gcp_project": "GOOGLE_CLOUD_PROJECT",
    "fetch_budget_s": "FETCH_BUDGET_S",
    "fetch_lease_s": "FETCH_LEASE_S",
    "fetch_task_lease_s": "FETCH_TASK_LEASE_S",
    "fetch_interval_h": "FETCH_INTERVAL_H",
    "fetch_max_in_flight": "FETCH_MAX_IN_FLIGHT",
    "fetch_fanout_threshold": "FETCH_FANOUT_THRESHOLD",
    "tasks_queue": "TASKS_QUEUE",
    "tasks_location": "TASKS_LOCATION",
    "tasks_worker_url": "TASKS_WORKER_URL",
    "tasks_worker_audience": "TASKS_WORKER_AUDIENCE",
    "tasks_service_account": "TASKS_SERVICE_ACCOUNT",
    "tasks_api_endpoint": "TASKS_API_ENDPOINT",
    "trends_region": "TRENDS_REGION",
    "trends_interests": "TRENDS_INTERESTS",
    "trends_seed_phrases": "TRENDS_SEED_PHRASES",
    "trends_pinterest_token": "TRENDS_PINTEREST_TOKEN",
    "trends_instagram_token": "TRENDS_INSTAGRAM_TOKEN",
    "trends_instagram_user_id": "TRENDS_INSTAGRAM_USER_ID",
    "trends_ttl_h": "TRENDS_TTL_H",
    "trends_history_days": "TRENDS_HISTORY_DAYS",
    "trends_budget_s": "TRENDS_BUDGET_S",
    "trends_max_suggest_seeds": "TRENDS_MAX_SUGGEST_SEEDS",
    "trends_hashtags_per_run": "TRENDS_HASHTAGS_PER_RUN",
    "trends_supply_searches_per_run": "TRENDS_SUPPLY_SEARCHES_PER_RUN",
    "creators_max_per_run": "CREATORS_MAX_PER_RUN",
}
_JSON_ENV_NAMES = {
    "platform_hosts": "PLATFORM_HOSTS_JSON",
    "platform_credentials": "PLATFORM_CREDENTIALS_JSON",
    "platform_limits": "PLATFORM_LIMITS_JSON",
    "tracked_creators": "TRACKED_CREATORS_JSON",
}


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    """Build and validate settings from an environment mapping (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    raw: dict[str, object] = {field: env[name] for field, name in _ENV_NAMES.items() if env.get(name)}
    for field, name in _JSON_ENV_NAMES.items():
        if env.get(name):
            try:
                raw[field] = json.loads(env[name])
            except json.JSONDecodeError as exc:
                raise ConfigurationError(f"{name} is not valid JSON") from exc
    if isinstance(raw.get("platform_hosts"), dict):
        raw["platform_hosts"] = {**REAL_PLATFORM_HOSTS, **raw["platform_hosts"]}  # type: ignore[dict-item]
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        # Name the fields only: values may be secrets.
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise ConfigurationError(f"invalid settings: {', '.join(fields)}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return settings_from_env()


def reset_settings() -> None:
    """Forget cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
