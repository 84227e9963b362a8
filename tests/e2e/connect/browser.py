"""A real browser for the connect flow: Debian's chromium driven through Debian's chromedriver, and a
minimal frontend on its own origin (the start button, and the page the callback returns to, which
completes a flow the callback left awaiting the signed-in creator)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

_START_PAGE = """<!DOCTYPE html><html><head><title>Connections</title></head><body>
<button id="connect-{platform}">Connect {platform}</button><p id="status"></p>
<script>
document.getElementById("connect-{platform}").onclick = async () => {{
  const response = await fetch({api} + "/api/auth/{platform}", {{
    headers: {{Authorization: "Bearer " + localStorage.getItem("token")}}, credentials: "include"}});
  const body = await response.json();
  if (!response.ok) {{ document.getElementById("status").textContent = body.detail; return; }}
  location.assign(body.authorize_url);
}};
</script></body></html>"""

# The return page: the callback's outcome in the query, or a completion handle in the fragment, which it
# takes out of the address bar and history at once and posts with the signed-in creator's token.
_RESULT_PAGE = """<!DOCTYPE html><html><head><title>Connections</title></head><body><h1 id="result"></h1>
<script>
const messages = {messages};
const result = document.getElementById("result");
const show = (code, text) => {{ result.textContent = text; result.dataset.code = code; }};
const query = new URLSearchParams(location.search);
const pending = new URLSearchParams(location.hash.slice(1));
if (pending.get("complete")) {{
  history.replaceState(null, "", location.pathname);
  const token = localStorage.getItem("token");
  if (!token) {{
    show("sign_in", "Sign in to finish connecting " + pending.get("platform") + ".");
  }} else {{
    fetch({api} + "/api/auth/complete", {{method: "POST", body: JSON.stringify({{handle: pending.get("complete")}}),
      headers: {{Authorization: "Bearer " + token, "Content-Type": "application/json"}}}})
      .then(async (response) => {{
        const body = await response.json();
        if (response.ok) show("connected", body.platform + " is connected.");
        else show(body.code || "error", messages[body.code] || body.detail);
      }}, () => show("network", "The connection could not be finished: network error."));
  }}
}} else if (query.get("connected")) {{
  show("connected", query.get("connected") + " is connected.");
}} else {{
  show(query.get("error"), messages[query.get("error")] || "Something went wrong.");
}}
</script></body></html>"""


class Frontend:
    """The app's pages on their own origin, talking to the API at `api` with credentials."""

    def __init__(self, host: str, api: str) -> None:
        from shared.models.auth import CALLBACK_MESSAGES

        pages = {"/connections": _RESULT_PAGE.format(messages=json.dumps(CALLBACK_MESSAGES), api=json.dumps(api))}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path, _, _ = self.path.partition("?")
                platform = path.strip("/").removeprefix("start/")
                body = pages.get(path) or _START_PAGE.format(platform=platform, api=json.dumps(api))
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def require_browser() -> None:
    """The browser test never skips: a machine without chromium fails it, saying how to fix it."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).is_file()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: run ./scripts/test.sh as root (it apt-get installs "
            "chromium and chromium-driver) or install them yourself",
            pytrace=False,
        )


@contextmanager
def chromium() -> Iterator:
    """A headless chromium with a fresh profile (no cookies from any earlier flow)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    require_browser()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}", "--host-resolver-rules=MAP *.localhost 127.0.0.1"):
        options.add_argument(flag)
    # The browser is her machine, with its own clock: a server clock moved by libfaketime
    # (scripts/test_modes.sh) stays with the server, and Chromium's renderer cannot run under it.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER, env=env), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
