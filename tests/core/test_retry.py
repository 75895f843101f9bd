"""The retry decision as a table, with a fixed random source and a fake clock."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from _sdkcore.retry import Failure, RetryPolicy, backoff, decide, parse_retry_after

POLICY = RetryPolicy(max_retries=3, base_delay=0.5, max_delay=8.0, max_retry_after=60.0)


def half() -> float:
    return 0.5


@pytest.mark.parametrize(
    ("method", "status", "failure", "idempotent", "expected"),
    [
        # idempotent methods retry on every retryable status and transport failure
        ("GET", 500, None, None, 0.25),
        ("GET", 502, None, None, 0.25),
        ("PUT", 503, None, None, 0.25),
        ("DELETE", 504, None, None, 0.25),
        ("GET", 429, None, None, 0.25),
        ("GET", None, Failure.CONNECT, None, 0.25),
        ("GET", None, Failure.MAYBE_SENT, None, 0.25),
        # non-retryable statuses stop at once
        ("GET", 400, None, None, None),
        ("GET", 401, None, None, None),
        ("GET", 404, None, None, None),
        ("GET", 422, None, None, None),
        ("GET", 501, None, None, None),
        # POST only when the server cannot have acted on it
        ("POST", 500, None, None, None),
        ("POST", 503, None, None, None),
        ("POST", None, Failure.MAYBE_SENT, None, None),
        ("POST", None, Failure.CONNECT, None, 0.25),
        ("POST", 429, None, None, 0.25),
        ("PATCH", 502, None, None, None),
        # ... unless the endpoint is declared idempotent (e.g. an upsert)
        ("POST", 500, None, True, 0.25),
        ("POST", None, Failure.MAYBE_SENT, True, 0.25),
        # and a PUT declared non-idempotent is treated like POST
        ("PUT", 500, None, False, None),
    ],
)
def test_decision_table(
    method: str,
    status: int | None,
    failure: Failure | None,
    idempotent: bool | None,
    expected: float | None,
) -> None:
    wait = decide(
        POLICY,
        retry=0,
        method=method,
        idempotent=idempotent,
        status=status,
        failure=failure,
        rand=half,
    )
    assert wait == expected


def test_budget_is_exhausted_after_max_retries() -> None:
    waits = [decide(POLICY, retry=r, method="GET", status=503, rand=half) for r in range(5)]
    assert waits == [0.25, 0.5, 1.0, None, None]


def test_zero_max_retries_disables_retries() -> None:
    policy = RetryPolicy(max_retries=0)
    assert decide(policy, retry=0, method="GET", status=503, rand=half) is None
    assert decide(policy, retry=0, method="GET", failure=Failure.CONNECT, rand=half) is None


def test_backoff_is_exponential_capped_with_full_jitter() -> None:
    assert [backoff(POLICY, r, lambda: 1.0) for r in range(7)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        8.0,
        8.0,
    ]
    assert backoff(POLICY, 3, lambda: 0.0) == 0.0  # full jitter reaches zero


def test_server_wait_is_honoured_up_to_the_cap() -> None:
    assert decide(POLICY, retry=0, method="GET", status=429, server_wait=7.0) == 7.0
    assert decide(POLICY, retry=0, method="POST", status=429, server_wait=0.0) == 0.0
    # a wait longer than the cap is not slept through: the caller gets the error
    assert decide(POLICY, retry=0, method="GET", status=429, server_wait=61.0) is None


NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "5"}, 5.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after": "-3"}, 0.0),
        (
            {
                "retry-after": format_datetime(
                    datetime(2026, 1, 1, 12, 0, 30, tzinfo=timezone.utc), usegmt=True
                )
            },
            30.0,
        ),
        ({"retry-after": "Thu, 01 Jan 2026 11:59:00 GMT"}, 0.0),  # in the past
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


def test_policy_rejects_negative_settings() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
