"""The sync engine's view of a mapper (SyncMapper): EntityMapping implements it directly,
hand-written mappers through as_sync_mapper's adapter. Round trips, subsets, directions,
digests, lazily backed refs, and the clear error for a mapper without a layout."""

from __future__ import annotations

import runpy
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bridge.canonical import PhoneNormalizer
from bridge.mapping import (
    BaseMapper,
    EntityMapping,
    ItemError,
    MappingError,
    MissingKeyError,
    RefResolver,
    SyncMapper,
    as_sync_mapper,
    mapper_from_functions,
)
from bridge.mapping.defaults import default_mappings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_mapper.py"
SummaryNotes: type[BaseMapper] = runpy.run_path(str(EXAMPLE), run_name="example")["SummaryNotes"]

MAPPINGS = default_mappings(phone=PhoneNormalizer(backend="simple"), full_name="Name")
CONTACTS = MAPPINGS.entity("contact")
TASKS = MAPPINGS.entity("task")
NOTES = MAPPINGS.entity("note")

CONTACT = {
    "id": "c1",
    "firstName": "Mary Ann",
    "lastName": "Smith",
    "email": " Mary@Example.com",
    "phone": "+1 (415) 555-0100",
}
TASK = {
    "id": "t1",
    "title": "Call back ",
    "dueDate": "2026-01-05T10:00:00+01:00",
    "completed": False,
    "contactId": "c1",
}
NOTE = {"id": "n1", "body": "Called back.\nWants a demo. ", "contactId": "c1"}


class LazyRefs(Mapping[str, int]):
    """A mapping backed by a store: answers lookups, refuses to be listed (like the engine's)."""

    def __init__(self, known: dict[str, int]) -> None:
        self.known = known
        self.lookups: list[str] = []

    def __getitem__(self, key: str) -> int:
        self.lookups.append(key)
        return self.known[key]

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the refs mapping must not be iterated")

    def __len__(self) -> int:
        raise AssertionError("the refs mapping must not be sized")


# -- EntityMapping ----------------------------------------------------------------------------


@pytest.mark.parametrize(("mapping", "ghl"), [(CONTACTS, CONTACT), (TASKS, TASK), (NOTES, NOTE)])
def test_entity_mapping_is_its_own_sync_view(mapping: EntityMapping, ghl: dict[str, Any]) -> None:
    view: SyncMapper = as_sync_mapper(mapping)
    assert view is mapping
    assert isinstance(mapping, SyncMapper)
    refs = LazyRefs({"c1": 17})
    written = view.ninox_write(ghl, None, refs=refs)
    assert written == mapping.to_ninox(ghl, refs={"c1": 17})
    assert view.ninox_ghl_id(written) == view.ghl_id(ghl)
    assert view.ninox_canonical(written) == view.ghl_canonical(ghl)  # round trip
    assert view.digest(view.ninox_canonical(written)) == view.digest(view.ghl_canonical(ghl))
    assert set(view.directions()) == set(view.ghl_canonical(ghl))
    body = view.ghl_write(written, None, current=ghl)
    assert body == mapping.to_ghl(written, current=ghl)


def test_parent_field_and_directions() -> None:
    assert CONTACTS.parent_field is None
    assert TASKS.parent_field == "Contact"
    assert NOTES.parent_field == "Contact"
    assert CONTACTS.directions() == {"name": "both", "email": "both", "phone": "both"}
    one_way = CONTACTS.replace_field("phone", direction="ghl_to_ninox")
    assert one_way.directions()["phone"] == "ghl_to_ninox"


def test_entity_mapping_subsets_carry_only_the_named_fields() -> None:
    refs = LazyRefs({"c1": 17})
    assert TASKS.ninox_write(TASK, ["title"], refs=refs) == {"Title": "Call back"}
    assert refs.lookups == []  # no key, no parent reference in a subset
    assert TASKS.ninox_write(TASK, {"due_date", "completed"}, refs=None) == {
        "Due Date": "2026-01-05T09:00:00",
        "Completed": False,
    }
    assert TASKS.ninox_write(TASK, [], refs=None) == {}
    with pytest.raises(KeyError, match="no fields \\['nope'\\]"):
        TASKS.ninox_write(TASK, ["nope"], refs=None)

    ninox = {"GHL Id": "c1", "Name": "Mary Ann Smith", "Email": "mary@new.org", "Phone": "x"}
    assert CONTACTS.ghl_write(ninox, ["email"], current=CONTACT) == {"email": "mary@new.org"}
    # the current split of the same full name is kept
    assert CONTACTS.ghl_write(ninox, ["name"], current=CONTACT) == {
        "firstName": "Mary Ann",
        "lastName": "Smith",
    }
    assert CONTACTS.ghl_write(ninox, ["name"], current=None) == {
        "firstName": "Mary",
        "lastName": "Ann Smith",
    }


def test_entity_mapping_parent_reference_through_a_lazy_mapping() -> None:
    refs = LazyRefs({"c1": 17})
    assert NOTES.ninox_write(NOTE, None, refs=refs)["Contact"] == 17
    assert refs.lookups == ["c1"]
    assert "Contact" not in NOTES.ninox_write(NOTE, None, refs=None)


# -- the adapter ------------------------------------------------------------------------------


def test_summary_notes_sync_view() -> None:
    mapper = SummaryNotes()
    view = as_sync_mapper(mapper)
    assert isinstance(view, SyncMapper)
    assert (view.entity, view.ninox_table, view.ninox_key) == ("note", "Notes", "GHL Id")
    assert view.parent_field == "Contact"
    assert view.directions() == {"Body": "both", "Summary": "both"}
    assert view.ghl_id(NOTE) == "n1"
    with pytest.raises(MissingKeyError):
        view.ghl_id({"body": "no id"})

    canonical = view.ghl_canonical(NOTE)
    assert canonical == {"Body": "Called back.\nWants a demo.", "Summary": "Called back."}
    # what Ninox stores compares equal to what to_ninox wrote, formatting aside
    stored = {"GHL Id": "n1", "Body": "Called back.\r\nWants a demo.  ", "Summary": " Called back."}
    assert view.ninox_canonical(stored) == canonical
    assert view.digest(view.ninox_canonical(stored)) == view.digest(canonical)
    assert view.ninox_canonical({"GHL Id": "n1", "Body": "", "Summary": None}) == {
        "Body": None,
        "Summary": None,
    }
    assert view.ninox_ghl_id(stored) == "n1"
    assert view.ninox_ghl_id({"Body": "x"}) is None


def test_summary_notes_writes() -> None:
    view = as_sync_mapper(SummaryNotes())
    refs = LazyRefs({"c1": 17})
    assert view.ninox_write(NOTE, None, refs=refs) == {
        "GHL Id": "n1",
        "Body": "Called back.\nWants a demo.",
        "Summary": "Called back.",
        "Contact": 17,
    }
    assert view.ninox_write(NOTE, None, refs=LazyRefs({})) == {
        "GHL Id": "n1",
        "Body": "Called back.\nWants a demo.",
        "Summary": "Called back.",
    }  # parent not known yet: no reference
    assert view.ninox_write(NOTE, ["Summary"], refs=refs) == {"Summary": "Called back."}
    with pytest.raises(KeyError, match="no fields"):
        view.ninox_write(NOTE, ["Contact"], refs=refs)

    ninox = {"GHL Id": "n1", "Body": "Edited in Ninox", "Summary": "Edited", "Contact": 17}
    assert view.ghl_write(ninox, None, current=NOTE) == {"body": "Edited in Ninox"}
    assert view.ghl_write(ninox, ["Body"], current=NOTE) == {"body": "Edited in Ninox"}
    # Body is not being written (GHL won it): the GHL value is kept, not Ninox's
    assert view.ghl_write(ninox, ["Summary"], current=NOTE) == {
        "body": "Called back.\nWants a demo."
    }
    assert view.ghl_write(ninox, ["Body"], current=None) == {"body": "Edited in Ninox"}


def _deals(**options: Any) -> Any:
    return mapper_from_functions(
        entity="opportunity",
        ninox_table="Opportunities",
        to_ninox=lambda g: {"Name": g.get("name"), "Value": g.get("monetaryValue")},
        layout={"Name": {"type": "string"}, "Value": {"type": "number"}},
        **options,
    )


DEAL = {"id": "o1", "name": " Big ", "monetaryValue": 900}


def test_functions_mapper_without_to_ghl_is_one_way() -> None:
    view = as_sync_mapper(_deals())
    assert view.parent_field is None
    assert view.directions() == {"Name": "ghl_to_ninox", "Value": "ghl_to_ninox"}
    assert view.ghl_canonical(DEAL) == {"Name": "Big", "Value": 900}
    assert view.ninox_canonical({"Name": "Big", "Value": 900.0}) == {"Name": "Big", "Value": 900}
    assert view.ninox_write(DEAL, None, refs=None) == {
        "GHL Id": "o1",
        "Name": " Big ",
        "Value": 900,
    }
    assert view.ninox_write(DEAL, ["Value"], refs=None) == {"Value": 900}
    with pytest.raises(MappingError, match="does not map Ninox → GHL"):
        view.ghl_write({"Name": "x"}, None, current=None)


def test_functions_mapper_with_to_ghl_is_two_way() -> None:
    view = as_sync_mapper(
        _deals(to_ghl=lambda n: {"name": n.get("Name"), "monetaryValue": n.get("Value")})
    )
    assert view.directions() == {"Name": "both", "Value": "both"}
    ninox = {"GHL Id": "o1", "Name": "Bigger", "Value": 1000}
    assert view.ghl_write(ninox, None, current=DEAL) == {"name": "Bigger", "monetaryValue": 1000}
    assert view.ghl_write(ninox, ["Value"], current=DEAL) == {
        "name": " Big ",
        "monetaryValue": 1000,
    }


def test_digests_are_stable_and_follow_the_mapper() -> None:
    view = as_sync_mapper(_deals())
    a = view.digest({"Name": "Big", "Value": 900})
    assert a == as_sync_mapper(_deals()).digest({"Value": 900, "Name": "Big"})
    assert a != view.digest({"Name": "Big", "Value": 901})
    assert a != as_sync_mapper(_deals(version="2")).digest({"Name": "Big", "Value": 900})
    assert a != as_sync_mapper(_deals(to_ghl=dict)).digest({"Name": "Big", "Value": 900})


class NoLayoutNotes(BaseMapper):
    entity = "note"
    ninox_table = "Notes"

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        return {self.ninox_key: self.ghl_id(ghl), "Body": ghl.get("body")}


def test_a_mapper_without_layout_cannot_be_synced() -> None:
    with pytest.raises(MappingError, match=r"'note' mapper \(NoLayoutNotes\).*declare.*layout\(\)"):
        as_sync_mapper(NoLayoutNotes())
    functions = mapper_from_functions(
        entity="deal", ninox_table="Deals", to_ninox=lambda g: {"Amount": 1}
    )
    with pytest.raises(MappingError, match=r"layout=\{\.\.\.\}"):
        as_sync_mapper(functions)
    mappings = MAPPINGS.replace(NoLayoutNotes())
    with pytest.raises(MappingError, match="layout"):
        mappings.sync_mapper("note")
    assert mappings.sync_mapper("contact") is CONTACTS


def test_a_layout_of_only_the_key_and_references_is_refused() -> None:
    class KeyOnly(NoLayoutNotes):
        def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
            return {"Notes": {"GHL Id": {"type": "string"}, "Contact": {"type": "ref"}}}

    with pytest.raises(MappingError, match="only the key and references"):
        as_sync_mapper(KeyOnly())


class ProtocolOnly:
    """A mapper that satisfies the Mapper protocol without BaseMapper."""

    entity = "note"
    ninox_table = "Notes"
    ninox_key = "GHL Id"

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        return str(ghl["id"])

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        when = ghl.get("when")
        return {"GHL Id": self.ghl_id(ghl), "Body": ghl["body"], "When": when}

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return {"body": ninox.get("Body")}

    def ninox_patch(
        self,
        ghl: Mapping[str, Any],
        current: Mapping[str, Any] | None,
        *,
        refs: RefResolver | None = None,
    ) -> dict[str, Any]:
        return self.to_ninox(ghl, refs=refs)

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {"Notes": {"GHL Id": {"type": "string"}, "Body": {"type": "string"}}}


def test_any_protocol_object_is_adapted_and_its_failures_are_per_item() -> None:
    view = as_sync_mapper(ProtocolOnly())
    assert view.directions() == {"Body": "both"}
    assert view.ghl_canonical({"id": "n1", "body": " x "}) == {"Body": "x"}
    with pytest.raises(ItemError, match="to_ninox\\(\\) raised KeyError") as info:
        view.ghl_canonical({"id": "n2"})
    assert info.value.item_id == "n2"
    with pytest.raises(TypeError, match="Mapper protocol"):
        as_sync_mapper(object())  # type: ignore[arg-type]


def test_values_that_are_not_json_fail_the_item() -> None:
    class Dated(ProtocolOnly):
        def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
            return {"Notes": {"Body": {"type": "string"}, "When": {"type": "datetime"}}}

    view = as_sync_mapper(Dated())
    with pytest.raises(ItemError, match="When") as info:
        view.ghl_canonical({"id": "n1", "body": "x", "when": datetime(2026, 1, 1)})
    assert info.value.side == "ghl"


def test_the_example_shows_the_sync_view(capsys: pytest.CaptureFixture[str]) -> None:
    out = runpy.run_path(str(EXAMPLE), run_name="example")["main"]()
    assert out["note_sync"] == {
        "directions": {"Body": "both", "Summary": "both"},
        "parent": "Contact",
        "same": True,
    }
    assert "note as the sync sees it:" in capsys.readouterr().out
