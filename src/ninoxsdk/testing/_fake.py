"""``FakeNinox``: the in-memory server as an httpx sync + async transport, with faults,
latency, a concurrency limit and a request log."""

from __future__ import annotations

import fnmatch
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import anyio
import attrs
import httpx

from ninoxsdk.testing._server import (
    Call,
    NinoxServer,
    ScriptHandler,
    error_response,
    match_route,
    split_path,
)

__all__ = ["FakeNinox", "Fault", "RecordedRequest"]

PathPattern = str | re.Pattern[str]
ExceptionSpec = BaseException | type[BaseException]


def _path_matches(pattern: PathPattern | None, path: str, template: str | None) -> bool:
    if pattern is None:
        return True
    if isinstance(pattern, re.Pattern):
        return pattern.search(path) is not None
    if "{" in pattern:  # an endpoint template such as "/teams/{team}/.../records"
        return template == pattern
    return fnmatch.fnmatchcase(path, pattern)


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request the fake received, in completion order (see ``FakeNinox.requests``).

    ``path`` is the part after ``/v1`` (``/teams/T/databases/D/tables/A/records``),
    ``endpoint`` the matched template (``"POST /teams/{team}/.../records"``) or None.
    The ``Authorization`` header is stored redacted. ``status`` is None when the fake raised
    an exception instead of answering (``error`` names it).
    """

    method: str
    url: str
    path: str
    endpoint: str | None
    params: dict[str, str]
    headers: dict[str, str]
    content: bytes
    status: int | None
    error: str | None = None
    injected: bool = False

    def json(self) -> Any:
        """The request body parsed as JSON."""
        return json.loads(self.content)


@attrs.define(kw_only=True)
class Fault:
    """A scheduled failure (returned by
    [`FakeNinox.fail_next`][ninoxsdk.testing.FakeNinox.fail_next]).

    ``hits`` counts how often it fired; ``remaining`` is None for "until cleared".
    """

    status: int | None
    exception: ExceptionSpec | None
    remaining: int | None
    method: str | None
    path: PathPattern | None
    after_write: bool
    message: str | None
    headers: dict[str, str]
    hits: int = 0

    def matches(self, method: str, path: str, template: str | None) -> bool:
        """Whether this fault applies to a request."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return _path_matches(self.path, path, template)


class FakeNinox(NinoxServer, httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A stateful in-memory Ninox classic REST API (``/v1/teams/...``) usable as an httpx
    transport, sync and async::

        fake = FakeNinox(api_key="test-key")
        team = fake.add_team("T1", "Acme")
        db = fake.add_database(team, "db1", "CRM")
        fake.add_table(team, db, "A", "Contacts", {"A": ("Name", "string")})
        client = httpx.Client(transport=fake, base_url="https://api.ninox.com/v1")

    Any host and prefix work (public cloud, private cloud, on-premise): the path is read
    from the ``v1`` segment that precedes ``teams``. Thread-safe; one fake can serve several
    sync and async clients at once.

    Options (also writable attributes): ``user_id`` of the default key; ``now`` clock for
    timestamps; ``latency`` seconds (or ``fn(request) -> seconds``) slept before each answer
    through ``sleep``/``async_sleep`` (inject fakes in tests); ``max_concurrency`` answers
    429 beyond N requests in flight (``retry_after`` adds that header); see
    `NinoxServer` for the server behaviour switches.
    """

    def __init__(
        self,
        api_key: str = "test-api-key",
        *,
        user_id: str = "fake-user",
        now: Callable[[], datetime] | None = None,
        latency: float | Callable[[httpx.Request], float] = 0.0,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
        max_concurrency: int | None = None,
        retry_after: float | None = None,
        field_error_status: int = 500,
        validate_values: bool = True,
        batch_atomic: bool = True,
        supports_delete_many: bool = True,
        since_sq_requires_updated: bool = False,
        default_per_page: int = 100,
        max_per_page: int | None = None,
        scrambled_default_order: bool = False,
        script_handler: ScriptHandler | None = None,
        empty_script_result_as_empty_body: bool = True,
    ) -> None:
        super().__init__(
            now=now,
            field_error_status=field_error_status,
            validate_values=validate_values,
            batch_atomic=batch_atomic,
            supports_delete_many=supports_delete_many,
            since_sq_requires_updated=since_sq_requires_updated,
            default_per_page=default_per_page,
            max_per_page=max_per_page,
            scrambled_default_order=scrambled_default_order,
            script_handler=script_handler,
            empty_script_result_as_empty_body=empty_script_result_as_empty_body,
        )
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1 or None")
        self._keys: dict[str, str] = {api_key: user_id}
        self.latency = latency
        self.sleep: Callable[[float], None] = sleep or time.sleep
        self.async_sleep: Callable[[float], Awaitable[None]] = async_sleep or anyio.sleep
        self.max_concurrency = max_concurrency
        self.retry_after = retry_after
        self._faults: list[Fault] = []
        self._in_flight = 0
        #: Every request received, in completion order.
        self.requests: list[RecordedRequest] = []
        #: Requests per endpoint, keyed ``"METHOD /teams/{team}/..."`` (unknown: the raw path).
        self.calls: Counter[str] = Counter()
        #: Most requests seen in flight at the same time (after admission).
        self.max_in_flight = 0
        #: Requests refused with 429 by ``max_concurrency``.
        self.rejected = 0

    def __repr__(self) -> str:
        return f"FakeNinox(teams={len(self._teams)}, requests={len(self.requests)})"

    # -- keys -------------------------------------------------------------------------------

    def add_api_key(self, api_key: str, *, user_id: str = "fake-user") -> None:
        """Accept another key; records written with it carry ``user_id``."""
        with self._lock:
            self._keys[api_key] = user_id

    def revoke_api_key(self, api_key: str) -> None:
        """Stop accepting a key (its requests then get 401)."""
        with self._lock:
            self._keys.pop(api_key, None)

    # -- faults and counters ----------------------------------------------------------------

    def fail_next(
        self,
        status: int | None = 503,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: PathPattern | None = None,
        exception: ExceptionSpec | None = None,
        after_write: bool = False,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Make the next matching request(s) fail.

        ``status``: answer this status with ``{"message": ...}``. ``exception``: raise it
        instead (a class such as ``httpx.ReadTimeout`` is built with the request). ``times``:
        how many requests (None: until [`clear_faults`][ninoxsdk.testing.FakeNinox.clear_faults]).
        ``method``/``path`` narrow the
        match: ``path`` is a glob over the path after ``/v1`` (``"*/records"``), an endpoint
        template (``"/teams/{team}/databases/{db}/tables/{tid}/records"``) or a compiled
        regex. ``after_write=True``: the request is served first (writes applied), then the
        failure replaces the answer -- the client sees an error although the write happened.
        Faults fire before authentication and in the order they were added.
        """
        if status is None and exception is None:
            raise ValueError("fail_next needs a status or an exception")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        fault = Fault(
            status=status,
            exception=exception,
            remaining=times,
            method=method,
            path=path,
            after_write=after_write,
            message=message,
            headers=dict(headers or {}),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Drop every scheduled fault."""
        with self._lock:
            self._faults.clear()

    def reset_counters(self) -> None:
        """Clear ``requests``, ``calls``, ``max_in_flight`` and ``rejected`` (state stays)."""
        with self._lock:
            self.requests.clear()
            self.calls.clear()
            self.max_in_flight = self._in_flight
            self.rejected = 0

    def count(self, method: str | None = None, path: PathPattern | None = None) -> int:
        """How many logged requests match ``method`` and ``path`` (as in
        [`fail_next`][ninoxsdk.testing.FakeNinox.fail_next])."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method.upper())
                and _path_matches(path, r.path, r.endpoint.split(" ", 1)[1] if r.endpoint else None)
            )

    # -- transport --------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """httpx sync transport entry point."""
        request.read()
        rejected = self._enter(request)
        if rejected is not None:
            return rejected
        try:
            delay = self._delay(request)
            if delay > 0:
                self.sleep(delay)
            return self._respond(request)
        finally:
            self._leave()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx async transport entry point."""
        await request.aread()
        rejected = self._enter(request)
        if rejected is not None:
            return rejected
        try:
            delay = self._delay(request)
            if delay > 0:
                await self.async_sleep(delay)
            return self._respond(request)
        finally:
            self._leave()

    def close(self) -> None:
        """Nothing to release; the fake stays usable (state is kept)."""

    async def aclose(self) -> None:
        """Nothing to release; the fake stays usable (state is kept)."""

    def _delay(self, request: httpx.Request) -> float:
        latency = self.latency
        return float(latency(request) if callable(latency) else latency)

    def _enter(self, request: httpx.Request) -> httpx.Response | None:
        with self._lock:
            limit = self.max_concurrency
            if limit is not None and self._in_flight >= limit:
                self.rejected += 1
                headers = {}
                if self.retry_after is not None:
                    headers["retry-after"] = f"{self.retry_after:g}"
                response: httpx.Response = error_response(
                    429, "Too many parallel requests; wait for each answer", headers
                )
                route = self._route(request)
                self._log(request, route, response, None, injected=False)
                return response
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            return None

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _route(self, request: httpx.Request) -> tuple[str, str | None, str | None, dict[str, str]]:
        """``(path, template, handler, path params)``."""
        segments = split_path(request.url.raw_path)
        if segments is None:
            return request.url.path, None, None, {}
        path = "/" + "/".join(segments)
        found = match_route(request.method, segments)
        if found is None:
            return path, None, None, {}
        template, handler, params = found
        return path, template, handler, params

    def _take_fault(self, method: str, path: str, template: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, template):
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _fire(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        exc = fault.exception
        if exc is not None:
            if isinstance(exc, type):
                text = fault.message or f"{exc.__name__} injected by FakeNinox"
                if issubclass(exc, httpx.RequestError):
                    raise exc(text, request=request)
                raise exc(text)
            raise exc
        assert fault.status is not None
        message = fault.message or f"HTTP {fault.status} injected by FakeNinox"
        response: httpx.Response = error_response(fault.status, message, fault.headers)
        return response

    def _respond(self, request: httpx.Request) -> httpx.Response:
        route = self._route(request)
        path, template, handler, params = route
        fault = self._take_fault(request.method, path, template)
        response: httpx.Response | None = None
        error: BaseException | None = None
        try:
            if fault is not None and not fault.after_write:
                response = self._fire(fault, request)
                return response
            response = self._serve(request, handler, params)
            if fault is not None:
                response = self._fire(fault, request)
            return response
        except BaseException as exc:
            error = exc
            raise
        finally:
            self._log(request, route, response, error, injected=fault is not None)

    def _serve(
        self, request: httpx.Request, handler: str | None, params: dict[str, str]
    ) -> httpx.Response:
        user_id = self._authenticate(request.headers.get("authorization"))
        if user_id is None:
            answer: httpx.Response = error_response(401, "Unauthorized: invalid or missing API key")
            return answer
        if handler is None:
            answer = error_response(404, "End-point not found")
            return answer
        call = Call(
            method=request.method,
            path=params,
            params=request.url.params,
            headers=request.headers,
            body=request.content,
            user_id=user_id,
        )
        return self._dispatch(handler, call)

    def _authenticate(self, header: str | None) -> str | None:
        if not header:
            return None
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self._lock:
            return self._keys.get(token.strip())

    def _log(
        self,
        request: httpx.Request,
        route: tuple[str, str | None, str | None, dict[str, str]],
        response: httpx.Response | None,
        error: BaseException | None,
        *,
        injected: bool,
    ) -> None:
        path, template, _handler, _params = route
        headers = dict(request.headers)
        if "authorization" in headers:
            headers["authorization"] = "Bearer ***"
        endpoint = f"{request.method} {template}" if template else None
        entry = RecordedRequest(
            method=request.method,
            url=str(request.url),
            path=path,
            endpoint=endpoint,
            params=dict(request.url.params),
            headers=headers,
            content=request.content,
            status=None if response is None else response.status_code,
            error=None if error is None else type(error).__name__,
            injected=injected,
        )
        with self._lock:
            self.requests.append(entry)
            self.calls[endpoint or f"{request.method} {path}"] += 1
