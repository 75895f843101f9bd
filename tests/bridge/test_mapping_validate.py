"""validate(): every problem at once, all accepted schema shapes, and the default layout on a
FakeNinox server (values written by the mapping are accepted and read back equal)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest

from bridge.canonical import PhoneNormalizer
from bridge.mappers import (
    contacts_mapping,
    custom_field,
    default_layout,
    default_mappings,
    full_name_field,
    layout_types,
)
from bridge.mapping import (
    BOOL,
    FieldMap,
    MappingSet,
    SchemaMismatchError,
    compatible_types,
    normalize_schema,
    validate,
)
from ninoxsdk.models import Field, FieldType, Schema, Table, table_from_json
from ninoxsdk.testing import FakeNinox, FieldSpec

MAPPINGS = default_mappings(phone=PhoneNormalizer(backend="simple"))


def test_default_layout_is_plain_data_in_parent_first_order() -> None:
    layout = default_layout()
    assert list(layout) == ["Contacts", "Tasks", "Notes", "Appointments"]
    assert layout["Contacts"] == {
        "GHL Id": {"type": "string"},
        "First Name": {"type": "string"},
        "Last Name": {"type": "string"},
        "Email": {"type": "email"},
        "Phone": {"type": "phone"},
    }
    assert layout["Tasks"] == {
        "GHL Id": {"type": "string"},
        "Title": {"type": "string"},
        "Due Date": {"type": "datetime"},
        "Completed": {"type": "boolean"},
        "Contact": {"type": "ref", "ref": "Contacts"},
    }
    assert layout["Notes"] == {
        "GHL Id": {"type": "string"},
        "Body": {"type": "string"},
        "Contact": {"type": "ref", "ref": "Contacts"},
    }
    assert layout_types(layout)["Appointments"] == {
        "GHL Id": "string",
        "Title": "string",
        "Start": "datetime",
        "End": "datetime",
        "Status": "string",
        "Contact": "ref",
    }
    assert default_layout(full_name="Name")["Contacts"]["Name"] == {"type": "string"}


def test_the_layout_validates_as_a_schema_in_both_shapes() -> None:
    validate(default_layout())
    validate(layout_types(default_layout()))
    MAPPINGS.validate(default_layout())


def test_compatible_types_pass() -> None:
    schema = layout_types(default_layout())
    schema["Contacts"] |= {"Email": "text", "Phone": "string", "First Name": "html"}
    schema["Tasks"] |= {"Due Date": "timestamp", "Contact": "reference"}
    assert MAPPINGS.check(schema) == []
    assert compatible_types("email") == {"email", "string"}
    assert compatible_types("text") == {"string", "html"}


def test_validate_reports_every_problem_at_once() -> None:
    schema: dict[str, Any] = layout_types(default_layout())
    schema["Contacts"] = {
        "GHL Id": "string",
        "First Name": "number",  # type mismatch
        "Last Name": "string",
        "Emial": "email",  # typo: Email missing
        "Phone": {"type": "fn"},  # computed
    }
    schema["Tasks"]["Contact"] = {"type": "ref", "ref": "Companies"}  # wrong target
    schema["Tasks"]["Completed"] = "choice"  # boolean expected
    del schema["Notes"]  # whole table missing
    with pytest.raises(SchemaMismatchError) as info:
        validate(schema, MAPPINGS)
    problems = info.value.problems
    found = {(p.table, p.field): (p.expected, p.found) for p in problems}
    assert found == {
        ("Contacts", "First Name"): ("string (or html)", "number"),
        ("Contacts", "Email"): ("email", "no such field"),
        ("Contacts", "Phone"): ("phone", "fn"),
        ("Tasks", "Completed"): ("boolean", "choice"),
        ("Tasks", "Contact"): ("ref to Contacts", "ref to Companies"),
        ("Notes", None): ("a table", "no such table"),
    }
    message = str(info.value)
    assert message.startswith("the Ninox schema does not match the mapping (6 problems):")
    assert "Contacts.First Name: type mismatch (expected string (or html), found number)" in message
    assert "Contacts.Email: field not found; did you mean 'Emial'?" in message
    assert "Contacts.Phone: computed field (formula / reverse link) cannot be written" in message
    assert "Notes: table not found (needed by the note mapping)" in message


def test_computed_ninox_fields_may_feed_ghl_only() -> None:
    mapping = contacts_mapping().with_fields(
        FieldMap(name="vip", ghl="customFields.vip", ninox="VIP", kind=BOOL,
                 ninox_type="boolean", direction="ninox_to_ghl")
    )  # fmt: skip
    schema = layout_types(mapping.layout())
    schema["Contacts"]["VIP"] = "fn"
    assert mapping.check(schema) == []
    # the same formula field cannot take values from GHL
    both_ways = mapping.replace_field("vip", direction="both")
    assert [(p.field, p.found) for p in both_ways.check(schema)] == [("VIP", "fn")]


def test_custom_fields_are_part_of_the_layout_and_the_check() -> None:
    contacts = contacts_mapping().with_fields(custom_field("abc", "Company"))
    mappings = MAPPINGS.replace(contacts)
    assert mappings.layout()["Contacts"]["Company"] == {"type": "string"}
    with pytest.raises(SchemaMismatchError, match=r"Contacts\.Company: field not found"):
        mappings.validate(default_layout())


@attrs.frozen
class DuckField:
    name: str
    type: str
    reference_to_table: str | None = None


@attrs.frozen
class DuckTable:
    id: str
    name: str
    fields: tuple[DuckField, ...]


@attrs.frozen
class DuckSchema:
    tables: tuple[DuckTable, ...]


def _duck_schema(layout: dict[str, dict[str, dict[str, Any]]]) -> DuckSchema:
    ids = {name: f"T{i}" for i, name in enumerate(layout)}
    return DuckSchema(
        tuple(
            DuckTable(
                id=ids[table],
                name=table,
                fields=tuple(
                    DuckField(name, decl["type"], ids.get(decl.get("ref", "")))
                    for name, decl in fields.items()
                ),
            )
            for table, fields in layout.items()
        )
    )


def test_duck_typed_schema_objects() -> None:
    schema = _duck_schema(default_layout())
    validate(schema)
    info = normalize_schema(schema)
    assert info["Tasks"]["Contact"].ref == "Contacts"  # table id resolved to its name
    broken = attrs.evolve(schema, tables=schema.tables[:1])
    with pytest.raises(SchemaMismatchError) as err:
        validate(broken)
    assert [p.table for p in err.value.problems] == ["Tasks", "Notes", "Appointments"]


def test_ninoxsdk_schema_model() -> None:
    layout = default_layout()
    ids = {name: chr(ord("A") + i) for i, name in enumerate(layout)}
    tables = tuple(
        Table(
            id=ids[table],
            name=table,
            fields=tuple(
                Field(
                    id=str(i),
                    name=name,
                    type=FieldType(decl["type"]),
                    reference_to_table=ids.get(decl.get("ref", "")),
                )
                for i, (name, decl) in enumerate(fields.items())
            ),
        )
        for table, fields in layout.items()
    )
    validate(Schema(tables=tables))
    formula = Field(id="9", name="Email", type=FieldType.STRING, formula="lower(Mail)")
    contacts = attrs.evolve(tables[0], fields=(*tables[0].fields[:3], formula, tables[0].fields[4]))
    with pytest.raises(SchemaMismatchError, match=r"Contacts\.Email: computed field"):
        validate(Schema(tables=(contacts, *tables[1:])))


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (42, "schema must be a mapping"),
        ({"Contacts": ["Email"]}, "must map field names to types"),
        ({"Contacts": {"Email": {"ref": "x"}}}, "needs a 'type'"),
        ([object()], "lacks .name or .fields"),
    ],
)
def test_bad_schema_input(schema: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        validate(schema)


# --- the default layout on a FakeNinox server -------------------------------------------------

TEAM, DB = "T1", "db1"


def seed(fake: FakeNinox, layout: dict[str, dict[str, dict[str, Any]]]) -> dict[str, str]:
    """Create the layout's tables on a FakeNinox (parents first); returns table name → id."""
    fake.add_team(TEAM, "Team")
    fake.add_database(TEAM, DB, "CRM")
    ids: dict[str, str] = {}
    for table, fields in layout.items():
        specs = [
            FieldSpec(
                name,
                decl["type"],
                ref_table=ids.get(decl["ref"]) if "ref" in decl else None,
                choices=decl.get("choices", ()),
            )
            for name, decl in fields.items()
        ]
        ids[table] = fake.add_table(TEAM, DB, name=table, fields=specs)
    return ids


@pytest.fixture
def client() -> Iterator[tuple[FakeNinox, httpx.Client]]:
    fake = FakeNinox(api_key="k")
    with httpx.Client(
        transport=fake,
        base_url=f"https://api.ninox.com/v1/teams/{TEAM}/databases/{DB}",
        headers={"Authorization": "Bearer k"},
    ) as http:
        yield fake, http


def test_default_layout_on_fake_ninox(client: tuple[FakeNinox, httpx.Client]) -> None:
    fake, http = client
    ids = seed(fake, default_layout())
    tables = MappingSet(tuple(MAPPINGS)).check(
        [table_from_json(t) for t in http.get("/tables").raise_for_status().json()]
    )
    assert tables == []

    contacts, tasks = MAPPINGS.entity("contact"), MAPPINGS.entity("task")
    appointments = MAPPINGS.entity("appointment")
    contact = {"id": "c1", "firstName": " Ada ", "email": "ADA@x.org", "phone": "(415) 555-0100"}
    saved = http.post(
        f"/tables/{ids['Contacts']}/records", json=[{"fields": contacts.to_ninox(contact)}]
    )
    record = saved.raise_for_status().json()[0]
    assert contacts.compare(contact, record["fields"]) == {}

    task = {
        "id": "t1",
        "title": "Call",
        "dueDate": "2021-07-08T04:30:00+02:00",
        "completed": False,
        "contactId": "c1",
    }
    meeting = {
        "id": "a1",
        "title": "Demo",
        "startTime": "2021-07-16 11:00:00",
        "endTime": "2021-07-16T11:30:00Z",
        "appointmentStatus": "booked",
        "contactId": "c1",
    }
    refs = {"c1": record["id"]}
    for mapping, item in ((tasks, task), (appointments, meeting)):
        table_id = ids[mapping.ninox_table]
        response = http.post(
            f"/tables/{table_id}/records", json=[{"fields": mapping.to_ninox(item, refs=refs)}]
        )
        stored = response.raise_for_status().json()[0]["fields"]
        assert mapping.compare(item, stored) == {}
        assert mapping.ninox_patch(item, stored, refs=refs) == {}
        assert stored["Contact"] == record["id"]


def test_full_name_layout_on_fake_ninox(client: tuple[FakeNinox, httpx.Client]) -> None:
    fake, http = client
    mappings = default_mappings(full_name="Full Name")
    ids = seed(fake, mappings.layout())
    contacts = mappings.entity("contact")
    assert contacts.field("name") == full_name_field("Full Name")
    wire = {"id": "c9", "firstName": "Mary Ann", "lastName": "Smith"}
    response = http.post(
        f"/tables/{ids['Contacts']}/records", json=[{"fields": contacts.to_ninox(wire)}]
    )
    stored = response.raise_for_status().json()[0]["fields"]
    assert stored["Full Name"] == "Mary Ann Smith"
    assert contacts.ghl_patch(stored, wire) == {}
