"""Injected faults: what a fake does instead of (or after) serving a matching request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from _sdkcore.testing._records import HTTP_METHODS, PathPattern, RecordedRequest, path_matcher

__all__ = ["ExceptionSpec", "Fault", "request_predicate"]

ExceptionSpec = type[BaseException] | BaseException


@dataclass(eq=False)
class Fault:
    """An injected failure, returned by ``fail_next`` / ``inject``; ``cancel()`` removes it.

    ``times`` is how many matching requests it still applies to (``None``: unlimited), ``hits``
    how many it has hit so far. A fault answers ``status`` (with ``body``, else the service's
    error envelope carrying ``message``, plus ``headers``), or raises ``exception`` from the
    transport; ``delay`` adds latency; ``after_write`` serves the request first and fails only
    its answer. A fault with ``status=None`` and no exception only delays.
    """

    predicate: Callable[[RecordedRequest], bool]
    status: int | None = 500
    exception: ExceptionSpec | None = None
    body: Any = None
    message: str | None = None
    headers: Mapping[str, str] | None = None
    delay: float = 0.0
    after_write: bool = False
    times: int | None = 1
    hits: int = 0
    cancelled: bool = False

    def cancel(self) -> None:
        """Stop applying this fault."""
        self.cancelled = True

    @property
    def active(self) -> bool:
        """Whether the fault still applies to future requests."""
        return not self.cancelled and (self.times is None or self.times > 0)

    @property
    def fails(self) -> bool:
        """Whether the fault fails the request (rather than only delaying it)."""
        return self.status is not None or self.exception is not None

    def take(self) -> None:
        """Count one hit."""
        self.hits += 1
        if self.times is not None:
            self.times -= 1

    def make_exception(self, request: httpx.Request, service: str) -> BaseException:
        """The exception to raise for ``request`` (a class is built with the request)."""
        exc = self.exception
        if exc is None:
            raise ValueError("this fault answers a status, it raises nothing")
        if isinstance(exc, BaseException):
            return exc
        text = self.message or f"{exc.__name__} injected by {service}"
        if issubclass(exc, httpx.RequestError):
            return exc(text, request=request)
        return exc(text)


def request_predicate(
    method: str | None, path: PathPattern | None, operation: str | None
) -> Callable[[RecordedRequest], bool]:
    """A predicate on method (any case), path (see ``path_matcher``) and operation; ``None``
    matches anything."""
    want = method.upper() if method else None
    if want is not None and want not in HTTP_METHODS:
        raise ValueError(f"unknown HTTP method {method!r}")
    path_ok = path_matcher(path)

    def predicate(rec: RecordedRequest) -> bool:
        if want is not None and rec.method != want:
            return False
        if operation is not None and rec.operation != operation:
            return False
        return path_ok(rec.path)

    return predicate
