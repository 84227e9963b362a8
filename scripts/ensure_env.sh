# Sourced by scripts/test.sh and scripts/demo.sh: a fresh machine needs only Python 3.11+ and pip.
UV_VERSION="0.13.9"
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}" >/dev/null 2>&1 \
    || python3 -m pip install --quiet --user "uv==${UV_VERSION}"
  export PATH="$HOME/.local/bin:$PATH"
fi
command -v uv >/dev/null 2>&1 || { echo "could not install uv" >&2; exit 1; }
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
uv sync --frozen --all-extras --quiet
