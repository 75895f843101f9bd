"""The two interpreters: run a program's effects with sync clients, or with async ones.

Everything else is written once. An exception an effect raises is thrown into the program,
which decides; a ``BaseException`` (``KeyboardInterrupt``, cancellation, a crash) is not:
it propagates at once, and the program is closed right there (its ``finally`` blocks run
now, not later from garbage collection).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from bridge.sync.effects import AsyncClients, Clients, Program

__all__ = ["arun", "run"]

R = TypeVar("R")


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
