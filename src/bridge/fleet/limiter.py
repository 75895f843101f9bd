"""A GHL budget shared by every process of a fleet:
[`PostgresRateLimiter`][bridge.fleet.PostgresRateLimiter].

GHL allows each location 100 requests per 10 s and 200,000 a day, whoever sends them. Workers
and webhook receivers of a fleet each hold a client; with process-local limiters, two of them
on one location would each spend the whole budget and GHL would answer 429. This limiter keeps
each location's budget in the fleet's PostgreSQL schema instead, and plugs into the GHL client's
limiter hook (``GHLClient(rate_limiter=...)``): it is a [`RateLimiter`][ghlsdk.RateLimiter]
with the same semantics, whose slots are rows.

- **Short windows** (the 10 s burst) are exact: one ``rate_slots`` row per request. A slot
  counts from when it may start until one period after its response returns
  (``release``), as in the process-local limiter. While its request is in flight the row
  carries an upper bound (``start + period + max_hold``), so the slots of a process killed
  mid-request come back on their own.
- **Long windows** (the day) count requests in 240 buckets per period (``rate_buckets``, a
  row per location, window and bucket); a request counts for its whole bucket, so the budget
  is never exceeded in any sliding window (it is spent at most one bucket later).
- Per location, one transaction at a time decides a start (a transaction-scoped advisory lock
  on the location key), so two processes never both take the last slot. Times are the
  server's clock (``clock_timestamp()``): processes on several machines agree.

What the server reports (``X-RateLimit-Remaining``) is still learned: fewer left than the rows
say means someone outside the fleet spent some; that many slots are added.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Hashable, Sequence

from bridge.fleet._db import FleetDB
from ghlsdk import DEFAULT_WINDOWS, RateLimiter, Window

__all__ = ["PostgresRateLimiter"]

#: Windows up to this long are kept slot by slot; longer ones in buckets.
SLOT_WINDOW_MAX = 600.0
#: Buckets per long window.
BUCKETS = 240


class PostgresRateLimiter(RateLimiter):
    """Per-location request budgets kept in the fleet's PostgreSQL schema (see the module).

    ``db`` is a [`FleetDB`][bridge.fleet.FleetDB] this limiter uses alone (the hot path of every
    request must not wait behind other work on the connection); ``windows`` default to GHL's;
    ``max_hold`` bounds how long a slot of a request whose response never came counts.
    """

    def __init__(
        self,
        db: FleetDB,
        windows: Sequence[Window] = DEFAULT_WINDOWS,
        *,
        max_hold: float = 120.0,
    ) -> None:
        super().__init__(windows)
        if max_hold <= 0:
            raise ValueError("max_hold must be positive")
        self.db = db
        self.max_hold = float(max_hold)
        self._held: dict[Hashable, deque[list[int]]] = {}
        self._local = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresRateLimiter({self.db.url!r}, windows={list(self.windows)!r})"

    # -- the RateLimiter interface ----------------------------------------------------------

    def acquire(self, key: Hashable = None) -> float:
        """Take a slot for ``key`` (held until `release`); seconds to wait before sending."""
        delay, slots = self._take(key, in_flight=True)
        with self._local:
            self._held.setdefault(key, deque()).append(slots)
        return delay

    def release(self, key: Hashable = None) -> None:
        """The response of a request sent with a slot from `acquire` is back: the slot returns
        one period from now (oldest slot of ``key`` first, as the process-local limiter)."""
        with self._local:
            queue = self._held.get(key)
            slots = queue.popleft() if queue else None
        if slots:
            self.db._execute(
                "UPDATE rate_slots SET in_flight=false, returns_at ="
                " GREATEST(extract(epoch from clock_timestamp()), starts_at) + period"
                " WHERE slot_id = ANY(%s::bigint[])",
                (slots,),
            )

    def reserve(self, key: Hashable = None) -> float:
        """Take a slot counted from its start for one period; seconds to wait."""
        return self._take(key, in_flight=False)[0]

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
        """The server had ``remaining`` requests left in its window of ``period`` seconds when
        it counted the request sent ``age`` seconds ago: slots it counted that no process of
        the fleet holds are added, returning after ``free_in`` (else one period). ``limit``
        is not adopted: the fleet's windows are configured, the same for every process.
        ``age=None`` (an untimed response, e.g. an in-process transport) teaches nothing: the
        report cannot be placed against the fleet's slots, and comparing it with the slots in
        use now would count our own requests twice."""
        if age is None:
            return
        window = min(self.windows, key=lambda w: abs(w.period - period))
        if window.period > SLOT_WINDOW_MAX:
            return  # the daily count is not taught (see ghlsdk's RateLimitTracker)
        rkey, since = _key(key), max(0.0, age)
        self.db._execute(
            "WITH t AS (SELECT extract(epoch from clock_timestamp())::float8 AS now)"
            " INSERT INTO rate_slots (rate_key, period, starts_at, returns_at, weight)"
            " SELECT %s, %s, t.now, t.now + %s, m.missing FROM t, LATERAL"
            " (SELECT GREATEST(0, %s - COALESCE(SUM(weight), 0)) - %s AS missing"
            " FROM rate_slots WHERE rate_key=%s AND period=%s"
            " AND starts_at <= t.now - %s AND returns_at > t.now - %s) m"
            " WHERE m.missing > 0",
            (
                rkey,
                window.period,
                window.period if free_in is None else min(window.period, free_in),
                window.limit,
                max(0, remaining),
                rkey,
                window.period,
                since,
                since,
            ),
        )

    def remaining(self, key: Hashable = None) -> int:
        """Requests that could start now for ``key`` without waiting (across the fleet)."""
        with self.db.transaction():
            now = self._now()
            used = [self._used(_key(key), w, now) for w in self.windows]
        return max(0, min(w.limit - u for w, u in zip(self.windows, used, strict=True)))

    # -- the shared slots ---------------------------------------------------------------------

    def _now(self) -> float:
        row = self.db._execute("SELECT extract(epoch from clock_timestamp())::float8 AS now")
        got = row.fetchone()
        assert got is not None
        return float(got["now"])

    def _take(self, key: Hashable, *, in_flight: bool) -> tuple[float, list[int]]:
        rkey = _key(key)
        db = self.db
        with db.transaction():
            db._execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("ghl-ninox rate " + rkey,)
            )
            now = self._now()
            db._execute(
                "DELETE FROM rate_slots WHERE rate_key=%s AND returns_at <= %s", (rkey, now)
            )
            frees = [self._frees(rkey, w, now) for w in self.windows]
            start = now
            pairs = list(zip(self.windows, frees, strict=True))
            while True:  # a start one window admits must fit the others: iterate to agreement
                later = max(_earliest(w, f, start) for w, f in pairs)
                if later <= start:
                    break
                start = later
            slots: list[int] = []
            for w in self.windows:
                if w.period <= SLOT_WINDOW_MAX:
                    hold = w.period + (self.max_hold if in_flight else 0.0)
                    row = db._execute(
                        "INSERT INTO rate_slots (rate_key, period, starts_at, returns_at,"
                        " in_flight) VALUES (%s,%s,%s,%s,%s) RETURNING slot_id",
                        (rkey, w.period, start, start + hold, in_flight),
                    ).fetchone()
                    assert row is not None
                    slots.append(int(row["slot_id"]))
                else:
                    size = w.period / BUCKETS
                    db._execute(
                        "INSERT INTO rate_buckets (rate_key, period, bucket, used)"
                        " VALUES (%s,%s,%s,1) ON CONFLICT (rate_key, period, bucket)"
                        " DO UPDATE SET used = rate_buckets.used + 1",
                        (rkey, w.period, math.floor(start / size) * size),
                    )
        return max(0.0, start - now), slots if in_flight else []

    def _frees(self, rkey: str, window: Window, now: float) -> list[tuple[float, int]]:
        """When each used slot of ``window`` frees (soonest first) and its weight."""
        if window.period <= SLOT_WINDOW_MAX:
            # A slot in flight frees one period after its response; not before one period
            # from now (the process-local limiter's estimate too).
            rows = self.db._query(
                "SELECT CASE WHEN in_flight THEN GREATEST(%s, starts_at) + period"
                " ELSE returns_at END AS r, weight FROM rate_slots"
                " WHERE rate_key=%s AND period=%s ORDER BY 1",
                (now, rkey, window.period),
            )
            return [(float(r["r"]), int(r["weight"])) for r in rows]
        size = window.period / BUCKETS
        self.db._execute(
            "DELETE FROM rate_buckets WHERE rate_key=%s AND period=%s AND bucket <= %s",
            (rkey, window.period, now - window.period - size),
        )
        rows = self.db._query(
            "SELECT bucket, used FROM rate_buckets WHERE rate_key=%s AND period=%s ORDER BY bucket",
            (rkey, window.period),
        )
        return [(float(r["bucket"]) + window.period + size, int(r["used"])) for r in rows]

    def _used(self, rkey: str, window: Window, now: float) -> int:
        return sum(w for at, w in self._frees(rkey, window, now) if at > now)


def _earliest(window: Window, frees: list[tuple[float, int]], at: float) -> float:
    """The earliest moment from ``at`` when ``window`` has a slot free, given when its used
    slots free (soonest first)."""
    used = sum(w for t, w in frees if t > at)
    if used < window.limit:
        return at
    need = used - window.limit + 1
    for t, w in frees:
        if t <= at:
            continue
        need -= w
        if need <= 0:
            return t
    return at  # unreachable: the weights add up to ``used``


def _key(key: Hashable) -> str:
    return "" if key is None else str(key)
