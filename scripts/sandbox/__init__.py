"""Platform sandbox: a local server speaking Instagram, YouTube, Pinterest and TikTok wire formats.

Seeded synthetic creators, planted attribute effects, fault injection. See scripts/sandbox/README.md.
"""
from scripts.sandbox.config import SandboxConfig, SandboxConfigError, host_urls
from scripts.sandbox.server import SandboxHandle, start_sandbox

__all__ = ["SandboxConfig", "SandboxConfigError", "SandboxHandle", "host_urls", "start_sandbox"]
