"""Request records and injected faults of [`FakeGHL`][ghlsdk.testing.FakeGHL]."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Fault", "FaultsMixin", "RecordedRequest"]


@dataclass
class RecordedRequest:
    """One request the fake received, as the server saw it.

    ``operation`` is the spec's operationId (``"get-contact"``, ``"create-task"``...) or
    ``None`` for an unknown route. ``status`` is the status answered (``None`` when an
    injected exception was raised instead). ``headers`` has the ``Authorization`` value masked.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    operation: str | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    #: The form fields of a form-encoded body (OAuth endpoints), secrets masked as ``***``.
    form: dict[str, str] | None = None


@dataclass(eq=False)
class Fault:
    """An injected failure, returned by ``fail_next``/``inject``; ``cancel()`` removes it.

    ``times`` is how many matching requests it still applies to (``None``: unlimited);
    ``hits`` how many it has hit so far.
    """

    predicate: Callable[[RecordedRequest], bool]
    status: int | None = None
    exception: type[BaseException] | BaseException | None = None
    body: Any = None
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

    def take(self) -> None:
        self.hits += 1
        if self.times is not None:
            self.times -= 1

    def make_exception(self, request: httpx.Request) -> BaseException:
        exc = self.exception
        assert exc is not None
        if isinstance(exc, BaseException):
            return exc
        if issubclass(exc, httpx.RequestError):
            return exc(f"simulated {exc.__name__} (FakeGHL fault)", request=request)
        return exc(f"simulated {exc.__name__} (FakeGHL fault)")


def match_request(
    method: str | None, path: str | None, operation: str | None
) -> Callable[[RecordedRequest], bool]:
    """A predicate on method (any case), path (exact or glob, e.g. ``/contacts/*/tasks``)
    and operationId; ``None`` matches anything. In paths ``*`` matches one segment, ``**`` any."""
    want_method = method.upper() if method else None
    pattern = _glob(path.rstrip("/") or "/") if path is not None else None

    def predicate(req: RecordedRequest) -> bool:
        if want_method is not None and req.method != want_method:
            return False
        if operation is not None and req.operation != operation:
            return False
        return pattern is None or pattern.fullmatch(req.path.rstrip("/") or "/") is not None

    return predicate


def _glob(path: str) -> re.Pattern[str]:
    """``*`` matches within one path segment, ``**`` across segments."""
    parts = re.split(r"(\*\*|\*)", path)
    regex = "".join(
        ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part) for part in parts
    )
    return re.compile(regex)


class FaultsMixin:
    """``fail_next`` / ``inject`` / ``clear_faults`` of a fake that keeps its faults in
    ``_faults`` behind ``_lock``."""

    _faults: list[Fault]
    _lock: Any

    def fail_next(
        self,
        status: int | None = 500,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        exception: type[BaseException] | BaseException | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        after_write: bool = False,
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: all of them).

        Match on ``method``, ``path`` (exact, or a glob: ``*`` is one segment, ``**`` any)
        and ``operation`` (operationId). The failure is an ``exception`` raised by the
        transport (e.g. ``httpx.ReadTimeout``, class or instance), else an HTTP ``status``
        with ``body`` (default: the API's error envelope) and extra ``headers``. ``delay``
        adds latency. With ``after_write=True`` the request is carried out first (the
        contact is created...) and only the answer fails: the "it worked but the client
        saw an error" case that makes blind POST retries create duplicates.
        """
        return self.inject(
            match_request(method, path, operation),
            status=status,
            times=times,
            exception=exception,
            body=body,
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
        exception: type[BaseException] | BaseException | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        after_write: bool = False,
    ) -> Fault:
        """Fail requests for which ``predicate(recorded_request)`` is true.

        Same options as [`fail_next`][ghlsdk.testing.FakeGHL.fail_next]; ``times`` defaults to
        unlimited. Pass
        ``status=None`` with a ``delay`` for a slow but successful call.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for unlimited)")
        if delay < 0:
            raise ValueError("delay must not be negative")
        fault = Fault(
            predicate=predicate,
            status=status,
            exception=exception,
            body=body,
            headers=headers,
            delay=delay,
            after_write=after_write,
            times=times,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._faults.clear()
