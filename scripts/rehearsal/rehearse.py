"""One rehearsal from a database and a running sandbox: the stages in order, stand-ins always stopped."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from scripts.deploy.bundle import Bundle
from scripts.rehearsal.installed import Venvs
from scripts.rehearsal.journey import Journey
from scripts.rehearsal.run import Rehearsal, RehearsalFailed, Report, build_all, install_and_check


def rehearse(
    build_dir: Path,
    database_url: str,
    sandbox_url: str,
    venvs: Venvs,
    *,
    tamper: Callable[[dict[str, Bundle]], None] | None = None,
    only: set[str] | None = None,
    journey: bool = True,
) -> Report:
    """Build, install alone, import everything, serve each bundle behind the gateway proxy, run the product.

    `only` and `journey=False` stop after the import check of some bundles (the tests of broken bundles).
    """
    if only is not None and journey:
        raise ValueError("the product journey needs every bundle")
    started = time.perf_counter()
    bundles = build_all(build_dir / "bundles", tamper, only)
    rehearsal = Rehearsal(build_dir, database_url, sandbox_url)
    report = rehearsal.report
    try:
        pythons = install_and_check(bundles, venvs, report)
        report.seconds["build_install_import"] = time.perf_counter() - started
        if not journey:
            return report
        served = time.perf_counter()
        rehearsal.serve(bundles, pythons)
        report.seconds["serve"] = time.perf_counter() - served
        walk = Journey(rehearsal)
        walk.run()
        logs = rehearsal.logs()
        leaked = [
            name for name, value in [*secret_strings(rehearsal.secret_values), *walk.flow_secrets] if value in logs
        ]
        if leaked:
            raise RehearsalFailed("journey", f"secret values in the functions' logs: {leaked}")
        report.seconds["total"] = time.perf_counter() - started
        (build_dir / "rehearsal-report.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
        return report
    finally:
        rehearsal.close()


def secret_strings(values: dict[str, str]) -> list[tuple[str, str]]:
    """Each secret value, with the keys inside TOKEN_KEYS and the client secrets inside the credentials."""
    found = [(name, value) for name, value in values.items() if name != "DATABASE_URL"]
    found += [("TOKEN_KEYS", part.partition(":")[2]) for part in values.get("TOKEN_KEYS", "").split(",")]
    credentials = json.loads(values.get("PLATFORM_CREDENTIALS_JSON", "{}"))
    found += [("PLATFORM_CREDENTIALS_JSON", c["client_secret"]) for c in credentials.values()]
    return found
