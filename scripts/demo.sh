#!/usr/bin/env bash
# The demo command: local stack up, sandbox creator connected, data ingested, analysed, recommended, shown.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure_env.sh
exec uv run --frozen python -m scripts.demo "$@"
