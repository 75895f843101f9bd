"""Named regressions: the ways the old engine duplicated records or lost an edit, each as
the smallest world that shows it."""

from __future__ import annotations

import contextlib
from pathlib import Path

import anyio
import httpx
import pytest

from bridge.state import SQLiteStateStore
from bridge.sync import AsyncSyncEngine, SyncConfig, SyncEngine
from bridge.testing import FakeWorld
from ghlsdk import APIError, AsyncGHLClient, GHLClient
from ninoxsdk import NinoxClient
from tests.bridge.syncworld import (
    Faults,
    add_ninox,
    assert_converged,
    by_ghl_id,
    edit_ninox,
    engine,
    until_quiet,
)

NINOX_SAVE = "/records"


def one_contact(tmp_path: Path) -> tuple[FakeWorld, Path, str, int]:
    """A world with one contact synced; returns it, the state file, the GHL id and the
    Ninox record id."""
    world = FakeWorld()
    contact = world.ghl.add_contact(firstName="Ada", email="ada@example.com")
    path = tmp_path / "state.sqlite3"
    until_quiet(engine(world, path, Faults()))
    (record,) = world.ninox_records("Contacts")
    return world, path, contact["id"], record["id"]


@pytest.mark.parametrize("mode", ["500 after", "timeout after"])
def test_a_lost_ghl_answer_never_lets_an_older_ninox_value_win(tmp_path: Path, mode: str) -> None:
    world, path, gid, rid = one_contact(tmp_path)
    edit_ninox(world, "Contacts", rid, {"Email": "x@example.com"})
    faults = Faults().on("PUT", f"/contacts/{gid}", mode)
    with contextlib.suppress(APIError):
        engine(world, path, faults)("sync")
    assert world.ghl.contacts[gid]["email"] == "x@example.com"  # applied, answer lost
    edit_ninox(world, "Contacts", rid, {"Email": "z@example.com"})
    until_quiet(engine(world, path, Faults()))
    assert world.ghl.contacts[gid]["email"] == "z@example.com"
    assert by_ghl_id(world, "Contacts")[gid]["Email"] == "z@example.com"
    assert_converged(world, path)


@pytest.mark.parametrize("mode", ["500 after", "timeout after"])
def test_a_lost_ninox_answer_never_lets_an_older_ghl_value_win(tmp_path: Path, mode: str) -> None:
    world, path, gid, _rid = one_contact(tmp_path)
    world.ghl.edit_contact(gid, email="x@example.com")
    faults = Faults().on("POST", NINOX_SAVE, mode)
    with contextlib.suppress(APIError):
        engine(world, path, faults)("sync")
    assert by_ghl_id(world, "Contacts")[gid]["Email"] == "x@example.com"  # applied
    world.ghl.edit_contact(gid, email="z@example.com")
    until_quiet(engine(world, path, Faults()))
    assert by_ghl_id(world, "Contacts")[gid]["Email"] == "z@example.com"
    assert world.ghl.contacts[gid]["email"] == "z@example.com"
    assert_converged(world, path)


def test_an_identity_match_writes_the_ghl_id_even_when_nothing_changes_again(
    tmp_path: Path,
) -> None:
    world = FakeWorld()
    contact = world.ghl.add_contact(firstName="Ada", email="ada@example.com")
    rid = add_ninox(world, "Contacts", {"First Name": "Ada", "Email": "ada@example.com"})
    path = tmp_path / "state.sqlite3"
    faults = Faults().on("POST", NINOX_SAVE, "503")
    report = engine(world, path, faults)("sync")
    assert report.errors  # the GHL id did not reach Ninox
    store = SQLiteStateStore(path)
    link = store.link_by_ghl("contact", contact["id"])
    assert link is not None  # linked as soon as both ids were known
    assert link.ninox_id == rid
    assert link.error_count >= 1  # ... and unsettled until the id lands
    store.close()
    until_quiet(engine(world, path, Faults()))  # nobody changed anything meanwhile
    assert by_ghl_id(world, "Contacts")[contact["id"]]["First Name"] == "Ada"
    assert_converged(world, path)


@pytest.mark.parametrize("mode", ["503", "500 after", "timeout after", "crash after"])
def test_a_ninox_task_whose_id_write_back_fails_is_created_once(tmp_path: Path, mode: str) -> None:
    world, path, _gid, rid = one_contact(tmp_path)
    add_ninox(world, "Tasks", {"Title": "Call", "Due Date": "2026-05-01T09:00:00", "Contact": rid})
    faults = Faults().on("POST", NINOX_SAVE, mode)
    with contextlib.suppress(BaseException):
        engine(world, path, faults)("sync")
    for _ in range(5):
        with contextlib.suppress(APIError):
            engine(world, path, Faults())("sync")
    assert len(world.ghl.tasks) == 1
    assert len(world.ninox_records("Tasks")) == 1
    assert_converged(world, path)


@pytest.mark.parametrize("mode", ["500 after", "timeout after", "crash after"])
def test_a_ghl_task_create_with_a_lost_answer_is_adopted_not_resent(
    tmp_path: Path, mode: str
) -> None:
    world, path, gid, rid = one_contact(tmp_path)
    add_ninox(world, "Tasks", {"Title": "Call", "Due Date": "2026-05-01T09:00:00", "Contact": rid})
    with contextlib.suppress(BaseException):
        engine(world, path, Faults().on("POST", f"/contacts/{gid}/tasks", mode))("sync")
    assert len(world.ghl.tasks) == 1
    store = SQLiteStateStore(path)
    (op,) = store.open_ops()  # the outcome is unknown: it stays open ...
    assert (op.kind, op.target, op.entity) == ("create", "ghl", "task")
    store.close()
    watch = Faults()
    report = until_quiet(engine(world, path, watch))
    assert f"POST /contacts/{gid}/tasks" not in watch.log  # ... found, never sent again
    assert report.ok
    assert len(world.ghl.tasks) == 1
    assert_converged(world, path)


def test_a_ninox_create_with_a_lost_answer_is_found_by_its_key(tmp_path: Path) -> None:
    world = FakeWorld()
    world.ghl.add_contact(firstName="Ada", email="ada@example.com")
    path = tmp_path / "state.sqlite3"
    with contextlib.suppress(APIError):
        engine(world, path, Faults().on("POST", NINOX_SAVE, "timeout after"))("sync")
    assert len(world.ninox_records("Contacts")) == 1
    rerun = engine(world, path, Faults())("sync")
    assert rerun.counts["contact"].get("adopted") == 1
    until_quiet(engine(world, path, Faults()))
    assert len(world.ninox_records("Contacts")) == 1
    assert_converged(world, path)


def test_an_interrupted_pass_closes_its_run_and_leaves_the_engine_usable(tmp_path: Path) -> None:
    world = FakeWorld()
    world.seed_ghl(3, tasks=1, notes=0, appointments=0)
    store = SQLiteStateStore(tmp_path / "state.sqlite3")

    class Interrupt(httpx.BaseTransport):
        calls = 0

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            Interrupt.calls += 1
            if Interrupt.calls == 4:
                raise KeyboardInterrupt
            return world.ghl.handle_request(request)

    ghl = GHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        rate_limiting=False,
        http_client=httpx.Client(transport=Interrupt()),
    )
    db = NinoxClient(
        world.ninox_api_key, min_interval=0, http_client=httpx.Client(transport=world.ninox)
    ).database(world.team_id, world.database_id)
    sync = SyncEngine(ghl, db, store)
    with pytest.raises(KeyboardInterrupt):
        sync.sync()
    (run,) = store.runs()
    assert run.status == "interrupted"
    assert run.finished_at is not None
    assert sync.sync().ok  # the turn was released and the state is consistent
    until_quiet(lambda kind: sync.sync())
    assert_converged(world, tmp_path / "state.sqlite3")


async def test_a_cancelled_async_pass_closes_its_run_and_releases_its_turn(
    tmp_path: Path,
) -> None:
    world = FakeWorld()
    world.seed_ghl(3, tasks=1, notes=0, appointments=0)
    store = SQLiteStateStore(tmp_path / "state.sqlite3")
    started = anyio.Event()

    class Slow(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if "/tasks" in request.url.path:  # the list or the location search
                started.set()
                await anyio.sleep(30)
            return await world.ghl.handle_async_request(request)

    ghl = AsyncGHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        http_client=httpx.AsyncClient(transport=Slow()),
    )
    engine_ = AsyncSyncEngine(ghl, world.async_ninox_db(), store)
    async with anyio.create_task_group() as tg:
        tg.start_soon(engine_.sync)
        with anyio.fail_after(10):  # the pass must reach the slow request
            await started.wait()
        tg.cancel_scope.cancel()
    (run,) = store.runs()
    assert run.status == "interrupted"
    with anyio.fail_after(5):  # the turn is free again
        report = await AsyncSyncEngine(
            world.async_ghl_client(), world.async_ninox_db(), store
        ).plan()
    assert report.dry_run


def test_plan_on_empty_state_lists_every_create_and_reports_no_error(tmp_path: Path) -> None:
    world = FakeWorld()
    world.seed_ghl(2, tasks=1, notes=1, appointments=1)
    rid = add_ninox(world, "Contacts", {"First Name": "Ola", "Email": "ola@example.com"})
    add_ninox(
        world, "Tasks", {"Title": "Ola's task", "Due Date": "2026-05-01T09:00:00", "Contact": rid}
    )
    path = tmp_path / "state.sqlite3"
    report = engine(world, path, Faults())("plan")
    assert report.ok, report
    assert report.dry_run
    assert report.counts["contact"]["create_ninox"] == 2
    assert report.counts["contact"]["create_ghl"] == 1
    assert report.counts["task"]["create_ninox"] == 2
    assert report.counts["task"]["create_ghl"] == 1
    assert report.counts["note"]["create_ninox"] == 2
    assert report.counts["appointment"]["create_ninox"] == 2
    assert world.ninox_records("Appointments") == []  # nothing written
    store = SQLiteStateStore(path)
    assert store.links() == []
    assert store.runs() == []
    store.close()


@pytest.mark.parametrize("deletes", ["soft", "hard"])
def test_a_task_deleted_in_ghl_is_seen_when_its_contact_is_read(
    tmp_path: Path, deletes: str
) -> None:
    world = FakeWorld()
    (cid,) = world.seed_ghl(1, tasks=2, notes=0, appointments=0)
    path = tmp_path / "state.sqlite3"
    config = SyncConfig(deletes=deletes, children_of="every_contact_read")  # type: ignore[arg-type]
    until_quiet(engine(world, path, Faults(), config=config))
    gone = sorted(world.ghl.tasks)[0]
    world_client = world.ghl_client()
    world_client.tasks.delete(cid, gone)
    report = until_quiet(engine(world, path, Faults(), config=config))
    assert report.ok
    store = SQLiteStateStore(path)
    link = store.link_by_ghl("task", gone)
    assert link is not None
    assert link.state == ("tombstone_both" if deletes == "hard" else "tombstone_ghl")
    store.close()
    kept = {r["fields"]["GHL Id"] for r in world.ninox_records("Tasks")}
    assert (gone in kept) is (deletes == "soft")


def test_a_task_deleted_in_ghl_under_an_unchanged_contact_is_seen_by_a_scan(
    tmp_path: Path,
) -> None:
    world = FakeWorld()
    (cid,) = world.seed_ghl(1, tasks=2, notes=0, appointments=0)
    path = tmp_path / "state.sqlite3"
    until_quiet(engine(world, path, Faults()))
    gone = sorted(world.ghl.tasks)[0]
    world.ghl_client().tasks.delete(cid, gone)
    engine(world, path, Faults())("sync")  # the contact did not change: its tasks are not read
    store = SQLiteStateStore(path)
    assert store.link_by_ghl("task", gone).state == "active"  # type: ignore[union-attr]
    store.close()
    assert engine(world, path, Faults())("scan").ok
    store = SQLiteStateStore(path)
    assert store.link_by_ghl("task", gone).state == "tombstone_ghl"  # type: ignore[union-attr]
    store.close()


@pytest.mark.parametrize("mode", ["crash before", "crash after", "timeout after"])
def test_a_hard_delete_of_a_ghl_note_with_an_unknown_outcome_is_rechecked(
    tmp_path: Path, mode: str
) -> None:
    world = FakeWorld()
    world.seed_ghl(1, tasks=0, notes=2, appointments=0)
    path = tmp_path / "state.sqlite3"
    config = SyncConfig(deletes="hard")
    until_quiet(engine(world, path, Faults(), config=config))
    note = world.ninox_records("Notes")[0]
    world.ninox.delete_record(
        world.team_id, world.database_id, world.table_ids["Notes"], note["id"]
    )
    faults = Faults().on("DELETE", "/notes/", mode)
    with contextlib.suppress(BaseException):
        engine(world, path, faults, config=config)("scan")
    until_quiet(engine(world, path, Faults(), config=config), kind="scan")
    assert note["fields"]["GHL Id"] not in world.ghl.notes
    assert len(world.ghl.notes) == 1
    assert_converged(world, path)


def test_two_ninox_contacts_with_one_email_make_one_ghl_contact_and_a_review_item(
    tmp_path: Path,
) -> None:
    world = FakeWorld()
    add_ninox(world, "Contacts", {"First Name": "Ada", "Email": "ada@example.com"})
    add_ninox(world, "Contacts", {"First Name": "Ada L.", "Email": "ada@example.com"})
    path = tmp_path / "state.sqlite3"
    report = engine(world, path, Faults())("sync")  # GHL's upsert matches the first one
    assert len(world.ghl.contacts) == 1
    assert any("already linked" in e.message for e in report.errors)
    store = SQLiteStateStore(path)
    assert [r.kind for r in store.open_reviews()] == ["ambiguous_match"]
    assert len(store.links("contact")) == 1
    assert store.open_ops() == []
    store.close()
    again = engine(world, path, Faults())("sync")
    assert again.ok
    assert len(world.ghl.contacts) == 1


def test_a_child_of_a_deleted_contact_is_skipped_and_does_not_hold_the_cursors(
    tmp_path: Path,
) -> None:
    world, path, gid, rid = one_contact(tmp_path)
    world.ghl.add_contact(firstName="Bo", email="bo@example.com")  # the table must not empty
    until_quiet(engine(world, path, Faults()))
    world.ninox.delete_record(world.team_id, world.database_id, world.table_ids["Contacts"], rid)
    until_quiet(engine(world, path, Faults()), kind="scan")  # soft: the GHL contact is tagged
    assert "deleted in ninox" in world.ghl.contacts[gid]["tags"]
    world.ghl.add_task(gid, title="After the delete", dueDate="2026-08-01T10:00:00Z")
    store = SQLiteStateStore(path)
    before = store.get_cursor("ghl", f"{world.ghl.location_id}:contact")
    store.close()
    report = engine(world, path, Faults())("sync")
    assert report.ok
    assert report.counts["task"].get("skipped") == 1
    assert world.ninox_records("Tasks") == []
    store = SQLiteStateStore(path)
    after = store.get_cursor("ghl", f"{world.ghl.location_id}:contact")
    store.close()
    assert before is not None
    assert after is not None
    assert after.updated_at != before.updated_at  # the cursor moved on
