"""The server core of FakeGHL: the httpx transport entry points, the request pipeline
(record, authenticate, rate-limit, pick a fault, run the route, answer) and the request log."""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import httpx

from ghlsdk.testing._base import (
    _AUTH_MASK,
    _REASONS,
    CALENDARS_VERSION,
    _Admission,
    _ApiError,
    _Ctx,
    _Token,
)
from ghlsdk.testing._events import EventsMixin
from ghlsdk.testing._faults import Fault, RecordedRequest
from ghlsdk.testing._routes import Route, clean_path, is_form, mask_form, match

__all__ = ["ServerMixin"]

#: POST operations that change nothing (their answers are served from the query cache).
_READ_ONLY_POSTS = frozenset({"search-contacts-advanced", "task-search"})


class ServerMixin(EventsMixin):
    """Transport, pipeline, rate limit and the request log."""

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last
        [`reset_counters`][ghlsdk.testing.FakeGHL.reset_counters], oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def counters(self) -> dict[str, int]:
        """Requests received per operationId (``"unknown"`` for unmatched routes)."""
        with self._lock:
            return dict(self._counters)

    def count(self, operation: str | None = None, *, method: str | None = None) -> int:
        """Requests received for ``operation`` (operationId) and/or ``method``; all if none."""
        with self._lock:
            return sum(
                1
                for r in self._requests
                if (operation is None or r.operation == operation)
                and (method is None or r.method == method.upper())
            )

    def reset_counters(self) -> None:
        """Clear the request log, the counters and [`events`][ghlsdk.testing.FakeGHL.events] (state
        is kept)."""
        with self._lock:
            self._requests.clear()
            self._counters.clear()
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
        query = {k: v for k, v in request.url.params.multi_items()}
        headers = {k.lower(): v for k, v in request.headers.items()}
        if "authorization" in headers:
            headers["authorization"] = _AUTH_MASK
        body: Any = None
        form: dict[str, str] | None = None
        bad_json = False
        if raw_body and is_form(request):
            form = dict(parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True))
            body = form
        elif raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                bad_json = True
        rec = RecordedRequest(
            method=request.method.upper(),
            path=path,
            query=query,
            json=None if form is not None else body,
            headers=headers,
            form=mask_form(form) if form is not None else None,
        )
        route, params = match(rec.method, path)
        if route is not None:
            rec.operation = route.operation
            rec.path_params = params
        adm = _Admission(rec=rec)
        with self._lock:
            self._requests.append(rec)
            self._counters[rec.operation or "unknown"] += 1
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
                adm.ctx = _Ctx(rec, ctx_location, params, query, body)
                adm.ctx.token = token
                adm.handler = getattr(self, route.handler)
                for fault in self._faults:
                    if fault.active and fault.predicate(rec):
                        fault.take()
                        adm.fault = fault
                        break
                self._faults = [f for f in self._faults if f.active]
        adm.delay = self._latency_for(rec) + (adm.fault.delay if adm.fault else 0.0)
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
        failing = fault is not None and (fault.status is not None or fault.exception is not None)
        if fault is not None and failing and not fault.after_write:
            return self._fault_response(request, adm, fault)
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
            return self._fault_response(request, adm, fault)
        return response

    def _fault_response(
        self, request: httpx.Request, adm: _Admission, fault: Fault
    ) -> httpx.Response:
        if fault.exception is not None:
            adm.rec.status = None
            raise fault.make_exception(request)
        status = fault.status
        assert status is not None
        adm.rec.status = status
        headers = {**adm.headers, **(fault.headers or {})}
        if fault.body is not None:
            return httpx.Response(status, json=fault.body, headers=headers, request=request)
        err = _ApiError(status, _REASONS.get(status, "Error"))
        return self._error_response(request, err, headers)

    def _error_response(
        self, request: httpx.Request, err: _ApiError, headers: Mapping[str, str]
    ) -> httpx.Response:
        body: dict[str, Any] = {"statusCode": err.status, "message": err.message}
        reason = _REASONS.get(err.status)
        if reason:
            body["error"] = reason
        body.update(err.extra)
        if err.status in (400, 422):
            body.setdefault("traceId", self._trace_id())
        return httpx.Response(
            err.status, json=body, headers={**headers, **err.headers}, request=request
        )

    def _latency_for(self, rec: RecordedRequest) -> float:
        lat = self.latency
        value = lat(rec) if callable(lat) else lat
        return max(0.0, float(value))

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
