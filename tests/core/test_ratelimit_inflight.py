"""Slots count until their response returns; after a 429 the wait is until a slot frees.

Everything runs on a fake clock: no test sleeps or measures wall time.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import random
import weakref
from collections import deque

import httpx
import pytest

from _sdkcore._http import HTTPConfig, RequestSpec, SyncHTTP
from _sdkcore.ratelimit import RateLimiter, Window, sent_by
from ghlsdk._ratelimit import RateLimitTracker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_slot_counts_until_one_period_after_its_response() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(2, 10.0)], clock=clock)
    assert limiter.acquire("k") == 0.0
    clock.now += 1.0
    limiter.release("k")  # the first response is back at t+1: its slot returns at t+11
    assert limiter.acquire("k") == 0.0  # in flight until released
    assert limiter.acquire("k") == pytest.approx(10.0)  # queued behind the first slot
    clock.now += 2.0
    limiter.release("k")  # the second is back at t+3: returns at t+13
    # the fourth queues behind the second; the third, still in flight, counts after that
    assert limiter.acquire("k") == pytest.approx(10.0)
    assert limiter.remaining("k") == 0


def test_with_every_slot_in_flight_nothing_frees_before_a_period() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(2, 10.0)], clock=clock)
    limiter.acquire()
    limiter.acquire()
    assert limiter.acquire() == 10.0


def test_count_from_start_is_a_plain_pace() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(1, 0.5)], clock=clock, count_until_response=False)
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == 0.5
    limiter.release()  # a no-op in this mode
    clock.now += 1.0
    assert limiter.acquire() == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_no_window_edge_is_overrun_as_the_server_counts(seed: int) -> None:
    """Requests arrive some time after their slot is taken and answer later still; a server
    counting arrivals in a sliding window never sees more than the limit."""
    rng = random.Random(seed)
    clock = Clock()
    limit, period = 5, 1.0
    limiter = RateLimiter([Window(limit, period)], clock=clock)
    events: list[tuple[float, str]] = []  # (time, "send" | "arrive" | "done")
    arrivals: list[float] = []
    started = 0

    def start() -> None:
        nonlocal started
        started += 1
        events.append((clock.now + limiter.acquire(), "send"))

    for _ in range(4):  # four concurrent callers, 40 requests
        start()
    while events:
        events.sort()
        when, kind = events.pop(0)
        clock.now = max(clock.now, when)
        if kind == "send":
            up = rng.uniform(0.0, 0.3)
            events.append((clock.now + up, "arrive"))
        elif kind == "arrive":
            arrivals.append(clock.now)
            events.append((clock.now + rng.uniform(0.0, 0.3), "done"))
        else:
            limiter.release()
            if started < 40:
                start()
    assert len(arrivals) == 40
    for t in arrivals:
        assert sum(1 for a in arrivals if t <= a < t + period) <= limit


def _two_slots_one_returned() -> RateLimiter:
    """Our first slot returned at 1011, just after our second request was sent (1010.8)."""
    clock = Clock()
    limiter = RateLimiter([Window(2, 10.0)], clock=clock)
    limiter.acquire("k")
    clock.now += 1.0
    limiter.release("k")  # returns at 1011
    clock.now = 1010.8
    limiter.acquire("k")
    clock.now = 1011.2
    limiter.release("k")  # returns at 1021.2
    return limiter


def test_own_returned_slots_are_not_mistaken_for_other_clients() -> None:
    limiter = _two_slots_one_returned()
    # The report describes the moment the request arrived (sent 0.4 s ago), when the first
    # slot may still have counted: remaining=0 is explained by our own two slots.
    limiter.learn("k", period=10.0, remaining=0, age=0.4)
    assert limiter.remaining("k") == 1
    # a report that our slots cannot explain is someone else's requests
    limiter.learn("k", period=10.0, remaining=0)
    assert limiter.remaining("k") == 0


def test_after_a_429_the_retry_waits_for_the_oldest_slot_not_a_full_window() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(3, 10.0)], clock=clock)
    tracker = RateLimitTracker(limiter)
    # (status, X-RateLimit-Remaining): another client takes the third slot, hence the 429
    answers = iter([(200, "2"), (200, "1"), (429, "0"), (200, "0")])
    sent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(clock.now)
        clock.now += 1.0  # each answer takes a second
        status, remaining = next(answers)
        return httpx.Response(status, headers={"x-ratelimit-remaining": remaining}, json={})

    config = HTTPConfig(
        base_url="https://x.test",
        limiter=limiter,
        observe=tracker.observe,
        server_wait=tracker.server_wait,
    )
    http = SyncHTTP(
        config, http_client=httpx.Client(transport=httpx.MockTransport(handler)), sleep=clock.sleep
    )
    spec = RequestSpec(method="GET", path="/a", rate_key="k")
    http.send(spec)
    http.send(spec)
    http.send(spec)  # 429 (another client used the third slot), then retried
    assert sent[:3] == [1000.0, 1001.0, 1002.0]
    # the 429 told the window is full; our oldest slot returns at 1001 + 10 = 1011
    assert sent[3] == pytest.approx(1011.0)
    # The retry's "remaining 0" is explained by our own slots in use when it was sent (the
    # mock does not time responses: the limiter goes by the retry's start, 1011): nothing
    # unseen is added. Our refused third slot counts until 1013, the retry's until 1022.
    assert list(limiter._for("k")[0].returns) == [1013.0, 1022.0]
    assert limiter.remaining("k") == 1


def test_server_wait_after_a_429() -> None:
    request = httpx.Request("GET", "https://x.test/")
    bare = httpx.Response(429, request=request)
    told = httpx.Response(429, headers={"retry-after": "3"}, request=request)
    with_limiter = RateLimitTracker(RateLimiter([Window(100, 10.0)]))
    without = RateLimitTracker(None)
    assert with_limiter.server_wait(bare) == 0.0  # the limiter decides the wait
    assert with_limiter.server_wait(told) == 3.0
    assert without.server_wait(bare) == 10.0  # no slots to go by: one window


def test_a_slot_is_given_back_when_sending_fails() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(5, 10.0)], clock=clock)

    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")  # not a transport error: escapes the loop

    http = SyncHTTP(
        HTTPConfig(base_url="https://x.test", limiter=limiter),
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=clock.sleep,
    )
    with pytest.raises(RuntimeError):
        http.send(RequestSpec(method="GET", path="/a", rate_key="k"))
    budget = limiter._for("k")[0]
    assert budget.in_flight == 0
    assert list(budget.returns) == [1010.0]


@pytest.mark.parametrize(
    ("now", "age", "own_start", "expected"),
    [
        (100.0, 2.0, None, 98.0),  # timed response: sent `age` ago
        (100.0, 2.0, 97.0, 98.0),  # the timing wins over the slot's start
        (100.0, -1.0, None, 100.0),  # a negative age is no age
        (100.0, None, 97.5, 97.5),  # untimed: the start of this context's slot
        (100.0, None, 101.0, 100.0),  # a start still ahead: no later than now
        (100.0, None, None, 100.0),  # nothing known: now
    ],
)
def test_sent_by(now: float, age: float | None, own_start: float | None, expected: float) -> None:
    assert sent_by(now, age, own_start) == expected


def test_an_untimed_report_is_compared_with_the_slots_in_use_at_our_send() -> None:
    limiter = _two_slots_one_returned()
    # The response was not timed (age=None): the limiter goes by the start of the slot this
    # context took, 1010.8, when both of our slots counted: "remaining 0" is ours.
    limiter.learn("k", period=10.0, remaining=0, age=None)
    assert list(limiter._for("k")[0].returns) == [1021.2]
    assert limiter.remaining("k") == 1


def test_an_untimed_report_from_another_context_falls_back_to_now() -> None:
    limiter = _two_slots_one_returned()
    # Another thread or task has no slot of its own here: compared with now, one request is
    # unexplained, and counted as someone else's until one period from now.
    contextvars.Context().run(limiter.learn, "k", period=10.0, remaining=0, age=None)
    assert sorted(limiter._for("k")[0].returns) == [1021.2, 1021.2]
    assert limiter.remaining("k") == 0


def test_each_task_remembers_its_own_slot() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(5, 10.0)], clock=clock)
    seen: dict[str, float | None] = {}

    async def caller(name: str, wait: float) -> None:
        limiter.acquire("k")
        await asyncio.sleep(wait)  # the other task acquires meanwhile
        attempt = limiter._attempt("k", in_flight=True)
        seen[name] = None if attempt is None else attempt[2]
        limiter.release("k")

    async def main() -> None:
        first = asyncio.ensure_future(caller("a", 0.02))
        await asyncio.sleep(0.005)
        clock.now += 3.0
        await asyncio.gather(first, caller("b", 0.0))

    asyncio.run(main())
    assert seen == {"a": 1000.0, "b": 1003.0}
    assert limiter._for("k")[0].starts == deque()


def test_two_slots_in_flight_in_one_context_are_not_told_apart() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(5, 10.0)], clock=clock)
    limiter.acquire("k")
    clock.now += 1.0
    limiter.acquire("k")  # the first is still in flight: neither start is remembered
    assert limiter._attempt("k") == (limiter._ref, "k", None, True)
    limiter.release("k")  # the oldest start goes
    assert list(limiter._for("k")[0].starts) == [1001.0]


@pytest.mark.parametrize("seed", range(3))
def test_own_traffic_at_the_limit_is_never_counted_twice(seed: int) -> None:
    """A sequential client at the limit, against a server that counts a request when it
    arrives (after an uplink delay) and answers later, on a transport that does not time
    responses: every report is explained by our own slots, so the limiter never adds a slot
    of its own invention (which would idle a slot for a whole window)."""
    rng = random.Random(seed)
    clock = Clock()
    limit, period = 5, 1.0
    limiter = RateLimiter([Window(limit, period)], clock=clock)
    tracker = RateLimitTracker(limiter)
    arrivals: list[float] = []
    answered: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        clock.now += rng.uniform(0.0, 0.2)  # on the way
        arrivals.append(clock.now)
        used = sum(1 for a in arrivals if a > clock.now - period)
        clock.now += rng.uniform(0.0, 0.2)  # the answer
        answered.append(clock.now)
        headers = {
            "x-ratelimit-remaining": str(max(0, limit - used)),
            "x-ratelimit-max": str(limit),
            "x-ratelimit-interval-milliseconds": str(int(period * 1000)),
        }
        return httpx.Response(200 if used <= limit else 429, headers=headers, json={})

    http = SyncHTTP(
        HTTPConfig(
            base_url="https://x.test",
            limiter=limiter,
            observe=tracker.observe,
            server_wait=tracker.server_wait,
        ),
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=clock.sleep,
    )
    budget = limiter._for("k")[0]
    for _ in range(30):
        http.send(RequestSpec(method="GET", path="/a", rate_key="k"))
        ours = sum(1 for t in answered if t + period > clock.now)
        assert len(budget.returns) == ours
    assert len(arrivals) == 30  # no 429, nothing resent


def test_the_remembered_slot_does_not_keep_its_limiter_alive() -> None:
    def use() -> weakref.ref[RateLimiter]:
        limiter = RateLimiter([Window(5, 10.0)], clock=Clock())
        limiter.acquire("k")  # this context now remembers the slot
        return weakref.ref(limiter)

    gone = use()
    gc.collect()
    assert gone() is None


def test_a_plain_pace_remembers_each_start() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(5, 10.0)], clock=clock, count_until_response=False)
    limiter.acquire("k")
    clock.now += 1.0
    limiter.acquire("k")  # no release in this mode: the first is not "still in flight"
    assert limiter._attempt("k") == (limiter._ref, "k", 1001.0, False)
