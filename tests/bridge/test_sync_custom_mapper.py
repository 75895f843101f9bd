"""A hand-written mapper is first-class: examples/custom_mapper.py's notes mapper syncs its
entity both ways through the engines, plan() and the upsert helpers."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from bridge.mapping import MappingError, MappingSet, mapper_from_functions
from bridge.mapping.defaults import default_mappings
from bridge.state import SQLiteStateStore
from bridge.sync import AsyncSyncEngine, SyncEngine
from bridge.testing import FakeWorld
from bridge.upsert import Upserter
from tests.bridge.syncworld import Faults, add_ninox, by_ghl_id, edit_ninox, engine, until_quiet

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_mapper.py"


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLE), run_name="custom_mapper_example")


def world_with(mappings: MappingSet) -> FakeWorld:
    world = FakeWorld(mappings=mappings)
    world.seed_ghl(2, tasks=0, notes=1, appointments=0)
    return world


def test_the_examples_notes_mapper_syncs_both_ways(tmp_path: Path, example: dict[str, Any]) -> None:
    mappings = MappingSet((default_mappings()["contact"], example["SummaryNotes"]()))
    world = world_with(mappings)
    path = tmp_path / "state.sqlite3"
    run = engine(world, path, Faults(), mappings=mappings)

    plan = run("plan")
    assert plan.ok
    assert plan.counts["note"]["create_ninox"] == 2

    until_quiet(run)
    notes = by_ghl_id(world, "Notes")
    assert len(notes) == 2
    for gid, fields in notes.items():
        body = world.ghl.notes[gid]["body"]
        assert fields["Body"] == body
        assert fields["Summary"] == body.splitlines()[0][:40]
        assert isinstance(fields["Contact"], int)

    # Ninox -> GHL: an edit, and a new note under a linked contact.
    (gid, first), _ = sorted(notes.items())
    record = next(r for r in world.ninox_records("Notes") if r["fields"]["GHL Id"] == gid)
    edit_ninox(world, "Notes", record["id"], {"Body": "Rewritten in Ninox"})
    add_ninox(world, "Notes", {"Body": "Written in Ninox", "Contact": first["Contact"]})
    report = until_quiet(run)
    assert report.ok
    assert world.ghl.notes[gid]["body"] == "Rewritten in Ninox"
    bodies = sorted(n["body"] for n in world.ghl.notes.values())
    assert "Written in Ninox" in bodies
    assert len(world.ghl.notes) == 3
    assert all(r["fields"]["GHL Id"] for r in world.ninox_records("Notes"))


async def test_the_async_engine_takes_a_hand_written_mapper(
    tmp_path: Path, example: dict[str, Any]
) -> None:
    mappings = MappingSet((default_mappings()["contact"], example["SummaryNotes"]()))
    world = world_with(mappings)
    store = SQLiteStateStore(tmp_path / "state.sqlite3")
    sync = AsyncSyncEngine(
        world.async_ghl_client(), world.async_ninox_db(), store, mappings=mappings
    )
    report = await sync.sync()
    assert report.counts["note"]["create_ninox"] == 2
    assert {r["fields"]["Summary"] for r in world.ninox_records("Notes")} == {
        n["body"][:40] for n in world.ghl.notes.values()
    }


def test_a_hand_written_mapper_in_the_upserter(example: dict[str, Any]) -> None:
    mappings = MappingSet((default_mappings()["contact"], example["SummaryNotes"]()))
    world = world_with(mappings)
    upserter = Upserter(world.ghl_client(), world.ninox_db(), mappings=mappings)
    reports = upserter.import_ghl()
    assert not reports["note"].failed
    notes = list(world.ghl.notes.values())
    again = upserter.ghl_to_ninox("note", notes)
    assert not again.failed
    assert len(world.ninox_records("Notes")) == 2
    assert {r["fields"]["Summary"] for r in world.ninox_records("Notes")} == {
        n["body"][:40] for n in notes
    }


def test_a_mapper_without_a_layout_is_refused_before_any_request() -> None:
    opaque = mapper_from_functions(
        entity="note", ninox_table="Notes", to_ninox=lambda g: {"Body": g.get("body")}
    )
    mappings = MappingSet((default_mappings()["contact"], opaque))
    world = FakeWorld()
    with pytest.raises(MappingError, match="layout"):
        SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore(), mappings=mappings)
    assert world.ghl.count() == 0
