from __future__ import annotations

import pytest

from _sdkcore.ratelimit import RateLimiter, Window


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_up_to_the_limit_then_waits_for_the_oldest_slot() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(3, 10.0)], clock=clock)
    assert [limiter.reserve("loc") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve("loc") == 10.0
    clock.now += 4
    assert limiter.reserve("loc") == 6.0  # queued behind the previous waiter's slot


def test_never_more_than_limit_in_any_window() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(5, 1.0)], clock=clock)
    starts = []
    for _ in range(23):
        starts.append(clock.now + limiter.reserve(None))
    for s in starts:
        assert sum(1 for t in starts if s <= t < s + 1.0) <= 5
    # and it is not slower than needed: 23 requests at 5/s finish within 4 s of the first
    assert max(starts) - min(starts) == pytest.approx(4.0)


def test_keys_have_separate_budgets() -> None:
    limiter = RateLimiter([Window(1, 10.0)], clock=Clock())
    assert limiter.reserve("a") == 0.0
    assert limiter.reserve("b") == 0.0
    assert limiter.reserve("a") == 10.0


def test_all_windows_must_admit_the_request() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(2, 1.0), Window(3, 100.0)], clock=clock)
    waits = [limiter.reserve() for _ in range(4)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == 1.0  # short window full
    assert waits[3] == 100.0  # long window full


def test_learns_a_lower_remaining_from_the_server() -> None:
    clock = Clock()
    limiter = RateLimiter([Window(100, 10.0)], clock=clock)
    assert limiter.remaining("loc") == 100
    limiter.learn("loc", period=10.0, remaining=2)
    assert limiter.remaining("loc") == 2
    assert limiter.reserve("loc") == 0.0
    assert limiter.reserve("loc") == 0.0
    assert limiter.reserve("loc") == 10.0
    clock.now += 10.0
    assert limiter.remaining("loc") == 99  # learned slots came back; one reserved for t+10


def test_learn_never_raises_our_budget_and_accepts_a_new_limit() -> None:
    limiter = RateLimiter([Window(10, 10.0)], clock=Clock())
    limiter.reserve("k")
    limiter.learn("k", period=10.0, remaining=50)
    assert limiter.remaining("k") == 9
    limiter.learn("k", period=10.0, remaining=3, limit=4)
    assert limiter.remaining("k") == 3


def test_windows_are_validated() -> None:
    with pytest.raises(ValueError, match="limit"):
        Window(0, 1.0)
    with pytest.raises(ValueError, match="at least one"):
        RateLimiter([])
