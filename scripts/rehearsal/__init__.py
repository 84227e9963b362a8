"""The deploy rehearsal: every bundle installed alone, served as its own process behind the gateway config.

`uv run python -m scripts.rehearsal` (see the README's "Deploying" section for what it proves).
"""
