"""The GHL rate limiter against FakeGHL with the burst limit enforced (no asserts; prints figures).

    .venv/bin/python benchmarks/ratelimit.py [--scale 0.1] [--calls 3000] [--workers 20]

GHL allows 100 requests per 10 s per location. 3,000 calls at that rate take about 300 s, so
the run is scaled down in time: ``--scale 0.1`` gives the fake and the client a 1 s window
(still 100 calls per window) and scales the simulated network latencies by the same factor.
Every request waits ``uplink`` seconds before it reaches the fake (which counts it then, as
GHL counts a request when it arrives) and the fake answers after ``latency`` seconds; both
are drawn per request (50-150 ms each at full scale).

Printed per limiter mode: the number of 429s the fake answered, the wall time, the floor and
their ratio (goal: 0 429s, ratio <= 1.05). The floor is the least time any client with these
workers could take against a server counting arrivals in a sliding window: the last
window's calls cannot start before ``ceil(calls / limit) - 1`` windows have passed, and
``workers`` callers need ``ceil(limit / workers)`` round trips (their mean as measured in
the run) to make them. (The steady-state figure ``calls / limit`` windows would be one window
more: a ratio against it flatters the limiter by ~3 % at 3,000 calls.) ``count from start`` is
the limiter counting a slot from when it is taken (the behaviour before issue 10), for
comparison. A second, simulated run uses a ``FakeClock`` at full scale (one sequential
client, no wall time spent).

What the limiter cannot avoid: it does not know when the server counted a request, only that
it was between sending and the answer, so a slot is used again one period after its answer:
one round trip per window, printed below each run. Time scaling shrinks the windows and the
drawn delays but not the CPU time each call costs, and a loaded event loop oversleeps the
delays, so the scaled run is harsher than real time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

import httpx

from ghlsdk import AsyncGHLClient, GHLClient, RateLimiter, Window
from ghlsdk.testing import FakeClock, FakeGHL

LIMIT, PERIOD = 100, 10.0
BASE = "https://services.leadconnectorhq.com"


class Uplink(httpx.AsyncBaseTransport):
    """Delays each request before the fake sees it (the way to the server), and records each
    round trip as it really took (a loaded event loop oversleeps the drawn delays)."""

    def __init__(self, fake: FakeGHL, delay: Any) -> None:
        self.fake, self.delay = fake, delay
        self.round_trips: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = time.monotonic()
        await asyncio.sleep(self.delay())
        response = await self.fake.handle_async_request(request)
        self.round_trips.append(time.monotonic() - sent)
        return response


class SyncUplink(httpx.BaseTransport):
    def __init__(self, fake: FakeGHL, clock: FakeClock, delay: float) -> None:
        self.fake, self.clock, self.delay = fake, clock, delay

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.clock.sleep(self.delay)
        return self.fake.handle_request(request)


def floor(calls: int, period: float, round_trip: float, workers: int = 1) -> float:
    """Least wall time for ``calls`` at ``LIMIT`` per ``period`` (see the module docstring)."""
    windows = -(-calls // LIMIT)
    last = calls - (windows - 1) * LIMIT  # calls in the last window
    return (windows - 1) * period + -(-last // workers) * round_trip


def rejected(fake: FakeGHL) -> int:
    return sum(1 for r in fake.requests if r.status == 429)


async def real_time(scale: float, calls: int, workers: int, until_response: bool) -> str:
    period = PERIOD * scale
    rng = random.Random(1)

    def network() -> float:
        return rng.uniform(0.05, 0.15) * scale

    fake = FakeGHL(
        rate_limit=True,
        burst_limit=LIMIT,
        burst_interval=period,
        latency=lambda _req: network(),
    )
    contact_id = fake.add_contact(firstName="Ada")["id"]
    limiter = RateLimiter(
        [Window(LIMIT, period), Window(200_000, 86_400.0)], count_until_response=until_response
    )
    uplink = Uplink(fake, network)
    ghl = AsyncGHLClient(
        token=fake.token,
        location_id=fake.location_id,
        http_client=httpx.AsyncClient(transport=uplink, base_url=BASE),
        rate_limiter=limiter,
        max_retries=10,
    )
    left = calls

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await ghl.contacts.get(contact_id)

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(workers)))
    wall = time.monotonic() - start
    round_trip = statistics.mean(uplink.round_trips)  # the network as it behaved
    best = floor(calls, period, round_trip, workers)
    # What a limiter that cannot know when the server counted pays: one round trip a window.
    unknowable = (-(-calls // LIMIT) - 1) * round_trip
    mode = "count until response" if until_response else "count from start    "
    return (
        f"{mode}: {rejected(fake):3d} x 429 in {len(fake.requests)} requests  "
        f"wall {wall:6.2f} s  floor {best:6.2f} s  ratio {wall / best:.3f} (goal <= 1.05)\n"
        f"    round trip {round_trip * 1000:.1f} ms measured "
        f"({0.2 * scale * 1000:.0f} ms drawn); one per window is {unknowable:.2f} s "
        f"(ratio {(best + unknowable) / best:.3f} with it)"
    )


def simulated(calls: int) -> str:
    """Full scale on a FakeClock: one sequential client, 10 ms each way."""
    clock = FakeClock()
    fake = FakeGHL(clock=clock, rate_limit=True, latency=0.01)
    contact_id = fake.add_contact(firstName="Ada")["id"]
    ghl = GHLClient(
        token=fake.token,
        location_id=fake.location_id,
        http_client=httpx.Client(transport=SyncUplink(fake, clock, 0.01), base_url=BASE),
        rate_limiter=RateLimiter([Window(LIMIT, PERIOD)], clock=clock),
        sleep=clock.sleep,
    )
    start = clock()
    for _ in range(calls):
        ghl.contacts.get(contact_id)
    wall = clock() - start
    best = floor(calls, PERIOD, 0.02)
    return (
        f"simulated, full scale: {rejected(fake)} x 429  simulated time {wall:7.1f} s  "
        f"floor {best:7.1f} s  ratio {wall / best:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="time scale (1 = real GHL)")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=20, help="concurrent callers")
    parser.add_argument("--compare", action="store_true", help="also run 'count from start'")
    args = parser.parse_args()
    print(
        f"{args.calls} calls, {LIMIT} per {PERIOD * args.scale:g} s "
        f"(scale {args.scale:g}), {args.workers} workers"
    )
    modes = (True, False) if args.compare else (True,)
    for until_response in modes:
        print(asyncio.run(real_time(args.scale, args.calls, args.workers, until_response)))
    print(simulated(args.calls))


if __name__ == "__main__":
    main()
