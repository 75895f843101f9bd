"""Every confirmed write and every conflict lands in the record's history, with the run,
the side written and the fields before and after."""

from __future__ import annotations

from pathlib import Path

from bridge.state import SQLiteStateStore
from bridge.testing import FakeWorld
from tests.bridge.syncworld import Faults, add_ninox, by_ghl_id, edit_ninox, engine, until_quiet


def test_writes_and_conflicts_are_kept_per_record(tmp_path: Path) -> None:
    world = FakeWorld()
    contact = world.ghl.add_contact(firstName="Ada", email="ada@example.com")
    gid = contact["id"]
    path = tmp_path / "state.sqlite3"
    until_quiet(engine(world, path, Faults()))
    rid = world.ninox_records("Contacts")[0]["id"]

    world.ghl.edit_contact(gid, firstName="Ann")
    edit = engine(world, path, Faults())("sync")
    world.ghl.edit_contact(gid, email="g@example.com")
    edit_ninox(world, "Contacts", rid, {"Email": "n@example.com"})
    conflict = engine(world, path, Faults())("sync")
    cid = add_ninox(world, "Contacts", {"First Name": "Bo", "Email": "bo@example.com"})
    created = engine(world, path, Faults())("sync")

    store = SQLiteStateStore(path)
    entries = store.history(ghl_id=gid)
    assert [(e.action, e.side) for e in entries] == [
        ("update", "ninox"),  # GHL's email won the conflict and was written to Ninox
        ("conflict", "ninox"),
        ("update", "ninox"),  # the first name edited in GHL
        ("create", "ninox"),  # the first sync
    ]
    assert entries[0].after == {"email": "g@example.com"}
    assert entries[0].before == {"email": "n@example.com"}
    assert entries[1].run_id == conflict.run_id
    assert entries[2].before == {"first_name": "Ada"}
    assert entries[2].after == {"first_name": "Ann"}
    assert entries[2].run_id == edit.run_id
    assert entries[3].run_id is not None
    assert store.history(ninox_id=rid) == entries  # the same record, by its Ninox id

    new_gid = by_ghl_id(world, "Contacts")
    made = store.history(run_id=created.run_id)
    assert {(e.action, e.side) for e in made} == {("create", "ghl"), ("set_external_id", "ninox")}
    assert all(e.ninox_id == cid for e in made)
    assert any(e.ghl_id in new_gid for e in made)
    store.close()
