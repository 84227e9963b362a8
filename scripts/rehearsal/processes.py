"""One functions-framework process per bundle, from its own venv, as Cloud Run would start it.

Started with `python -m functions_framework --target=handler` (gunicorn, as in production) in the
bundle directory. Ready when gunicorn logs "Listening at" (at its info level): by then the entry module
is imported and the socket bound, so spawn → ready is the bundle's cold start. Its stdout (the JSON
logs) and stderr are kept for the report and for the check that no secret reaches a log.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

READY_MARKERS = ("Listening at:", "Running on http")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class FunctionProcess:
    name: str
    directory: Path
    python: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    cold_start_s: float | None = None
    output: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60) -> FunctionProcess:
        started = time.perf_counter()
        self._process = subprocess.Popen(
            [
                str(self.python),
                "-E",
                "-s",
                "-m",
                "functions_framework",
                "--target=handler",
                "--source=main.py",
                "--host=127.0.0.1",
                f"--port={self.port}",
            ],
            cwd=self.directory,
            env={**self.env, "GUNICORN_LOG_LEVEL": "info"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = threading.Event()
        for stream in (self._process.stdout, self._process.stderr):
            threading.Thread(target=self._drain, args=(stream, ready), daemon=True).start()
        if not ready.wait(timeout_s) or self._process.poll() is not None:
            self.stop()
            raise RuntimeError(f"{self.name} did not start:\n" + "\n".join(self.output[-40:]))
        self.cold_start_s = time.perf_counter() - started
        return self

    def _drain(self, stream, ready: threading.Event) -> None:
        for line in stream:
            self.output.append(line.rstrip("\n"))
            if any(marker in line for marker in READY_MARKERS):
                ready.set()
        ready.set()  # the process ended: let start() see it

    def stop(self) -> None:
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
