"""Pollers: run sync passes on a schedule, so Ninox changes reach GHL without anyone asking.

Ninox has no webhooks; its changes are found by the ``sinceSq`` change feed. A poller runs
[`sync`][bridge.sync.SyncEngine.sync] every ``interval`` seconds: each pass pushes Ninox edits to
the GHL master record (and picks up any GHL change a webhook missed). GHL webhooks are handled
separately and at once by `bridge.asgi`; the engine makes them take turns with the poller.

A failed pass is reported to ``on_error`` and the poller goes on after ``error_backoff``
seconds; it never dies on a transient failure.

With a ``guard`` (``bridge.ops.Guard``) the poller skips its passes while the
location is paused, and tells the guard how each pass went, so repeated authentication
failures or a high error rate pause the location (and fire one alert).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

from bridge.sync import AsyncSyncEngine, RunReport, SyncEngine
from ghlsdk import get_redacting_logger

if TYPE_CHECKING:
    from bridge.ops import Guard

__all__ = ["AsyncPoller", "Poller"]

_log = get_redacting_logger("bridge.triggers")


def _log_error(exc: BaseException) -> None:
    _log.warning("sync pass failed: %s: %s", type(exc).__name__, exc)


class _PollerBase:
    """Settings and pass bookkeeping both pollers share."""

    def __init__(
        self,
        *,
        interval: float,
        error_backoff: float,
        on_report: Callable[[RunReport], Any] | None,
        on_error: Callable[[BaseException], Any],
        scan_deletes_every: int | None,
        guard: Guard | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be > 0 seconds, got {interval!r}")
        if error_backoff < 0:
            raise ValueError(f"error_backoff must be >= 0 seconds, got {error_backoff!r}")
        self.interval = interval
        self.error_backoff = error_backoff
        self.on_report = on_report
        self.on_error = on_error
        self.scan_deletes_every = scan_deletes_every
        self.guard = guard
        self.passes = 0
        #: Passes skipped because the location was paused.
        self.skipped = 0

    def _next_scan(self) -> bool:
        """Count a pass; whether it also scans for deletions (every n-th pass)."""
        self.passes += 1
        every = self.scan_deletes_every
        return every is not None and every > 0 and self.passes % every == 0

    def _done(self, report: RunReport) -> RunReport:
        if self.guard is not None:
            self.guard.passed(report)
        if self.on_report is not None:
            self.on_report(report)
        return report

    def _failed(self, exc: BaseException) -> None:
        if self.guard is not None:
            try:
                self.guard.failed(exc)
            except Exception as guard_exc:  # the state store is broken too: keep polling
                _log_error(guard_exc)
        self.on_error(exc)

    def _paused(self) -> bool:
        """Whether the next pass is skipped (the location is paused)."""
        if self.guard is None or self.guard.blocked() is None:
            return False
        self.skipped += 1
        return True

    def _wait(self, report: RunReport | None) -> float:
        return self.interval if report is not None else self.error_backoff


class Poller(_PollerBase):
    """Runs ``engine.sync()`` every ``interval`` seconds in the calling thread (``run``) or a
    background thread (``start`` / ``stop``)."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        interval: float = 60.0,
        error_backoff: float = 30.0,
        on_report: Callable[[RunReport], Any] | None = None,
        on_error: Callable[[BaseException], Any] = _log_error,
        scan_deletes_every: int | None = None,
        guard: Guard | None = None,
    ) -> None:
        super().__init__(
            interval=interval,
            error_backoff=error_backoff,
            on_report=on_report,
            on_error=on_error,
            scan_deletes_every=scan_deletes_every,
            guard=guard,
        )
        self.engine = engine
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> RunReport | None:
        """One pass; its report, or ``None`` when it failed (``on_error`` was told) or was
        skipped (the location is paused)."""
        if self._paused():
            return None
        scan = self._next_scan()
        try:
            report = self.engine.sync(scan_deletes=scan)
        except Exception as exc:  # a pass may fail; the poller must not
            self._failed(exc)
            return None
        return self._done(report)

    def run(self, *, max_passes: int | None = None) -> None:
        """Poll until `stop` (or ``max_passes``), sleeping between passes."""
        while not self._stop.is_set():
            started = time.monotonic()
            report = self.run_once()
            if max_passes is not None and self.passes >= max_passes:
                return
            self._stop.wait(max(0.0, self._wait(report) - (time.monotonic() - started)))

    def start(self) -> None:
        """Poll in a daemon thread."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("this poller is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="ghl-ninox-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the poller to stop and wait for the current pass to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


class AsyncPoller(_PollerBase):
    """The async twin of `Poller`: ``await poller.run()`` in a task group."""

    def __init__(
        self,
        engine: AsyncSyncEngine,
        *,
        interval: float = 60.0,
        error_backoff: float = 30.0,
        on_report: Callable[[RunReport], Any] | None = None,
        on_error: Callable[[BaseException], Any] = _log_error,
        scan_deletes_every: int | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        guard: Guard | None = None,
    ) -> None:
        super().__init__(
            interval=interval,
            error_backoff=error_backoff,
            on_report=on_report,
            on_error=on_error,
            scan_deletes_every=scan_deletes_every,
            guard=guard,
        )
        self.engine = engine
        self._sleep = sleep

    async def run_once(self) -> RunReport | None:
        """One pass; its report, or ``None`` when it failed (``on_error`` was told) or was
        skipped (the location is paused). The guard's state calls run in a worker thread."""
        if await anyio.to_thread.run_sync(self._paused):
            return None
        scan = self._next_scan()
        try:
            report = await self.engine.sync(scan_deletes=scan)
        except Exception as exc:
            await anyio.to_thread.run_sync(self._failed, exc)
            return None
        return await anyio.to_thread.run_sync(self._done, report)

    async def run(self, *, max_passes: int | None = None) -> None:
        """Poll until cancelled (or ``max_passes``)."""
        while True:
            report = await self.run_once()
            if max_passes is not None and self.passes >= max_passes:
                return
            await self._sleep(self._wait(report))
