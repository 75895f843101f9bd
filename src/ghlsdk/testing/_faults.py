"""Request records and injected faults of [`FakeGHL`][ghlsdk.testing.FakeGHL]."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Fault", "RecordedRequest"]


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
