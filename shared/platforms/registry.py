"""Platform name → the module that implements it; every module exposes the same surface."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Protocol, cast

from shared.platforms.models import Platform

PLATFORMS: tuple[Platform, ...] = ("instagram", "youtube", "pinterest", "tiktok")


class PlatformModule(Protocol):
    """What `shared/platforms/<platform>.py` provides (functions are module-level)."""

    PLATFORM: str
    SCOPES: tuple[str, ...]
    supports_pkce: bool
    supports_revoke: bool

    def open_client(self, settings: Any = None, limits: Any = None, **kw: Any) -> Any: ...
    def pkce_challenge(self, verifier: str) -> str | None: ...
    def classify_error(self, status: int, body: Any, headers: Any) -> Any: ...
    def authorize_url(
        self, settings: Any, *, redirect_uri: str, state: str, code_challenge: str | None = None
    ) -> str: ...
    async def exchange_code(
        self, client: Any, settings: Any, *, code: str, redirect_uri: str, code_verifier: str | None = None
    ) -> Any: ...
    async def refresh(self, client: Any, settings: Any, tokens: Any) -> Any: ...
    async def revoke(self, client: Any, settings: Any, tokens: Any) -> bool: ...
    async def fetch_profile(self, client: Any, access_token: str, pages: Any = None) -> Any: ...
    async def fetch_snapshots(self, client: Any, access_token: str, since: Any, until: Any) -> Any: ...
    async def fetch_posts(self, client: Any, access_token: str, since: Any = None) -> Any: ...
    def normalize_snapshots(self, raw_pages: list[dict[str, Any]]) -> list[Any]: ...
    def normalize_posts(self, raw_pages: list[dict[str, Any]]) -> list[Any]: ...


def get_platform(name: str) -> PlatformModule:
    """The module for a platform name (imported on first use: httpx stays out of cold starts)."""
    if name not in PLATFORMS:
        raise KeyError(f"unknown platform {name!r}")
    module: ModuleType = importlib.import_module(f"shared.platforms.{name}")
    return cast(PlatformModule, module)
