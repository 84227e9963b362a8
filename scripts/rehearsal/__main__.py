"""Rehearse a deploy on this machine: `uv run python -m scripts.rehearsal [--build-dir build/rehearsal]`.

Starts its own Postgres (embedded, in a temporary directory) and platform sandbox, then runs every stage
(scripts/rehearsal/rehearse.py) and prints the cold start of each bundle. Exit 1 if a stage fails.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from scripts.rehearsal.run import ROOT, RehearsalFailed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build" / "rehearsal")
    args = parser.parse_args()
    from scripts.localstack import migrate
    from scripts.localstack.postgres import start_embedded
    from scripts.rehearsal.installed import Venvs
    from scripts.rehearsal.rehearse import rehearse
    from scripts.sandbox import start_sandbox

    scratch = Path(tempfile.mkdtemp(prefix="rehearsal-"))
    database = start_embedded(scratch / "pgdata", persistent=False)
    sandbox = start_sandbox(seed=7, creators=3)
    try:
        migrate.apply(database.url, bootstrap=True)
        report = rehearse(args.build_dir, database.url, sandbox.base_url, Venvs(scratch / "venvs"))
    except RehearsalFailed as failure:
        print(f"REHEARSAL FAILED at {failure}", file=sys.stderr)
        return 1
    finally:
        sandbox.stop()
        database.stop()
    print("\n".join(report.table()))
    print(f"report: {args.build_dir / 'rehearsal-report.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
