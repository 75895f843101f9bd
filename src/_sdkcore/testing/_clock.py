"""Clocks for the fakes: a manual one (time moves when a test moves it) and a scaled real one
(time runs N times faster than the wall clock), plus how a fake picks its sleeps from a clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

import anyio

__all__ = ["FakeClock", "ScaledClock", "sleeps_for"]

_DEFAULT_START = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()


def _start_seconds(start: float | datetime) -> float:
    if isinstance(start, datetime):
        if start.tzinfo is None:
            raise ValueError("a clock's start must be timezone-aware (e.g. tzinfo=UTC)")
        return start.timestamp()
    return float(start)


class FakeClock:
    """Seconds since the epoch, moved by hand.

    Call it (``clock()``) to read the time. ``advance(seconds)`` moves it forward;
    ``sleep``/``asleep`` advance it instead of waiting, so code under test that "sleeps"
    finishes at once while every timestamp and rate-limit window still sees the time pass.
    Give the same clock to a fake (``FakeGHL(clock=...)``, ``FakeNinox(clock=...)``) and, where
    it accepts one, to the client under test: the fake then waits out its latency on it too.
    """

    def __init__(self, start: float | datetime = _DEFAULT_START) -> None:
        self._now = _start_seconds(start)
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
        """Async twin of ``sleep`` (a drop-in for anyio.sleep / asyncio.sleep)."""
        self.sleep(seconds)

    def __repr__(self) -> str:
        when = datetime.fromtimestamp(self(), tz=timezone.utc).isoformat()
        return f"FakeClock({when})"


class ScaledClock:
    """Real time, running ``factor`` times faster: ``clock()`` starts at ``start`` and moves
    ``factor`` seconds per wall-clock second; ``sleep(s)`` really waits ``s / factor`` seconds.

    For runs that need real concurrency (threads, event loops) but not real durations: a fake
    with ``latency=2.0`` on ``ScaledClock(100)`` answers after 20 ms while its timestamps and
    rate-limit windows see 2 s pass.
    """

    def __init__(self, factor: float, start: float | datetime = _DEFAULT_START) -> None:
        if factor <= 0:
            raise ValueError("factor must be positive")
        self.factor = float(factor)
        self._start = _start_seconds(start)
        self._origin = time.monotonic()

    def __call__(self) -> float:
        return self._start + (time.monotonic() - self._origin) * self.factor

    def now(self) -> float:
        """The current (scaled) time in seconds since the epoch."""
        return self()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock (``seconds / factor`` of the wall clock)."""
        time.sleep(max(0.0, float(seconds)) / self.factor)

    async def asleep(self, seconds: float) -> None:
        """Async twin of ``sleep``."""
        await anyio.sleep(max(0.0, float(seconds)) / self.factor)

    def __repr__(self) -> str:
        return f"ScaledClock(factor={self.factor:g})"


def sleeps_for(
    clock: object,
    sleep: Callable[[float], None] | None,
    async_sleep: Callable[[float], Awaitable[None]] | None,
) -> tuple[Callable[[float], None], Callable[[float], Awaitable[None]]]:
    """The sleeps a fake waits out latency with: those given, else the clock's own
    (``FakeClock``, ``ScaledClock``), else ``time.sleep`` / ``anyio.sleep``."""
    own_sleep = getattr(clock, "sleep", None)
    own_async = getattr(clock, "asleep", None)
    return (
        sleep or (own_sleep if callable(own_sleep) else time.sleep),
        async_sleep or (own_async if callable(own_async) else anyio.sleep),
    )
