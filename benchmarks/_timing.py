"""Timing shared by the benchmarks: two callables compared under the same conditions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["acompare", "compare"]

# The machine may be shared: both sides run in alternating short rounds, each keeps its best
# round, and rounds are timed in CPU time of this thread (time spent descheduled is not
# counted), so both see the same conditions.
_clock = time.thread_time


def compare(
    a: Callable[[], Any], b: Callable[[], Any], number: int, rounds: int
) -> tuple[float, float]:
    """Best seconds per call of ``a`` and of ``b``."""
    a(), b()
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, fn in enumerate((a, b)):
            start = _clock()
            for _ in range(number):
                fn()
            best[i] = min(best[i], (_clock() - start) / number)
    return best[0], best[1]


async def acompare(
    a: Callable[[], Any], b: Callable[[], Any], number: int, rounds: int
) -> tuple[float, float]:
    await a(), await b()
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, fn in enumerate((a, b)):
            start = _clock()
            for _ in range(number):
                await fn()
            best[i] = min(best[i], (_clock() - start) / number)
    return best[0], best[1]
