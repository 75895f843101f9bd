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
#: Set on a sync Together's worker threads.
_WORKER = threading.local()
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
        answers: queue.SimpleQueue[tuple[int, Any, BaseException | None]] = queue.SimpleQueue()
        inboxes: tuple[queue.SimpleQueue[Effect[Any] | None], ...] = (
            queue.SimpleQueue(),
            queue.SimpleQueue(),
        )

        def work(index: int) -> None:
            """Run the effects one program asks for, in order, until told to stop."""
            _WORKER.together = True
            while (effect := inboxes[index].get()) is not None:
                try:
                    answers.put((index, effect.run(c), None))
                except BaseException as exc:  # the stepping thread decides
                    answers.put((index, None, exc))

        workers = [
            threading.Thread(target=work, args=(i,), name=f"ghl-ninox-together-{i}", daemon=True)
            for i in (0, 1)
        ]
        for worker in workers:
            worker.start()
        running = 0

        def advance(index: int, value: Any, error: Exception | None) -> None:
            """Step one program to its next effect (handed to its worker) or its result."""
            nonlocal running
            program = programs[index]
            try:
                effect = program.throw(error) if error is not None else program.send(value)
            except StopIteration as stop:
                results[index] = stop.value
                return
            inboxes[index].put(effect)
            running += 1

        try:
            advance(0, None, None)
            advance(1, None, None)
            while running:
                index, value, error = answers.get()
                running -= 1
                if error is not None and not isinstance(error, Exception):
                    raise error  # a crash or an interrupt: as it is, at once
                advance(index, value, error)
        finally:
            for inbox in inboxes:
                inbox.put(None)
            for worker in workers:
                worker.join()  # nothing of it runs after it: an effect in flight finishes
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
