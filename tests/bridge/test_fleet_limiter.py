"""The fleet's GHL budget in PostgreSQL (`PostgresRateLimiter`): shared by limiters on
separate connections and processes, slots of a dead process come back, the server's reports
are learned, and — against FakeGHL served over HTTP, enforcing the burst limit and counting
429s — three processes on one location stay within its budget, where process-local limiters
do not."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import pytest

from bridge.fleet import FleetDB, PostgresRateLimiter
from ghlsdk import Window
from tests.bridge.fleet_support import FakeFleet, hammer

pytestmark = pytest.mark.postgres

BURST = Window(5, 2.0)


@pytest.fixture
def db(postgres_schema_url: str) -> Iterator[FleetDB]:
    with FleetDB(postgres_schema_url) as fleet:
        yield fleet


def test_limiters_on_two_connections_share_one_budget(
    db: FleetDB, postgres_schema_url: str
) -> None:
    with FleetDB(postgres_schema_url) as other:
        a = PostgresRateLimiter(db, [BURST])
        b = PostgresRateLimiter(other, [BURST])
        waits = [a.acquire("loc") for _ in range(3)] + [b.acquire("loc") for _ in range(2)]
        assert waits == [0.0] * 5
        assert a.remaining("loc") == b.remaining("loc") == 0
        assert b.acquire("other-location") == 0.0  # budgets are per location
        for limiter in (a, a, a, b, b):
            limiter.release("loc")
        # all five slots are back one period after their responses: the sixth waits for it
        assert 0.0 < a.acquire("loc") <= 2.0


def test_the_slots_of_a_process_that_died_mid_request_come_back(db: FleetDB) -> None:
    dead = PostgresRateLimiter(db, [BURST], max_hold=0.5)
    for _ in range(5):
        dead.acquire("loc")  # never released: the process died with its requests in flight
    alive = PostgresRateLimiter(db, [BURST])
    assert alive.acquire("loc") > 0  # in flight: counted...
    db._execute("UPDATE rate_slots SET returns_at = returns_at - 10")  # ...until the bound
    assert alive.acquire("loc") == 0.0


def test_requests_the_server_counted_that_no_process_holds_are_learned(db: FleetDB) -> None:
    limiter = PostgresRateLimiter(db, [BURST])
    limiter.acquire("loc")
    limiter.release("loc")
    limiter.learn("loc", period=2.0, remaining=1)  # someone outside the fleet spent three
    assert limiter.remaining("loc") == 1
    limiter.learn("loc", period=2.0, remaining=1)  # told again: nothing more is missing
    assert limiter.remaining("loc") == 1


def test_an_untimed_report_teaches_nothing(db: FleetDB) -> None:
    limiter = PostgresRateLimiter(db, [BURST])
    for _ in range(BURST.limit):
        limiter.acquire("loc")
        limiter.release("loc")
    db._execute("UPDATE rate_slots SET returns_at = returns_at - 10")  # our window has passed
    # A report of when the server counted those five, with no time on it (an in-process
    # transport): read as "now" it would add five requests nobody made.
    limiter.learn("loc", period=2.0, remaining=0, age=None)
    assert limiter.remaining("loc") == BURST.limit


def test_daily_window_is_counted_in_buckets(db: FleetDB) -> None:
    limiter = PostgresRateLimiter(db, [Window(100, 1.0), Window(3, 86_400.0)])
    assert [limiter.acquire("loc") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("loc")  # the day is spent: the slot frees in about a day
    assert 86_000 < wait <= 86_400 + 86_400 / 240


def run_hammers(fakes: FakeFleet, url: str, *, shared: bool) -> tuple[int, int]:
    """Three processes, 30 reads each, of one location at once: (calls failed, 429s)."""
    contact = next(iter(fakes.world.ghl.contacts))
    settings = fakes.settings(url)
    spawn = multiprocessing.get_context("spawn")
    go, done = spawn.Event(), spawn.Queue()
    procs = [
        spawn.Process(target=hammer, args=(settings, "loc0000", contact, 30, shared, go, done))
        for _ in range(3)
    ]
    for p in procs:
        p.start()
    fakes.world.ghl.reset_counters()
    go.set()
    failed = sum(done.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(10)
    return failed, fakes.throttled()


def test_three_processes_on_one_location_stay_within_its_budget(
    postgres_schema_url: str,
) -> None:
    fakes = FakeFleet(locations=1, ghl_contacts=1, ninox_contacts=0, burst=(10, 0.5))
    try:
        with FleetDB(postgres_schema_url):
            pass  # the fleet tables, before three processes race to create them
        assert run_hammers(fakes, postgres_schema_url, shared=True) == (0, 0)
        assert len(fakes.world.ghl.requests) == 90
        # The control: limiters of their own each spend the whole budget; the fake refuses.
        failed, throttled = run_hammers(fakes, postgres_schema_url, shared=False)
        assert throttled > 0
        assert failed == throttled
    finally:
        fakes.close()
