"""When to retry, and how long to wait: one pure function, shared by the sync and async loops.

`decide` takes everything it needs as arguments (including the random source and the
current time), so it is tested as a table with a fake clock.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

import attrs

__all__ = ["Failure", "RetryPolicy", "decide", "parse_retry_after"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class Failure(enum.Enum):
    """How an attempt ended without a usable response."""

    #: The connection was never established (DNS, refused, connect timeout, no free
    #: connection in the pool): the server cannot have seen the request.
    CONNECT = "connect"
    #: The request may have reached the server (read/write timeout, connection dropped while
    #: reading the response).
    MAYBE_SENT = "maybe_sent"


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a client retries.

    ``max_retries`` is the number of retries after the first attempt (0 disables retries).
    Waits grow as ``base_delay * 2**retry`` up to ``max_delay``, with full jitter (a uniform
    draw between 0 and that bound). A server's ``Retry-After`` is honoured as given when it
    is at most ``max_retry_after`` seconds; a longer one is not slept through: the error is
    raised so the caller can decide.
    """

    max_retries: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    base_delay: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    #: Statuses after which even a POST is safe to resend: the server refused the request.
    rejected_statuses: frozenset[int] = frozenset({429})


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait according to ``Retry-After`` (seconds or an HTTP-date) or
    ``retry-after-ms``; ``None`` when absent or unreadable. Never negative."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff(policy: RetryPolicy, retry: int, rand: Callable[[], float]) -> float:
    """Full-jitter exponential backoff for the ``retry``-th retry (0-based)."""
    bound = min(policy.max_delay, policy.base_delay * (2.0**retry))
    return rand() * bound


def decide(
    policy: RetryPolicy,
    *,
    retry: int,
    method: str,
    idempotent: bool | None = None,
    status: int | None = None,
    failure: Failure | None = None,
    server_wait: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` to stop and raise.

    ``retry`` counts retries already made (0 after the first attempt). ``idempotent``
    overrides the method's default (GET/PUT/DELETE/HEAD/OPTIONS are; POST/PATCH are not).
    ``status`` is the response status, or ``failure`` how the attempt failed without one.
    ``server_wait`` is the wait the server asked for (``Retry-After``), already parsed.
    """
    if retry >= policy.max_retries:
        return None
    safe_to_resend = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
    if failure is not None:
        if failure is Failure.CONNECT or safe_to_resend:
            return backoff(policy, retry, rand)
        return None
    if status is None or status not in policy.retry_statuses:
        return None
    if not safe_to_resend and status not in policy.rejected_statuses:
        return None
    if server_wait is not None:
        return server_wait if server_wait <= policy.max_retry_after else None
    return backoff(policy, retry, rand)
