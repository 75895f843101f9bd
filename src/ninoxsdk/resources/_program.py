"""Multi-request operations written once, run by a sync or an async driver.

An operation that needs several requests (resolve a table name, then write in chunks; try a
bulk delete, then fall back) is a *program*: a generator that yields `Call` s and
receives their results (or, thrown in, their [`APIError`][ghlsdk.errors.APIError]). It may also
yield
`Emit` to hand items to the caller while it runs (iteration). Only the four small
drivers below differ between sync and async; every decision lives in the program.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from typing import Any, Generic, TypeVar

import attrs

from _sdkcore._http import AsyncHTTP, Call, RequestOptions, SyncHTTP
from _sdkcore.errors import APIError

__all__ = ["Emit", "Program", "arun", "astream", "run", "stream", "with_options"]

T = TypeVar("T")
R = TypeVar("R")


@attrs.frozen
class Emit(Generic[T]):
    """Items a streaming program hands to its caller."""

    items: Sequence[T]


#: A program yields Calls (or Emits), is sent each call's result, and returns its value.
Program = Generator["Call[Any] | Emit[Any]", Any, R]


def with_options(call: Call[T], options: RequestOptions | None) -> Call[T]:
    """``call`` with per-call ``options`` (timeout, retries, extra headers/query) attached."""
    if options is None:
        return call
    if not isinstance(options, RequestOptions):
        raise TypeError(f"options must be a RequestOptions, got {type(options).__name__}")
    return Call(attrs.evolve(call.spec, options=options), call.parse)


def _program_of(target: Program[R] | Call[R]) -> Program[R]:
    if isinstance(target, Call):
        return _single(target)
    return target


def _single(call: Call[R]) -> Program[R]:
    result: R = yield call
    return result


def _step(program: Program[Any], value: Any, error: BaseException | None) -> Any:
    return program.throw(error) if error is not None else program.send(value)


def run(http: SyncHTTP, options: RequestOptions | None, target: Program[R] | Call[R]) -> R:
    """Run a non-streaming program (or one call) with the sync client."""
    program = _program_of(target)
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = _step(program, value, error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, error = None, None
        if isinstance(step, Emit):
            raise RuntimeError("a streaming program was run with run(); use stream()")
        try:
            value = http.execute(with_options(step, options))
        except APIError as exc:
            error = exc


async def arun(http: AsyncHTTP, options: RequestOptions | None, target: Program[R] | Call[R]) -> R:
    """Run a non-streaming program (or one call) with the async client."""
    program = _program_of(target)
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = _step(program, value, error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, error = None, None
        if isinstance(step, Emit):
            raise RuntimeError("a streaming program was run with arun(); use astream()")
        try:
            value = await http.execute(with_options(step, options))
        except APIError as exc:
            error = exc


def stream(
    http: SyncHTTP,
    options: RequestOptions | None,
    program: Program[R],
    on_done: Callable[[R], None] | None = None,
) -> Iterator[Any]:
    """Run a streaming program with the sync client, yielding every emitted item.

    ``on_done`` receives the program's return value once it finishes (not when the caller
    stops early)."""
    value: Any = None
    error: BaseException | None = None
    try:
        while True:
            try:
                step = _step(program, value, error)
            except StopIteration as stop:
                if on_done is not None:
                    on_done(stop.value)
                return
            value, error = None, None
            if isinstance(step, Emit):
                yield from step.items
                continue
            try:
                value = http.execute(with_options(step, options))
            except APIError as exc:
                error = exc
    finally:
        program.close()


async def astream(
    http: AsyncHTTP,
    options: RequestOptions | None,
    program: Program[R],
    on_done: Callable[[R], None] | None = None,
) -> AsyncIterator[Any]:
    """Run a streaming program with the async client, yielding every emitted item."""
    value: Any = None
    error: BaseException | None = None
    try:
        while True:
            try:
                step = _step(program, value, error)
            except StopIteration as stop:
                if on_done is not None:
                    on_done(stop.value)
                return
            value, error = None, None
            if isinstance(step, Emit):
                for item in step.items:
                    yield item
                continue
            try:
                value = await http.execute(with_options(step, options))
            except APIError as exc:
                error = exc
    finally:
        program.close()
