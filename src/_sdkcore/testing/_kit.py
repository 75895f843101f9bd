"""The part of every fake's API that is the same for all: faults, the clock, the request log
and its counters. ``FakeGHL`` and ``FakeNinox`` both build on :class:`FakeKit`."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, ClassVar

import httpx

from _sdkcore.testing._clock import sleeps_for
from _sdkcore.testing._faults import ExceptionSpec, Fault, request_predicate
from _sdkcore.testing._records import HTTP_METHODS, PathPattern, RecordedRequest

__all__ = ["FakeKit", "Latency"]

Latency = float | Callable[[RecordedRequest], float]


class FakeKit:
    """Faults, clock, latency and the request log of a fake HTTP service.

    A fake calls ``_init_kit`` in its constructor, logs each request it receives with
    ``_log_request``, asks ``_take_fault`` which fault applies, waits ``_delay_for`` and
    answers a failing fault with ``_fault_response``. It supplies ``_service`` (its name, in
    messages), ``_operations`` (the operation names ``count`` accepts positionally) and
    ``_error_body`` (its API's error envelope).
    """

    _service: ClassVar[str] = "fake"
    _lock: threading.RLock
    #: Seconds since the epoch: timestamps, windows and ``RecordedRequest.at`` come from it.
    clock: Callable[[], float]
    #: Seconds to wait before answering each request, or a function of the request.
    latency: Latency

    def _init_kit(
        self,
        *,
        clock: Callable[[], float] | None,
        sleep: Callable[[float], None] | None,
        async_sleep: Callable[[float], Awaitable[None]] | None,
        latency: Latency,
    ) -> None:
        self.clock = clock if clock is not None else time.time
        self._sleep, self._async_sleep = sleeps_for(clock, sleep, async_sleep)
        self.latency = latency
        self._faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self._counters: Counter[str] = Counter()

    @property
    def _operations(self) -> Collection[str]:
        return ()

    def _error_body(self, status: int, message: str | None) -> Any:
        return {"message": message or f"HTTP {status} injected by {self._service}"}

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        status: int | None = 500,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: PathPattern | None = None,
        operation: str | None = None,
        exception: ExceptionSpec | None = None,
        body: Any = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        after_write: bool = False,
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: all of them, until
        ``clear_faults``).

        Match on ``method`` (any case), ``path`` and ``operation`` (``None`` matches
        anything). ``path`` is a glob: ``*`` is one segment, ``**`` any number, ``{name}`` one
        whole segment; a glob starting with ``/`` is the whole path, one without matches the
        last segments (``*/records``); a compiled regex is searched instead.

        The failure is an ``exception`` raised by the transport (a class such as
        ``httpx.ReadTimeout`` is built with the request, an instance raised as it is), else an
        HTTP ``status`` answered with ``body`` (default: the API's error envelope carrying
        ``message``) and extra ``headers``. ``delay`` adds latency; ``status=None`` with a
        ``delay`` makes a slow but successful call. With ``after_write=True`` the request is
        carried out first (the record is written...) and only the answer fails: "it worked
        but the client saw an error", the case that makes blind retries of writes create
        duplicates. Faults apply in the order they were added, one per request.
        """
        return self.inject(
            request_predicate(method, path, operation),
            status=status,
            times=times,
            exception=exception,
            body=body,
            message=message,
            headers=headers,
            delay=delay,
            after_write=after_write,
        )

    def inject(
        self,
        predicate: Callable[[RecordedRequest], bool],
        *,
        status: int | None = 500,
        times: int | None = None,
        exception: ExceptionSpec | None = None,
        body: Any = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        after_write: bool = False,
    ) -> Fault:
        """Fail requests for which ``predicate(recorded_request)`` is true.

        The options are those of ``fail_next``; ``times`` defaults to unlimited here.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for unlimited)")
        if delay < 0:
            raise ValueError("delay must not be negative")
        if status is None and exception is None and delay == 0:
            raise ValueError("a fault needs a status, an exception or a delay")
        fault = Fault(
            predicate=predicate,
            status=status,
            exception=exception,
            body=body,
            message=message,
            headers=dict(headers or {}),
            delay=float(delay),
            after_write=after_write,
            times=times,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    @property
    def faults(self) -> list[Fault]:
        """The faults that still apply, oldest first."""
        with self._lock:
            return [f for f in self._faults if f.active]

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._faults.clear()

    # ------------------------------------------------------------------ request log

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last ``reset_counters``, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def counters(self) -> dict[str, int]:
        """Requests received per operation (``"unknown"`` for unmatched routes)."""
        with self._lock:
            return dict(self._counters)

    def count(
        self,
        method: str | None = None,
        path: PathPattern | None = None,
        *,
        operation: str | None = None,
    ) -> int:
        """How many logged requests match ``method``, ``path`` and ``operation``, with the
        rules of ``fail_next``; all of them when none is given. ``count("get-contact")``
        (an operation in place of the method) is short for
        ``count(operation="get-contact")``."""
        if method is not None and method.upper() not in HTTP_METHODS and operation is None:
            if method not in self._operations:
                raise ValueError(
                    f"{method!r} is neither an HTTP method nor an operation of {self._service}"
                )
            method, operation = None, method
        predicate = request_predicate(method, path, operation)
        with self._lock:
            return sum(1 for rec in self._requests if predicate(rec))

    def reset_counters(self) -> None:
        """Clear the request log and the counters (the data is kept)."""
        with self._lock:
            self._requests.clear()
            self._counters.clear()
            self._on_reset()

    def _on_reset(self) -> None:
        """What else a fake clears in ``reset_counters`` (called under the lock)."""

    # ------------------------------------------------------------------ for the fakes

    def _log_request(self, rec: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(rec)
            self._counters[rec.operation or "unknown"] += 1

    def _take_fault(self, rec: RecordedRequest) -> Fault | None:
        """The first active fault matching ``rec`` (counted as hit), or None."""
        with self._lock:
            found = None
            for fault in self._faults:
                if fault.active and fault.predicate(rec):
                    fault.take()
                    rec.injected = True
                    found = fault
                    break
            self._faults = [f for f in self._faults if f.active]
            return found

    def _delay_for(self, rec: RecordedRequest, fault: Fault | None) -> float:
        latency = self.latency
        value = float(latency(rec) if callable(latency) else latency)
        return max(0.0, value) + (fault.delay if fault is not None else 0.0)

    def _fault_response(
        self,
        request: httpx.Request,
        rec: RecordedRequest,
        fault: Fault,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        """Raise the fault's exception, or answer its status."""
        if fault.exception is not None:
            rec.status = None
            exc = fault.make_exception(request, self._service)
            rec.error = type(exc).__name__
            raise exc
        status = fault.status
        if status is None:
            raise ValueError("a delay-only fault has no answer")
        rec.status = status
        body = fault.body if fault.body is not None else self._error_body(status, fault.message)
        return httpx.Response(
            status, json=body, headers={**headers, **(fault.headers or {})}, request=request
        )
