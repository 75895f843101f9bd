"""bridge.mapping with the default mappers: round trips on the official examples, direction
rules, patches, digests, per-item errors, custom fields and custom mappers."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.canonical import PhoneNormalizer
from bridge.mappers import (
    contacts_mapping,
    custom_field,
    default_layout,
    default_mappings,
    task_status_choice,
)
from bridge.mapping import (
    DATE,
    EMAIL,
    MISSING,
    NUMBER,
    TEXT,
    BaseMapper,
    ChoiceKind,
    Converted,
    CustomField,
    Direction,
    EntityMapping,
    FieldMap,
    FullName,
    GhlPath,
    ItemError,
    Mapper,
    MappingSet,
    MissingKeyError,
    RefMap,
    UnresolvedReferenceError,
    digest,
    field_digests,
    mapper_from_functions,
    split_full_name,
)

SPECS = Path(__file__).resolve().parents[1] / "fixtures" / "ghl"
MAPPINGS = default_mappings(phone=PhoneNormalizer(backend="simple"))
CONTACTS = MAPPINGS.entity("contact")
TASKS = MAPPINGS.entity("task")
NOTES = MAPPINGS.entity("note")
APPOINTMENTS = MAPPINGS.entity("appointment")


# --- realistic wire objects, built from the examples in the official OpenAPI file -------------


@cache
def _schemas() -> dict[str, Any]:
    spec = json.loads((SPECS / "apps" / "contacts.json").read_text(encoding="utf-8"))
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _example(schema: Mapping[str, Any]) -> Any:
    if "$ref" in schema:
        return _example(_schemas()[schema["$ref"].rsplit("/", 1)[-1]])
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if schema.get("type") == "array":
        return [_example(schema.get("items", {}))]
    if "properties" in schema:
        return {name: _example(prop) for name, prop in schema["properties"].items()}
    return None


def spec_example(name: str) -> dict[str, Any]:
    value = _example(_schemas()[name])
    assert isinstance(value, dict)
    return value


def webhook_example(name: str) -> dict[str, Any]:
    data = json.loads((SPECS / "webhooks" / f"{name}.example.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_spec_examples_are_realistic() -> None:
    contact = spec_example("GetContectByIdSchema")
    assert contact["id"] == "seD4PfOuKoVMLkEZqohJ"
    assert contact["customFields"] == [{"id": "MgobCB14YMVKuE4Ka8p1", "value": "name"}]
    assert spec_example("GetEventSchema")["startTime"] == "2021-07-16 11:00:00"


# --- round trips ----------------------------------------------------------------------------


ENTITY_EXAMPLES = [
    ("contact", "GetContectByIdSchema"),
    ("task", "TaskSchema"),
    ("note", "GetNoteSchema"),
    ("appointment", "GetEventSchema"),
]


@pytest.mark.parametrize(("entity", "schema"), ENTITY_EXAMPLES)
def test_round_trip_ghl_to_ninox_to_ghl(entity: str, schema: str) -> None:
    mapping = MAPPINGS.entity(entity)
    wire = spec_example(schema)
    refs = {wire["contactId"]: 42} if mapping.refs else None

    ninox = mapping.to_ninox(wire, refs=refs)
    back = mapping.to_ghl(ninox)

    assert ninox["GHL Id"] == wire["id"]
    assert mapping.ghl_canonical(back) == mapping.ghl_canonical(wire)
    assert mapping.compare(wire, ninox) == {}
    assert mapping.to_ninox({**back, "id": wire["id"], **_parent(wire)}, refs=refs) == ninox
    if mapping.refs:
        assert ninox["Contact"] == 42
        assert mapping.ghl_refs(ninox, refs={42: wire["contactId"]}) == {
            "contactId": wire["contactId"]
        }


def _parent(wire: Mapping[str, Any]) -> dict[str, Any]:
    return {"contactId": wire["contactId"]} if "contactId" in wire else {}


def test_contact_values_are_written_in_canonical_form() -> None:
    wire = spec_example("GetContectByIdSchema") | {
        "firstName": "  Rubika ",
        "email": " Rubika@Deos.COM",
        "phone": "(883) 232-7657",
    }
    assert CONTACTS.to_ninox(wire) == {
        "GHL Id": "seD4PfOuKoVMLkEZqohJ",
        "First Name": "Rubika",
        "Last Name": "Deo",
        "Email": "rubika@deos.com",
        "Phone": "+18832327657",
    }


def test_task_values() -> None:
    wire = spec_example("TaskSchema")
    ninox = TASKS.to_ninox(wire, refs={"lJpzYrWdpkC2hX6t2yue": 7})
    assert ninox == {
        "GHL Id": "lJpzYrWdpkC2hX6t2yue",
        "Title": "test",
        "Due Date": "2021-07-08T02:30:00",
        "Completed": True,
        "Contact": 7,
    }
    assert TASKS.to_ghl(ninox) == {
        "title": "test",
        "dueDate": "2021-07-08T02:30:00Z",
        "completed": True,
    }


def test_appointment_times_across_zones_and_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    mapping = default_mappings(ninox_tz=berlin, ghl_naive_tz=ZoneInfo("America/New_York"))
    appointments = mapping.entity("appointment")
    summer = {"id": "a1", "startTime": "2021-07-16 11:00:00", "endTime": "2021-07-16T16:30:00Z"}
    winter = {"id": "a2", "startTime": "2021-01-16 11:00:00", "endTime": "2021-01-16T16:30:00Z"}
    # New York 11:00 = 15:00Z in July (EDT) and 16:00Z in January (EST); Berlin is +2 / +1.
    assert appointments.to_ninox(summer)["Start"] == "2021-07-16T17:00:00"
    assert appointments.to_ninox(summer)["End"] == "2021-07-16T18:30:00"
    assert appointments.to_ninox(winter)["Start"] == "2021-01-16T17:00:00"
    # back to GHL as UTC instants, equal to what GHL sent
    back = appointments.to_ghl(appointments.to_ninox(winter))
    assert back["startTime"] == "2021-01-16T16:00:00Z"
    assert appointments.compare(winter, appointments.to_ninox(winter)) == {}


def test_webhook_payloads_map_too() -> None:
    contact = webhook_example("ContactCreate")
    assert CONTACTS.to_ninox(contact)["Email"] == "johndeo@gmail.comm"
    task = webhook_example("TaskCreate")  # lacks "completed": left out, not cleared
    ninox = TASKS.to_ninox(task, refs={"CWBf1PR9LvvBkcYqiXlc": 3})
    assert "Completed" not in ninox
    assert ninox["Contact"] == 3
    appointment = webhook_example("AppointmentCreate")["appointment"]
    assert APPOINTMENTS.to_ninox(appointment)["Start"] == "2023-09-25T10:30:00"


# --- directions -----------------------------------------------------------------------------


def test_direction_rules() -> None:
    mapping = CONTACTS.replace_field("email", direction="ghl_to_ninox").replace_field(
        "phone", direction=Direction.NINOX_TO_GHL
    )
    wire = {"id": "c1", "firstName": "Ada", "email": "ada@example.org", "phone": "+14155550100"}
    ninox = mapping.to_ninox(wire)
    assert "Email" in ninox
    assert "Phone" not in ninox  # Ninox → GHL only
    body = mapping.to_ghl({"First Name": "Ada", "Email": "x@example.org", "Phone": "4155550199"})
    assert "email" not in body  # GHL → Ninox only
    assert body == {"firstName": "Ada", "phone": "+14155550199"}


def test_bad_direction_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="direction must be one of 'both', 'ghl_to_ninox'"):
        FieldMap(name="x", ghl="x", ninox="X", direction="sideways")


def test_missing_source_keys_are_left_out_and_null_clears() -> None:
    assert CONTACTS.to_ninox({"id": "c1"}) == {"GHL Id": "c1"}
    assert CONTACTS.to_ninox({"id": "c1", "email": "", "phone": None}) == {
        "GHL Id": "c1",
        "Email": None,
        "Phone": None,
    }
    assert CONTACTS.to_ghl({"Email": ""}) == {"email": None}


# --- patches, diffs and digests --------------------------------------------------------------


def test_ninox_patch_writes_only_changed_fields() -> None:
    wire = {"id": "c1", "firstName": "Ada", "lastName": "Lovelace", "email": "ADA@example.org"}
    current = {
        "GHL Id": "c1",
        "First Name": " Ada ",  # same after trimming
        "Last Name": "Byron",
        "Email": "ada@example.org",
        "Phone": "+14155550100",  # GHL object has no phone key: untouched
    }
    assert CONTACTS.ninox_patch(wire, current) == {"Last Name": "Lovelace"}
    assert CONTACTS.ninox_patch(wire, {**current, "Last Name": "Lovelace"}) == {}
    assert CONTACTS.ninox_patch(wire, None) == CONTACTS.to_ninox(wire)


def test_ninox_patch_compares_datetimes_and_references() -> None:
    wire = {"id": "t1", "title": "Call", "dueDate": "2021-07-08T04:30:00+02:00", "contactId": "c1"}
    current = {"GHL Id": "t1", "Title": "Call", "Due Date": "2021-07-08T02:30:00", "Contact": 5}
    assert TASKS.ninox_patch(wire, current, refs={"c1": 5}) == {}
    assert TASKS.ninox_patch(wire, current, refs={"c1": 6}) == {"Contact": 6}


def test_ghl_patch_sends_only_changed_fields() -> None:
    current = {"id": "c1", "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org"}
    ninox = {"First Name": "Ada", "Last Name": "King", "Email": "ADA@EXAMPLE.ORG ", "Phone": ""}
    assert CONTACTS.ghl_patch(ninox, current) == {"lastName": "King"}
    assert CONTACTS.ghl_patch(ninox, None) == CONTACTS.to_ghl(ninox)


def test_diff_on_canonical_forms() -> None:
    a = {"first_name": "Ada", "email": "ADA@example.org", "phone": "+1 415 555 0100"}
    b = {
        "first_name": " Ada",
        "email": "ada@example.org ",
        "phone": "(415) 555-0100",
        "last_name": "",
    }
    assert CONTACTS.diff(a, b) == {}
    assert CONTACTS.diff(a, {**b, "email": "eve@example.org"}) == {
        "email": ("ada@example.org", "eve@example.org")
    }
    assert CONTACTS.diff(a, {}, fields=["email"]) == {"email": ("ada@example.org", None)}


def test_digest_is_stable_and_sensitive() -> None:
    ghl = CONTACTS.ghl_canonical({"id": "c1", "firstName": "Ada", "email": "ADA@x.org "})
    ninox = CONTACTS.ninox_canonical({"First Name": "Ada ", "Email": "ada@x.org"})
    assert CONTACTS.digest(ghl) == CONTACTS.digest(ninox)
    assert CONTACTS.digest(ghl) == CONTACTS.digest(dict(reversed(list(ghl.items()))))
    assert CONTACTS.digest(ghl) != CONTACTS.digest({**ghl, "email": "eve@x.org"})
    # salted with the mapping fingerprint: a changed mapping changes every digest
    assert CONTACTS.digest(ghl) != digest(ghl)
    assert digest(ghl, salt="v2") != digest(ghl, salt="v3")
    per_field = CONTACTS.field_digests(ghl)
    assert per_field.keys() == ghl.keys()
    other = CONTACTS.field_digests({**ghl, "email": "eve@x.org"})
    assert [k for k in per_field if per_field[k] != other[k]] == ["email"]
    assert len(set(field_digests({"a": None, "b": None}).values())) == 2  # names are hashed too


def test_digest_rejects_values_that_are_not_json() -> None:
    with pytest.raises(TypeError, match="canonical values must be JSON values"):
        digest({"when": object()})


def test_fingerprint_follows_the_declaration() -> None:
    assert CONTACTS.fingerprint == contacts_mapping().fingerprint
    assert (
        CONTACTS.fingerprint
        != CONTACTS.replace_field("email", direction="ghl_to_ninox").fingerprint
    )
    assert (
        CONTACTS.fingerprint
        != EntityMapping(
            entity="contact", ninox_table="Contacts", fields=CONTACTS.fields, version="2"
        ).fingerprint
    )


# --- per-item errors -----------------------------------------------------------------------


@pytest.mark.parametrize("wire", [{}, {"id": ""}, {"id": None}, {"id": "  "}, {"id": ["x"]}])
def test_missing_key_is_a_per_item_error(wire: dict[str, Any]) -> None:
    with pytest.raises(MissingKeyError) as info:
        CONTACTS.to_ninox({**wire, "email": "a@b.c"})
    assert info.value.entity == "contact"
    assert info.value.item_id is None
    assert info.value.problems[0].target == "id"
    assert isinstance(info.value, ValueError)


def test_values_a_ninox_field_cannot_hold_list_every_field() -> None:
    wire = {"id": "t9", "title": ["not", "text"], "dueDate": "tomorrow", "completed": "maybe"}
    with pytest.raises(ItemError) as info:
        TASKS.to_ninox(wire)
    err = info.value
    assert err.item_id == "t9"
    assert err.side == "ghl"
    assert [p.field for p in err.problems] == ["title", "due_date", "completed"]
    message = str(err)
    assert "task 't9'" in message
    assert "title → Title: expected text, got list" in message
    assert "due_date → Due Date: expected an ISO 8601 timestamp" in message
    assert "completed → Completed: expected a yes/no value" in message


def test_custom_field_value_of_the_wrong_type_for_ninox() -> None:
    mapping = CONTACTS.with_fields(
        custom_field("cf_tags", "Interests"),  # JSON kind into a Ninox text field
        custom_field("cf_score", "Score", kind=NUMBER, ninox_type="number"),
    )
    wire = {
        "id": "c1",
        "customFields": [{"id": "cf_tags", "value": ["a", "b"]}, {"id": "cf_score", "value": "x"}],
    }
    with pytest.raises(ItemError) as info:
        mapping.to_ninox(wire)
    reasons = {p.field: p.reason for p in info.value.problems}
    assert reasons["cf:cf_tags"] == "a Ninox 'string' field holds text, not list"
    assert "expected a number" in reasons["cf:cf_score"]


def test_unresolved_parent_is_its_own_error() -> None:
    wire = spec_example("TaskSchema")
    with pytest.raises(UnresolvedReferenceError) as info:
        TASKS.to_ninox(wire, refs={})
    assert info.value.item_id == wire["id"]
    assert "Contacts record for GHL id 'lJpzYrWdpkC2hX6t2yue' is not known yet" in str(info.value)
    # without refs, the reference is simply not written
    assert "Contact" not in TASKS.to_ninox(wire)
    # a resolver function works like a mapping
    assert (
        TASKS.to_ninox(wire, refs=lambda table, ghl_id: 9 if table == "Contacts" else None)[
            "Contact"
        ]
        == 9
    )
    with pytest.raises(UnresolvedReferenceError, match="has no GHL id yet"):
        TASKS.ghl_refs({"Contact": 8}, refs={})
    assert TASKS.ghl_refs({"Contact": None}, refs={}) == {"contactId": None}


def test_reading_bad_ninox_values_is_a_per_item_error() -> None:
    with pytest.raises(ItemError) as info:
        TASKS.to_ghl({"GHL Id": "t1", "Due Date": "someday", "Completed": "perhaps"})
    assert info.value.side == "ninox"
    assert info.value.item_id == "t1"
    assert [p.target for p in info.value.problems] == ["dueDate", "completed"]


def test_unparsable_phone_is_kept_and_reported_as_a_warning() -> None:
    converted = CONTACTS.convert_to_ninox({"id": "c1", "phone": "call reception"})
    assert isinstance(converted, Converted)
    assert converted.fields["Phone"] == "call reception"
    assert len(converted.warnings) == 1
    assert converted.warnings[0].field == "phone"
    assert "kept as given" in str(converted.warnings[0])
    assert CONTACTS.convert_to_ghl({"Phone": "+1 415 555 0100"}).warnings == ()


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Ada Lovelace", "Ada", "Lovelace"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("  Cher ", "Cher", None),
        ("Lovelace, Ada", "Ada", "Lovelace"),
        ("Lovelace,", None, "Lovelace"),
        ("", None, None),
        (None, None, None),
    ],
)
def test_split_full_name(full: str | None, first: str | None, last: str | None) -> None:
    assert split_full_name(full) == (first, last)


def test_full_name_mode() -> None:
    mapping = contacts_mapping(full_name="Name")
    wire = {"id": "c1", "firstName": "Mary Ann", "lastName": "Smith"}
    ninox = mapping.to_ninox(wire)
    assert ninox == {"GHL Id": "c1", "Name": "Mary Ann Smith"}
    # without the current contact the split is first word / rest ...
    assert mapping.to_ghl(ninox) == {"firstName": "Mary", "lastName": "Ann Smith"}
    # ... which means the same full name, so nothing differs
    assert mapping.compare({"firstName": "Mary", "lastName": "Ann Smith"}, ninox) == {}
    # with the current contact its own split is kept
    assert mapping.to_ghl(ninox, current=wire) == {"firstName": "Mary Ann", "lastName": "Smith"}
    assert mapping.ghl_patch(ninox, wire) == {}
    assert mapping.ghl_patch({"Name": "Mary Ann Jones"}, wire) == {
        "firstName": "Mary",
        "lastName": "Ann Jones",
    }
    # objects that only carry "name" are read through it
    assert mapping.to_ninox({"id": "c2", "name": "rubika deo"})["Name"] == "rubika deo"
    assert FullName().get({}) is MISSING


# --- custom fields and transforms -----------------------------------------------------------


def test_custom_fields_both_ways() -> None:
    mapping = CONTACTS.with_fields(
        custom_field("MgobCB14YMVKuE4Ka8p1", "Company", kind=TEXT),
        FieldMap(
            name="birthday",
            ghl="customFields.BIRTH",
            ninox="Birthday",
            kind=DATE,
            ninox_type="date",
        ),
    )
    wire = spec_example("GetContectByIdSchema")
    wire["customFields"].append({"id": "BIRTH", "value": "1990-05-17T00:00:00.000Z"})
    ninox = mapping.to_ninox(wire)
    assert ninox["Company"] == "name"
    assert ninox["Birthday"] == "1990-05-17"
    body = mapping.to_ghl(ninox)
    assert body["customFields"] == [
        {"id": "MgobCB14YMVKuE4Ka8p1", "field_value": "name"},
        {"id": "BIRTH", "field_value": "1990-05-17"},
    ]
    assert mapping.ghl_canonical(body) == mapping.ghl_canonical(wire)
    # a contact whose customFields list lacks the id has the value None (GHL omits empties)
    assert mapping.to_ninox({"id": "c1", "customFields": []})["Company"] is None
    assert "Company" not in mapping.to_ninox({"id": "c1"})


def test_custom_field_accessor_validation() -> None:
    with pytest.raises(ValueError, match="custom field id must not be empty"):
        CustomField(" ")
    with pytest.raises(ValueError, match="invalid GHL path"):
        GhlPath("a..b")
    with pytest.raises(TypeError, match="path string or a GhlAccessor"):
        FieldMap(name="x", ghl=42, ninox="X")  # type: ignore[arg-type]


def test_nested_paths() -> None:
    mapping = CONTACTS.with_fields(
        FieldMap(
            name="email_dnd",
            ghl="dndSettings.Email.status",
            ninox="Email DND",
            ninox_type="choice",
        )
    )
    wire = spec_example("GetContectByIdSchema")
    wire["dndSettings"] = {"Email": {"status": "active"}}
    assert mapping.to_ninox(wire)["Email DND"] == "active"
    assert mapping.to_ghl({"Email DND": "inactive"}) == {
        "dndSettings": {"Email": {"status": "inactive"}}
    }


def test_replace_a_transform() -> None:
    mapping = CONTACTS.replace_field("last_name", to_ninox=lambda v: v and v.upper())
    assert mapping.to_ninox({"id": "c1", "lastName": " Deo "})["Last Name"] == "DEO"
    with pytest.raises(KeyError, match="has no field 'surname'; fields: \\['first_name'"):
        CONTACTS.replace_field("surname", to_ninox=str)


def test_task_status_as_a_choice() -> None:
    mapping = default_mappings(task_status=task_status_choice()).entity("task")
    assert mapping.to_ninox({"id": "t1", "completed": True})["Status"] == "Completed"
    assert mapping.to_ninox({"id": "t1", "completed": False})["Status"] == "Open"
    assert mapping.to_ghl({"Status": "Completed"}) == {"completed": True}
    assert mapping.to_ghl({"Status": " Open "}) == {"completed": False}
    current = {"GHL Id": "t1", "Status": "Completed"}
    assert mapping.ninox_patch({"id": "t1", "completed": True}, current) == {}
    with pytest.raises(ItemError, match="unknown choice 'Blocked'"):
        mapping.to_ghl({"Status": "Blocked"})
    assert default_layout(task_status=task_status_choice())["Tasks"]["Status"] == {
        "type": "choice",
        "choices": ["Open", "Completed"],
    }


def test_choice_kind_rejects_duplicate_captions() -> None:
    with pytest.raises(ValueError, match="captions must be distinct"):
        ChoiceKind({"a": "X", "b": "X"})


def test_mapping_declaration_errors() -> None:
    with pytest.raises(ValueError, match="duplicate field names \\['email'\\]"):
        CONTACTS.with_fields(FieldMap(name="email", ghl="email", ninox="Email 2", kind=EMAIL))
    with pytest.raises(ValueError, match="duplicate Ninox fields \\['Email'\\]"):
        CONTACTS.with_fields(FieldMap(name="email2", ghl="email", ninox="Email", kind=EMAIL))
    with pytest.raises(TypeError, match="FieldMap instances"):
        EntityMapping(entity="x", ninox_table="X", fields=["email"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="needs a Ninox field name"):
        FieldMap(name="x", ghl="x", ninox="")


def test_without_fields() -> None:
    mapping = CONTACTS.without_fields("phone")
    assert [f.name for f in mapping.fields] == ["first_name", "last_name", "email"]
    assert "Phone" not in mapping.layout()["Contacts"]


# --- whole custom mappers -------------------------------------------------------------------


class UppercaseNotes(BaseMapper):
    """A hand-written mapper: notes with an upper-cased copy of the body."""

    entity = "note"
    ninox_table = "Notes"

    def to_ninox(self, ghl: Mapping[str, Any], *, refs: Any = None) -> dict[str, Any]:
        return {"GHL Id": self.ghl_id(ghl), "Body": str(ghl.get("body") or "").upper()}

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return {"body": ninox.get("Body")}


def test_custom_mapper_class() -> None:
    mapper = UppercaseNotes()
    assert isinstance(mapper, Mapper)
    mappings = MAPPINGS.replace(mapper)
    assert mappings["note"] is mapper
    assert mappings.entities == ("contact", "task", "note", "appointment")
    assert mapper.to_ninox({"id": "n1", "body": "hi"}) == {"GHL Id": "n1", "Body": "HI"}
    assert mapper.ninox_patch({"id": "n1", "body": "hi"}, {"GHL Id": "n1", "Body": "HI "}) == {}
    assert mapper.ninox_patch({"id": "n1", "body": "ho"}, {"GHL Id": "n1", "Body": "HI"}) == {
        "Body": "HO"
    }
    with pytest.raises(MissingKeyError):
        mapper.to_ninox({"body": "no id"})
    with pytest.raises(TypeError, match="not an EntityMapping"):
        mappings.entity("note")


def test_mapper_from_functions() -> None:
    mapper = mapper_from_functions(
        entity="deal",
        ninox_table="Deals",
        to_ninox=lambda ghl: {"Amount": ghl.get("monetaryValue")},
        layout={"Amount": {"type": "number"}},
    )
    assert mapper.to_ninox({"id": "d1", "monetaryValue": 10}) == {"Amount": 10, "GHL Id": "d1"}
    assert mapper.layout() == {
        "Deals": {"GHL Id": {"type": "string"}, "Amount": {"type": "number"}}
    }
    with pytest.raises(NotImplementedError, match="does not map Ninox → GHL"):
        mapper.to_ghl({"Amount": 1})
    with pytest.raises(MissingKeyError):
        mapper.to_ninox({"monetaryValue": 10})
    mappings = MAPPINGS.replace(mapper)
    assert mappings.entities[-1] == "deal"
    assert "Deals" in mappings.layout()


def test_mapping_set_rejects_non_mappers_and_duplicates() -> None:
    with pytest.raises(TypeError, match="does not implement the Mapper protocol"):
        MappingSet((object(),))
    with pytest.raises(ValueError, match="more than one mapper for \\['contact'\\]"):
        MappingSet((CONTACTS, CONTACTS))
    with pytest.raises(KeyError, match="no mapper for 'deal'"):
        MAPPINGS["deal"]


def test_ref_map_in_a_custom_entity() -> None:
    mapping = EntityMapping(
        entity="opportunity",
        ninox_table="Opportunities",
        fields=[FieldMap(name="title", ghl="name", ninox="Title")],
        refs=[RefMap(name="contact", ghl="contactId", ninox="Person", table="People")],
    )
    assert mapping.to_ninox({"id": "o1", "name": "Big", "contactId": "c1"}, refs={"c1": 4}) == {
        "GHL Id": "o1",
        "Title": "Big",
        "Person": 4,
    }
    assert mapping.layout()["Opportunities"]["Person"] == {"type": "ref", "ref": "People"}


@pytest.mark.parametrize("read_back", [5, "5", [5], {"id": 5}])
def test_references_read_back_in_any_plausible_shape(read_back: Any) -> None:
    wire = {"id": "t1", "title": "Call", "contactId": "c1"}
    current = {"GHL Id": "t1", "Title": "Call", "Contact": read_back}
    assert TASKS.ninox_patch(wire, current, refs={"c1": 5}) == {}
    assert TASKS.ghl_refs(current, refs={5: "c1"}) == {"contactId": "c1"}


# --- property: values that mean the same give no diff and the same digest --------------------

_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü -'", min_size=1, max_size=12).filter(
    lambda s: bool(s.strip())
)
_spaces = st.text(alphabet=" \t", max_size=2)


@given(
    first=_names,
    last=_names,
    email=st.from_regex(r"[a-z0-9._+-]{1,8}@[a-z0-9-]{1,8}\.[a-z]{2,4}", fullmatch=True),
    digits=st.from_regex(r"[2-9][0-9]{9}", fullmatch=True),
    pad=_spaces,
)
def test_equal_meaning_contacts_have_no_diff_and_the_same_digest(
    first: str, last: str, email: str, digits: str, pad: str
) -> None:
    wire = {
        "id": "c1",
        "firstName": first,
        "lastName": last,
        "email": email,
        "phone": "+1" + digits,
    }
    ninox = {
        "First Name": pad + " ".join(first.split()) + pad,
        "Last Name": last.strip() + pad,
        "Email": pad + email.upper() + pad,
        "Phone": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
    }
    assert CONTACTS.compare(wire, ninox) == {}
    assert CONTACTS.digest(CONTACTS.ghl_canonical(wire)) == CONTACTS.digest(
        CONTACTS.ninox_canonical(ninox)
    )
    assert CONTACTS.ninox_patch(wire, {**ninox, "GHL Id": "c1"}) == {}
    assert CONTACTS.ghl_patch(ninox, wire) == {}
    # and a round trip keeps the meaning
    assert CONTACTS.ghl_canonical(CONTACTS.to_ghl(CONTACTS.to_ninox(wire))) == (
        CONTACTS.ghl_canonical(wire)
    )


@pytest.mark.parametrize("item", [None, "c1", ["id", "c1"]])
def test_an_item_that_is_not_a_dict_is_a_per_item_error(item: Any) -> None:
    with pytest.raises(ItemError, match="expected a GHL object"):
        CONTACTS.to_ninox(item)
    with pytest.raises(ItemError, match="expected Ninox record fields"):
        CONTACTS.to_ghl(item)


def test_ninox_fields_lists_what_to_read() -> None:
    assert TASKS.ninox_fields == ("GHL Id", "Title", "Due Date", "Completed", "Contact")


def test_ninox_id_stored_in_a_ghl_custom_field() -> None:
    contacts = default_mappings(ninox_id_field="cfNinoxId").entity("contact")
    wire = {"id": "c1", "email": "a@b.c", "customFields": [{"id": "cfNinoxId", "value": "17"}]}
    assert contacts.ghl_ninox_id(wire) == 17
    assert contacts.ghl_ninox_id({"id": "c1", "customFields": []}) is None
    assert contacts.ghl_ninox_id_body(17) == {
        "customFields": [{"id": "cfNinoxId", "field_value": "17"}]
    }
    # a key, not data: it is neither written to Ninox nor part of the canonical values
    assert contacts.to_ninox(wire) == {"GHL Id": "c1", "Email": "a@b.c"}
    assert "cfNinoxId" not in str(contacts.ghl_canonical(wire))
    assert contacts.fingerprint != CONTACTS.fingerprint
    with pytest.raises(ValueError, match="integer >= 1"):
        contacts.ghl_ninox_id_body(0)
    with pytest.raises(ValueError, match="no GHL custom field for the Ninox id"):
        CONTACTS.ghl_ninox_id_body(17)
    assert CONTACTS.ghl_ninox_id(wire) is None
