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

# The browser test drives Debian's chromium through Debian's chromedriver (never a browser a driver
# downloads). Installed here when missing, as root with apt-get (CI); the test fails loudly without it.
ensure_browser() {
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium and chromium-driver for the browser test (apt-get)..." >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver; } >"${TMPDIR:-/tmp}/ensure-browser.log" 2>&1 \
      || echo "could not install chromium (log: ${TMPDIR:-/tmp}/ensure-browser.log); the browser test will fail" >&2
  else
    echo "chromium and chromedriver are missing (apt-get install chromium chromium-driver); the browser test will fail" >&2
  fi
}
