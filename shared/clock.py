"""The system's one clock: real UTC time in production, a fixed instant when a test or the demo sets one.

Services take "now" from here and pass it to SQL as a parameter (no bare `now()` in a query whose
answer a test checks), and the sandbox takes its "today" from here, so a run on any real date gives
the same answer. Set with `set_now()` in-process or the APP_CLOCK environment variable (ISO 8601).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager

ENV_VAR = "APP_CLOCK"
_override: dt.datetime | None = None


def now() -> dt.datetime:
    """The current instant (timezone-aware UTC)."""
    if _override is not None:
        return _override
    raw = os.environ.get(ENV_VAR)
    if raw:
        return parse_instant(raw)
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    """The current UTC date."""
    return now().date()


def set_now(value: dt.datetime | dt.date | str | None) -> None:
    """Freeze the clock at an instant (a date means its midnight UTC); None returns to real time."""
    global _override
    _override = None if value is None else parse_instant(value)


def parse_instant(value: dt.datetime | dt.date | str) -> dt.datetime:
    """An aware UTC datetime from a datetime, a date (midnight UTC) or an ISO 8601 string."""
    if isinstance(value, str):
        value = (
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if "T" in value or " " in value
            else dt.date.fromisoformat(value)
        )
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


@contextmanager
def frozen_at(value: dt.datetime | dt.date | str) -> Iterator[dt.datetime]:
    """Freeze the clock for a block, then restore whatever it was (tests, replays, the demo)."""
    global _override
    previous = _override
    _override = parse_instant(value)
    try:
        yield _override
    finally:
        _override = previous
