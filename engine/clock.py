"""The app's one clock: every "today" and "now" in engine/, dashboard/ and pages/ comes from here.

$COACH_CLOCK_SHIFT_S (seconds, may be negative) moves the clock away from the machine's: the test
suite sets it to run on a pinned date (tests/conftest.py, `pytest --now=...`), and every process it
starts (a streamlit server, a worker) inherits the same shift, so they agree on the time. Unset, the
clock is the machine's. Times are naive local time (the machine's zone, $TZ), as datetime.now()."""
from __future__ import annotations

import datetime as dt
import os
import time

SHIFT_VAR = "COACH_CLOCK_SHIFT_S"


class BadClockShift(ValueError):
    """$COACH_CLOCK_SHIFT_S is not a number of seconds."""


def _shift_s() -> float:
    raw = os.environ.get(SHIFT_VAR, "")
    try:
        return float(raw) if raw else 0.0
    except ValueError:
        raise BadClockShift(f"{SHIFT_VAR} must be a number of seconds, not {raw!r}") from None


def timestamp() -> float:
    """Seconds since the Unix epoch, shifted."""
    return time.time() + _shift_s()


def now() -> dt.datetime:
    """The local date and time, naive, to the second."""
    return dt.datetime.fromtimestamp(int(timestamp()))


def utc_now() -> dt.datetime:
    """The UTC date and time, naive, to the second."""
    return dt.datetime.fromtimestamp(int(timestamp()), dt.timezone.utc).replace(tzinfo=None)


def today() -> dt.date:
    """The local date."""
    return now().date()


def shift_to(moment: dt.datetime) -> float:
    """The shift (s) that puts the clock at `moment` (naive local time) now."""
    return moment.timestamp() - time.time()
