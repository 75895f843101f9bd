"""Pollers: run sync passes on a schedule, so Ninox changes reach GHL without anyone asking.

Ninox has no webhooks; its changes are found by the ``sinceSq`` change feed. A poller runs
:meth:`~bridge.sync.SyncEngine.sync` every ``interval`` seconds: each pass pushes Ninox edits to
the GHL master record (and picks up any GHL change a webhook missed). GHL webhooks are handled
separately and at once by :mod:`bridge.asgi`; the engine makes them take turns with the poller.

A failed pass is reported to ``on_error`` and the poller goes on after ``error_backoff``
seconds; it never dies on a transient failure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from _sdkcore.logging import get_logger
from bridge.sync import AsyncSyncEngine, RunReport, SyncEngine

__all__ = ["AsyncPoller", "Poller"]

_log = get_logger("bridge.triggers")


def _check(interval: float, error_backoff: float) -> None:
    if interval <= 0:
        raise ValueError(f"interval must be > 0 seconds, got {interval!r}")
    if error_backoff < 0:
        raise ValueError(f"error_backoff must be >= 0 seconds, got {error_backoff!r}")


def _scan_due(passes_done: int, every: int | None) -> bool:
    """Whether the next pass also scans for deletions (every ``every``-th pass)."""
    return every is not None and every > 0 and (passes_done + 1) % every == 0


def _log_error(exc: BaseException) -> None:
    _log.warning("sync pass failed: %s: %s", type(exc).__name__, exc)


class Poller:
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
    ) -> None:
        _check(interval, error_backoff)
        self.engine = engine
        self.interval = interval
        self.error_backoff = error_backoff
        self.on_report = on_report
        self.on_error = on_error
        self.scan_deletes_every = scan_deletes_every
        self.passes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> RunReport | None:
        """One pass; its report, or ``None`` when it failed (``on_error`` was told)."""
        scan = _scan_due(self.passes, self.scan_deletes_every)
        self.passes += 1
        try:
            report = self.engine.sync(scan_deletes=scan)
        except Exception as exc:  # a pass may fail; the poller must not
            self.on_error(exc)
            return None
        if self.on_report is not None:
            self.on_report(report)
        return report

    def run(self, *, max_passes: int | None = None) -> None:
        """Poll until :meth:`stop` (or ``max_passes``), sleeping between passes."""
        while not self._stop.is_set():
            started = time.monotonic()
            report = self.run_once()
            if max_passes is not None and self.passes >= max_passes:
                return
            wait = self.interval if report is not None else self.error_backoff
            self._stop.wait(max(0.0, wait - (time.monotonic() - started)))

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


class AsyncPoller:
    """The async twin of :class:`Poller`: ``await poller.run()`` in a task group."""

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
    ) -> None:
        _check(interval, error_backoff)
        self.engine = engine
        self.interval = interval
        self.error_backoff = error_backoff
        self.on_report = on_report
        self.on_error = on_error
        self.scan_deletes_every = scan_deletes_every
        self.passes = 0
        self._sleep = sleep

    async def run_once(self) -> RunReport | None:
        """One pass; its report, or ``None`` when it failed (``on_error`` was told)."""
        scan = _scan_due(self.passes, self.scan_deletes_every)
        self.passes += 1
        try:
            report = await self.engine.sync(scan_deletes=scan)
        except Exception as exc:
            self.on_error(exc)
            return None
        if self.on_report is not None:
            self.on_report(report)
        return report

    async def run(self, *, max_passes: int | None = None) -> None:
        """Poll until cancelled (or ``max_passes``)."""
        while True:
            report = await self.run_once()
            if max_passes is not None and self.passes >= max_passes:
                return
            await self._sleep(self.interval if report is not None else self.error_backoff)
