"""The sandbox's start-up options, validated once: effects, faults, trends scenario, clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from shared import clock
from shared.attributes import LEVELS, METRICS
from shared.config import REAL_PLATFORM_HOSTS

# engagement_rate lifts every engagement (likes, comments, saves, shares) per view.
EFFECT_METRICS = (*METRICS, "engagement_rate")
PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
FAULT_KINDS = (
    "latency",
    "429",
    "5xx",
    "timeout",
    "truncated",
    "malformed",
    "expired_token",
    "revoked_token",
    "refresh_fail",
)


class SandboxConfigError(ValueError):
    """A start-up option or admin request the sandbox cannot honour."""


def host_urls(base_url: str) -> dict[str, str]:
    """Real host -> sandbox URL prefix; this is PLATFORM_HOSTS_JSON for the app."""
    base = base_url.rstrip("/")
    return {host: f"{base}/{host}" for host in REAL_PLATFORM_HOSTS}


def _load(value: object) -> Any:
    if isinstance(value, (str, Path)):
        return json.loads(Path(value).read_text())
    return value


def _check_level(attribute: object, level: object) -> None:
    if attribute not in LEVELS:
        raise SandboxConfigError(f"unknown attribute {attribute!r}; known: {sorted(LEVELS)}")
    if level not in LEVELS[str(attribute)]:
        raise SandboxConfigError(f"unknown level {level!r} of {attribute}; known: {list(LEVELS[str(attribute)])}")


def validate_effect(effect: dict) -> dict:
    """One planted effect (a lift on a metric), or a co-occurrence when it has `given`: posts at the
    given level take this level with `probability` (tutorials shot overhead, say), checked against the
    shared attribute vocabulary."""
    if "given" in effect:
        given = effect["given"]
        if not isinstance(given, dict) or len(given) != 1:
            raise SandboxConfigError("given must name exactly one attribute and its level")
        ((given_attribute, given_level),) = given.items()
        _check_level(given_attribute, given_level)
        _check_level(effect.get("attribute"), effect.get("level"))
        if given_attribute == effect["attribute"]:
            raise SandboxConfigError("a co-occurrence links two different attributes")
        probability = float(effect.get("probability", 0.5))
        if not 0 <= probability <= 1:
            raise SandboxConfigError("probability must be within 0..1")
        return {
            "attribute": effect["attribute"],
            "level": effect["level"],
            "given": {given_attribute: given_level},
            "probability": probability,
        }
    attribute, level, metric = effect.get("attribute"), effect.get("level"), effect.get("metric", "save_rate")
    _check_level(attribute, level)
    if metric not in EFFECT_METRICS:
        raise SandboxConfigError(f"unknown metric {metric!r}; known: {list(EFFECT_METRICS)}")
    platform = effect.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise SandboxConfigError(f"unknown platform {platform!r}; known: {list(PLATFORMS)}")
    lift = float(effect.get("lift", 1.0))
    if not 0 < lift <= 20:
        raise SandboxConfigError(f"lift must be in (0, 20], got {lift}")
    planted = {"attribute": attribute, "level": level, "metric": metric, "lift": lift}
    return planted if platform is None else {**planted, "platform": platform}


def validate_fault(fault: dict) -> dict:
    """One fault rule with defaults filled in."""
    kind = str(fault.get("kind"))
    if kind not in FAULT_KINDS:
        raise SandboxConfigError(f"unknown fault kind {kind!r}; known: {list(FAULT_KINDS)}")
    probability = float(fault.get("probability", 1.0) if fault.get("probability") is not None else 1.0)
    if not 0 <= probability <= 1:
        raise SandboxConfigError("probability must be within 0..1")
    count = fault.get("count")
    return {
        "host": fault.get("host") or "*",
        "path": fault.get("path") or "",
        "kind": kind,
        "count": None if count is None else int(count),
        "retry_after": fault.get("retry_after"),
        "latency_ms": int(fault.get("latency_ms") or (30000 if kind == "timeout" else 1000)),
        "status": int(fault.get("status") or 503),
        "probability": probability,
    }


@dataclass
class SandboxConfig:
    """Everything that shapes the sandbox's world; the same config always yields the same bodies."""

    seed: int = 7
    creators: int = 3
    today: date = field(default_factory=clock.today)
    effects: list[dict] = field(default_factory=list)
    faults: list[dict] = field(default_factory=list)
    trends: dict = field(default_factory=dict)
    latency_ms: int = 0
    limits: bool = False  # refuse and count what goes over the platforms' documented limits (limits.py)

    @classmethod
    def build(
        cls,
        seed: int = 7,
        effects: object = None,
        faults: object = None,
        today: object = None,
        creators: int = 3,
        trends: object = None,
        latency_ms: int = 0,
        limits: bool = False,
    ) -> SandboxConfig:
        """Validate raw options (lists, dicts or JSON file paths)."""
        if isinstance(today, str):
            today = date.fromisoformat(today)
        if isinstance(today, datetime):
            today = today.date()
        if creators < 1:
            raise SandboxConfigError("creators must be >= 1")
        raw_effects = _load(effects) or []
        raw_faults = _load(faults) or []
        raw_trends = _load(trends) or {}
        if isinstance(raw_effects, dict):
            raw_effects = raw_effects.get("effects", [])
        if isinstance(raw_faults, dict):
            raw_faults = raw_faults.get("faults", [])
        return cls(
            seed=int(seed),
            creators=int(creators),
            today=today if isinstance(today, date) else clock.today(),
            effects=[validate_effect(e) for e in raw_effects],
            faults=[validate_fault(f) for f in raw_faults],
            trends=dict(raw_trends),
            latency_ms=int(latency_ms),
            limits=bool(limits),
        )
