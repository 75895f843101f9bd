"""What every resource shares: operation descriptions, the request context, the runners.

An `Operation` describes one endpoint as data (method, path template, ``Version``,
scope, retry safety). `Context.spec` turns it and the call's arguments into a
``RequestSpec``: it checks the scope and the location *before* anything is sent. Resource
classes hand the resulting ``Call`` to a runner: the normal runners return parsed results,
the raw ones [`RawResponse`][ghlsdk.RawResponse] objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

import attrs
import httpx

from _sdkcore import twins
from _sdkcore._http import (
    AsyncHTTP,
    Call,
    RawResponse,
    RequestOptions,
    RequestSpec,
    StaticAuth,
    SyncHTTP,
)
from _sdkcore.pagination import Page, ParsePage
from _sdkcore.parsing import json_body, structure
from _sdkcore.paths import build_path
from _sdkcore.serde import UNSET, Unset
from _sdkcore.twins import AsyncRunner, AsyncTwin, SyncRunner, SyncTwin
from ghlsdk.errors import APIResponseValidationError, MissingScopeError
from ghlsdk.models._converter import converter
from ghlsdk.resources._field_cache import FieldCache

__all__ = [
    "READ",
    "V2021_07_28",
    "WRITE",
    "AsyncRunner",
    "Context",
    "Operation",
    "SyncRunner",
    "normalize_scopes",
]

T = TypeVar("T")

V2021_07_28 = "2021-07-28"
READ = "contacts.readonly"
WRITE = "contacts.write"


@attrs.frozen
class Operation:
    """One endpoint: ``name`` is the SDK method (``contacts.get``), ``scope`` the OAuth scope
    it needs, ``version`` the ``Version`` header the spec requires, ``operation_id`` the id in
    the official OpenAPI file, ``idempotent`` overrides the method's retry safety."""

    name: str
    method: str
    path: str
    scope: str
    operation_id: str
    version: str = V2021_07_28
    idempotent: bool | None = None


def normalize_scopes(scopes: object) -> frozenset[str] | None:
    """``"a b"``, ``["a", "b"]`` or ``None`` → a frozenset of scope names (``None``: unknown)."""
    if scopes is None:
        return None
    if isinstance(scopes, str):
        return frozenset(scopes.split())
    if isinstance(scopes, Iterable):
        out = set()
        for scope in scopes:
            if not isinstance(scope, str):
                raise TypeError(f"scopes must be strings, got {type(scope).__name__}")
            out.update(scope.split())
        return frozenset(out)
    raise TypeError(f"scopes must be a string or an iterable of strings, not {type(scopes)}")


def _satisfies(granted: frozenset[str], needed: str) -> bool:
    if needed in granted:
        return True
    # A write scope is taken to include reading the same resource (lenient: a false
    # "missing scope" would block calls the server accepts).
    if needed.endswith(".readonly"):
        return needed[: -len(".readonly")] + ".write" in granted
    return False


_VERSION_HEADERS: dict[str, Mapping[str, str]] = {}

# GHL ids are letters, digits, "_" and "-": such a segment passes every build_path check
# and percent-encodes to itself, so it can be filled in directly; anything else is checked.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def _fill_path(template: str, params: Mapping[str, object]) -> str:
    for value in params.values():
        if type(value) is not str or _PLAIN_SEGMENT.fullmatch(value) is None:
            return build_path(template, **params)
    return template.format(**params)


def _version_headers(version: str) -> Mapping[str, str]:
    headers = _VERSION_HEADERS.get(version)
    if headers is None:
        headers = _VERSION_HEADERS[version] = {"Version": version}
    return headers


@attrs.frozen(kw_only=True)
class Context:
    """Client-wide defaults every operation builder reads: the location, the scopes granted
    (``None``: unknown, nothing is checked), the auth (for its ``scopes`` attribute) and a
    ``Version`` override."""

    location_id: str | None = None
    scopes: frozenset[str] | None = None
    auth: object = None
    version: str | None = None
    #: The custom field registry's cache (a ``FieldCache``; copies made by ``with_options``
    #: keep the same one).
    field_cache: object = attrs.field(factory=FieldCache, eq=False, repr=False)

    def granted_scopes(self) -> frozenset[str] | None:
        if self.scopes is not None:
            return self.scopes
        auth = self.auth
        if auth is None or type(auth) is StaticAuth:  # a plain token has no known scopes
            return None
        return normalize_scopes(getattr(auth, "scopes", None))

    def location(self, op: Operation, explicit: str | Unset | None) -> str:
        """The location for ``op``: ``explicit`` if given, else the client's; else ValueError."""
        location = self.location_id if isinstance(explicit, Unset) or explicit is None else explicit
        if not location:
            raise ValueError(
                f"{op.name}() needs a location id: pass location_id= to this call or "
                "GHLClient(location_id=...)"
            )
        if not isinstance(location, str):
            raise TypeError(f"location_id must be a string, not {type(location).__name__}")
        return location

    def spec(
        self,
        op: Operation,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = UNSET,
        location_id: str | None = None,
        options: RequestOptions | None = None,
    ) -> RequestSpec:
        """The request for ``op``; raises before sending on a missing scope or bad id."""
        granted = self.granted_scopes()
        if granted is not None and not _satisfies(granted, op.scope):
            raise MissingScopeError(op.name, op.scope, granted)
        if options is not None and not isinstance(options, RequestOptions):
            raise TypeError(f"options must be a RequestOptions, not {type(options).__name__}")
        path = _fill_path(op.path, path_params) if path_params else op.path
        headers = _version_headers(self.version or op.version)
        # A per-call "version" header (any case) replaces ours instead of adding a second.
        if (
            options is not None
            and options.extra_headers
            and any(k.lower() == "version" for k in options.extra_headers)
        ):
            headers = {}
        return RequestSpec(
            method=op.method,
            path=path,
            params=params,
            json=json,
            headers=headers,
            idempotent=op.idempotent,
            rate_key=location_id or self.location_id,
            options=options,
        )


# ---------------------------------------------------------------- response helpers (pure)


def envelope(response: httpx.Response, key: str, cls: type[T]) -> T:
    """``body[key]`` structured as ``cls`` (the API wraps records: ``{"contact": {...}}``)."""
    body = json_body(response)
    # json.loads gives plain dicts: test for them before the slower ABC isinstance.
    record = body.get(key) if type(body) is dict or isinstance(body, Mapping) else None
    if type(record) is not dict and not isinstance(record, Mapping):
        raise APIResponseValidationError(
            f"expected a JSON object with a {key!r} object in the {response.status_code} response",
            response=response,
            body=body,
        )
    return structure(converter, record, cls, response)


def raw_list(response: httpx.Response, body: Any, key: str) -> list[Any]:
    """``body[key]`` unparsed: a list (missing or null means empty) in a JSON object."""
    if not isinstance(body, Mapping):
        raise APIResponseValidationError(
            f"expected a JSON object with a {key!r} list", response=response, body=body
        )
    items = body.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise APIResponseValidationError(
            f"expected {key!r} to be a list, got {type(items).__name__}",
            response=response,
            body=body,
        )
    return items


def envelope_list(response: httpx.Response, key: str, cls: type[T]) -> list[T]:
    """``body[key]`` (a list; missing or null means empty) structured as ``list[cls]``."""
    items = raw_list(response, json_body(response), key)
    return structure(converter, items, list[cls], response)  # type: ignore[valid-type]


def string_list(response: httpx.Response, key: str) -> list[str]:
    """``body[key]`` as a list of strings (missing or null means empty)."""
    body = json_body(response, allow_empty=True)
    items = body.get(key) if isinstance(body, Mapping) else None
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise APIResponseValidationError(
            f"expected {key!r} to be a list of strings", response=response, body=body
        )
    return list(items)


def success(response: httpx.Response) -> None:
    """Accept ``{"succeded": true}`` (sic), ``{"succeeded": true}``, ``{"success": true}`` or
    an empty body; a 2xx that explicitly reports ``false`` raises."""
    body = json_body(response, allow_empty=True)
    if isinstance(body, Mapping):
        for key in ("succeded", "succeeded", "success"):
            if body.get(key) is False:
                raise APIResponseValidationError(
                    f"the server answered {response.status_code} but reported {key}=false",
                    response=response,
                    body=body,
                )


# ---------------------------------------------------------------- runners


class _SyncRaw:
    """Raw mode: every method returns the first (or only) response as a ``RawResponse``."""

    def __init__(self, http: SyncHTTP) -> None:
        self.http = http

    def execute(self, call: Call[T]) -> RawResponse[T]:
        return self.http.execute_raw(call)

    def pages(self, first: RequestSpec, parse_page: ParsePage[T]) -> RawResponse[Page[T]]:
        return self.http.execute_raw(Call(first, lambda r: parse_page(first, r)))


class _AsyncRaw:
    def __init__(self, http: AsyncHTTP) -> None:
        self.http = http

    async def execute(self, call: Call[T]) -> RawResponse[T]:
        return await self.http.execute_raw(call)

    async def pages(self, first: RequestSpec, parse_page: ParsePage[T]) -> RawResponse[Page[T]]:
        return await self.http.execute_raw(Call(first, lambda r: parse_page(first, r)))


def sync_runner(http: SyncHTTP, *, raw: bool = False) -> SyncRunner:
    """The runner for a sync client; ``raw=True`` returns ``RawResponse`` objects instead."""
    return cast(SyncRunner, _SyncRaw(http)) if raw else twins.sync_runner(http)


def async_runner(http: AsyncHTTP, *, raw: bool = False) -> AsyncRunner:
    """The runner for an async client; ``raw=True`` returns ``RawResponse`` objects instead."""
    return cast(AsyncRunner, _AsyncRaw(http)) if raw else twins.async_runner(http)


class SyncResource(SyncTwin):
    """Base of the sync resource classes (their methods are made by ``_sdkcore.twins``)."""

    _ctx: Context


class AsyncResource(AsyncTwin):
    """Base of the async resource classes."""

    _ctx: Context
