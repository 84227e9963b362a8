"""Each bundle installs from its own requirements.txt and answers a request without the repository.

One venv per distinct requirements set (`uv venv` + `uv pip install`, offline from the uv cache
first). Inside it, a script run from the bundle directory imports `main` and calls `main.handler`
with an unauthenticated Flask test request: user and cron endpoints must answer problem JSON.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from functions.manifest import FUNCTIONS, FunctionSpec
from scripts.deploy.bundle import build_bundle
from scripts.deploy.requirements import load_lock

ROOT = Path(__file__).resolve().parents[3]
SPECS = [spec for spec in FUNCTIONS if spec.entry.is_file()]

PROBE = r"""
import json, os, sys
repo = sys.argv[1]
assert not any(p and os.path.abspath(p).startswith(repo) for p in sys.path), sys.path
import flask
import main
import shared
assert os.path.dirname(os.path.abspath(shared.__file__)).startswith(os.getcwd()), shared.__file__
app = flask.Flask("probe")
with app.test_request_context(sys.argv[2], method=sys.argv[3]):
    response = main.handler(flask.request)
response = app.make_response(response)
print("PROBE-RESULT " + json.dumps({"status": response.status_code, "content_type": response.content_type,
                                     "body": response.get_data(as_text=True)[:2000]}))
"""

pytestmark = pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH (scripts/ensure_env.sh)")


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    lock = load_lock(ROOT)
    out = tmp_path_factory.mktemp("bundles")
    return {spec.name: build_bundle(spec.name, spec.entry, ROOT, out, lock) for spec in SPECS}


@pytest.fixture(scope="module")
def venvs(tmp_path_factory):
    """Python executables keyed by the sha256 of a requirements file, created on first use."""
    base = tmp_path_factory.mktemp("venvs")
    made: dict[str, Path] = {}

    def for_requirements(requirements: Path) -> Path:
        key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
        if key not in made:
            venv = base / key
            env = clean_env()
            subprocess.run(["uv", "venv", "--quiet", "--python", python_version(), str(venv)],
                           check=True, env=env, capture_output=True, timeout=300)
            install = ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                       "-r", str(requirements)]
            offline = subprocess.run([*install, "--offline"], env=env, capture_output=True, text=True, timeout=600)
            if offline.returncode != 0:
                online = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
                if online.returncode != 0:
                    pytest.fail(f"cannot install {requirements}:\n{offline.stderr}\n{online.stderr}")
            made[key] = venv / "bin" / "python"
        return made[key]

    return for_requirements


def python_version() -> str:
    """The interpreter running the tests (a path: uv need not discover or download a matching one)."""
    import sys

    return str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")


def clean_env() -> dict[str, str]:
    # Nothing from the repository or its venv may leak into the bundle's interpreter.
    keep = ("PATH", "HOME", "UV_CACHE_DIR", "UV_INDEX_URL", "UV_PYTHON_INSTALL_DIR", "LANG", "TMPDIR",
            "XDG_CACHE_HOME", "SSL_CERT_FILE")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    venv_bin = os.path.join(os.environ.get("VIRTUAL_ENV", str(ROOT / ".venv")), "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def probe_path(spec: FunctionSpec) -> str:
    return spec.route.replace("{platform}", "instagram")


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_bundle_installs_and_answers_without_the_repository(spec, bundles, venvs):
    bundle = bundles[spec.name]
    python = venvs(bundle.directory / "requirements.txt")
    result = subprocess.run(
        [str(python), "-E", "-s", "-c", PROBE, str(ROOT), probe_path(spec), spec.methods[0]],
        cwd=bundle.directory, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE-RESULT "))
    answer = json.loads(line.removeprefix("PROBE-RESULT "))
    if spec.auth in ("user", "cron"):
        assert answer["status"] in (400, 401, 405), answer
        assert answer["content_type"] == "application/problem+json", answer
        assert json.loads(answer["body"])["status"] == answer["status"]
    else:
        assert answer["status"] < 500, answer
