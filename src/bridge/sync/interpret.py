"""The two interpreters: run a program's effects with sync clients, or with async ones.

Everything else is written once. [`Together`][bridge.sync.interpret.Together] runs two
programs side by side: GHL reads beside Ninox writes, each under its own service's budget. The
async interpreter runs them as two tasks; the sync one steps both programs on the calling
thread and runs their effects (requests, rate-limit waits, state writes) on two worker
threads, so a program's code never runs on two threads at once, as in async where a state
write runs on a worker thread while the event loop steps the other program.

An exception an effect raises is thrown into the program, which decides; a
``BaseException`` (``KeyboardInterrupt``, cancellation, a crash) is not: it propagates at
once, and the program is closed right there (its ``finally`` blocks run now, not later from
garbage collection).
"""

from __future__ import annotations

import queue
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
        programs: tuple[Program[Any], Program[Any]] = (self.first, self.second)
        results: list[Any] = [None, None]
        workers = _Workers(c)

        def advance(index: int, value: Any, error: Exception | None) -> None:
            """Step one program to its next effect (handed to its worker) or its result."""
            program = programs[index]
            try:
                effect = program.throw(error) if error is not None else program.send(value)
            except StopIteration as stop:
                results[index] = stop.value
                return
            workers.submit(index, effect)

        try:
            advance(0, None, None)
            advance(1, None, None)
            while workers.running:
                index, value, error = workers.answer()
                if error is not None and not isinstance(error, Exception):
                    raise error  # a crash or an interrupt: as it is, at once
                advance(index, value, error)
        finally:
            workers.stop()  # nothing of it runs after it: an effect in flight finishes
            for program in programs:
                program.close()
        return results[0], results[1]

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


class _Workers:
    """Two threads for a sync Together, each running one program's effects in order; their
    answers come back through one queue, to the thread that steps the programs."""

    def __init__(self, clients: Clients) -> None:
        self._clients = clients
        self._answers: queue.SimpleQueue[tuple[int, Any, BaseException | None]] = (
            queue.SimpleQueue()
        )
        self._inboxes: list[queue.SimpleQueue[Effect[Any] | None]] = [
            queue.SimpleQueue(),
            queue.SimpleQueue(),
        ]
        self._threads = [
            threading.Thread(target=self._work, args=(i,), name=f"ghl-ninox-together-{i}")
            for i in (0, 1)
        ]
        #: Effects handed out whose answer has not been taken yet.
        self.running = 0
        for thread in self._threads:
            thread.start()

    def submit(self, index: int, effect: Effect[Any]) -> None:
        self._inboxes[index].put(effect)
        self.running += 1

    def answer(self) -> tuple[int, Any, BaseException | None]:
        """The next effect to finish: its program, its value, what it raised."""
        answer = self._answers.get()
        self.running -= 1
        return answer

    def stop(self) -> None:
        """Let the effects in flight finish, then end both threads."""
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self, index: int) -> None:
        _WORKER.together = True
        while (effect := self._inboxes[index].get()) is not None:
            try:
                self._answers.put((index, effect.run(self._clients), None))
            except BaseException as exc:  # the stepping thread decides
                self._answers.put((index, None, exc))
