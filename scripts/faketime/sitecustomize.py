"""Loaded only by `scripts/test_modes.sh faketime-*` (PYTHONPATH): Python's sleep that libfaketime can run.

libfaketime 0.9.10 (Debian's) fakes monotonic clocks by the same offset unless told not to, and then a lock
or event wait with a timeout never returns; told not to (FAKETIME_DONT_FAKE_MONOTONIC=1), it turns the
absolute monotonic deadline of Python's time.sleep (clock_nanosleep with TIMER_ABSTIME) into EINVAL. This
sleep waits in select() with a relative timeout, which libfaketime passes through, on the real monotonic
clock, so every other wait keeps its real length.
"""

import select
import time
from typing import SupportsIndex

_monotonic = time.monotonic


def _sleep(seconds: float | SupportsIndex) -> None:
    length = float(seconds)
    if length < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = _monotonic() + length
    while (left := deadline - _monotonic()) > 0:
        select.select([], [], [], left)


time.sleep = _sleep
