"""The whole local stack in one call: Postgres, migrations, platform sandbox, gateway, local auth.

Sets the same environment variables production reads (DATABASE_URL, SUPABASE_URL, TOKEN_KEYS,
PLATFORM_HOSTS_JSON, ...), pointing at local stand-ins, so the functions run unchanged.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.localstack import migrate
from scripts.localstack.gateway import GatewayServer, build_app
from scripts.localstack.identity import SigningKey, create_user, mint_token
from scripts.localstack.postgres import Database, ensure_database, start_embedded

LOCAL_DIR = Path(__file__).resolve().parents[2] / ".local"
SANDBOX_CLIENTS = {
    p: {"client_id": f"sandbox-{p}-client", "client_secret": f"sandbox-{p}-secret-{'x' * 12}"}
    for p in ("instagram", "youtube", "pinterest", "tiktok")
}

SANDBOX_LIMITS = {
    p: {"requests_per_second": 1000.0, "burst": 100, "concurrency": 8, "backoff_base_s": 0.05}
    for p in ("instagram", "youtube", "pinterest", "tiktok")
}


@dataclass
class LocalUser:
    """A local signed-in user and her access token."""

    user_id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class LocalStack:
    """Handles to everything the local stack started."""

    database: Database
    gateway: GatewayServer
    signing_key: SigningKey
    env: dict[str, str]
    sandbox: Any = None
    template: str | None = None
    _stopped: bool = field(default=False, repr=False)

    @property
    def base_url(self) -> str:
        return self.gateway.base_url

    @property
    def cron_headers(self) -> dict[str, str]:
        return {"X-Cron-Secret": self.env["CRON_SECRET"]}

    def create_user(self, email: str, *, ttl_s: int = 3600) -> LocalUser:
        """A user in auth.users with a fresh JWT, as Supabase Auth would issue."""
        user_id = create_user(self.database.url, email)
        return LocalUser(user_id, email, self.token_for(user_id, email, ttl_s=ttl_s))

    def token_for(self, user_id: str, email: str, **kw: Any) -> str:
        return mint_token(self.signing_key, user_id=user_id, email=email, issuer=f"{self.base_url}/auth/v1", **kw)

    def make_template(self, name: str = "migrated_template") -> str:
        """Freeze the migrated, still empty database as a template for `use_fresh_database` (tests)."""
        from scripts.localstack.postgres import clone_database
        from shared.db import close_pool

        close_pool()  # a template's source must have no other session
        source = self.database.url.rsplit("?", 1)[0].rsplit("/", 1)[-1]
        clone_database(self.database.url, source, name)
        self.template = name
        return name

    def use_fresh_database(self, name: str) -> str:
        """Point everything (env, settings, pool, this handle) at a new copy of the template; its URL."""
        from scripts.localstack.postgres import clone_database

        assert self.template is not None, "make_template() first"
        return self.use_database(clone_database(self.database.url, self.template, name))

    def use_database(self, url: str) -> str:
        """Switch the running stack (gateway included: it shares this process's pool) to another database."""
        from shared.config import reset_settings
        from shared.db import close_pool

        close_pool()
        self.database.url = url
        self.env["DATABASE_URL"] = url
        os.environ["DATABASE_URL"] = url
        reset_settings()
        return url

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.gateway.stop()
        if self.sandbox is not None:
            self.sandbox.stop()
        from shared.db import close_pool

        close_pool()
        self.database.stop()


def _persistent_secret(name: str, make: Any, persist: bool) -> str:
    if not persist:
        return make()
    path = LOCAL_DIR / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = make()
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored))
        path.chmod(0o600)
    return stored[name]


def start_stack(
    *,
    data_dir: Path | None = None,
    persist: bool = False,
    sandbox: bool = True,
    sandbox_options: dict[str, Any] | None = None,
    port: int = 0,
    extra_env: dict[str, str] | None = None,
) -> LocalStack:
    """Start everything; `persist` keeps data, keys and secrets in .local/ between runs (the demo)."""
    if data_dir is not None:
        database = start_embedded(data_dir, persistent=persist)
    elif persist:
        database = ensure_database()
    else:
        import tempfile

        database = start_embedded(Path(tempfile.mkdtemp(prefix="ci-pg-")) / "data", persistent=False)
    migrate.apply(database.url, bootstrap=True)
    signing_key = SigningKey.load_or_create(LOCAL_DIR / "jwt_signing_key.json") if persist else SigningKey.generate()

    from scripts.openapi import build_openapi

    app = build_app(jwks=signing_key.jwks(), openapi=build_openapi)
    gateway = GatewayServer(app, port=port)
    env = {
        "APP_ENV": "local",
        "DATABASE_URL": database.url,
        "SUPABASE_URL": gateway.base_url,
        "PUBLIC_BASE_URL": gateway.base_url,
        "FRONTEND_URL": "http://localhost:3000",
        "FRONTEND_ORIGIN": "http://localhost:3000",
        "CRON_SECRET": _persistent_secret("cron_secret", lambda: secrets.token_urlsafe(24), persist),
        "OAUTH_STATE_SECRET": _persistent_secret("state_secret", lambda: secrets.token_urlsafe(32), persist),
        "TOKEN_KEYS": _persistent_secret(
            "token_keys", lambda: "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(), persist
        ),
        "PLATFORM_CREDENTIALS_JSON": json.dumps(SANDBOX_CLIENTS),
    }
    handle = None
    if sandbox:
        from scripts.sandbox import host_urls, start_sandbox

        handle = start_sandbox(**(sandbox_options or {}))
        env["PLATFORM_HOSTS_JSON"] = json.dumps(host_urls(handle.base_url))
        # The sandbox has no platform quotas; production keeps the per-platform defaults (transport.py).
        env["PLATFORM_LIMITS_JSON"] = json.dumps(SANDBOX_LIMITS)
    env.update(extra_env or {})
    os.environ.update(env)
    from shared.config import reset_settings
    from shared.db import close_pool

    reset_settings()
    close_pool()
    gateway.start()
    return LocalStack(database=database, gateway=gateway, signing_key=signing_key, env=env, sandbox=handle)
