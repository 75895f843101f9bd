"""The sync engine on a PostgreSQL state: a few of the engine's scenarios (first sync with
creates both ways, a crash after a create was applied, a lost answer then a newer edit) with
the sync and the async engine, each "process" a new store on the same database. The same
scenarios run on SQLite in test_sync_regressions.py; this proves the engine cannot tell the
backends apart. Needs the throwaway cluster of tests/conftest.py."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bridge.state import PostgresStateStore, StateStore
from bridge.sync import AsyncSyncEngine, RunReport, SyncEngine
from bridge.testing import FakeWorld
from ghlsdk import APIError
from tests.bridge.syncworld import (
    Faults,
    Runner,
    add_ninox,
    assert_converged,
    async_clients,
    by_ghl_id,
    clients,
    edit_ninox,
    until_quiet,
)

pytestmark = pytest.mark.postgres


def pg_engine(world: FakeWorld, url: str, faults: Faults, *, use_async: bool = False) -> Runner:
    """Like syncworld.engine, on a PostgreSQL store: each run opens its own store (a new
    process, as far as the state knows) and closes it, however the run ends."""

    def run_sync(kind: str) -> RunReport:
        ghl, db = clients(world, faults)
        with PostgresStateStore(url) as store:
            engine = SyncEngine(ghl, db, store, mappings=world.mappings)
            return engine.plan() if kind == "plan" else engine.sync()

    def run_async(kind: str) -> RunReport:
        async def go() -> RunReport:
            ghl, db = async_clients(world, faults)
            with PostgresStateStore(url) as store:
                engine = AsyncSyncEngine(ghl, db, store, mappings=world.mappings)
                return await (engine.plan() if kind == "plan" else engine.sync())

        return asyncio.run(go())

    return run_async if use_async else run_sync


def assert_settled(url: str) -> None:
    """Nothing left with an unknown outcome, no link unsettled (syncworld's state checks,
    on the PostgreSQL store)."""
    store: StateStore
    with PostgresStateStore(url) as store:
        assert store.open_ops() == [], "ops with an unknown outcome were left behind"
        assert [lk for lk in store.links() if lk.error_count] == []
        assert store.runs()[0].status == "ok"


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_first_sync_creates_both_ways(postgres_schema_url: str, use_async: bool) -> None:
    url = postgres_schema_url
    world = FakeWorld()
    ada = world.ghl.add_contact(firstName="Ada", email="ada@example.com")
    rid = add_ninox(world, "Contacts", {"First Name": "Bob", "Email": "bob@example.com"})
    add_ninox(world, "Tasks", {"Title": "Call", "Due Date": "2026-05-01T09:00:00", "Contact": rid})
    run = pg_engine(world, url, Faults(), use_async=use_async)
    first = run("sync")
    assert first.ok, first
    until_quiet(run)
    assert by_ghl_id(world, "Contacts")[ada["id"]]["First Name"] == "Ada"
    assert {c.get("firstName") for c in world.ghl.contacts.values()} == {"Ada", "Bob"}
    assert [t["title"] for t in world.ghl.tasks.values()] == ["Call"]
    assert_converged(world)
    assert_settled(url)
    with PostgresStateStore(url) as store:
        assert len(store.links("contact")) == 2
        assert len(store.links("task")) == 1
        assert store.cursors()  # both feeds moved on


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_a_crash_after_a_create_was_applied_adopts_it_after_restart(
    postgres_schema_url: str, use_async: bool
) -> None:
    url = postgres_schema_url
    world = FakeWorld()
    contact = world.ghl.add_contact(firstName="Ada", email="ada@example.com")
    until_quiet(pg_engine(world, url, Faults(), use_async=use_async))
    (record,) = world.ninox_records("Contacts")
    gid = contact["id"]
    add_ninox(
        world,
        "Tasks",
        {"Title": "Call", "Due Date": "2026-05-01T09:00:00", "Contact": record["id"]},
    )
    crash = Faults().on("POST", f"/contacts/{gid}/tasks", "crash after")
    with contextlib.suppress(BaseException):
        pg_engine(world, url, crash, use_async=use_async)("sync")
    assert len(world.ghl.tasks) == 1  # applied; the process died before hearing so
    with PostgresStateStore(url) as store:
        (op,) = store.open_ops()  # the outcome is unknown: it stays open ...
        assert (op.kind, op.target, op.entity) == ("create", "ghl", "task")
    watch = Faults()
    report = until_quiet(pg_engine(world, url, watch, use_async=use_async))
    assert f"POST /contacts/{gid}/tasks" not in watch.log  # ... found, never sent again
    assert report.ok
    assert len(world.ghl.tasks) == 1
    assert_converged(world)
    assert_settled(url)


@pytest.mark.parametrize("mode", ["500 after", "timeout after"])
def test_a_lost_answer_then_a_newer_edit_lets_the_newer_value_win(
    postgres_schema_url: str, mode: str
) -> None:
    url = postgres_schema_url
    world = FakeWorld()
    contact = world.ghl.add_contact(firstName="Ada", email="ada@example.com")
    until_quiet(pg_engine(world, url, Faults()))
    gid = contact["id"]
    (record,) = world.ninox_records("Contacts")
    edit_ninox(world, "Contacts", record["id"], {"Email": "x@example.com"})
    with contextlib.suppress(APIError):
        pg_engine(world, url, Faults().on("PUT", f"/contacts/{gid}", mode))("sync")
    assert world.ghl.contacts[gid]["email"] == "x@example.com"  # applied, answer lost
    edit_ninox(world, "Contacts", record["id"], {"Email": "z@example.com"})
    until_quiet(pg_engine(world, url, Faults()))
    assert world.ghl.contacts[gid]["email"] == "z@example.com"
    assert by_ghl_id(world, "Contacts")[gid]["Email"] == "z@example.com"
    assert_converged(world)
    assert_settled(url)
