"""``GHLClient`` and ``AsyncGHLClient``: configuration, resources, raw mode, rate-limit info.

Both clients are built by one constructor (`_Client.__init__`, generic over what differs);
they differ only in the HTTP loop (`SyncHTTP` / `AsyncHTTP`), the httpx client and auth
protocol they accept, and the runner their resources use.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar, cast, overload

import anyio
import attrs
import httpx
from typing_extensions import Self

from _sdkcore._http import (
    DEFAULT_TIMEOUT,
    AsyncAuth,
    AsyncClosing,
    AsyncHTTP,
    Closing,
    HTTPConfig,
    RawResponse,
    StaticAuth,
    SyncAuth,
    SyncHTTP,
    TimeoutTypes,
)
from _sdkcore.logging import register_secret
from _sdkcore.ratelimit import RateLimiter, Window
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import UNSET, Unset
from _sdkcore.twins import resource
from ghlsdk._ratelimit import DEFAULT_WINDOWS, RateLimitInfo, RateLimitTracker
from ghlsdk.errors import ghl_error_factory
from ghlsdk.resources import (
    Appointments,
    AsyncAppointments,
    AsyncBusinesses,
    AsyncCalendars,
    AsyncCampaigns,
    AsyncContacts,
    AsyncCustomFields,
    AsyncFollowers,
    AsyncNotes,
    AsyncTags,
    AsyncTasks,
    AsyncWorkflows,
    Businesses,
    Calendars,
    Campaigns,
    Contacts,
    CustomFields,
    Followers,
    Notes,
    Tags,
    Tasks,
    Workflows,
)
from ghlsdk.resources._base import (
    AsyncResource,
    Context,
    SyncResource,
    async_runner,
    normalize_scopes,
    sync_runner,
)

__all__ = ["DEFAULT_BASE_URL", "AsyncGHLClient", "GHLClient"]

DEFAULT_BASE_URL = "https://services.leadconnectorhq.com"
#: Read when ``token=`` / ``auth=`` (and ``location_id=``) are not given, as ``NinoxClient``
#: reads ``NINOX_API_KEY``; an explicit argument always wins.
ENV_TOKEN = "GHL_TOKEN"  # noqa: S105 - the name of an environment variable
ENV_LOCATION_ID = "GHL_LOCATION_ID"
_USER_AGENT = "ghlsdk-python/0.1"

R = TypeVar("R")


def _credentials(token: str | None, auth: Any, protocol: type[Any]) -> Any:
    """The auth of a client: ``auth``, or a static bearer header for ``token`` (or
    ``GHL_TOKEN`` when neither is given), checked before any request."""
    if token is not None and auth is not None:
        raise ValueError("pass either token= or auth=, not both")
    if token is None and auth is None:
        token = (os.environ.get(ENV_TOKEN) or "").strip() or None
    if token is not None:
        if not isinstance(token, str) or not token.strip():
            raise ValueError("token must be a non-empty string")
        if token != token.strip() or any(ord(c) < 33 or ord(c) == 127 for c in token):
            raise ValueError("token contains whitespace or control characters; check it")
        register_secret(token)
        return StaticAuth({"Authorization": f"Bearer {token}"})
    if auth is None:
        raise ValueError(
            "no credentials: pass token= (a Private Integration or access token) or auth= "
            f"(e.g. an OAuth helper from ghlsdk.auth), or set {ENV_TOKEN}"
        )
    if not isinstance(auth, protocol):
        raise TypeError(
            f"auth must implement {protocol.__name__} "
            f"({'headers()/refresh()' if protocol is SyncAuth else 'aheaders()/arefresh()'}), "
            f"got {type(auth).__name__}"
        )
    return auth


def _checked_location(location_id: str | None) -> str | None:
    if location_id is not None and (not isinstance(location_id, str) or not location_id.strip()):
        raise ValueError("location_id must be a non-empty string (or None)")
    return location_id


def _checked_retries(max_retries: int) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError("max_retries must be an integer >= 0")
    return max_retries


def _option_changes(
    config: HTTPConfig, timeout: TimeoutTypes | Unset, max_retries: int | Unset
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if not isinstance(timeout, Unset):
        changes["timeout"] = timeout
    if not isinstance(max_retries, Unset):
        changes["retry"] = attrs.evolve(config.retry, max_retries=_checked_retries(max_retries))
    return changes


def _option_ctx(ctx: Context, location_id: str | Unset | None) -> Context:
    if isinstance(location_id, Unset):
        return ctx
    return attrs.evolve(ctx, location_id=_checked_location(location_id))


class SyncRawNamespace(Generic[R]):
    """``ghl.with_raw_response.<resource>``: each method returns a ``RawResponse`` (status,
    headers, body, ``.parse()`` for the usual result) instead of the parsed result. Methods
    that page return the first page's raw response."""

    def __init__(self, resource: SyncResource) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., RawResponse[Any]]:
        if name.startswith("_"):
            raise AttributeError(name)
        return cast(Callable[..., RawResponse[Any]], getattr(self._resource, name))

    def __dir__(self) -> list[str]:
        return [n for n in dir(self._resource) if not n.startswith("_")]


class AsyncRawNamespace(Generic[R]):
    """The async twin of `SyncRawNamespace` (methods are awaited)."""

    def __init__(self, resource: AsyncResource) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Awaitable[RawResponse[Any]]]:
        if name.startswith("_"):
            raise AttributeError(name)
        return cast(Callable[..., Awaitable[RawResponse[Any]]], getattr(self._resource, name))

    def __dir__(self) -> list[str]:
        return [n for n in dir(self._resource) if not n.startswith("_")]


S = TypeVar("S", bound=SyncResource)
A = TypeVar("A", bound=AsyncResource)


class _Resource(resource[S, A]):
    """One resource of both clients, named once: ``S`` on ``GHLClient``, ``A`` on
    ``AsyncGHLClient`` (and wrapped in a raw namespace on ``with_raw_response``). Made on
    first use, then kept in the instance (the core's ``resource`` descriptor). Read only from
    the GHL clients and their raw views, hence its own overloads."""

    @overload  # type: ignore[override]
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: GHLClient, owner: type | None = None) -> S: ...
    @overload
    def __get__(self, obj: AsyncGHLClient, owner: type | None = None) -> A: ...
    @overload
    def __get__(self, obj: GHLRawResponses, owner: type | None = None) -> SyncRawNamespace[S]: ...
    @overload
    def __get__(
        self, obj: AsyncGHLRawResponses, owner: type | None = None
    ) -> AsyncRawNamespace[A]: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        made = super().__get__(obj, owner)
        if obj is not None and obj._raw_mode:
            raw = AsyncRawNamespace if obj._is_async else SyncRawNamespace
            made = obj.__dict__[self.name] = raw(made)
        return made


class _Resources:
    """The resources of a client (and of its ``with_raw_response``), listed once."""

    _is_async = False
    _raw_mode = False
    _run: Any
    _ctx: Context

    contacts = _Resource(Contacts, AsyncContacts)
    tasks = _Resource(Tasks, AsyncTasks)
    notes = _Resource(Notes, AsyncNotes)
    appointments = _Resource(Appointments, AsyncAppointments)
    tags = _Resource(Tags, AsyncTags)
    followers = _Resource(Followers, AsyncFollowers)
    campaigns = _Resource(Campaigns, AsyncCampaigns)
    workflows = _Resource(Workflows, AsyncWorkflows)
    businesses = _Resource(Businesses, AsyncBusinesses)
    calendars = _Resource(Calendars, AsyncCalendars)
    custom_fields = _Resource(CustomFields, AsyncCustomFields)

    def __init__(self, run: Any, ctx: Context) -> None:
        self._run, self._ctx = run, ctx


class GHLRawResponses(_Resources):
    """``ghl.with_raw_response``: the same resources, returning ``RawResponse`` objects."""

    _raw_mode = True


class AsyncGHLRawResponses(_Resources):
    """``ghl.with_raw_response`` on the async client."""

    _is_async = True
    _raw_mode = True


#: What differs between the twins' arguments: the auth protocol, the httpx client, the sleep.
AuthT = TypeVar("AuthT", SyncAuth, AsyncAuth)
ClientT = TypeVar("ClientT", httpx.Client, httpx.AsyncClient)
SleepT = TypeVar("SleepT", Callable[[float], None], Callable[[float], Awaitable[None]])


@attrs.frozen
class _Twin:
    """What a client twin is made of: its HTTP loop, httpx client class and auth protocol,
    and the name of the other twin (for error messages)."""

    http_class: type[SyncHTTP] | type[AsyncHTTP]
    client_class: type[httpx.Client] | type[httpx.AsyncClient]
    auth_protocol: type[SyncAuth] | type[AsyncAuth]
    other: str


class _Client(_Resources, Generic[AuthT, ClientT, SleepT]):
    """What both clients share beside their resources: the constructor, options, location,
    scopes, budget. A twin names its HTTP loop, httpx client class and default sleep."""

    _http: Any  # SyncHTTP or AsyncHTTP
    _tracker: RateLimitTracker
    _twin: ClassVar[_Twin]

    def __init__(
        self,
        *,
        token: str | None = None,
        auth: AuthT | None = None,
        location_id: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        retry: RetryPolicy | None = None,
        http_client: ClientT | None = None,
        scopes: Iterable[str] | str | None = None,
        api_version: str | None = None,
        rate_limiting: bool = True,
        rate_limit_windows: Sequence[Window] = DEFAULT_WINDOWS,
        rate_limiter: RateLimiter | None = None,
        max_concurrency: int | None = None,
        sleep: SleepT | None = None,
    ) -> None:
        twin = self._twin
        if http_client is not None and not isinstance(http_client, twin.client_class):
            raise TypeError(
                f"http_client must be an httpx.{twin.client_class.__name__} "
                f"(use {twin.other} with an httpx.{type(http_client).__name__})"
            )
        credentials = _credentials(token, auth, twin.auth_protocol)
        if location_id is None:
            location_id = (os.environ.get(ENV_LOCATION_ID) or "").strip() or None
        location_id = _checked_location(location_id)
        if api_version is not None and (
            not isinstance(api_version, str) or not api_version.strip()
        ):
            raise ValueError("api_version must be a non-empty string such as '2021-07-28'")
        policy = attrs.evolve(retry or RetryPolicy(), max_retries=_checked_retries(max_retries))
        limiter = None
        if rate_limiting:
            limiter = rate_limiter or RateLimiter(list(rate_limit_windows))
        tracker = RateLimitTracker(limiter)
        config = HTTPConfig(
            base_url=base_url,
            headers={"Accept": "application/json", "User-Agent": _USER_AGENT},
            timeout=timeout,
            retry=policy,
            limiter=limiter,
            max_concurrency=max_concurrency,
            logger_name="ghlsdk",
            observe=tracker.observe,
            server_wait=tracker.server_wait,
            error_factory=ghl_error_factory,
            error_note=tracker.error_note,
        )
        ctx = Context(
            location_id=location_id,
            scopes=normalize_scopes(scopes),
            auth=credentials,
            version=api_version,
        )
        http = twin.http_class(
            config,
            auth=credentials,
            http_client=http_client,  # type: ignore[arg-type]  # checked above
            sleep=sleep or (anyio.sleep if self._is_async else time.sleep),  # type: ignore[arg-type]
        )
        self._attach(http, ctx, tracker)

    def _attach(self, http: Any, ctx: Context, tracker: RateLimitTracker) -> None:
        runner = async_runner if self._is_async else sync_runner
        _Resources.__init__(self, runner(http), ctx)
        self._http, self._tracker = http, tracker

    def _raw_view(self) -> Any:
        raw = self.__dict__.get("_raw")
        if raw is None:
            view = AsyncGHLRawResponses if self._is_async else GHLRawResponses
            runner = async_runner if self._is_async else sync_runner
            raw = self.__dict__["_raw"] = view(runner(self._http, raw=True), self._ctx)
        return raw

    def with_options(
        self,
        *,
        timeout: TimeoutTypes | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        location_id: str | Unset | None = UNSET,
    ) -> Self:
        """A client with these settings changed that shares this one's connection pool,
        credentials, rate limiter and rate-limit info. Closing it does not close the pool."""
        changes = _option_changes(self._http.core.config, timeout, max_retries)
        clone = object.__new__(type(self))
        clone._attach(
            self._http.with_config(**changes), _option_ctx(self._ctx, location_id), self._tracker
        )
        return clone

    @property
    def location_id(self) -> str | None:
        """The default location of this client's calls."""
        return self._ctx.location_id

    @property
    def scopes(self) -> frozenset[str] | None:
        """The scopes the token is known to have (``scopes=`` or the auth's), ``None`` when
        unknown. Methods needing a scope that is missing raise ``MissingScopeError`` early."""
        return self._ctx.granted_scopes()

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """The budget from the last response's ``X-RateLimit-*`` headers for this client's
        location (or the last seen, without a location); ``None`` before any."""
        return self._tracker.info(self._ctx.location_id)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(location_id={self._ctx.location_id!r}, "
            f"base_url={self._http.core.base_url!r}, auth={type(self._ctx.auth).__name__})"
        )


class GHLClient(_Client[SyncAuth, httpx.Client, Callable[[float], None]], Closing):
    """Sync client for the HighLevel (GHL / LeadConnector) API v2.

    ``GHLClient(token="...", location_id="...")`` with a Private Integration token or an
    access token, or ``GHLClient(auth=..., location_id=...)`` with any object implementing
    ``headers()`` / ``refresh(rejected)`` (e.g. the OAuth helper in ``ghlsdk.auth``).
    Without ``token=`` and ``auth=`` the token comes from ``GHL_TOKEN``, and without
    ``location_id=`` the location from ``GHL_LOCATION_ID`` (explicit arguments win).

    Options: ``base_url``; ``timeout`` (seconds or ``httpx.Timeout``); ``max_retries`` (and a
    full ``retry=RetryPolicy(...)``); ``http_client`` (an ``httpx.Client`` you own and
    close); ``scopes`` (the token's scopes; by default ``auth.scopes`` when the auth has it) to
    fail fast with [`MissingScopeError`][ghlsdk.errors.MissingScopeError]; ``api_version`` to send
    one
    ``Version`` header for every call instead of each operation's own; ``rate_limiting``,
    ``rate_limit_windows`` (default 100 per 10 s and 200,000 per day, per location) and
    ``rate_limiter`` (share one limiter between clients); ``max_concurrency``; ``sleep``
    (how the client waits before a retry or for the rate limit; tests pass a fake clock's).

    Use it as a context manager, or call [`close`][ghlsdk.GHLClient.close].
    """

    _twin = _Twin(SyncHTTP, httpx.Client, SyncAuth, "AsyncGHLClient")

    @property
    def with_raw_response(self) -> GHLRawResponses:
        """The same resources, returning ``RawResponse`` (status, headers, body, ``parse()``)."""
        return cast(GHLRawResponses, self._raw_view())

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        self._http.close()


class AsyncGHLClient(
    _Client[AsyncAuth, httpx.AsyncClient, Callable[[float], Awaitable[None]]], AsyncClosing
):
    """Async client for the HighLevel API v2; same arguments and resources as
    [`GHLClient`][ghlsdk.GHLClient], with ``await`` (and ``async for`` over pagers). ``auth``
    implements
    ``aheaders()`` / ``arefresh(rejected)``; ``http_client`` is an ``httpx.AsyncClient``.
    Use ``async with`` or call [`aclose`][ghlsdk.AsyncGHLClient.aclose]."""

    _is_async = True
    _twin = _Twin(AsyncHTTP, httpx.AsyncClient, AsyncAuth, "GHLClient")

    @property
    def with_raw_response(self) -> AsyncGHLRawResponses:
        """The same resources, returning ``RawResponse`` (status, headers, body, ``parse()``)."""
        return cast(AsyncGHLRawResponses, self._raw_view())

    async def aclose(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        await self._http.aclose()
