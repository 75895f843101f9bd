"""Multi-request operations, written once and run by one sync and one async driver.

An operation that needs several requests (walk pages, resolve a name then write in chunks,
try a bulk call then fall back) is a *program*: a generator that yields `Call` s and is
sent each call's result, or has the call's [`APIError`][_sdkcore.errors.APIError] thrown in
(so it can recover, e.g. fall back to another endpoint). It may also yield `Emit` to hand
items to its caller while it runs, and ``return`` its result.

Every decision lives in the program, which never performs I/O. The drivers only send:
[`run`][_sdkcore.programs.run] / [`arun`][_sdkcore.programs.arun] for a program that returns
one value, [`stream`][_sdkcore.programs.stream] / [`astream`][_sdkcore.programs.astream] for
one that emits items. [`SyncItems`][_sdkcore.programs.SyncItems] and
[`AsyncItems`][_sdkcore.programs.AsyncItems] wrap a streaming program as the lazy,
re-iterable result of a ``list()`` method. Both SDKs run their multi-request operations
through this module: Ninox's record programs and the pagers of
[`_sdkcore.pagination`][_sdkcore.pagination].
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Sequence,
)
from typing import Any, Generic, TypeVar, overload

import attrs

from _sdkcore._http import AsyncHTTP, Call, RequestOptions, SyncHTTP
from _sdkcore.errors import APIError

__all__ = [
    "AsyncItems",
    "Emit",
    "Program",
    "SyncItems",
    "arun",
    "astream",
    "run",
    "stream",
    "with_options",
]

T = TypeVar("T")
R = TypeVar("R")


@attrs.frozen
class Emit(Generic[T]):
    """Items a streaming program hands to its caller."""

    items: Sequence[T]


#: A program yields Calls (or Emits), is sent each call's result, and returns its value.
Program = Generator["Call[Any] | Emit[Any]", Any, R]


@overload
def with_options(target: Call[T], options: RequestOptions | None) -> Call[T]: ...
@overload
def with_options(target: Program[R], options: RequestOptions | None) -> Program[R]: ...
def with_options(target: Any, options: RequestOptions | None) -> Any:
    """``target`` with per-call ``options`` (timeout, retries, extra headers/query) attached:
    a call, or every call a program yields (and the call it returns, if it does). Options of
    the wrong type raise here, before anything is sent."""
    if options is None:
        return target
    if not isinstance(options, RequestOptions):
        raise TypeError(f"options must be a RequestOptions, got {type(options).__name__}")
    if isinstance(target, Call):
        return Call(attrs.evolve(target.spec, options=options), target.parse)
    return _bound(target, options)


class _Machine(Generic[R]):
    """The pure bookkeeping every driver shares: step the program with the last outcome."""

    def __init__(
        self, program: Program[R], options: RequestOptions | None, *, streaming: bool
    ) -> None:
        self.program = program
        self.options = options
        self.streaming = streaming
        self.value: Any = None
        self.error: APIError | None = None
        self.done = False
        self.result: R | None = None

    def next(self) -> Call[Any] | Emit[Any] | None:
        """The next call to send or items to emit; ``None`` once the program returned."""
        value, error = self.value, self.error
        self.value = self.error = None
        try:
            step = self.program.throw(error) if error is not None else self.program.send(value)
        except StopIteration as stop:
            self.done = True
            self.result = stop.value
            return None
        if isinstance(step, Emit):
            if not self.streaming:
                self.program.close()
                raise RuntimeError("a streaming program was run with run(); use stream()")
            return step
        return with_options(step, self.options)

    def outcome(self, value: Any = None, error: APIError | None = None) -> None:
        """What the last call gave: its result, or the error to throw into the program."""
        self.value, self.error = value, error


def _bound(program: Program[R], options: RequestOptions) -> Program[R]:
    """``program`` passing each call on with ``options`` (and every outcome back)."""
    machine = _Machine(program, options, streaming=True)
    try:
        while (step := machine.next()) is not None:
            try:
                machine.outcome((yield step))
            except APIError as exc:
                machine.outcome(error=exc)
    finally:
        program.close()
    result = machine.result
    return with_options(result, options) if isinstance(result, Call) else result  # type: ignore[return-value]


def run(http: SyncHTTP, options: RequestOptions | None, target: Program[R] | Call[R]) -> R:
    """Run a program that returns one value (or send one call) with the sync client."""
    if isinstance(target, Call):
        return http.execute(with_options(target, options))
    machine = _Machine(target, options, streaming=False)
    while (call := machine.next()) is not None:
        assert isinstance(call, Call)
        try:
            machine.outcome(http.execute(call))
        except APIError as exc:
            machine.outcome(error=exc)
    return machine.result  # type: ignore[return-value]


async def arun(http: AsyncHTTP, options: RequestOptions | None, target: Program[R] | Call[R]) -> R:
    """Run a program that returns one value (or send one call) with the async client."""
    if isinstance(target, Call):
        return await http.execute(with_options(target, options))
    machine = _Machine(target, options, streaming=False)
    while (call := machine.next()) is not None:
        assert isinstance(call, Call)
        try:
            machine.outcome(await http.execute(call))
        except APIError as exc:
            machine.outcome(error=exc)
    return machine.result  # type: ignore[return-value]


def stream(
    http: SyncHTTP,
    options: RequestOptions | None,
    program: Program[R],
    on_done: Callable[[R], None] | None = None,
) -> Generator[Any, None, None]:
    """Run a streaming program with the sync client, yielding every emitted item.

    ``on_done`` receives the program's return value once it finishes (not when the caller
    stops early, nor when it fails)."""
    machine = _Machine(program, options, streaming=True)
    try:
        while (step := machine.next()) is not None:
            if isinstance(step, Emit):
                yield from step.items
                continue
            try:
                machine.outcome(http.execute(step))
            except APIError as exc:
                machine.outcome(error=exc)
    finally:
        program.close()
    if on_done is not None:
        on_done(machine.result)  # type: ignore[arg-type]


async def astream(
    http: AsyncHTTP,
    options: RequestOptions | None,
    program: Program[R],
    on_done: Callable[[R], None] | None = None,
) -> AsyncGenerator[Any, None]:
    """Run a streaming program with the async client, yielding every emitted item."""
    machine = _Machine(program, options, streaming=True)
    try:
        while (step := machine.next()) is not None:
            if isinstance(step, Emit):
                for item in step.items:
                    yield item
                continue
            try:
                machine.outcome(await http.execute(step))
            except APIError as exc:
                machine.outcome(error=exc)
    finally:
        program.close()
    if on_done is not None:
        on_done(machine.result)  # type: ignore[arg-type]


H = TypeVar("H", SyncHTTP, AsyncHTTP)


class _Items(Generic[H]):
    """What both listings hold: the client, how to start the program, the per-call options."""

    def __init__(
        self, http: H, program: Callable[[], Program[Any]], options: RequestOptions | None = None
    ) -> None:
        self._http: H = http
        self._program = program
        self._options = options

    def _finished(self, result: Any) -> None:
        """Called with the program's return value when an iteration completes."""


class SyncItems(_Items[SyncHTTP], Generic[T]):
    """Every item of a multi-request listing, fetched lazily: ``for item in items``.

    Each iteration runs the operation afresh from its first request; ``to_list()`` collects
    the items (or the first ``limit``, fetching only the requests needed)."""

    def __iter__(self) -> Iterator[T]:
        return stream(self._http, self._options, self._program(), self._finished)

    def to_list(self, limit: int | None = None) -> builtins.list[T]:
        """All items (or the first ``limit``), fetching only the requests needed."""
        return builtins.list(itertools.islice(self, limit if limit is None else max(limit, 0)))


class AsyncItems(_Items[AsyncHTTP], Generic[T]):
    """Every item of a multi-request listing, fetched lazily: ``async for item in items``.

    Each iteration runs the operation afresh from its first request; ``to_list()`` collects
    the items (or the first ``limit``, fetching only the requests needed)."""

    def __aiter__(self) -> AsyncIterator[T]:
        return astream(self._http, self._options, self._program(), self._finished)

    async def to_list(self, limit: int | None = None) -> builtins.list[T]:
        """All items (or the first ``limit``), fetching only the requests needed."""
        out: builtins.list[T] = []
        if limit is not None and limit <= 0:
            return out
        async for item in self:
            out.append(item)
            if len(out) == limit:
                break
        return out
