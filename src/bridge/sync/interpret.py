"""The two interpreters: run a program's effects with sync clients, or with async ones.

Everything else is written once. [`Together`][bridge.sync.interpret.Together] runs two
programs side by side in the async interpreter (one after the other in the sync one): GHL
reads beside Ninox writes, each under its own service's budget.

An exception an effect raises is thrown into the program, which decides; a
``BaseException`` (``KeyboardInterrupt``, cancellation, a crash) is not: it propagates at
once, and the program is closed right there (its ``finally`` blocks run now, not later from
garbage collection).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

import anyio
import attrs

from bridge.sync.effects import AsyncClients, Clients, Effect, Program

__all__ = ["Together", "arun", "run"]

R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")


def run(program: Program[R], clients: Clients) -> R:
    value: Any = None
    error: Exception | None = None
    try:
        while True:
            try:
                effect = program.throw(error) if error is not None else program.send(value)
            except StopIteration as stop:
                return cast(R, stop.value)
            value, error = None, None
            try:
                value = effect.run(clients)
            except Exception as exc:  # handed to the program, which decides
                error = exc
    finally:
        program.close()


async def arun(program: Program[R], clients: AsyncClients) -> R:
    value: Any = None
    error: Exception | None = None
    try:
        while True:
            try:
                effect = program.throw(error) if error is not None else program.send(value)
            except StopIteration as stop:
                return cast(R, stop.value)
            value, error = None, None
            try:
                value = await effect.arun(clients)
            except Exception as exc:
                error = exc
    finally:
        program.close()


@attrs.frozen
class Together(Effect[tuple[A, B]], Generic[A, B]):
    """Two programs that do not depend on each other: concurrently in the async interpreter,
    ``first`` then ``second`` in the sync one. Each handles its own failures; one it does
    not handle stops the other (async: cancelled) and reaches the program that asked."""

    first: Program[A]
    second: Program[B]

    def run(self, c: Clients) -> tuple[A, B]:
        return run(self.first, c), run(self.second, c)

    async def arun(self, c: AsyncClients) -> tuple[A, B]:
        results: list[Any] = [None, None]
        failures: list[BaseException] = []
        cancelled = anyio.get_cancelled_exc_class()

        async with anyio.create_task_group() as group:

            async def one(index: int, program: Program[Any]) -> None:
                try:
                    results[index] = await arun(program, c)
                except cancelled:
                    raise
                except BaseException as exc:  # stop the other, then raise this one as it is
                    failures.append(exc)
                    group.cancel_scope.cancel()

            group.start_soon(one, 0, self.first)
            group.start_soon(one, 1, self.second)
        if failures:
            raise failures[0]
        return results[0], results[1]
