"""GHL rate limits: the default budget, the ``X-RateLimit-*`` headers, and the hooks that
teach the shared [`RateLimiter`][ghlsdk.RateLimiter] what the server reports.

Documented budget: 100 requests per 10 s and 200,000 per day, per app per location. Each
response's headers are read into a [`RateLimitInfo`][ghlsdk.RateLimitInfo] (``ghl.rate_limit``) and
fed to the
limiter, so requests made by other processes are counted too. After a 429 the retry waits
for ``Retry-After`` when the server sends one (GHL does not document it), and then for the
limiter, which knows from the 429's ``X-RateLimit-Remaining: 0`` that the window is full and
from its own slots' times when the oldest one frees: not a blind full window. Without a
limiter the fallback is one burst window. When the daily quota is used up it does not retry
at all (and the daily count is not fed to the limiter, which would otherwise sleep for
hours).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Hashable, Mapping

import attrs
import httpx

from _sdkcore._http import RequestSpec
from _sdkcore.ratelimit import RateLimiter, Window
from _sdkcore.retry import parse_retry_after

__all__ = ["DEFAULT_WINDOWS", "RateLimitInfo", "RateLimitTracker"]

#: 100 requests per 10 seconds and 200,000 per day, per location.
DEFAULT_WINDOWS: tuple[Window, ...] = (Window(100, 10.0), Window(200_000, 86_400.0))
_DEFAULT_BURST_SECONDS = 10.0


@attrs.frozen(kw_only=True)
class RateLimitInfo:
    """The budget the server reported on its last response (``None`` where a header was
    missing). ``burst_interval`` is in seconds; ``observed_at`` is ``time.time()``."""

    burst_limit: int | None = None
    burst_remaining: int | None = None
    burst_interval: float | None = None
    daily_limit: int | None = None
    daily_remaining: int | None = None
    observed_at: float = 0.0

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo | None:
        """Read the ``X-RateLimit-*`` headers; ``None`` when none is present."""
        values = _rate_headers(headers)
        return cls._from_values(values, time.time()) if values else None

    @classmethod
    def _from_values(cls, values: Mapping[str, str], observed_at: float) -> RateLimitInfo:
        interval_ms = _int(values.get("interval-milliseconds"))
        return cls(
            burst_limit=_int(values.get("max")),
            burst_remaining=_int(values.get("remaining")),
            burst_interval=None if interval_ms is None else interval_ms / 1000.0,
            daily_limit=_int(values.get("limit-daily")),
            daily_remaining=_int(values.get("daily-remaining")),
            observed_at=observed_at,
        )


_NAMES = {
    f"x-ratelimit-{name}".encode(): name
    for name in ("max", "remaining", "interval-milliseconds", "limit-daily", "daily-remaining")
}


def _rate_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``{"remaining": "97", ...}`` from the ``X-RateLimit-*`` headers, in one pass.

    Runs on every response: ``httpx.Headers`` lookups scan every header each time, so the raw
    list is read once instead of five ``get`` calls.
    """
    raw = getattr(headers, "raw", None)
    out: dict[str, str] = {}
    if raw is None:
        for key, text in headers.items():
            name = _NAMES.get(key.lower().encode("latin-1"))
            if name is not None:
                out[name] = text
        return out
    for key, value in raw:
        name = _NAMES.get(key.lower())
        if name is not None:
            out[name] = value.decode("latin-1")
    return out


def _age(response: httpx.Response) -> float | None:
    """Seconds since ``response``'s request was sent (httpx's ``elapsed``), or ``None`` when
    httpx did not time it (a transport that hands back a response already read, such as
    ``MockTransport`` or the fakes): the limiter then goes by its own record of the send."""
    try:
        return response.elapsed.total_seconds()
    except RuntimeError:
        return None


def _int(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(float(raw.strip()))
    except ValueError:
        return None


class RateLimitTracker:
    """Shared by a client and its ``with_options`` copies: remembers the last budget per
    location and feeds the limiter (the core's ``observe``/``server_wait``/``error_note``)."""

    def __init__(self, limiter: RateLimiter | None) -> None:
        self.limiter = limiter
        self._lock = threading.Lock()
        # Raw header values per key; parsed into RateLimitInfo only when someone asks.
        self._by_key: dict[Hashable, tuple[dict[str, str], float]] = {}
        self._last: tuple[dict[str, str], float] | None = None

    def info(self, key: Hashable = None) -> RateLimitInfo | None:
        """Last budget seen for ``key`` (a location id), else the last one seen at all."""
        with self._lock:
            seen = self._by_key.get(key, self._last) if key is not None else self._last
        return None if seen is None else RateLimitInfo._from_values(*seen)

    def observe(self, spec: RequestSpec, response: httpx.Response) -> None:
        values = _rate_headers(response.headers)
        if not values:
            if response.status_code == 429 and self.limiter is not None:
                self.limiter.learn(
                    spec.rate_key,
                    period=_DEFAULT_BURST_SECONDS,
                    remaining=0,
                    age=_age(response),
                    free_in=parse_retry_after(response.headers),
                )
            return
        seen = (values, time.time())
        with self._lock:
            self._by_key[spec.rate_key] = seen
            self._last = seen
        limiter = self.limiter
        if limiter is None:  # nothing to teach: skip parsing the numbers
            return
        remaining = _int(values.get("remaining"))
        if remaining is None and response.status_code == 429:
            remaining = 0  # a 429 says the window is full, headers or not
        if remaining is not None:
            interval_ms = _int(values.get("interval-milliseconds"))
            limiter.learn(
                spec.rate_key,
                period=interval_ms / 1000.0 if interval_ms else _DEFAULT_BURST_SECONDS,
                remaining=remaining,
                limit=_int(values.get("max")),
                age=_age(response),
                free_in=parse_retry_after(response.headers)
                if response.status_code == 429
                else None,
            )
        # The daily count is reported (ghl.rate_limit) but deliberately not taught to the
        # limiter: it would make a call sleep for hours when another process used the day's
        # quota. A 429 with X-RateLimit-Daily-Remaining: 0 is raised at once instead.

    def server_wait(self, response: httpx.Response) -> float | None:
        """How long to wait before retrying ``response``; ``inf`` means "do not retry".

        After a 429: ``Retry-After`` if sent, else nothing here when there is a limiter (it
        has learned the window is full, and the next attempt waits in ``acquire`` until its
        oldest slot frees), else one burst window.
        """
        if response.status_code == 429:
            if _int(response.headers.get("x-ratelimit-daily-remaining")) == 0:
                return math.inf  # the daily quota does not come back within a retry budget
            after = parse_retry_after(response.headers)
            if after is not None:
                return after
            if self.limiter is not None:
                return 0.0
            interval_ms = _int(response.headers.get("x-ratelimit-interval-milliseconds"))
            return interval_ms / 1000.0 if interval_ms else _DEFAULT_BURST_SECONDS
        return parse_retry_after(response.headers)

    @staticmethod
    def error_note(spec: RequestSpec, response: httpx.Response) -> str:
        if (
            response.status_code == 429
            and _int(response.headers.get("x-ratelimit-daily-remaining")) == 0
        ):
            return (
                "The daily request quota for this location is used up "
                "(X-RateLimit-Daily-Remaining: 0); it was not retried. Try again after the "
                "daily reset"
            )
        return ""
