"""``NinoxClient`` and ``AsyncNinoxClient``: one constructor, one set of entry points.

Both clients are the same class body (`_Client`) over a different send loop
(``SyncHTTP`` / ``AsyncHTTP``); their resources and handles are twins written once (see
``_sdkcore.twins``). Configuration and its checks are in ``_config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timezone, tzinfo
from typing import Any, Generic, TypeVar

import httpx
from typing_extensions import Self

from _sdkcore import StaticAuth
from _sdkcore._http import AsyncClosing, AsyncHTTP, Closing, SyncHTTP
from _sdkcore.logging import describe_secret
from _sdkcore.ratelimit import RateLimiter
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import UNSET, Unset
from _sdkcore.twins import AsyncTwin, SyncTwin, async_runner, handle, resource, sync_runner
from ninoxsdk._config import (
    DEFAULT_MIN_INTERVAL,
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    PUBLIC_CLOUD_URL,
    base_url_for_team,
    base_url_on_premise,
    client_ctx,
    http_config,
    option_changes,
)
from ninoxsdk.resources import (
    AsyncDatabaseHandle,
    AsyncDatabases,
    AsyncTeams,
    DatabaseHandle,
    Databases,
    Teams,
)
from ninoxsdk.resources import _programs as prog

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "PUBLIC_CLOUD_URL",
    "AsyncNinoxClient",
    "NinoxClient",
]

#: The httpx client a Ninox client may be given: ``httpx.Client`` or ``httpx.AsyncClient``.
H = TypeVar("H", httpx.Client, httpx.AsyncClient)


def open_database(ctx: prog.ClientCtx, team_id: str, database_id: str) -> prog.DbCtx:
    """A handle on one database (no request is made until you call a method)."""
    return ctx.database(team_id, database_id)


class _Client(Generic[H]):
    """What both clients are: arguments, resources, entry points, copies and repr."""

    _is_async: bool
    _api_key: str
    _ctx: prog.ClientCtx
    _run: Any
    _http: Any
    base_url: str

    teams = resource(Teams, AsyncTeams)
    """The teams (workspaces) the API key can see: ``nx.teams.list()``."""
    databases = resource(Databases, AsyncDatabases)
    """The databases of a team: ``nx.databases.list(team_id)``."""
    database = handle(open_database, DatabaseHandle, AsyncDatabaseHandle)

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = PUBLIC_CLOUD_URL,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        max_concurrency: int | None = 1,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        rate_limiter: RateLimiter | None = None,
        http_client: H | None = None,
        headers: Mapping[str, str] | None = None,
        chunk_size: int = 100,
        per_page: int = 500,
        delete_many: prog.DeleteMany = "auto",
        schema_source: prog.SchemaSource = "auto",
        field_timezone: tzinfo = timezone.utc,
    ) -> None:
        key, config = http_config(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            max_concurrency=max_concurrency,
            min_interval=min_interval,
            rate_limiter=rate_limiter,
            headers=headers,
        )
        ctx = client_ctx(chunk_size, per_page, delete_many, schema_source, field_timezone)
        http_cls: Any = AsyncHTTP if self._is_async else SyncHTTP
        auth = StaticAuth({"Authorization": f"Bearer {key}"})
        self._api_key = key
        self._attach(http_cls(config, auth=auth, http_client=http_client), ctx)

    def _attach(self, http: Any, ctx: prog.ClientCtx) -> None:
        self._http = http
        self._run = async_runner(http) if self._is_async else sync_runner(http)
        self._ctx = ctx
        self.base_url = http.core.base_url

    @classmethod
    def private_cloud(
        cls, team: str, api_key: str | None = None, *, domain: str = "ninoxdb.de", **kwargs: Any
    ) -> Self:
        """A client for a private cloud server ``https://{team}.{domain}/v1``."""
        return cls(api_key, base_url=base_url_for_team(team, domain), **kwargs)

    @classmethod
    def on_premise(cls, url: str, api_key: str | None = None, **kwargs: Any) -> Self:
        """A client for an on-premises server (``/v1`` is appended when missing)."""
        return cls(api_key, base_url=base_url_on_premise(url), **kwargs)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int | None = None,
    ) -> Self:
        """A copy with another timeout or retry count, sharing the connection pool, the rate
        limiter and the schema cache."""
        changes = option_changes(self._http.core.config.retry, timeout, max_retries)
        clone = object.__new__(type(self))
        clone._api_key = self._api_key
        clone._attach(self._http.with_config(**changes), self._ctx)
        return clone

    def __repr__(self) -> str:
        key = describe_secret(self._api_key)
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={key})"


class NinoxClient(_Client[httpx.Client], SyncTwin, Closing):
    """Client for the Ninox classic REST API (the sync and the async client take the same
    arguments).

    ``NinoxClient(api_key=...)`` talks to the public cloud (without ``api_key``, it reads
    ``NINOX_API_KEY``); use [`private_cloud`][ninoxsdk.NinoxClient.private_cloud] or
    [`on_premise`][ninoxsdk.NinoxClient.on_premise] (or ``base_url=``) for other servers. The
    key is sent as ``Authorization: Bearer <key>`` and never appears in reprs, logs or errors.

    Transport: ``timeout``, ``max_retries`` / ``retry`` (backoff on 429/502/503/504),
    ``max_concurrency`` (requests in flight, default 1), ``min_interval`` (seconds between
    request starts, default 0.25; 0 disables), ``rate_limiter`` (your own
    ``RateLimiter``), ``http_client`` (an ``httpx.Client`` you own), ``headers``.
    Records: ``chunk_size`` (batch writes, default 100), ``per_page`` (``list``/``changes``
    page size, default 500), ``delete_many`` (``"auto"`` tries the bulk call then falls back
    to single deletes; ``"bulk"``; ``"single"``), ``schema_source`` (``"auto"``,
    ``"schema"``, ``"tables"``) and ``field_timezone`` (zone of zone-less datetime values;
    UTC). Use ``with`` or call ``nx.close()`` when done.
    """

    _http: SyncHTTP

    def close(self) -> None:
        """Close the connection pool (unless you passed your own ``http_client``)."""
        self._http.close()


class AsyncNinoxClient(_Client[httpx.AsyncClient], AsyncTwin, AsyncClosing):
    """Async client for the Ninox classic REST API: the same arguments, resources and
    handles as [`NinoxClient`][ninoxsdk.NinoxClient], with ``await`` (and ``async for`` over
    ``list()`` and ``changes()``); ``http_client`` is an ``httpx.AsyncClient``. Use ``async
    with`` or call ``await nx.aclose()`` when done.
    """

    _http: AsyncHTTP

    async def aclose(self) -> None:
        """Close the connection pool (unless you passed your own ``http_client``)."""
        await self._http.aclose()
