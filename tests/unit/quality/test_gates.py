"""The quality gates the test command runs (scripts/test.sh) catch what they are for, with the repository's own
configuration: mypy tells apart the many `functions/<name>/main.py` and fails on a type error in one of them;
ruff fails on a lint error and on an unformatted file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CLEAN = '"""A function entry."""\n\n\ndef handler(request: object) -> str:\n    return "ok"\n'
BROKEN = '"""A function entry."""\n\n\ndef handler(request: object) -> str:\n    return 42\n'


def _project(tmp_path: Path, entries: dict[str, str]) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for name, text in entries.items():
        (tmp_path / "functions" / name).mkdir(parents=True)
        (tmp_path / "functions" / name / "main.py").write_text(text)
    return tmp_path


def _run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=tmp_path, capture_output=True, text=True, check=False)


def test_mypy_checks_every_function_entry_and_fails_on_a_type_error_in_one(tmp_path):
    project = _project(tmp_path, {"first": CLEAN, "second": CLEAN})
    clean = _run(project, "mypy", "functions")
    assert clean.returncode == 0, clean.stdout
    assert "Success: no issues found in 2 source files" in clean.stdout  # two modules named main, both checked
    (project / "functions" / "second" / "main.py").write_text(BROKEN)
    broken = _run(project, "mypy", "functions")
    assert broken.returncode == 1
    assert "functions/second/main.py:5: error: Incompatible return value type" in broken.stdout


def test_ruff_fails_on_a_lint_error_and_on_an_unformatted_file(tmp_path):
    project = _project(tmp_path, {"first": CLEAN})
    entry = project / "functions" / "first" / "main.py"
    assert _run(project, "ruff", "check", ".").returncode == 0
    assert _run(project, "ruff", "format", "--check", ".").returncode == 0
    entry.write_text("import os\n" + CLEAN)
    assert "F401" in _run(project, "ruff", "check", ".").stdout
    entry.write_text(CLEAN.replace('return "ok"', "return  'ok'"))
    unformatted = _run(project, "ruff", "format", "--check", ".")
    assert unformatted.returncode == 1 and "functions/first/main.py" in unformatted.stdout
