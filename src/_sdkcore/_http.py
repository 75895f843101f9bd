"""The request pipeline: described once, executed by a sync and an async loop.

Pure code (`HTTPCore`) turns a `RequestSpec` into an ``httpx.Request`` and judges
each attempt (`HTTPCore.judge`): return the response, refresh credentials and replay once,
wait and retry, or raise a typed error. `SyncHTTP` and `AsyncHTTP` only send,
sleep, hold the concurrency cap and refresh credentials; everything they decide comes from
the shared pure code.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import anyio
import attrs
import httpx
from typing_extensions import Self

from _sdkcore import errors
from _sdkcore.logging import get_logger, redact
from _sdkcore.paths import validate_base_url
from _sdkcore.ratelimit import RateLimiter
from _sdkcore.retry import Failure, RetryPolicy, decide, parse_retry_after
from _sdkcore.serde import UNSET, Unset

__all__ = [
    "AsyncAuth",
    "AsyncClosing",
    "AsyncHTTP",
    "Call",
    "Closing",
    "HTTPConfig",
    "RawResponse",
    "RequestOptions",
    "RequestSpec",
    "SyncAuth",
    "SyncHTTP",
]

T = TypeVar("T")

TimeoutTypes = float | httpx.Timeout | None
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@attrs.frozen(kw_only=True)
class RequestOptions:
    """Per-call overrides, accepted by every SDK method as ``options=``.

    ``timeout`` (seconds or ``httpx.Timeout``), ``max_retries``, ``extra_headers`` and
    ``extra_query`` (merged into the request, yours win).
    """

    timeout: TimeoutTypes | Unset = UNSET
    max_retries: int | Unset = UNSET
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None


@attrs.frozen(kw_only=True, slots=False)  # dict class: ~2x cheaper __init__, one per call
class RequestSpec:
    """Everything needed to send one API request, independent of sync or async.

    ``path`` is already built with `_sdkcore.paths.build_path` (segments validated and
    encoded). ``idempotent`` overrides the method's default for retries (e.g. an upsert POST).
    ``rate_key`` selects the rate-limit budget (e.g. the GHL location). ``auth=False`` sends
    no credentials (token endpoints authenticate with their body).
    """

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = UNSET
    data: Mapping[str, Any] | None = None
    content: bytes | None = None
    files: Any = None
    headers: Mapping[str, str] | None = None
    idempotent: bool | None = None
    rate_key: Hashable = None
    auth: bool = True
    options: RequestOptions | None = None

    def with_params(self, **updates: Any) -> RequestSpec:
        """A copy with these query parameters changed (used for the next page)."""
        return attrs.evolve(self, params={**(self.params or {}), **updates})


@attrs.frozen(slots=False)  # dict class: cheaper __init__, one per call
class Call(Generic[T]):
    """A request and the pure function that turns its 2xx response into the result."""

    spec: RequestSpec
    parse: Callable[[httpx.Response], T]


@attrs.frozen
class RawResponse(Generic[T]):
    """A response with its status, headers and body, plus ``parse()`` for the typed result."""

    http_response: httpx.Response
    _parse: Callable[[httpx.Response], T]

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def content(self) -> bytes:
        return self.http_response.content

    def json(self) -> Any:
        return self.http_response.json()

    def parse(self) -> T:
        return self._parse(self.http_response)


@runtime_checkable
class SyncAuth(Protocol):
    """Supplies credentials to the sync loop."""

    def headers(self) -> Mapping[str, str]:
        """Headers to send with the next request."""
        ...

    def refresh(self, rejected: Mapping[str, str]) -> bool:
        """The server answered 401 to ``rejected`` headers: get new credentials if possible.

        Return True when a replay with fresh `headers` is worth one try.
        """
        ...


@runtime_checkable
class AsyncAuth(Protocol):
    """Supplies credentials to the async loop."""

    async def aheaders(self) -> Mapping[str, str]: ...

    async def arefresh(self, rejected: Mapping[str, str]) -> bool: ...


@attrs.frozen
class StaticAuth:
    """Fixed headers (an API key or a static bearer token); nothing to refresh."""

    _headers: Mapping[str, str] = attrs.field(repr=False)

    def headers(self) -> Mapping[str, str]:
        return self._headers

    def refresh(self, rejected: Mapping[str, str]) -> bool:
        return False

    async def aheaders(self) -> Mapping[str, str]:
        return self._headers

    async def arefresh(self, rejected: Mapping[str, str]) -> bool:
        return False

    def __repr__(self) -> str:
        return f"StaticAuth(headers={sorted(self._headers)!r})"


@attrs.frozen(kw_only=True)
class HTTPConfig:
    """Everything an SDK sets about its transport, shared by its sync and async clients.

    ``observe`` sees every response (e.g. to learn rate-limit headers); ``server_wait``
    reads how long the server asked us to wait on a retryable status (default: Retry-After);
    ``error_factory`` may turn a response into an SDK-specific error; ``error_note`` may add
    advice to an error's message for a given request and response.
    """

    base_url: str
    headers: Mapping[str, str] = attrs.field(factory=dict)
    timeout: TimeoutTypes = DEFAULT_TIMEOUT
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    limiter: RateLimiter | None = None
    max_concurrency: int | None = None
    logger_name: str = "sdkcore"
    observe: Callable[[RequestSpec, httpx.Response], None] | None = None
    server_wait: Callable[[httpx.Response], float | None] = lambda r: parse_retry_after(r.headers)
    error_factory: errors.ErrorFactory | None = None
    error_note: Callable[[RequestSpec, httpx.Response], str] | None = None
    rand: Callable[[], float] = random.random


@attrs.frozen(slots=False)  # a dict class: its __init__ is cheaper, and one is made per attempt
class Step:
    """What to do after one attempt: exactly one of the fields decides."""

    response: httpx.Response | None = None
    wait: float | None = None
    refresh: bool = False
    error: errors.APIError | None = None


class HTTPCore:
    """The pure part of the pipeline: building requests and judging attempts."""

    def __init__(self, config: HTTPConfig, auth: SyncAuth | AsyncAuth | None) -> None:
        self.config = config
        self.base_url = str(validate_base_url(config.base_url)).rstrip("/")
        self.auth = auth
        self.logger = get_logger(f"{config.logger_name}.http")
        self._static_headers = dict(config.headers)
        lowered = [key.lower() for key in self._static_headers]
        self._static_lower = frozenset(lowered)
        # Set onto the built request (see build) only when that gives the very same bytes as
        # httpx's merge: ASCII str names and values, no two names differing just by case.
        plain = all(
            isinstance(text, str) and text.isascii()
            for item in self._static_headers.items()
            for text in item
        )
        self._late_headers: tuple[tuple[str, str], ...] | None = (
            tuple(self._static_headers.items())
            if plain and len(self._static_lower) == len(lowered)
            else None
        )

    def build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        spec: RequestSpec,
        auth_headers: Mapping[str, str],
    ) -> httpx.Request:
        headers = dict(auth_headers)
        if spec.headers:
            _update_headers(headers, spec.headers)
        # Most calls have no query and no options: skip building empty dicts for them.
        params = _clean_params(spec.params) if spec.params else None
        opts = spec.options
        timeout: TimeoutTypes = self.config.timeout
        if opts is not None:
            if opts.extra_headers:
                _update_headers(headers, opts.extra_headers)
            if opts.extra_query:
                params = {**(params or {}), **_clean_params(opts.extra_query)}
            if not isinstance(opts.timeout, Unset):
                timeout = opts.timeout
        # httpx merges per-request headers into the client's with several scans per key and
        # ours (Accept, User-Agent) replace its defaults: setting them on the built request
        # costs one scan each, same names and values. When a per-call header names one of
        # ours, merge as a dict instead (the per-call value wins, as it always did).
        late = self._late_headers
        if late is not None:
            static_lower = self._static_lower
            for key in headers:
                if key.lower() in static_lower:
                    late = None
                    break
        if late is None:
            headers = _update_headers(dict(self._static_headers), headers)
        request = client.build_request(
            spec.method,
            self.base_url + spec.path,
            params=params or None,
            json=None if spec.json is UNSET else spec.json,
            data=spec.data,
            content=spec.content,
            files=spec.files,
            headers=headers,
            timeout=timeout,
        )
        if late:
            target = request.headers
            for key, value in late:
                target[key] = value
        return request

    def judge(
        self,
        spec: RequestSpec,
        request: httpx.Request,
        outcome: httpx.Response | httpx.TransportError,
        *,
        retry: int,
        may_refresh: bool,
    ) -> Step:
        """Decide the next step after one attempt; never performs I/O."""
        if isinstance(outcome, httpx.TransportError):
            policy = self._policy(spec)
            failure, error = _classify(outcome, request)
            wait = decide(
                policy,
                retry=retry,
                method=spec.method,
                idempotent=spec.idempotent,
                failure=failure,
                rand=self.config.rand,
            )
            self.logger.debug(
                "%s %s failed: %s (retry %d)", spec.method, spec.path, type(outcome).__name__, retry
            )
            return Step(wait=wait) if wait is not None else Step(error=error)
        response = outcome
        status = response.status_code
        config = self.config
        self.logger.debug("%s %s -> %d (retry %d)", spec.method, spec.path, status, retry)
        if config.observe is not None:
            config.observe(spec, response)
        if 200 <= status < 300:
            return Step(response=response)
        if status == 401 and may_refresh and spec.auth:
            return Step(refresh=True)
        wait = decide(
            self._policy(spec),
            retry=retry,
            method=spec.method,
            idempotent=spec.idempotent,
            status=status,
            server_wait=self.config.server_wait(response),
            rand=self.config.rand,
        )
        if wait is not None:
            return Step(wait=wait)
        note = self.config.error_note(spec, response) if self.config.error_note else ""
        return Step(
            error=errors.error_for_response(response, factory=self.config.error_factory, note=note)
        )

    def _policy(self, spec: RequestSpec) -> RetryPolicy:
        # Only needed once an attempt failed, so a success never pays for attrs.evolve.
        policy = self.config.retry
        if spec.options is not None and not isinstance(spec.options.max_retries, Unset):
            policy = attrs.evolve(policy, max_retries=spec.options.max_retries)
        return policy


def _update_headers(target: dict[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """``target.update(new)`` by header name, ignoring case: a later ``VERSION`` replaces an
    earlier ``Version`` instead of both being sent."""
    for key, value in new.items():
        lower = key.lower()
        for old in [k for k in target if k != key and k.lower() == lower]:
            del target[old]
        target[key] = value
    return target


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if value is None or value is UNSET:
            continue
        out[key] = _param_value(value)
    return out


def _param_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_param_value(v) for v in value]
    return value


_CONNECT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)


def _classify(
    exc: httpx.TransportError, request: httpx.Request
) -> tuple[Failure | None, errors.APIError]:
    detail = redact(str(exc)) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        error: errors.APIError = errors.APITimeoutError(
            f"{request.method} {request.url.path} timed out ({type(exc).__name__}); "
            "pass a larger timeout= or retry later.",
            request=request,
        )
    else:
        error = errors.APIConnectionError(
            f"{request.method} {request.url.path} failed: {detail}. "
            "Check the network and the base URL.",
            request=request,
        )
    if isinstance(exc, _CONNECT_ERRORS):
        return Failure.CONNECT, error
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
        return None, error
    return Failure.MAYBE_SENT, error


def _raise(error: errors.APIError, cause: BaseException | None) -> None:
    # Neither the error's request nor the httpx exception it is chained to may carry the raw
    # Authorization header (or a token form) into a traceback or an exc_info log.
    errors.scrub_error(error)
    raise error from errors.safe_cause(cause)


def _parse(call: Call[T], response: httpx.Response) -> T:
    try:
        return call.parse(response)
    except errors.APIError as exc:  # e.g. APIResponseValidationError: keeps the response
        errors.scrub_error(exc)
        raise


class Closing:
    """``with obj:`` closes ``obj`` at the end (its ``close()``)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClosing:
    """``async with obj:`` closes ``obj`` at the end (its ``aclose()``)."""

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class SyncHTTP(Closing):
    """Sends `RequestSpec` s with ``httpx.Client``: retries, limits, auth refresh."""

    def __init__(
        self,
        config: HTTPConfig,
        *,
        auth: SyncAuth | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.core = HTTPCore(config, auth)
        self._auth = auth
        self._owns_client = http_client is None
        self._client = (
            http_client
            if http_client is not None
            else httpx.Client(timeout=config.timeout, follow_redirects=False)
        )
        self._sleep = sleep
        self._slots = (
            threading.BoundedSemaphore(config.max_concurrency) if config.max_concurrency else None
        )

    def with_config(self, **changes: Any) -> SyncHTTP:
        """A copy with config changes, sharing the connection pool, limiter and auth."""
        clone = object.__new__(SyncHTTP)
        clone.__dict__.update(self.__dict__)
        clone.core = HTTPCore(attrs.evolve(self.core.config, **changes), self._auth)
        clone._owns_client = False
        return clone

    def send(self, spec: RequestSpec) -> httpx.Response:
        """Send ``spec`` until it succeeds or a typed error is raised; return the 2xx response."""
        core = self.core
        retry = 0
        may_refresh = self._auth is not None
        while True:
            limiter = core.config.limiter
            if limiter is not None:
                # A slot is held until the response is back (see _sdkcore.ratelimit).
                delay = limiter.acquire(spec.rate_key)
                if delay > 0:
                    self._sleep(delay)
            outcome: httpx.Response | httpx.TransportError
            try:
                auth_headers = self._auth.headers() if (self._auth and spec.auth) else {}
                request = core.build(self._client, spec, auth_headers)
                slots = self._slots
                try:
                    if slots is None:  # no cap: skip entering a null context per attempt
                        outcome = self._client.send(request)
                    else:
                        with slots:
                            outcome = self._client.send(request)
                except httpx.TransportError as exc:
                    outcome = exc
            finally:
                if limiter is not None:
                    limiter.release(spec.rate_key)
            step = core.judge(spec, request, outcome, retry=retry, may_refresh=may_refresh)
            if step.response is not None:
                return step.response
            if step.refresh:
                may_refresh = False  # one replay per call, outside the retry budget
                assert self._auth is not None
                if self._auth.refresh(auth_headers):
                    continue
                step = core.judge(spec, request, outcome, retry=retry, may_refresh=False)
            if step.wait is not None:
                self._sleep(step.wait)
                retry += 1
                continue
            assert step.error is not None
            _raise(step.error, outcome if isinstance(outcome, Exception) else None)

    def execute(self, call: Call[T]) -> T:
        return _parse(call, self.send(call.spec))

    def execute_raw(self, call: Call[T]) -> RawResponse[T]:
        return RawResponse(self.send(call.spec), call.parse)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


class _LazySemaphore:
    """An ``anyio.Semaphore`` made on first use, inside the event loop that uses it."""

    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._semaphore: anyio.Semaphore | None = None

    def get(self) -> anyio.Semaphore | None:
        """The semaphore, or ``None`` when there is no cap."""
        if self._limit is None:
            return None
        if self._semaphore is None:
            self._semaphore = anyio.Semaphore(self._limit)
        return self._semaphore


class AsyncHTTP(AsyncClosing):
    """The async twin of `SyncHTTP` over ``httpx.AsyncClient``."""

    def __init__(
        self,
        config: HTTPConfig,
        *,
        auth: AsyncAuth | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.core = HTTPCore(config, auth)
        self._auth = auth
        self._owns_client = http_client is None
        self._client = (
            http_client
            if http_client is not None
            else httpx.AsyncClient(timeout=config.timeout, follow_redirects=False)
        )
        self._sleep = sleep
        # Shared by with_config() copies, so a copy never gets a cap of its own.
        self._slots = _LazySemaphore(config.max_concurrency)

    def with_config(self, **changes: Any) -> AsyncHTTP:
        """A copy with config changes, sharing the connection pool, limiter and auth."""
        clone = object.__new__(AsyncHTTP)
        clone.__dict__.update(self.__dict__)
        clone.core = HTTPCore(attrs.evolve(self.core.config, **changes), self._auth)
        clone._owns_client = False
        return clone

    async def send(self, spec: RequestSpec) -> httpx.Response:
        """Send ``spec`` until it succeeds or a typed error is raised; return the 2xx response."""
        core = self.core
        retry = 0
        may_refresh = self._auth is not None
        while True:
            limiter = core.config.limiter
            if limiter is not None:
                # A slot is held until the response is back (see _sdkcore.ratelimit).
                delay = limiter.acquire(spec.rate_key)
                if delay > 0:
                    await self._sleep(delay)
            outcome: httpx.Response | httpx.TransportError
            try:
                auth_headers = await self._auth.aheaders() if (self._auth and spec.auth) else {}
                request = core.build(self._client, spec, auth_headers)
                slots = self._slots.get()
                try:
                    if slots is None:  # no cap: skip entering a null async context per attempt
                        outcome = await self._client.send(request)
                    else:
                        async with slots:
                            outcome = await self._client.send(request)
                except httpx.TransportError as exc:
                    outcome = exc
            finally:
                if limiter is not None:
                    limiter.release(spec.rate_key)
            step = core.judge(spec, request, outcome, retry=retry, may_refresh=may_refresh)
            if step.response is not None:
                return step.response
            if step.refresh:
                may_refresh = False
                assert self._auth is not None
                if await self._auth.arefresh(auth_headers):
                    continue
                step = core.judge(spec, request, outcome, retry=retry, may_refresh=False)
            if step.wait is not None:
                await self._sleep(step.wait)
                retry += 1
                continue
            assert step.error is not None
            _raise(step.error, outcome if isinstance(outcome, Exception) else None)

    async def execute(self, call: Call[T]) -> T:
        return _parse(call, await self.send(call.spec))

    async def execute_raw(self, call: Call[T]) -> RawResponse[T]:
        return RawResponse(await self.send(call.spec), call.parse)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()
