"""Undo puts back what a run wrote, on both sides, where nobody changed it since."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.state import SQLiteStateStore
from bridge.sync import SyncEngine
from bridge.testing import FakeWorld
from tests.bridge.syncworld import by_ghl_id, edit_ninox


def synced(tmp_path: Path) -> tuple[FakeWorld, SyncEngine, str, int]:
    world = FakeWorld()
    gid = world.ghl.add_contact(firstName="Ada", lastName="L", email="ada@example.com")["id"]
    engine = SyncEngine(
        world.ghl_client(), world.ninox_db(), SQLiteStateStore(tmp_path / "state.sqlite3")
    )
    engine.sync()
    return world, engine, gid, world.ninox_records("Contacts")[0]["id"]


def test_undo_puts_the_values_before_a_run_back_on_both_sides(tmp_path: Path) -> None:
    world, engine, gid, rid = synced(tmp_path)
    world.ghl.edit_contact(gid, firstName="Ann")
    edit_ninox(world, "Contacts", rid, {"Last Name": "Lovelace"})
    run = engine.sync()
    assert by_ghl_id(world, "Contacts")[gid]["First Name"] == "Ann"
    assert world.ghl.contacts[gid]["lastName"] == "Lovelace"

    undone = engine.undo(run.run_id or "")
    assert undone.ok, undone
    assert world.ghl.contacts[gid]["firstName"] == "Ada"
    assert by_ghl_id(world, "Contacts")[gid]["First Name"] == "Ada"
    assert world.ghl.contacts[gid]["lastName"] == "L"
    assert by_ghl_id(world, "Contacts")[gid]["Last Name"] == "L"
    assert engine.sync().writes == 0  # the undo is the agreed state now
    runs = engine.store.runs()
    assert runs[1].kind == "undo"
    assert {e.run_id for e in engine.store.history(ghl_id=gid)} >= {undone.run_id, run.run_id}


def test_a_field_changed_since_the_run_is_left_alone_and_listed(tmp_path: Path) -> None:
    world, engine, gid, rid = synced(tmp_path)
    world.ghl.edit_contact(gid, firstName="Ann", email="ann@example.com")
    run = engine.sync()
    edit_ninox(world, "Contacts", rid, {"Email": "later@example.com"})  # after the run

    undone = engine.undo(run.run_id or "")
    assert world.ghl.contacts[gid]["firstName"] == "Ada"  # put back
    assert by_ghl_id(world, "Contacts")[gid]["Email"] == "later@example.com"  # left alone
    assert any("email" in e.message and "changed since" in e.message for e in undone.errors)


def test_undo_of_an_unknown_run_is_refused_before_any_request(tmp_path: Path) -> None:
    world, engine, _gid, _rid = synced(tmp_path)
    world.ghl.reset_counters()
    with pytest.raises(ValueError, match="no run 'nope'"):
        engine.undo("nope")
    assert world.ghl.count() == 0
