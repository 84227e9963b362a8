#!/usr/bin/env bash
# The test command: installs what is missing, runs the quality gates (lint, format, types), checks the API
# contract (every operation with its example; the TypeScript types are checked by the suite), runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure_env.sh
ensure_browser
uv run --frozen ruff check .
uv run --frozen ruff format --check .
uv run --frozen mypy
uv run --frozen python -m scripts.openapi --check
exec uv run --frozen pytest "$@"
