"""A manual clock for tests: time only moves when you (or a simulated sleep) move it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

__all__ = ["FakeClock"]

_DEFAULT_START = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()


class FakeClock:
    """Seconds since the epoch, moved by hand.

    Call it (``clock()``) to read the time. ``advance(seconds)`` moves it forward;
    ``sleep``/``asleep`` advance it instead of waiting, so code under test that "sleeps"
    finishes at once while every timestamp and rate-limit window still sees the time pass.
    Give the same clock to [`FakeGHL`][ghlsdk.testing.FakeGHL] and, where it accepts one, to the
    client under test.
    """

    def __init__(self, start: float | datetime = _DEFAULT_START) -> None:
        if isinstance(start, datetime):
            if start.tzinfo is None:
                raise ValueError("FakeClock start must be timezone-aware (e.g. tzinfo=UTC)")
            start = start.timestamp()
        self._now = float(start)
        self._lock = threading.Lock()
        #: Total seconds passed to ``sleep`` / ``asleep``.
        self.slept = 0.0

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def now(self) -> float:
        """The current time in seconds since the epoch."""
        return self()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (must not be negative)."""
        if seconds < 0:
            raise ValueError(f"cannot move the clock backwards ({seconds} s)")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` instead of waiting (a drop-in for time.sleep)."""
        seconds = max(0.0, float(seconds))
        with self._lock:
            self._now += seconds
            self.slept += seconds

    async def asleep(self, seconds: float) -> None:
        """Async twin of [`sleep`][ghlsdk.testing.FakeClock.sleep] (a drop-in for anyio.sleep /
        asyncio.sleep)."""
        self.sleep(seconds)

    def __repr__(self) -> str:
        when = datetime.fromtimestamp(self._now, tz=timezone.utc).isoformat()
        return f"FakeClock({when})"
