"""Each bundle installed alone from its own requirements.txt, then imported module by module.

A venv is made per distinct requirements file (`uv venv` + `uv pip install -r`, offline from the uv
cache first): two bundles with byte-identical requirements share one, nothing else does. The import
check runs in that venv (one interpreter per venv, each bundle's own files imported afresh from its
directory), with the repository off the path, and
imports `main`, every shared module the bundle can reach (bundle.json `modules`: including the
platform modules the registry loads by name) and every third-party module those import, at the top
or lazily inside a function (`external`), so a missing module or requirement fails here.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.deploy.bundle import MANIFEST_NAME

REPO = Path(__file__).resolve().parents[2]
IMPORT_CHECK = r"""
import importlib, json, os, sys, time
repo, directories = sys.argv[1], sys.argv[2:]
for directory in directories:
    # Each bundle from its own directory, its own shared/ imported afresh; the venv's packages stay loaded.
    started = time.perf_counter()
    os.chdir(directory)
    for name in [m for m in sys.modules if m == "main" or m == "shared" or m.startswith("shared.")]:
        del sys.modules[name]
    sys.path[0] = directory
    importlib.invalidate_caches()
    leaks = [p for p in sys.path if p and os.path.abspath(p).startswith(repo)]
    failures = {"(sys.path)": f"repository on the path: {leaks}"} if leaks else {}
    manifest = json.load(open("bundle.json"))
    for name in ["main", *manifest["modules"], *manifest["external"]]:
        try:
            module = importlib.import_module(name)
            if name in manifest["external"]:
                continue
            if not os.path.abspath(module.__file__).startswith(directory):
                failures[name] = f"loaded from outside the bundle: {module.__file__}"
        except Exception as exc:
            failures[name] = f"{type(exc).__name__}: {exc}"
    print("IMPORT-CHECK " + json.dumps({"directory": directory, "failures": failures,
                                        "seconds": time.perf_counter() - started}), flush=True)
"""


class InstallFailed(RuntimeError):
    """A bundle's requirements do not install."""


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a bundle's interpreter: nothing from the repository or its venv."""
    keep = (
        "PATH",
        "HOME",
        "UV_CACHE_DIR",
        "UV_INDEX_URL",
        "UV_PYTHON_INSTALL_DIR",
        "LANG",
        "TMPDIR",
        "XDG_CACHE_HOME",
        "SSL_CERT_FILE",
    )
    env = {name: os.environ[name] for name in keep if name in os.environ}
    venv_bin = os.path.join(os.environ.get("VIRTUAL_ENV", str(REPO / ".venv")), "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(_machine_clock())
    env.update(extra or {})
    return env


def _machine_clock() -> dict[str, str]:
    """libfaketime's settings when a test mode moves the machine's clock (scripts/test_modes.sh): every
    process on the machine shares that clock."""
    return {k: v for k, v in os.environ.items() if k == "LD_PRELOAD" or k.startswith("FAKETIME")}


def _sleep_under_faketime(venv: Path) -> None:
    """Bundles run with -E (no PYTHONPATH): under a moved clock their venv loads the sleep Python needs
    there (scripts/faketime/sitecustomize.py says why) through a .pth file."""
    if "faketime" not in os.environ.get("LD_PRELOAD", ""):
        return
    sleep = REPO / "scripts" / "faketime" / "sitecustomize.py"
    for site in venv.glob("lib/python*/site-packages"):
        (site / "_faketime_sleep.pth").write_text(f"import runpy; runpy.run_path({str(sleep)!r})\n")


def base_python() -> str:
    """The interpreter running this (a path: uv need not discover or download a matching one)."""
    return str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")


@dataclass
class Venvs:
    """Venvs under `base`, one per distinct requirements content; `seconds` is what installing took."""

    base: Path

    def __post_init__(self) -> None:
        self._made: dict[str, Path] = {}
        self.seconds: dict[str, float] = {}

    def python_for(self, requirements: Path) -> Path:
        key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
        if key not in self._made:
            started = time.perf_counter()
            venv = self.base / key
            env = clean_env()
            subprocess.run(
                ["uv", "venv", "--quiet", "--python", base_python(), str(venv)],
                check=True,
                env=env,
                capture_output=True,
                timeout=300,
            )
            install = [
                "uv",
                "pip",
                "install",
                "--quiet",
                "--python",
                str(venv / "bin" / "python"),
                "-r",
                str(requirements),
            ]
            offline = subprocess.run([*install, "--offline"], env=env, capture_output=True, text=True, timeout=600)
            if offline.returncode != 0:
                online = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
                if online.returncode != 0:
                    raise InstallFailed(f"{requirements}:\n{offline.stderr[-2000:]}\n{online.stderr[-2000:]}")
            _sleep_under_faketime(venv)
            self._made[key] = venv / "bin" / "python"
            self.seconds[key] = time.perf_counter() - started  # keyed like the venv directory
        return self._made[key]


def import_failures(bundle_dirs: list[Path], python: Path) -> dict[Path, tuple[dict[str, str], float]]:
    """For bundles sharing one venv: directory -> (module -> why it did not import, seconds)."""
    for directory in bundle_dirs:
        assert (directory / MANIFEST_NAME).is_file(), directory
    done = subprocess.run(
        [str(python), "-E", "-s", "-c", IMPORT_CHECK, str(REPO), *map(str, bundle_dirs)],
        cwd=bundle_dirs[0],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    results: dict[Path, tuple[dict[str, str], float]] = {}
    for line in done.stdout.splitlines():
        if line.startswith("IMPORT-CHECK "):
            data = json.loads(line.removeprefix("IMPORT-CHECK "))
            results[Path(data["directory"])] = (data["failures"], data["seconds"])
    for directory in bundle_dirs:
        results.setdefault(directory, ({"(interpreter)": done.stderr[-2000:]}, 0.0))
    return results
