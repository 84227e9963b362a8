#!/usr/bin/env bash
# The test command: installs what is missing, checks the API contract, runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure_env.sh
ensure_browser
uv run --frozen python -m scripts.openapi --check
exec uv run --frozen pytest "$@"
