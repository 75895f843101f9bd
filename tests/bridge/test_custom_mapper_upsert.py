"""Hand-written mappers in the upsert helpers: GHL → Ninox with parent references, Ninox → GHL
with a value-by-value patch, and clear errors before any request."""

from __future__ import annotations

import runpy
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from bridge.mapping import BaseMapper, MappingError, MappingSet, RefResolver, mapper_from_functions
from bridge.mapping.defaults import default_mappings
from bridge.testing import FakeWorld
from bridge.upsert import AsyncUpserter, Upserter

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_mapper.py"
SummaryNotes: type[BaseMapper] = runpy.run_path(str(EXAMPLE), run_name="example")["SummaryNotes"]


def _world(mappings: MappingSet) -> Iterator[FakeWorld]:
    world = FakeWorld(mappings=mappings)
    yield world
    world.close()


@pytest.fixture
def notes_world() -> Iterator[FakeWorld]:
    yield from _world(default_mappings().replace(SummaryNotes()))


def test_summary_notes_upsert_with_contact_references(notes_world: FakeWorld) -> None:
    world = notes_world
    world.seed_ghl(3, tasks=0, notes=2, appointments=0)
    up = Upserter(world.ghl_client(rate_limiting=False), world.ninox_db(), mappings=world.mappings)

    reports = up.import_ghl()
    assert reports["note"].counts == {"created": 6, "updated": 0, "unchanged": 0, "failed": 0}
    contact_rec = {r["fields"]["GHL Id"]: r["id"] for r in world.ninox_records("Contacts")}
    for record in world.ninox_records("Notes"):
        note = world.ghl.notes[record["fields"]["GHL Id"]]
        body = str(note["body"]).strip()
        assert record["fields"]["Body"] == body
        assert record["fields"]["Summary"] == body.splitlines()[0][:40]
        assert record["fields"]["Contact"] == contact_rec[note["contactId"]]

    again = up.ghl_to_ninox("note", list(world.ghl.notes.values()))
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 6, "failed": 0}

    [(note_id, note)] = list(world.ghl.notes.items())[:1]
    changed = {**note, "body": "New first line\nmore"}
    report = up.ghl_to_ninox("note", [changed])
    assert report.updated == (note_id,)
    [record] = [r for r in world.ninox_records("Notes") if r["fields"]["GHL Id"] == note_id]
    assert record["fields"]["Summary"] == "New first line"


async def test_async_upserter_takes_a_hand_written_mapper(notes_world: FakeWorld) -> None:
    world = notes_world
    world.seed_ghl(2, tasks=0, notes=1, appointments=0)
    up = AsyncUpserter(
        world.async_ghl_client(rate_limiting=False),
        world.async_ninox_db(),
        mappings=world.mappings,
    )
    reports = await up.import_ghl()
    assert reports["note"].counts["created"] == 2
    assert all(r["fields"]["Contact"] for r in world.ninox_records("Notes"))
    again = await up.import_ghl()
    assert again["note"].counts["unchanged"] == 2


def test_a_custom_entity_from_functions() -> None:
    deals = mapper_from_functions(
        entity="opportunity",
        ninox_table="Opportunities",
        to_ninox=lambda g: {"Name": g.get("name"), "Value": g.get("monetaryValue")},
        layout={"Name": {"type": "string"}, "Value": {"type": "number"}},
    )
    for world in _world(default_mappings().replace(deals)):
        up = Upserter(
            world.ghl_client(rate_limiting=False), world.ninox_db(), mappings=world.mappings
        )
        items = [{"id": "o1", "name": "Big", "monetaryValue": 900}, {"name": "no id"}]
        report = up.ghl_to_ninox("opportunity", items)
        assert report.created == ("o1",)
        assert [f.item for f in report.failed] == ["#1"]
        [record] = world.ninox_records("Opportunities")
        assert record["fields"] == {"GHL Id": "o1", "Name": "Big", "Value": 900}
        again = up.ghl_to_ninox(
            "opportunity", [{"id": "o1", "name": "Big", "monetaryValue": 900.0}]
        )
        assert again.unchanged == ("o1",)


class PlainContacts(BaseMapper):
    """Contacts with first name and email only, written by hand."""

    entity = "contact"
    ninox_table = "Contacts"

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        return {
            self.ninox_key: self.ghl_id(ghl),
            "First Name": ghl.get("firstName"),
            "Email": (ghl.get("email") or "").lower() or None,
        }

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return {"firstName": ninox.get("First Name"), "email": ninox.get("Email")}

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {
            "Contacts": {
                "GHL Id": {"type": "string"},
                "First Name": {"type": "string"},
                "Email": {"type": "email"},
            }
        }


def test_ninox_to_ghl_with_a_hand_written_contact_mapper() -> None:
    for world in _world(MappingSet((PlainContacts(),))):
        ids = world.seed_ghl(2, tasks=0, notes=0, appointments=0)
        db = world.ninox_db()
        up = Upserter(world.ghl_client(rate_limiting=False), db, mappings=world.mappings)
        assert up.import_ghl()["contact"].counts["created"] == 2
        contacts = db.table("Contacts", typed=False)
        first = next(r for r in contacts.list() if r.fields["GHL Id"] == ids[0])
        contacts.update(first.id, {"First Name": "Augusta "})
        world.ghl.reset_counters()

        report = up.ninox_to_ghl()
        assert report.updated == (str(first.id),)
        assert report.unchanged == tuple(
            str(r.id) for r in contacts.list() if r.fields["GHL Id"] == ids[1]
        )
        [write] = [r for r in world.ghl.requests if r.method != "GET"]
        assert write.method == "PUT"
        assert write.json == {"firstName": "Augusta "}  # only the changed entry
        assert world.ghl.contacts[ids[0]]["firstName"].strip() == "Augusta"

        world.ghl.reset_counters()
        assert up.ninox_to_ghl().counts["unchanged"] == 2
        assert [r for r in world.ghl.requests if r.method != "GET"] == []


def test_ninox_to_ghl_refuses_a_one_way_contact_mapper_before_any_request() -> None:
    one_way = mapper_from_functions(
        entity="contact", ninox_table="Contacts", to_ninox=lambda g: {"Email": g.get("email")}
    )
    for world in _world(default_mappings().replace(one_way)):
        up = Upserter(
            world.ghl_client(rate_limiting=False), world.ninox_db(), mappings=world.mappings
        )
        with pytest.raises(MappingError, match=r"does not map Ninox → GHL.*to_ghl"):
            up.ninox_to_ghl()
        assert world.ghl.requests == []
        assert world.ninox.requests == []


def test_entity_points_hand_written_mappers_to_mappings_getitem() -> None:
    mappings = default_mappings().replace(SummaryNotes())
    with pytest.raises(TypeError, match=r"use mappings\['note'\]"):
        mappings.entity("note")
    assert isinstance(mappings["note"], SummaryNotes)
