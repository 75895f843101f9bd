"""Shared helpers for the FakeGHL tests (this module holds no tests).

``api`` is parametrised over a sync ``httpx.Client`` and an ``httpx.AsyncClient`` on the same
fake, so every endpoint test runs through both transports with one body of code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ghlsdk.testing import BASE_URL, CONTACTS_VERSION, FakeClock, FakeGHL

_DEFAULT = object()


class Api:
    """Sends raw HTTP to a FakeGHL through a sync or an async httpx client."""

    def __init__(self, fake: FakeGHL, mode: str) -> None:
        self.fake = fake
        self.mode = mode
        self.sync = httpx.Client(transport=fake, base_url=BASE_URL)
        self.aio = httpx.AsyncClient(transport=fake, base_url=BASE_URL)

    def headers(self, token: Any = _DEFAULT, version: Any = _DEFAULT) -> dict[str, str]:
        out: dict[str, str] = {}
        token = self.fake.token if token is _DEFAULT else token
        version = CONTACTS_VERSION if version is _DEFAULT else version
        if token is not None:
            out["Authorization"] = f"Bearer {token}"
        if version is not None:
            out["Version"] = version
        return out

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        token: Any = _DEFAULT,
        version: Any = _DEFAULT,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        hdrs = {**self.headers(token, version), **(headers or {})}
        kwargs: dict[str, Any] = {"params": params, "headers": hdrs}
        if content is not None:
            kwargs["content"] = content
        elif json is not None:
            kwargs["json"] = json
        if self.mode == "sync":
            return self.sync.request(method, path, **kwargs)
        return await self.aio.request(method, path, **kwargs)

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("POST", path, **kw)

    async def put(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("PUT", path, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kw)

    async def close(self) -> None:
        self.sync.close()
        await self.aio.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> FakeGHL:
    return FakeGHL(clock=clock)


@pytest.fixture(params=["sync", "async"])
async def api(request: pytest.FixtureRequest, fake: FakeGHL) -> AsyncIterator[Api]:
    client = Api(fake, request.param)
    yield client
    await client.close()


def new_contact(fake: FakeGHL, **fields: Any) -> dict[str, Any]:
    """A create-contact body for the fake's location."""
    return {"locationId": fake.location_id, **fields}
