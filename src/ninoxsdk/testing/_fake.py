"""``FakeNinox``: the in-memory server as an httpx sync + async transport, with faults,
latency, a concurrency limit and a request log (the kit it shares with FakeGHL)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Collection

import httpx

from _sdkcore.testing import FakeKit, Fault, Latency, RecordedRequest, record
from ninoxsdk.testing._server import (
    ENDPOINTS,
    Call,
    NinoxServer,
    ScriptHandler,
    error_response,
    match_route,
    split_path,
)

__all__ = ["FakeNinox", "Fault", "RecordedRequest"]

_OPERATIONS = frozenset(f"{method} {template}" for method, template, _ in ENDPOINTS)
_Route = tuple[str | None, dict[str, str]]


class FakeNinox(FakeKit, NinoxServer, httpx.BaseTransport, httpx.AsyncBaseTransport):
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

    Options (also writable attributes): ``user_id`` of the default key; ``clock`` (seconds
    since the epoch, e.g. a [`FakeClock`][ninoxsdk.testing.FakeClock]) for timestamps;
    ``latency`` seconds (or a function of the
    [`RecordedRequest`][ninoxsdk.testing.RecordedRequest]) waited before each answer
    through ``sleep``/``async_sleep`` (default: the clock's own, else real sleeps);
    ``max_concurrency`` answers 429 beyond N requests in flight (``retry_after`` adds that
    header); see `NinoxServer` for the server behaviour switches.
    """

    _service = "FakeNinox"

    def __init__(
        self,
        api_key: str = "test-api-key",
        *,
        user_id: str = "fake-user",
        clock: Callable[[], float] | None = None,
        latency: Latency = 0.0,
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
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1 or None")
        super().__init__(
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
        self._init_kit(clock=clock, sleep=sleep, async_sleep=async_sleep, latency=latency)
        self._keys: dict[str, str] = {api_key: user_id}
        self.max_concurrency = max_concurrency
        self.retry_after = retry_after
        self._in_flight = 0
        #: Most requests seen in flight at the same time (after admission).
        self.max_in_flight = 0
        #: Requests refused with 429 by ``max_concurrency``.
        self.rejected = 0

    def __repr__(self) -> str:
        return f"FakeNinox(teams={len(self._teams)}, requests={len(self._requests)})"

    # -- keys -------------------------------------------------------------------------------

    def add_api_key(self, api_key: str, *, user_id: str = "fake-user") -> None:
        """Accept another key; records written with it carry ``user_id``."""
        with self._lock:
            self._keys[api_key] = user_id

    def revoke_api_key(self, api_key: str) -> None:
        """Stop accepting a key (its requests then get 401)."""
        with self._lock:
            self._keys.pop(api_key, None)

    # -- the kit's hooks ----------------------------------------------------------------------

    @property
    def _operations(self) -> Collection[str]:
        return _OPERATIONS

    def _on_reset(self) -> None:
        """``reset_counters`` also resets ``max_in_flight`` and ``rejected``."""
        self.max_in_flight = self._in_flight
        self.rejected = 0

    @property
    def calls(self) -> Counter[str]:
        """Requests per endpoint (``"POST /teams/{team}/.../records"``): the
        [`counters`][ninoxsdk.testing.FakeNinox.counters] under their older name."""
        return Counter(self.counters)

    # -- transport --------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """httpx sync transport entry point."""
        rec, route = self._receive(request, request.read())
        rejected = self._enter(rec)
        if rejected is not None:
            return rejected
        try:
            fault = self._take_fault(rec)
            delay = self._delay_for(rec, fault)
            if delay > 0:
                self._sleep(delay)
            return self._respond(request, rec, route, fault)
        finally:
            self._leave()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """httpx async transport entry point."""
        rec, route = self._receive(request, await request.aread())
        rejected = self._enter(rec)
        if rejected is not None:
            return rejected
        try:
            fault = self._take_fault(rec)
            delay = self._delay_for(rec, fault)
            if delay > 0:
                await self._async_sleep(delay)
            return self._respond(request, rec, route, fault)
        finally:
            self._leave()

    def close(self) -> None:
        """Nothing to release; the fake stays usable (state is kept)."""

    async def aclose(self) -> None:
        """Nothing to release; the fake stays usable (state is kept)."""

    def _receive(self, request: httpx.Request, body: bytes) -> tuple[RecordedRequest, _Route]:
        """Record and log the request; its handler name and path parameters."""
        segments = split_path(request.url.raw_path)
        path = request.url.path if segments is None else "/" + "/".join(segments)
        rec, _parsed, _bad_json = record(request, body, path=path, at=self.clock())
        found = match_route(request.method, segments) if segments is not None else None
        route: _Route = (None, {})
        if found is not None:
            template, handler, params = found
            rec.operation = f"{rec.method} {template}"
            rec.path_params = params
            route = (handler, params)
        self._log_request(rec)
        return rec, route

    def _enter(self, rec: RecordedRequest) -> httpx.Response | None:
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
                rec.status = response.status_code
                return response
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            return None

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _respond(
        self, request: httpx.Request, rec: RecordedRequest, route: _Route, fault: Fault | None
    ) -> httpx.Response:
        failing = fault is not None and fault.fails
        try:
            if fault is not None and failing and not fault.after_write:
                return self._fault_response(request, rec, fault, {})
            response = self._serve(request, *route)
            rec.status = response.status_code
            if fault is not None and failing:
                return self._fault_response(request, rec, fault, {})
            return response
        except BaseException as exc:
            rec.status, rec.error = None, type(exc).__name__
            raise

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
