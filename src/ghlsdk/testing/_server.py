"""The server core of FakeGHL: the httpx transport entry points and the request pipeline
(record, authenticate, rate-limit, pick a fault, run the route, answer); the request log and
the faults are the shared kit's."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from _sdkcore.testing import record
from ghlsdk.testing._base import (
    _REASONS,
    CALENDARS_VERSION,
    _Admission,
    _ApiError,
    _Ctx,
    _Token,
)
from ghlsdk.testing._events import EventsMixin
from ghlsdk.testing._routes import FORM_SECRETS, OPERATIONS, Route, clean_path, match

__all__ = ["ServerMixin"]

#: POST operations that change nothing (their answers are served from the query cache).
_READ_ONLY_POSTS = frozenset({"search-contacts-advanced", "task-search"})


class ServerMixin(EventsMixin):
    """Transport, pipeline and rate limit."""

    _service = "FakeGHL"

    @property
    def _operations(self) -> Collection[str]:
        return OPERATIONS

    def _on_reset(self) -> None:
        """``reset_counters`` clears [`events`][ghlsdk.testing.FakeGHL.events] too."""
        self._events.clear()

    def rate_limit_remaining(self, location_id: str | None = None) -> int:
        """Requests left in the current burst window for a location (enforced mode)."""
        with self._lock:
            loc = location_id or self.location_id
            return self.burst_limit - len(self._window(loc, self.clock()))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """httpx.BaseTransport: answer one request."""
        body = request.read()
        adm = self._admit(request, body)
        if adm.delay > 0:
            self._sleep(adm.delay)
        return self._complete(request, adm)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx.AsyncBaseTransport: answer one request (latency waited with an async sleep)."""
        body = await request.aread()
        adm = self._admit(request, body)
        if adm.delay > 0:
            await self._async_sleep(adm.delay)
        return self._complete(request, adm)

    def close(self) -> None:
        """Nothing to release (the fake keeps its state after a client closes)."""

    async def aclose(self) -> None:
        """Nothing to release (the fake keeps its state after a client closes)."""

    def _admit(self, request: httpx.Request, raw_body: bytes) -> _Admission:
        """Record the request, check auth, version and rate limit, pick a fault."""
        path = clean_path(request.url.raw_path)
        rec, body, bad_json = record(
            request, raw_body, path=path, at=self.clock(), form_secrets=FORM_SECRETS
        )
        route, params = match(rec.method, path)
        if route is not None:
            rec.operation = route.operation
            rec.path_params = params
        adm = _Admission(rec=rec)
        with self._lock:
            self._log_request(rec)
            now = self.clock()
            token = self._token_of(request)
            location = self.location_id
            if token is not None:
                location = token.location_id or token.company_id or self.location_id
            try:
                if route is None or route.kind != "token":
                    self._check_credentials(request, token, route, now)
                    adm.headers = self._take_rate_slot(location, now)
                else:  # the token endpoint is not rate limited per location
                    adm.headers = self._rate_headers(location, now)
                if route is None:
                    raise _ApiError(404, f"Cannot {rec.method} {path}")
                if bad_json:
                    raise _ApiError(400, "Unexpected token in JSON body")
            except _ApiError as err:
                if not adm.headers:
                    adm.headers = self._rate_headers(location, now)
                adm.response = self._error_response(request, err, adm.headers)
                rec.status = err.status
            else:
                ctx_location = location if token is None else (token.location_id or "")
                adm.ctx = _Ctx(rec, ctx_location, params, rec.query, body)
                adm.ctx.token = token
                adm.handler = getattr(self, route.handler)
                adm.fault = self._take_fault(rec)
        adm.delay = self._delay_for(rec, adm.fault)
        return adm

    def _check_credentials(
        self, request: httpx.Request, token: _Token | None, route: Route | None, now: float
    ) -> None:
        """401 for a missing, unknown or expired token, a bad Version, or the wrong token
        kind or scope for the route."""
        if token is None:
            auth = request.headers.get("authorization")
            if not auth or not auth.lower().startswith("bearer ") or not auth[7:].strip():
                raise _ApiError(401, "Invalid JWT")
            raise _ApiError(401, "Invalid token: access token is invalid")
        if token.expires_at is not None and now >= token.expires_at:
            # The wording for an expired token is UNCONFIRMED; "Invalid JWT" is what is seen.
            raise _ApiError(401, "Invalid JWT")
        version = request.headers.get("version")
        if version is None:
            raise _ApiError(401, "version header was not found.")
        accepted = self.accepted_versions
        if route is not None and route.version == CALENDARS_VERSION:
            accepted = self.calendar_versions
        if version not in accepted:
            raise _ApiError(401, "version header is invalid")
        if route is None:
            return
        if route.kind == "agency" and token.user_type != "Company":
            raise _ApiError(401, "Token's user type mismatch!")
        if route.kind == "location" and token.location_id is None:
            raise _ApiError(401, "The token is not authorized for this scope.")
        if token.scopes is not None and route.scope not in token.scopes:
            raise _ApiError(401, "The token is not authorized for this scope.")

    def _complete(self, request: httpx.Request, adm: _Admission) -> httpx.Response:
        """Carry out the request (unless a fault stops it first) and build the answer."""
        if adm.response is not None:
            return adm.response
        fault = adm.fault
        failing = fault is not None and fault.fails
        if fault is not None and failing and not fault.after_write:
            return self._fault_response(request, adm.rec, fault, adm.headers)
        assert adm.handler is not None
        assert adm.ctx is not None
        with self._lock:
            self._pending = []
            try:
                if adm.rec.method != "GET" and adm.rec.operation not in _READ_ONLY_POSTS:
                    self._changed()  # cached query results may be stale after any write
                status, payload = adm.handler(adm.ctx)
            except _ApiError as err:
                adm.rec.status = err.status
                response = self._error_response(request, err, adm.headers)
            else:
                adm.rec.status = status
                response = httpx.Response(
                    status, json=payload, headers=adm.headers, request=request
                )
            events, self._pending = self._pending, []
        self._dispatch(events)
        if fault is not None and failing:
            return self._fault_response(request, adm.rec, fault, adm.headers)
        return response

    def _error_response(
        self, request: httpx.Request, err: _ApiError, headers: Mapping[str, str]
    ) -> httpx.Response:
        return httpx.Response(
            err.status,
            json=self._envelope(err),
            headers={**headers, **err.headers},
            request=request,
        )

    def _envelope(self, err: _ApiError) -> dict[str, Any]:
        """The API's error body: ``{statusCode, message, error}`` (+ ``traceId`` on 400/422)."""
        body: dict[str, Any] = {"statusCode": err.status, "message": err.message}
        reason = _REASONS.get(err.status)
        if reason:
            body["error"] = reason
        body.update(err.extra)
        if err.status in (400, 422):
            body.setdefault("traceId", self._trace_id())
        return body

    def _error_body(self, status: int, message: str | None) -> Any:
        """A status fault's body: the error envelope (``message`` default: the reason)."""
        with self._lock:
            return self._envelope(_ApiError(status, message or _REASONS.get(status, "Error")))

    def _token_of(self, request: httpx.Request) -> _Token | None:
        auth = request.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self._tokens.get(value.strip())

    def _window(self, location: str, now: float) -> deque[float]:
        window = self._windows.setdefault(location, deque())
        # A request at t stops counting at t + interval (a hair of slack for float error, so
        # a client that waits exactly until then is not refused).
        while window and window[0] + self.burst_interval <= now + 1e-9:
            window.popleft()
        return window

    def _day_count(self, location: str, now: float) -> tuple[str, int]:
        day = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y-%m-%d")
        stored = self._daily.get(location)
        return (day, stored[1]) if stored and stored[0] == day else (day, 0)

    def _rate_headers(self, location: str, now: float) -> dict[str, str]:
        remaining = self.burst_limit
        daily_remaining = self.daily_limit
        if self.rate_limit:
            remaining = max(0, self.burst_limit - len(self._window(location, now)))
            daily_remaining = max(0, self.daily_limit - self._day_count(location, now)[1])
        return {
            "X-RateLimit-Limit-Daily": str(self.daily_limit),
            "X-RateLimit-Daily-Remaining": str(daily_remaining),
            "X-RateLimit-Interval-Milliseconds": str(int(self.burst_interval * 1000)),
            "X-RateLimit-Max": str(self.burst_limit),
            "X-RateLimit-Remaining": str(remaining),
        }

    def _take_rate_slot(self, location: str, now: float) -> dict[str, str]:
        """Count the request, or raise a 429 (requests refused are not counted)."""
        if not self.rate_limit:
            return self._rate_headers(location, now)
        window = self._window(location, now)
        day, used_today = self._day_count(location, now)
        retry_after: float | None = None
        if used_today >= self.daily_limit:
            midnight = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc)
            retry_after = (midnight + timedelta(days=1)).timestamp() - now
        elif len(window) >= self.burst_limit:
            retry_after = window[len(window) - self.burst_limit] + self.burst_interval - now
        if retry_after is not None:
            headers = self._rate_headers(location, now)
            if self.send_retry_after:
                headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
            raise _ApiError(429, "Too many requests", headers=headers)
        window.append(now)
        self._daily[location] = (day, used_today + 1)
        return self._rate_headers(location, now)
