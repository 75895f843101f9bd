"""Shared helpers for the auth tests (this module holds no tests).

``OAuthServer`` is a tiny in-memory stand-in for GHL's token endpoints and one protected
resource, usable as an httpx transport from sync and async clients. It enforces rotation
(each refresh token works once), records every request, and can block the token endpoint so
tests can pile concurrent callers onto one refresh.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import anyio
import anyio.lowlevel
import httpx

from ghlsdk.auth import TokenSet

BASE = "https://services.leadconnectorhq.com"
CLIENT_ID = "66a0419a0dffa47fb5f8b22f-lx1abcde"
CLIENT_SECRET = "cs_9f8e7d6c5b4a39281706"
T0 = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


class Clock:
    """A settable clock for sessions."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def token_json(
    access: str,
    refresh: str | None,
    *,
    expires_in: float = 86399,
    scope: str = "contacts.readonly contacts.write",
    **more: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": scope,
        "userType": "Location",
        "locationId": "loc_1",
        "companyId": "comp_1",
        "userId": "user_1",
    }
    if refresh is not None:
        body["refresh_token"] = refresh
    body.update(more)
    return body


def tokens(access: str, refresh: str | None, *, expires_at: datetime, **kw: Any) -> TokenSet:
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        expires_at=expires_at,
        scopes=kw.pop("scopes", "contacts.readonly contacts.write"),
        user_type=kw.pop("user_type", "Location"),
        location_id=kw.pop("location_id", "loc_1"),
        company_id=kw.pop("company_id", "comp_1"),
        **kw,
    )


class OAuthServer:
    """Token endpoints plus ``GET /contacts/...`` that accepts only current access tokens."""

    def __init__(self, *, refresh_token: str = "rt_0000000001") -> None:  # noqa: S107
        self.lock = threading.Lock()
        self.valid_refresh: set[str] = {refresh_token}
        self.valid_access: set[str] = set()
        self.agency_access: set[str] = set()
        self.counter = 0
        self.requests: list[httpx.Request] = []
        self.events: list[tuple[str, str]] = []  # ("refresh", rt) / ("request", bearer)
        self.refresh_calls = 0
        self.location_calls = 0
        self.gate: Callable[[], None] | None = None  # runs inside the token endpoint (sync)
        self.agate: Callable[[], Any] | None = None  # awaited inside the token endpoint
        self.reject_once: set[str] = set()  # access tokens answered 401 once
        self.expires_in = 86399
        self.scope = "contacts.readonly contacts.write"

    # sync and async entry points share one body
    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with self.lock:
            self.requests.append(request)
        if request.url.path == "/oauth/token":
            if self.gate is not None:
                self.gate()
            return self._token(request)
        return self._finish(request)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        with self.lock:
            self.requests.append(request)
        if request.url.path == "/oauth/token" and self.agate is not None:
            await self.agate()
            return self._token(request)
        if request.url.path == "/oauth/token":
            return self._token(request)
        return self._finish(request)

    def _finish(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/locationToken":
            return self._location(request)
        return self._resource(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        with self.lock:
            if form.get("client_secret") != CLIENT_SECRET:
                return httpx.Response(401, json={"message": "Invalid client credentials"})
            if form.get("grant_type") == "refresh_token":
                self.refresh_calls += 1
                rt = form.get("refresh_token", "")
                self.events.append(("refresh", rt))
                if rt not in self.valid_refresh:
                    return httpx.Response(
                        400, json={"error": "invalid_grant", "message": f"bad token {rt}"}
                    )
                self.valid_refresh.discard(rt)  # rotation: each refresh token works once
            self.counter += 1
            access, refresh = f"at_{self.counter:010d}", f"rt_{self.counter + 1:010d}"
            self.valid_access.add(access)
            self.valid_refresh.add(refresh)
        body = token_json(access, refresh, expires_in=self.expires_in, scope=self.scope)
        return httpx.Response(200, json=body)

    def _location(self, request: httpx.Request) -> httpx.Response:
        bearer = request.headers.get("authorization", "")[7:]
        with self.lock:
            self.location_calls += 1
            if bearer not in self.agency_access:
                return httpx.Response(401, json={"message": "Invalid JWT"})
            self.counter += 1
            access = f"lt_{self.counter:010d}"
            self.valid_access.add(access)
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": "contacts.readonly",
            "locationId": parse_qs(request.content.decode())["locationId"][0],
            "userId": "user_1",
        }
        return httpx.Response(200, json=body)

    def _resource(self, request: httpx.Request) -> httpx.Response:
        bearer = request.headers.get("authorization", "")[7:]
        with self.lock:
            self.events.append(("request", bearer))
            if bearer in self.reject_once:
                self.reject_once.discard(bearer)
                return httpx.Response(401, json={"message": "Invalid JWT"})
            if bearer not in self.valid_access:
                return httpx.Response(401, json={"message": "Invalid JWT"})
        return httpx.Response(200, json={"contact": {"id": "c1"}})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.ahandle))

    def form(self, index: int) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.requests[index].content.decode()).items()}


def blocked_until(count: Callable[[], int], target: int) -> Callable[[], None]:
    """A gate that holds the token endpoint until ``count()`` reaches ``target`` callers."""

    def gate() -> None:
        for _ in range(2000):
            if count() >= target:
                break
            threading.Event().wait(0.001)
        # Let late threads reach the session too; correctness never depends on this wait.
        threading.Event().wait(0.02)

    return gate


def async_gate(count: Callable[[], int], target: int) -> Callable[[], Any]:
    async def gate() -> None:
        for _ in range(2000):
            if count() >= target:
                break
            await anyio.lowlevel.checkpoint()
        await anyio.sleep(0.01)

    return gate


def dumps(value: Any) -> str:
    return json.dumps(value)
