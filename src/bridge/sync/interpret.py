"""The two interpreters: run a program's effects with sync clients, or with async ones.

Everything else is written once. [`Together`][bridge.sync.interpret.Together] runs two
programs side by side: GHL reads beside Ninox writes, each under its own service's budget. The
async interpreter runs them as two tasks; the sync one drives each on a thread of its own,
which steps its program only while it holds a shared turn and runs its effects (requests,
rate-limit waits, state writes) without it. Program code thus never runs on two threads at
once, as in async, where a state write runs on a worker thread while the event loop steps
the other program.

An exception an effect raises is thrown into the program, which decides; a
``BaseException`` (``KeyboardInterrupt``, cancellation, a crash) is not: it propagates at
once, and the program is closed right there (its ``finally`` blocks run now, not later from
garbage collection).
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar, cast

import anyio
import attrs

from bridge.sync.effects import AsyncClients, Clients, Effect, Program

__all__ = ["Together", "arun", "run"]

R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")
#: Marks a sync Together's worker threads.
_WORKER = threading.local()


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
    """Two programs that do not depend on each other, run side by side. Each handles its own
    failures; one it does not handle stops the other (async: cancelled; sync: its effect in
    flight finishes, no other starts) and reaches the program that asked."""

    first: Program[A]
    second: Program[B]

    def run(self, c: Clients) -> tuple[A, B]:
        if getattr(_WORKER, "together", False):
            raise RuntimeError(
                "a Together inside a program run by a Together would run program code on two "
                "threads at once; run the inner programs one after the other"
            )
        side_by_side = _SideBySide((self.first, self.second), c)
        return side_by_side.results()

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


class _SideBySide:
    """A sync Together: each program driven by a thread of its own, stepped only while it
    holds ``_turn`` (so program code never runs on two threads at once) and running its
    effects without it (so one's request or rate-limit wait overlaps the other's work)."""

    def __init__(self, programs: tuple[Program[Any], Program[Any]], clients: Clients) -> None:
        self._programs, self._clients = programs, clients
        self._turn = threading.Lock()
        self._values: list[Any] = [None, None]
        #: What stopped a program and reaches the caller (the first one); stops the other.
        self._failures: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._drive, args=(i,), name=f"ghl-ninox-together-{i}")
            for i in (0, 1)
        ]

    def results(self) -> tuple[Any, Any]:
        try:
            for thread in self._threads:
                thread.start()
            for thread in self._threads:
                thread.join()
        except BaseException as exc:  # an interrupt while waiting: stop both, then go
            self._stop(exc)
            for thread in self._threads:
                if thread.is_alive():
                    thread.join()  # an effect in flight finishes; nothing runs after this
            raise
        finally:
            for program in self._programs:
                program.close()
        if self._failures:
            raise self._failures[0]
        return self._values[0], self._values[1]

    def _stop(self, failure: BaseException) -> None:
        with self._turn:
            self._failures.append(failure)

    def _drive(self, index: int) -> None:
        _WORKER.together = True
        program = self._programs[index]
        value: Any = None
        error: Exception | None = None
        while True:
            with self._turn:
                if self._failures:
                    return  # the other one failed: no further effect starts
                try:
                    effect = program.throw(error) if error is not None else program.send(value)
                except StopIteration as stop:
                    self._values[index] = stop.value
                    return
                except BaseException as exc:  # not handled by the program: stops the other
                    self._failures.append(exc)
                    return
            value, error = None, None
            try:
                value = effect.run(self._clients)
            except Exception as exc:  # handed to the program, which decides
                error = exc
            except BaseException as exc:  # a crash or an interrupt: as it is, at once
                self._stop(exc)
                return
