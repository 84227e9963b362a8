"""Check planned gcloud commands against the installed gcloud's own argument parser, without credentials.

All commands go through one process of the Cloud SDK's Python (scripts/deploy/gcloud_parse.py), with an
empty config directory (no account), prompts off, no metadata-server probing and a dead HTTPS proxy:
nothing can reach Google, so nothing can change. A command passes when gcloud parsed it and stopped
only for want of an account.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scripts.deploy.gcloud import Command

HELPER = Path(__file__).resolve().parent / "gcloud_parse.py"
DEAD_PROXY = "http://127.0.0.1:9"


@dataclass(frozen=True)
class ParseResult:
    command: Command
    parsed: bool
    error: str | None
    message: str  # what gcloud printed for this command (its error text)


def sdk_root() -> Path | None:
    """The Cloud SDK directory of the `gcloud` on PATH, or None."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        return None
    root = Path(os.path.realpath(gcloud)).parent.parent
    return root if (root / "lib" / "googlecloudsdk").is_dir() else None


def sdk_python(root: Path) -> str:
    bundled = root / "platform" / "bundledpythonunix" / "bin" / "python3"
    return os.environ.get("CLOUDSDK_PYTHON") or (str(bundled) if bundled.is_file() else "python3")


def check_commands(commands: list[Command], timeout_s: float = 240) -> list[ParseResult]:
    """Parse every command; raises RuntimeError when gcloud is not installed."""
    root = sdk_root()
    if root is None:
        raise RuntimeError("gcloud is not installed (or not a Cloud SDK layout)")
    with tempfile.TemporaryDirectory(prefix="gcloud-parse-") as config_dir:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": config_dir,
            "LANG": "C.UTF-8",
            "CLOUDSDK_ROOT_DIR": str(root),
            "CLOUDSDK_CONFIG": config_dir,
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            "CLOUDSDK_CORE_CHECK_GCE_METADATA": "false",
            "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
            "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "1",
            "HTTPS_PROXY": DEAD_PROXY,
            "HTTP_PROXY": DEAD_PROXY,
            "https_proxy": DEAD_PROXY,
            "http_proxy": DEAD_PROXY,
        }
        done = subprocess.run(
            [sdk_python(root), "-S", str(HELPER)],
            input=json.dumps([c.argv for c in commands]),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    outcomes = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if len(outcomes) != len(commands):
        raise RuntimeError(f"the gcloud parser stopped early:\n{done.stderr[-3000:]}")
    messages = dict(re.findall(r"### (\d+)\n(.*?)(?=\n### \d+\n|\Z)", done.stderr, flags=re.S))
    return [
        ParseResult(command, o["parsed"], o["error"], messages.get(str(o["index"]), "").strip())
        for command, o in zip(commands, outcomes)
    ]
