"""Shared set-up for the FakeNinox tests: a seeded fake and one API wrapper for sync and async.

Every endpoint test takes the ``api`` fixture, which is parametrised over a sync
``httpx.Client`` and an async ``httpx.AsyncClient`` on the same fake, so both transport entry
points run the same checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from ninoxsdk.testing import FakeClock, FakeNinox, FieldSpec

KEY = "0f3c2b1a-9e8d-4c7b-a6f5-e4d3c2b1a0f9"
TEAM = "Qw3rTy7uIo9pAs1dF"
DB = "p4k8d2m9x1qz"
BASE_URL = "https://api.ninox.com/v1"
DBP = f"/teams/{TEAM}/databases/{DB}"
CONTACTS = f"{DBP}/tables/A"
RECORDS = f"{CONTACTS}/records"


def make_clock() -> FakeClock:
    """The clock of the tests' fakes (record timestamps), moved by hand."""
    return FakeClock(datetime(2025, 3, 2, 9, 14, 5, tzinfo=timezone.utc))


def make_fake(**options: Any) -> FakeNinox:
    """A fake with one team, one database, ``Contacts`` (A) and ``Companies`` (B)."""
    options.setdefault("clock", make_clock())
    fake = FakeNinox(api_key=KEY, user_id="u8f2k1", **options)
    fake.add_team(TEAM, "Acme Sales")
    fake.add_database(TEAM, DB, "CRM")
    fake.add_table(
        TEAM,
        DB,
        "A",
        "Contacts",
        {
            "A": ("First name", "string"),
            "G": ("Email", "email"),
            "B": FieldSpec("Stage", "choice", choices=["Lead", "Customer"]),
            "C": FieldSpec("Company", "ref", ref_table="B", reverse_field="D"),
            "E": FieldSpec("Full name", "fn", fn='A + " " + F'),
            "H": ("Score", "number"),
            "I": ("VIP", "boolean"),
            "J": ("Birthday", "date"),
            "K": ("Next call", "datetime"),
            "L": FieldSpec("Tags", "multi", choices={"t1": "vip", "t2": "new"}),
            "M": ("Meeting", "appointment"),
            "N": ("Photo", "image"),
            "O": ("Call time", "time"),
            "P": ("Duration", "timeinterval"),
        },
    )
    fake.add_table(
        TEAM,
        DB,
        "B",
        "Companies",
        {"A": ("Name", "string"), "D": FieldSpec("Contacts", "rev", ref_table="A")},
    )
    return fake


class Api:
    """Same calls through a sync or an async httpx client (``await`` either way)."""

    def __init__(self, fake: FakeNinox, mode: str, base_url: str = BASE_URL) -> None:
        self.fake = fake
        self.mode = mode
        headers = {"Authorization": f"Bearer {KEY}"}
        self.client: httpx.Client | httpx.AsyncClient
        if mode == "sync":
            self.client = httpx.Client(transport=fake, base_url=base_url, headers=headers)
        else:
            self.client = httpx.AsyncClient(transport=fake, base_url=base_url, headers=headers)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        if isinstance(self.client, httpx.AsyncClient):
            return await self.client.request(method, url, **kwargs)
        return self.client.request(method, url, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def ok(self, method: str, url: str, **kwargs: Any) -> Any:
        """Send, assert 200, return the JSON body (None for an empty body)."""
        response = await self.request(method, url, **kwargs)
        assert response.status_code == 200, response.text
        return response.json() if response.content else None

    async def aclose(self) -> None:
        if isinstance(self.client, httpx.AsyncClient):
            await self.client.aclose()
        else:
            self.client.close()


@pytest.fixture(name="fake")
def fake_fixture() -> FakeNinox:
    return make_fake()


@pytest.fixture(name="api", params=["sync", "async"])
async def api_fixture(request: pytest.FixtureRequest, fake: FakeNinox) -> AsyncIterator[Api]:
    wrapper = Api(fake, request.param)
    yield wrapper
    await wrapper.aclose()
