"""Bridge operations written once, run with sync or async clients.

An operation is a generator (a *program*) that yields `Do` effects and receives their
results (or, thrown in, their exceptions). A ``Do`` names the side it talks to and a function
of that side's client. Because the sync and async SDK surfaces are identical, the same function
works on both: called with a sync client it returns the value, with an async client an
awaitable (or an async iterator, which the async runner collects). Only the two runners below
differ; every decision lives in the program.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from typing import Any, Literal, TypeVar

import attrs

__all__ = ["Do", "Program", "arun", "run"]

R = TypeVar("R")
Side = Literal["ghl", "ninox"]


@attrs.frozen
class Do:
    """Call ``fn`` with the ``side``'s client; ``collect=True`` turns an iterator result
    (sync or async) into a list."""

    side: Side
    fn: Callable[[Any], Any]
    collect: bool = False


Program = Generator[Do, Any, R]


def run(program: Program[R], clients: Mapping[Side, Any]) -> R:
    """Run ``program`` with sync clients (``{"ghl": GHLClient, "ninox": DatabaseHandle}``)."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = program.throw(error) if error is not None else program.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, error = None, None
        try:
            value = step.fn(clients[step.side])
            if step.collect:
                value = list(_sync_iter(value))
        except Exception as exc:  # handed back to the program, which decides
            error = exc


async def arun(program: Program[R], clients: Mapping[Side, Any]) -> R:
    """Run ``program`` with async clients (``AsyncGHLClient``, ``AsyncDatabaseHandle``)."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = program.throw(error) if error is not None else program.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        value, error = None, None
        try:
            value = step.fn(clients[step.side])
            if inspect.isawaitable(value):
                value = await value
            if step.collect:
                value = [item async for item in _async_iter(value)]
        except Exception as exc:
            error = exc


def _sync_iter(value: Any) -> Iterator[Any]:
    return iter(value)


async def _async_iter(value: Any) -> AsyncIterator[Any]:
    if hasattr(value, "__aiter__"):
        async for item in value:
            yield item
    else:
        for item in value:
            yield item
