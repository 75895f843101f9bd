"""Client-side rate limiting: keyed request budgets that learn from the server's headers.

A [`RateLimiter`][ghlsdk.RateLimiter] holds, per key (a GHL location, a Ninox API key...), one
budget per
[`Window`][ghlsdk.Window] (e.g. 100 per 10 s and 200,000 per day).
[`RateLimiter.reserve`][ghlsdk.RateLimiter.reserve] takes a
slot and returns how long the caller must wait before sending; the caller sleeps outside any
lock, with ``time.sleep`` or ``anyio.sleep``, so one implementation serves both clients.

Each budget is a token bucket whose refill is scheduled, not continuous: a slot comes back one
``period`` after it was used. That is the strictest reading of "N per period" (a sliding
window), so the client never exceeds a server that counts in fixed or sliding windows, where a
classic continuously-refilling bucket of capacity N can send up to 2N in one window.

*When* a slot was used matters at the window's edges. The server counts a request from when it
arrives, which is some time after the client decided to send it (a sleep that overshoots, a
busy connection pool, the network). The HTTP loops therefore take slots with
[`acquire`][ghlsdk.RateLimiter.acquire] and give them back with
[`release`][ghlsdk.RateLimiter.release] when the response (or a transport error) returns: a
slot counts as used from its acquisition until one ``period`` after its response, which covers
every moment the server may have counted it. ``count_until_response=False`` counts a slot from
its acquisition only (a plain pace between request starts).

`acquire` remembers, in the caller's context (a ``ContextVar``: per thread, per asyncio
task), when the slot it gave may start. `release` returns exactly that slot, and `learn` told
``age=None`` (the response did not say how long it took) compares the server's report with
the slots in use at that start: the server counted the request after it, so every slot of ours
it counted was in use then, and none of ours is mistaken for someone else's request.
"""

from __future__ import annotations

import bisect
import contextvars
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import attrs

__all__ = ["RateLimiter", "Window"]


@attrs.frozen
class Window:
    """At most ``limit`` requests in any ``period`` seconds."""

    limit: int = attrs.field(validator=attrs.validators.ge(1))
    period: float = attrs.field(validator=attrs.validators.gt(0))


class _Budget:
    """Times at which used slots return (sorted), plus the slots in flight (taken, response not
    back yet: they return one period after it is)."""

    __slots__ = ("expired", "in_flight", "limit", "period", "returns", "starts")

    def __init__(self, window: Window) -> None:
        self.limit = window.limit
        self.period = window.period
        self.returns: deque[float] = deque()
        self.in_flight = 0
        # When each slot in flight may start (first in, first out): a slot never returns
        # before one period after its start, even if its caller's clock stood still.
        self.starts: deque[float] = deque()
        # Return times that passed within the last period: a server report describes the
        # moment the request arrived, when these slots were still in use (see learn).
        self.expired: deque[float] = deque()

    def add(self, when: float) -> None:
        returns = self.returns
        if not returns or returns[-1] <= when:
            returns.append(when)
        else:  # a slot reserved ahead (reserve) returns later than this one
            bisect.insort(returns, when)

    def expire(self, now: float) -> None:
        returns, expired = self.returns, self.expired
        while returns and returns[0] <= now:
            expired.append(returns.popleft())
        horizon = now - self.period
        while expired and expired[0] <= horizon:
            expired.popleft()

    def used_at(self, at: float) -> int:
        """Slots of ours that were in use at ``at`` (a moment within the last period)."""
        returns, expired = self.returns, self.expired
        live = len(returns) - bisect.bisect_right(returns, at)
        gone = len(expired) - bisect.bisect_right(expired, at)
        return self.in_flight + live + gone

    def earliest(self, at: float, now: float) -> float:
        """Earliest time at or after ``at`` when fewer than ``limit`` slots are pending (a slot
        in flight returns one period after its response: not before ``now + period``)."""
        returns = self.returns
        used = len(returns) + self.in_flight
        if used < self.limit:
            return at
        need = used - self.limit
        return max(at, returns[need] if need < len(returns) else now + self.period)

    def pop_start(self, own: float | None, now: float) -> float:
        """Forget the start of the slot in flight that returns: the caller's own (``own``,
        from its context) when known, else the oldest."""
        starts = self.starts
        if own is not None:
            try:
                starts.remove(own)
            except ValueError:
                pass
            else:
                return own
        return starts.popleft() if starts else now

    def take(self, start: float) -> None:
        self.add(start + self.period)

    def available(self, now: float) -> int:
        self.expire(now)
        return max(0, self.limit - len(self.returns) - self.in_flight)

    def learn(
        self, now: float, remaining: int, limit: int | None, at: float, free_in: float | None
    ) -> None:
        if limit is not None and limit >= 1:
            self.limit = limit
        self.expire(now)
        # Compare with what we had in use when the server counted (``at``, when the request
        # was sent: the server saw it later, when no more of ours had returned).
        missing = max(0, self.limit - self.used_at(at)) - max(0, remaining)
        # The server has counted requests we did not see (other processes, other clients):
        # treat them as used now, so they return one period from now. (Our own requests never
        # look missing: we count each of them at least as long as the server does.)
        if missing <= 0:
            return
        when = now + (self.period if free_in is None else min(self.period, free_in))
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


def sent_by(now: float, age: float | None, own_start: float | None) -> float:
    """A moment at or before the sending of the request whose response is reported ``now``:
    ``age`` seconds ago when the response was timed, else the start of the slot the caller's
    context took for it (the request went out after that), else now (nothing better known).
    The server counted the request later, so our slots in use then include all of ours it
    counted."""
    if age is not None:
        return now - max(0.0, age)
    if own_start is not None:
        return min(now, own_start)
    return now


#: The last slot `RateLimiter.acquire` gave in one context (thread or asyncio task), as
#: (limiter, key, start, in flight). The limiter is held weakly: a thread's context must not
#: keep it alive. ``start`` is None when it was acquired while an earlier slot of this context
#: was in flight. A plain tuple: this runs twice per request.
_Attempt = tuple[weakref.ref[Any], Hashable, float | None, bool]

_ATTEMPT: contextvars.ContextVar[_Attempt | None] = contextvars.ContextVar(
    "_sdkcore_rate_attempt", default=None
)


class RateLimiter:
    """Keyed request budgets. Thread-safe; never sleeps itself."""

    def __init__(
        self,
        windows: Sequence[Window],
        *,
        clock: Callable[[], float] = time.monotonic,
        count_until_response: bool = True,
    ) -> None:
        if not windows:
            raise ValueError("a RateLimiter needs at least one Window")
        self.windows = tuple(windows)
        self.count_until_response = count_until_response
        self._clock = clock
        self._lock = threading.Lock()
        self._budgets: dict[Hashable, list[_Budget]] = {}
        self._ref = weakref.ref(self)

    def _for(self, key: Hashable) -> list[_Budget]:
        budgets = self._budgets.get(key)
        if budgets is None:
            budgets = self._budgets[key] = [_Budget(w) for w in self.windows]
        return budgets

    def acquire(self, key: Hashable = None) -> float:
        """Take a slot for ``key`` and return the seconds to wait before sending with it.

        The slot counts as used from now until one period after `release` is called for it,
        when the response (or a transport error) returns. Callers that find every slot in
        use queue behind each other: each is given the time the slot before it frees (when
        every slot is in flight, one period from now: none can free sooner).
        """
        with self._lock:
            now = self._clock()
            budgets = self._for(key)
            for b in budgets:
                b.expire(now)
            start = self._start(budgets, now)
            if self.count_until_response:
                for b in budgets:
                    b.in_flight += 1
                    b.starts.append(start)
            else:
                for b in budgets:
                    b.take(start)
            # Two slots in flight at once in one context cannot be told apart: neither is
            # remembered, and release falls back to the oldest start. (Counted from its start
            # only, a slot is never released: it is not in flight.)
            overlap = self._attempt(key, in_flight=True) is not None
            _ATTEMPT.set((self._ref, key, None if overlap else start, self.count_until_response))
            return max(0.0, start - now)

    def _attempt(self, key: Hashable, *, in_flight: bool | None = None) -> _Attempt | None:
        """This context's last slot for ``key`` from this limiter (in flight or not, if asked)."""
        attempt = _ATTEMPT.get()
        if attempt is None or attempt[0] is not self._ref or attempt[1] != key:
            return None
        if in_flight is not None and attempt[3] != in_flight:
            return None
        return attempt

    @staticmethod
    def _start(budgets: list[_Budget], now: float) -> float:
        # A start admitted by one window must also fit the others: iterate to agreement.
        start = now
        while True:
            later = start  # every earliest() is >= start: the max of them, without a genexpr
            for b in budgets:
                at = b.earliest(start, now)
                if at > later:
                    later = at
            if later <= start:
                return start
            start = later

    def release(self, key: Hashable = None) -> None:
        """The response to a request sent with a slot from `acquire` has returned: the slot
        comes back one period from now."""
        if not self.count_until_response:
            return
        attempt = self._attempt(key, in_flight=True)
        own = None
        if attempt is not None:
            own = attempt[2]
            _ATTEMPT.set((attempt[0], key, own, False))
        with self._lock:
            now = self._clock()
            for b in self._for(key):
                if b.in_flight > 0:
                    b.in_flight -= 1
                    b.add(max(now, b.pop_start(own, now)) + b.period)

    def reserve(self, key: Hashable = None) -> float:
        """Take one request slot for ``key``, counted from the moment it may start; return the
        seconds to wait before sending (a queue of future starts, for callers that cannot
        tell when their request completes; the HTTP loops use `acquire`/`release`)."""
        with self._lock:
            now = self._clock()
            budgets = self._for(key)
            for b in budgets:
                b.expire(now)
            start = self._start(budgets, now)
            for b in budgets:
                b.take(start)
            return max(0.0, start - now)

    def learn(
        self,
        key: Hashable,
        *,
        period: float,
        remaining: int,
        limit: int | None = None,
        age: float | None = 0.0,
        free_in: float | None = None,
    ) -> None:
        """Tell the limiter what the server reported for the window of ``period`` seconds.

        The window with the nearest period is adjusted: if the server had fewer requests left
        than we had slots free, the difference is counted as used now. ``age`` is how long ago
        the request that brought the report was sent (the server counted at some moment since;
        comparing with our slots of now would mistake our own slots that returned meanwhile
        for someone else's requests); ``None`` when unknown: then the start of the slot this
        context last acquired for ``key`` (the request was sent after it), else now.
        ``free_in`` is when the server said those requests stop counting (a 429's
        ``Retry-After``), else one period. A new ``limit`` replaces ours.
        """
        attempt = self._attempt(key) if age is None else None
        with self._lock:
            budgets = self._for(key)
            target = budgets[0]  # the first with the nearest period, as min(key=...) would pick
            for b in budgets:
                if abs(b.period - period) < abs(target.period - period):
                    target = b
            now = self._clock()
            at = sent_by(now, age, None if attempt is None else attempt[2])
            target.learn(now, remaining, limit, at, free_in)

    def remaining(self, key: Hashable = None) -> int:
        """Requests that could start right now for ``key`` without waiting."""
        with self._lock:
            now = self._clock()
            return min(b.available(now) for b in self._for(key))
