"""Client-side rate limiting: keyed request budgets that learn from the server's headers.

A [`RateLimiter`][ghlsdk.RateLimiter] holds, per key (a GHL location, a Ninox API key...), one
budget per
[`Window`][ghlsdk.Window] (e.g. 100 per 10 s and 200,000 per day).
[`RateLimiter.reserve`][ghlsdk.RateLimiter.reserve] takes a
slot and returns how long the caller must wait before sending; the caller sleeps outside any
lock, with ``time.sleep`` or ``anyio.sleep``, so one implementation serves both clients.

Each budget is a token bucket whose refill is scheduled, not continuous: a slot used at time
``t`` comes back at ``t + period``. That is the strictest reading of "N per period" (a sliding
window), so the client never exceeds a server that counts in fixed or sliding windows, where a
classic continuously-refilling bucket of capacity N can send up to 2N in one window.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence

import attrs

__all__ = ["RateLimiter", "Window"]


@attrs.frozen
class Window:
    """At most ``limit`` requests in any ``period`` seconds."""

    limit: int = attrs.field(validator=attrs.validators.ge(1))
    period: float = attrs.field(validator=attrs.validators.gt(0))


class _Budget:
    """Times at which used slots return; at most ``limit`` pending."""

    __slots__ = ("limit", "period", "returns")

    def __init__(self, window: Window) -> None:
        self.limit = window.limit
        self.period = window.period
        self.returns: deque[float] = deque()

    def expire(self, now: float) -> None:
        returns = self.returns
        while returns and returns[0] <= now:
            returns.popleft()

    def earliest(self, at: float) -> float:
        """Earliest time at or after ``at`` when fewer than ``limit`` slots are pending."""
        returns = self.returns
        if len(returns) < self.limit:
            return at
        return max(at, returns[len(returns) - self.limit])

    def take(self, start: float) -> None:
        self.returns.append(start + self.period)

    def available(self, now: float) -> int:
        self.expire(now)
        return max(0, self.limit - len(self.returns))

    def learn(self, now: float, remaining: int, limit: int | None) -> None:
        if limit is not None and limit >= 1:
            self.limit = limit
        missing = self.available(now) - max(0, remaining)
        # The server has counted requests we did not see (other processes, other clients):
        # treat them as used now, so they return one period from now.
        if missing <= 0:
            return
        when = now + self.period
        returns = self.returns
        if not returns or returns[-1] <= when:
            returns.extend([when] * missing)
            return
        # Keep the deque sorted; one rebuild instead of `missing` O(n) insertions (a daily
        # window can be told about ~200,000 unseen requests at once).
        items = list(returns)
        at = bisect.bisect_right(items, when)
        items[at:at] = [when] * missing
        self.returns = deque(items)


class RateLimiter:
    """Keyed request budgets. Thread-safe; never sleeps itself."""

    def __init__(
        self,
        windows: Sequence[Window],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not windows:
            raise ValueError("a RateLimiter needs at least one Window")
        self.windows = tuple(windows)
        self._clock = clock
        self._lock = threading.Lock()
        self._budgets: dict[Hashable, list[_Budget]] = {}

    def _for(self, key: Hashable) -> list[_Budget]:
        budgets = self._budgets.get(key)
        if budgets is None:
            budgets = self._budgets[key] = [_Budget(w) for w in self.windows]
        return budgets

    def reserve(self, key: Hashable = None) -> float:
        """Take one request slot for ``key``; return the seconds to wait before sending."""
        with self._lock:
            now = self._clock()
            budgets = self._for(key)
            for b in budgets:
                b.expire(now)
            start = now
            # A start admitted by one window must also fit the others: iterate to agreement.
            while True:
                later = start  # every earliest() is >= start: the max of them, without a genexpr
                for b in budgets:
                    at = b.earliest(start)
                    if at > later:
                        later = at
                if later <= start:
                    break
                start = later
            for b in budgets:
                b.take(start)
            return max(0.0, start - now)

    def learn(
        self, key: Hashable, *, period: float, remaining: int, limit: int | None = None
    ) -> None:
        """Tell the limiter what the server reported for the window of ``period`` seconds.

        The window with the nearest period is adjusted: if the server has fewer requests left
        than we think, the difference is counted as used now. A new ``limit`` replaces ours.
        """
        with self._lock:
            budgets = self._for(key)
            target = budgets[0]  # the first with the nearest period, as min(key=...) would pick
            for b in budgets:
                if abs(b.period - period) < abs(target.period - period):
                    target = b
            target.learn(self._clock(), remaining, limit)

    def remaining(self, key: Hashable = None) -> int:
        """Requests that could start right now for ``key`` without waiting."""
        with self._lock:
            now = self._clock()
            return min(b.available(now) for b in self._for(key))
