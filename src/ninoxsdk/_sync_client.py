# GENERATED from ninoxsdk/_async_client.py by _sdkcore._unasync: do not edit.
# Edit the async source, then run `python -m _sdkcore._unasync`.
"""The Ninox client: configuration, transport and entry points.

The async client is the source; the sync one is generated from it by ``_sdkcore._unasync``
(see the generated module's header). What both share (configuration, checks, the schema
caches) is in ``_config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timezone, tzinfo
from typing import Any

import httpx

from _sdkcore import StaticAuth
from _sdkcore._http import Closing, SyncHTTP
from _sdkcore.ratelimit import RateLimiter
from _sdkcore.retry import RetryPolicy
from _sdkcore.serde import UNSET, Unset
from ninoxsdk._config import (
    DEFAULT_MIN_INTERVAL,
    DEFAULT_TIMEOUT,
    PUBLIC_CLOUD_URL,
    Shared,
    base_url_for_team,
    base_url_on_premise,
)
from ninoxsdk.resources import _programs as prog
from ninoxsdk.resources._sync import DatabaseHandle, Databases, Teams

__all__ = ["NinoxClient"]


class NinoxClient(Shared, Closing):
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
        http_client: httpx.Client | None = None,
        headers: Mapping[str, str] | None = None,
        chunk_size: int = 100,
        per_page: int = 500,
        delete_many: prog.DeleteMany = "auto",
        schema_source: prog.SchemaSource = "auto",
        field_timezone: tzinfo = timezone.utc,
    ) -> None:
        key, config = self._config(
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
        self._init_state(key, chunk_size, per_page, delete_many, schema_source, field_timezone)
        self._http = SyncHTTP(
            config, auth=StaticAuth({"Authorization": f"Bearer {key}"}), http_client=http_client
        )
        self.base_url = self._http.core.base_url
        self.teams = Teams(self._http)
        self.databases = Databases(self._http)

    @classmethod
    def private_cloud(
        cls, team: str, api_key: str | None = None, *, domain: str = "ninoxdb.de", **kwargs: Any
    ) -> NinoxClient:
        """A client for a private cloud server ``https://{team}.{domain}/v1``."""
        return cls(api_key, base_url=base_url_for_team(team, domain), **kwargs)

    @classmethod
    def on_premise(cls, url: str, api_key: str | None = None, **kwargs: Any) -> NinoxClient:
        """A client for an on-premises server (``/v1`` is appended when missing)."""
        return cls(api_key, base_url=base_url_on_premise(url), **kwargs)

    def database(self, team_id: str, database_id: str) -> DatabaseHandle:
        """A handle on one database (no request is made until you call a method)."""
        return DatabaseHandle(self._http, self._db_ctx(team_id, database_id))

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | Unset | None = UNSET,
        max_retries: int | None = None,
    ) -> NinoxClient:
        """A copy with another timeout or retry count, sharing the connection pool, the rate
        limiter and the schema cache."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        changes = self._option_changes(self._http.core.config.retry, timeout, max_retries)
        clone._http = self._http.with_config(**changes)
        clone.teams = Teams(clone._http)
        clone.databases = Databases(clone._http)
        return clone

    def close(self) -> None:
        """Close the connection pool (unless you passed your own ``http_client``)."""
        self._http.close()

    def __repr__(self) -> str:
        return self._describe(self.base_url)
