#!/usr/bin/env bash
# The suite in the modes that prove it does not depend on the date, the order or a quiet machine:
#   ./scripts/test_modes.sh faketime-30d | faketime-400d | faketime-midnight | random SEED | concurrent
# Each mode runs the whole test command's pytest; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure_env.sh
mode="${1:?mode: faketime-30d | faketime-400d | faketime-midnight | random SEED | concurrent}"; shift
command -v faketime >/dev/null 2>&1 || { apt-get install -y -q faketime >/dev/null 2>&1 || true; }
# libfaketime moves the wall clock of pytest and of everything it starts (Postgres, the sandbox, Chromium);
# monotonic clocks stay real so timeouts and leases keep their length, and Python's sleep is one that
# Debian's libfaketime can run (scripts/faketime/sitecustomize.py says why).
faked() { FAKETIME_DONT_FAKE_MONOTONIC=1 PYTHONPATH="$PWD/scripts/faketime${PYTHONPATH:+:$PYTHONPATH}" \
          exec faketime -f "$1" uv run --frozen pytest -q "${@:2}"; }
case "$mode" in
  faketime-30d) faked '+30d' "$@" ;;
  faketime-400d) faked '+400d' "$@" ;;
  # An offset, not libfaketime's "@time": that starts every new process at 23:59:50 (Postgres, the bundles).
  faketime-midnight) faked "+$(( $(date -u -d "$(date -u +%F) 23:59:50" +%s) - $(date -u +%s) ))" "$@" ;;
  random) seed="${1:?random needs a seed}"; shift
          exec uv run --frozen pytest -q --random-order-bucket=module --random-order-seed="$seed" "$@" ;;
  concurrent) uv run --frozen pytest -q -p no:cacheprovider "$@" > /tmp/suite-copy-a.log 2>&1 & first=$!
              uv run --frozen pytest -q -p no:cacheprovider "$@" > /tmp/suite-copy-b.log 2>&1 & second=$!
              status=0; wait "$first" || status=1; wait "$second" || status=1
              tail -n 3 /tmp/suite-copy-a.log /tmp/suite-copy-b.log; exit "$status" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
