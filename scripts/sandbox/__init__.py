"""Platform sandbox: a local server speaking Instagram, YouTube, Pinterest and TikTok wire formats.

Seeded synthetic creators, planted attribute effects, fault injection. See scripts/sandbox/README.md.
"""

import os

# Before numpy loads: OpenBLAS worker threads spin after each matmul (PostTable.daily) and burned about as
# much CPU as the whole request path; the sandbox's event loop gains nothing from them. A set value wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from scripts.sandbox.config import SandboxConfig, SandboxConfigError, host_urls
from scripts.sandbox.server import SandboxHandle, start_sandbox

__all__ = ["SandboxConfig", "SandboxConfigError", "SandboxHandle", "host_urls", "start_sandbox"]
