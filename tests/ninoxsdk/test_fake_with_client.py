"""FakeNinox behind the real NinoxClient / AsyncNinoxClient (the way users test with it)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ninoxsdk import AsyncNinoxClient, BatchWriteError, NinoxClient, RetryPolicy
from ninoxsdk.testing import FakeNinox
from tests.ninoxsdk.test_fake_ninox_support import DB, KEY, TEAM, make_fake

NO_WAIT = RetryPolicy(max_retries=2, base_delay=0, max_delay=0)


def sync_client(fake: FakeNinox, **kwargs: object) -> NinoxClient:
    return NinoxClient(
        api_key=KEY,
        http_client=httpx.Client(transport=fake),
        min_interval=0,
        retry=NO_WAIT,
        **kwargs,  # type: ignore[arg-type]
    )


def async_client(fake: FakeNinox, **kwargs: object) -> AsyncNinoxClient:
    return AsyncNinoxClient(
        api_key=KEY,
        http_client=httpx.AsyncClient(transport=fake),
        min_interval=0,
        retry=NO_WAIT,
        **kwargs,  # type: ignore[arg-type]
    )


def test_sync_client_round_trip() -> None:
    fake = make_fake()
    with sync_client(fake, chunk_size=100) as nx:
        contacts = nx.database(TEAM, DB).table("Contacts")
        saved = contacts.save([{"First name": f"P{i}", "Score": i} for i in range(250)])
        assert [r.id for r in saved] == list(range(1, 251))
        assert fake.count("POST", "*/records") == 3  # ceil(250 / 100) batch requests
        assert [r.id for r in contacts.list()] == list(range(1, 251))
        contacts.update(7, {"Stage": "Customer"})
        assert fake.record(TEAM, DB, "A", 7)["fields"]["Stage"] == "Customer"  # type: ignore[index]
        assert sorted(contacts.delete_many([1, 2, 3])) == [1, 2, 3]
        assert len(fake.records(TEAM, DB, "A")) == 247
        changes = contacts.changes(since_sq=250)
        assert [r.id for r in changes] == [7]
        assert changes.cursor == 251


async def test_async_client_round_trip() -> None:
    fake = make_fake()
    async with async_client(fake) as nx:
        contacts = nx.database(TEAM, DB).table("Contacts")
        saved = await contacts.save([{"First name": "Ada"}, {"First name": "Bob"}])
        assert [r.fields["First name"] for r in saved] == ["Ada", "Bob"]
        files = contacts.files(1)
        await files.upload("a.txt", b"hello")
        assert await files.download("a.txt") == b"hello"
        assert fake.files(TEAM, DB, "A", 1) == {"a.txt": b"hello"}
        fake.script_handler = lambda script, db: len(db.records("Contacts"))
        assert await nx.database(TEAM, DB).query("count(select Contacts)") == 2


def test_client_retries_a_503_on_a_read() -> None:
    fake = make_fake()
    fault = fake.fail_next(503, method="GET", path="/teams")
    with sync_client(fake) as nx:
        assert [t.id for t in nx.teams.list()] == [TEAM]
    assert fault.hits == 1
    assert fake.count("GET", "/teams") == 2


def test_write_then_timeout_is_not_resent_blindly() -> None:
    fake = make_fake()
    fake.fail_next(exception=httpx.ReadTimeout, method="POST", after_write=True)
    with sync_client(fake) as nx, pytest.raises(BatchWriteError, match="timed out"):
        nx.database(TEAM, DB).table("Contacts").save([{"First name": "Ada"}])
    # the write reached the server once; a blind retry would have made a duplicate
    assert [r["fields"] for r in fake.records(TEAM, DB, "A")] == [{"First name": "Ada"}]
    assert fake.count("POST") == 1


async def test_async_client_keeps_one_request_in_flight() -> None:
    async def yield_once(seconds: float) -> None:
        await asyncio.sleep(0)

    fake = make_fake(latency=1.0, async_sleep=yield_once)
    async with async_client(fake) as nx:
        await asyncio.gather(*(nx.teams.list() for _ in range(5)))
    assert fake.count("GET", "/teams") == 5
    assert fake.max_in_flight == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda http: NinoxClient.private_cloud("acme", api_key=KEY, http_client=http),
        lambda http: NinoxClient.on_premise("https://10.0.0.5:8443", api_key=KEY, http_client=http),
    ],
)
def test_private_cloud_and_on_premise_clients_reach_the_fake(make: Any) -> None:
    fake = make_fake()
    with make(httpx.Client(transport=fake)) as nx:
        assert [t.id for t in nx.teams.list()] == [TEAM]
    host = httpx.URL(fake.requests[-1].url).host
    assert host in ("acme.ninoxdb.de", "10.0.0.5")
