"""The client against ``ninoxsdk.testing.FakeNinox``, sync and async."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from datetime import date, datetime, timezone
from typing import Any

import httpx
import pytest

from ninoxsdk import (
    AsyncNinoxClient,
    BatchWriteError,
    FieldMappingError,
    NinoxClient,
    NotFoundError,
    UnknownFieldError,
)
from ninoxsdk.testing import FakeNinox, FieldSpec, ScriptDatabase

KEY = "fake-key-0123456789"
FIELDS = {
    "A": ("Name", "string"),
    "B": ("Email", "email"),
    "C": FieldSpec("Stage", "choice", choices=["Lead", "Customer"]),
    "D": ("Born", "date"),
    "E": ("Next call", "datetime"),
    "F": FieldSpec("Full name", "fn", fn='A + " " + B'),
}


def scripts(script: str, db: ScriptDatabase) -> Any:
    if script == "count":
        return len(db.records("Contacts"))
    if script.startswith("create "):
        return db.save("Contacts", {"Name": script.split(" ", 1)[1]})["id"]
    return None


class Env:
    def __init__(self, mode: str, **fake_options: Any) -> None:
        self.mode = mode
        self.fake = FakeNinox(api_key=KEY, script_handler=scripts, **fake_options)
        self.fake.add_team("T1", "Acme")
        self.fake.add_database("T1", "db1", "CRM")
        self.fake.add_table("T1", "db1", "A", "Contacts", FIELDS)
        options: dict[str, Any] = {"api_key": KEY, "min_interval": 0}
        if mode == "sync":
            self.http: Any = httpx.Client(transport=self.fake)
            self.nx: Any = NinoxClient(http_client=self.http, **options)
        else:
            self.http = httpx.AsyncClient(transport=self.fake)
            self.nx = AsyncNinoxClient(http_client=self.http, **options)
        self.db = self.nx.database("T1", "db1")
        self.t = self.db.table("Contacts")

    async def __call__(self, value: Any) -> Any:
        return await value if inspect.isawaitable(value) else value

    async def collect(self, iterable: Any) -> list[Any]:
        if hasattr(iterable, "__aiter__"):
            return [item async for item in iterable]
        return list(iterable)

    async def close(self) -> None:
        if self.mode == "sync":
            self.http.close()
        else:
            await self.http.aclose()


@pytest.fixture(params=["sync", "async"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    e = Env(request.param)
    yield e
    await e.close()


async def test_save_list_get_update(env: Env) -> None:
    when = datetime(2025, 3, 10, 13, 0, tzinfo=timezone.utc)
    saved = await env(
        env.t.save(
            [
                {
                    "Name": "Ada",
                    "Email": "ada@example.org",
                    "Stage": "Lead",
                    "Born": date(1815, 12, 10),
                },
                {"Name": "Grace", "Next call": when},
            ]
        )
    )
    assert [r.fields["Name"] for r in saved] == ["Ada", "Grace"]
    ada, grace = saved
    assert ada.sequence is not None
    assert ada.created_at is not None
    assert ada.created_at.tzinfo is not None
    page = await env(env.t.page(per_page=10))
    assert {r.id for r in page} == {ada.id, grace.id}
    got = await env(env.t.get(ada.id))
    assert got.fields["Born"] == date(1815, 12, 10)
    assert got.fields["Stage"] == "Lead"
    assert got.fields["Stage"].id is not None
    assert (await env(env.t.get(grace.id))).fields["Next call"] == when
    updated = await env(env.t.update(ada.id, {"Stage": "Customer"}))
    assert updated.fields["Stage"] == "Customer"
    assert updated.fields["Name"] == "Ada"
    again = await env(env.t.save([{"id": grace.id, "fields": {"Email": "g@x.org"}}]))
    assert again[0].fields["Email"] == "g@x.org"
    assert env.fake.record("T1", "db1", "A", grace.id)["fields"]["Name"] == "Grace"


async def test_unknown_field_is_caught_before_the_fake_sees_it(env: Env) -> None:
    await env(env.t.page())
    before = len(env.fake.requests)
    with pytest.raises(UnknownFieldError):
        await env(env.t.save([{"Nmae": "x"}]))
    assert len(env.fake.requests) == before


async def test_untyped_write_to_formula_field_is_a_field_mapping_error(env: Env) -> None:
    raw = env.db.table("A", typed=False)
    with pytest.raises(BatchWriteError) as info:
        await env(raw.save([{"Full name": "x"}]))
    assert isinstance(info.value.__cause__, FieldMappingError)
    assert env.fake.count("POST", "*/records") == 1  # not retried


async def test_iter_while_writing_between_pages(env: Env) -> None:
    for i in range(10):
        env.fake.add_record("T1", "db1", "A", {"Name": f"r{i}"})
    ids: list[int] = []
    async for record in _aiter(env.t.list(per_page=3)):
        ids.append(record.id)
        if len(ids) == 3:  # page boundary: the next page has not been fetched yet
            env.fake.delete_record("T1", "db1", "A", 2)  # already read
            env.fake.delete_record("T1", "db1", "A", 8)  # not read yet
            env.fake.update_record("T1", "db1", "A", 5, {"Name": "changed"})
            env.fake.add_record("T1", "db1", "A", {"Name": "late"})
    assert ids == [1, 2, 3, 4, 5, 6, 7, 9, 10, 11]


async def test_list_is_lazy_and_every_page_and_iter_is_its_former_name(env: Env) -> None:
    for i in range(7):
        env.fake.add_record("T1", "db1", "A", {"Name": f"r{i}"})
    listing = env.t.list(per_page=3)
    assert env.fake.count("GET", "*/records") == 0  # nothing sent until iterated
    assert [r.id for r in await env.collect(listing)] == [1, 2, 3, 4, 5, 6, 7]
    assert env.fake.count("GET", "*/records") == 3
    assert [r.id for r in await env(listing.to_list(limit=4))] == [1, 2, 3, 4]
    assert env.fake.count("GET", "*/records") == 5  # two more pages, not three
    assert [r.id for r in await env.collect(env.t.iter(per_page=3))] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.id for r in await env(env.t.page(1, per_page=3))] == [4, 5, 6]


async def test_a_page_failing_half_way_through_a_listing_keeps_the_pages_before(
    env: Env,
) -> None:
    for i in range(7):
        env.fake.add_record("T1", "db1", "A", {"Name": f"r{i}"})
    items = _aiter(env.t.list(per_page=3))
    got = [(await anext(items)).id for _ in range(3)]
    env.fake.fail_next(404, method="GET", path="*/records")
    with pytest.raises(NotFoundError):
        await anext(items)
    assert got == [1, 2, 3]
    assert env.fake.count("GET", "*/records") == 2  # the failed page is not retried


async def _aiter(iterator: Any) -> AsyncIterator[Any]:
    if hasattr(iterator, "__aiter__"):
        async for item in iterator:
            yield item
    else:
        for item in iterator:
            yield item


async def test_changes_follow_the_sequence(env: Env) -> None:
    for i in range(4):
        env.fake.add_record("T1", "db1", "A", {"Name": f"r{i}"})
    boot = env.t.changes(None)
    assert await env.collect(boot) == []
    assert boot.cursor == env.fake.sequence("T1", "db1")
    env.fake.update_record("T1", "db1", "A", 2, {"Name": "two"})
    env.fake.add_record("T1", "db1", "A", {"Name": "five"})
    changes = env.t.changes(boot.cursor, per_page=1)
    changed = await env.collect(changes)
    assert sorted(r.id for r in changed) == [2, 5]
    assert changes.cursor == env.fake.sequence("T1", "db1")
    idle = env.t.changes(changes.cursor)
    assert await env.collect(idle) == []
    assert idle.cursor == changes.cursor


async def test_a_change_scan_failing_half_way_leaves_the_cursor_where_it_was(env: Env) -> None:
    for i in range(3):
        env.fake.add_record("T1", "db1", "A", {"Name": f"r{i}"})
    changes = env.t.changes(0, per_page=1)
    items = _aiter(changes)
    first = await anext(items)
    env.fake.fail_next(404, method="GET", path="*/records")
    with pytest.raises(NotFoundError):
        await anext(items)
    assert changes.cursor == 0  # not advanced: the next poll reads these changes again
    again = await env.collect(changes)
    assert first.id in {r.id for r in again}
    assert len(again) == 3
    assert changes.cursor == env.fake.sequence("T1", "db1")


async def test_changes_when_since_sq_needs_updated() -> None:
    env = Env("sync", since_sq_requires_updated=True)
    env.fake.add_record("T1", "db1", "A", {"Name": "a"})
    cursor = env.fake.sequence("T1", "db1")
    env.fake.add_record("T1", "db1", "A", {"Name": "b"})
    assert [r.fields["Name"] for r in env.t.changes(cursor)] == ["b"]
    await env.close()


@pytest.mark.parametrize("bulk", [True, False])
async def test_delete_many(env: Env, bulk: bool) -> None:
    env.fake.supports_delete_many = bulk
    for i in range(5):
        env.fake.add_record("T1", "db1", "A", {"Name": f"r{i}"})
    assert await env(env.t.delete_many([1, 3, 4])) == [1, 3, 4]
    assert [r["id"] for r in env.fake.records("T1", "db1", "A")] == [2, 5]
    singles = env.fake.count("DELETE", "*/records/*")
    assert singles == (0 if bulk else 3)
    await env(env.t.delete(2))
    assert [r["id"] for r in env.fake.records("T1", "db1", "A")] == [5]


async def test_files(env: Env) -> None:
    rid = env.fake.add_record("T1", "db1", "A", {"Name": "a"})["id"]
    files = env.t.files(rid)
    await env(files.upload("notes.txt", b"hello", content_type="text/plain"))
    listed = await env(files.list())
    assert [f.name for f in listed] == ["notes.txt"]
    assert await env(files.download("notes.txt")) == b"hello"
    assert env.fake.files("T1", "db1", "A", rid) == {"notes.txt": b"hello"}
    await env(files.delete("notes.txt"))
    assert await env(files.list()) == []


async def test_query_exec_and_schema(env: Env) -> None:
    env.fake.add_record("T1", "db1", "A", {"Name": "a"})
    assert await env(env.db.query("count")) == 1
    assert await env(env.db.query("count", method="GET")) == 1
    new_id = await env(env.db.exec("create Bob"))
    assert env.fake.record("T1", "db1", "A", new_id)["fields"]["Name"] == "Bob"
    schema = await env(env.db.schema())
    full = schema.table("Contacts").field("Full name")
    assert full.read_only
    teams = await env(env.nx.teams.list())
    assert [t.id for t in teams] == ["T1"]
    assert [d.id for d in await env(env.nx.databases.list("T1"))] == ["db1"]
    assert [t.name for t in await env(env.db.tables.list())] == ["Contacts"]


async def test_transient_faults_are_retried(env: Env) -> None:
    env.nx._http._sleep = _no_sleep(env.mode)
    env.fake.fail_next(503, method="GET", path="*/records")
    assert await env(env.t.page()) == []
    env.fake.fail_next(429, method="POST", path="*/records")
    saved = await env(env.t.save([{"Name": "x"}]))
    assert len(saved) == 1
    assert len(env.fake.records("T1", "db1", "A")) == 1


def _no_sleep(mode: str) -> Any:
    if mode == "sync":
        return lambda seconds: None

    async def asleep(seconds: float) -> None:
        return None

    return asleep
