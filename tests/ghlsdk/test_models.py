"""Models: lenient parsing of the API's quirks, unknown fields kept, lossless round trip."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _sdkcore.parsing import structure
from _sdkcore.serde import wire_name
from ghlsdk import (
    APIResponseValidationError,
    Appointment,
    Contact,
    ContactType,
    CustomFieldInput,
    DndStatus,
    Note,
    Task,
    UpsertResult,
    to_wire,
)
from ghlsdk.models import converter
from tests.ghlsdk._client_helpers import CONTACT_JSON

RESPONSE = httpx.Response(200, request=httpx.Request("GET", "https://x.test/"))


def parse(data: Any, cls: type) -> Any:
    return structure(converter, data, cls, RESPONSE)


def test_contact_keeps_unknown_fields_and_round_trips() -> None:
    data = {
        **CONTACT_JSON,
        "brandNewField": {"nested": [1, 2]},
        "additionalEmails": [{"email": "x@y.z"}],
        "customFields": [
            {"id": "s", "value": "text"},
            {"id": "n", "value": 12.5},
            {"id": "l", "value": ["a", "b"]},
            {"id": "o", "value": {"uuid": {"url": "https://f"}}},
            {"id": "z", "value": None, "fieldKey": "contact.z"},
        ],
    }
    contact = parse(data, Contact)
    assert contact.extra == {"brandNewField": {"nested": [1, 2]}}
    assert contact.additional_emails == [{"email": "x@y.z"}]
    assert [f.value for f in contact.custom_fields] == [
        "text",
        12.5,
        ["a", "b"],
        {"uuid": {"url": "https://f"}},
        None,
    ]
    assert contact.custom_fields[4].extra == {"fieldKey": "contact.z"}
    assert contact.custom_field("l") == ["a", "b"]
    assert contact.custom_field("missing") is None
    wire = to_wire(contact)
    assert wire["brandNewField"] == {"nested": [1, 2]}
    assert wire["customFields"][4] == {"id": "z", "value": None, "fieldKey": "contact.z"}
    assert parse(json.loads(json.dumps(wire)), Contact) == contact
    # every key the server sent comes back with an equal value
    for key, value in data.items():
        if key == "dateAdded":
            assert datetime.fromisoformat(wire[key].replace("Z", "+00:00")) == contact.date_added
        else:
            assert wire[key] == value, key


def test_open_enums_keep_unknown_values() -> None:
    contact = parse(
        {"type": "read", "dndSettings": {"RCS": {"status": "paused"}, "SMS": {"status": "active"}}},
        Contact,
    )
    assert contact.type == "read"
    assert not contact.type.is_known
    assert parse({"type": "lead"}, Contact).type is ContactType.LEAD
    rcs = contact.dnd_settings["RCS"]
    assert rcs.status.value == "paused"
    assert not rcs.status.is_known
    assert contact.dnd_settings["SMS"].status is DndStatus.ACTIVE
    assert to_wire(contact)["dndSettings"]["RCS"]["status"] == "paused"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-07-02T05:18:26.704Z", datetime(2021, 7, 2, 5, 18, 26, 704000, tzinfo=timezone.utc)),
        ("2021-07-16 11:00:00", datetime(2021, 7, 16, 11, 0, tzinfo=timezone.utc)),
        ("2023-09-25T16:00:00+05:30", datetime(2023, 9, 25, 10, 30, tzinfo=timezone.utc)),
        (1631087949919, datetime(2021, 9, 8, 7, 59, 9, 919000, tzinfo=timezone.utc)),
    ],
)
def test_mixed_date_formats(raw: Any, expected: datetime) -> None:
    assert parse({"startTime": raw}, Appointment).start_time == expected
    assert parse({"dateAdded": raw}, Contact).date_added == expected


def test_date_of_birth_stays_a_string_with_a_lenient_date() -> None:
    assert parse({"dateOfBirth": "1990-09-25"}, Contact).birth_date == date(1990, 9, 25)
    created = parse({"dateOfBirth": "1990-09-25T00:00:00.000Z"}, Contact)
    assert created.birth_date == date(1990, 9, 25)
    odd = parse({"dateOfBirth": "Date format YYYY-MM-DD"}, Contact)
    assert odd.date_of_birth == "Date format YYYY-MM-DD"
    assert odd.birth_date is None


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        ({"firstName": 5}, Contact),
        ({"tags": "vip"}, Contact),
        ({"dndSettings": ["Email"]}, Contact),
        ({"customFields": {"id": "x"}}, Contact),
        ({"completed": "yes"}, Task),
        ({"dateAdded": "not a date"}, Note),
        ({"contact": {}}, UpsertResult),
    ],
)
def test_wrong_types_are_validation_errors(data: dict[str, Any], cls: type) -> None:
    with pytest.raises(APIResponseValidationError, match=cls.__name__):
        parse(data, cls)


def test_custom_field_input_needs_id_or_key() -> None:
    with pytest.raises(ValueError, match="id= or key="):
        CustomFieldInput(field_value="x")
    assert to_wire(CustomFieldInput(key="contact.k", field_value=[1])) == {
        "key": "contact.k",
        "field_value": [1],
    }


def test_models_are_frozen() -> None:
    contact = parse(CONTACT_JSON, Contact)
    with pytest.raises(AttributeError):
        contact.first_name = "x"  # type: ignore[misc]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
unknown_keys = st.text(min_size=1, max_size=8).filter(lambda k: k not in CONTACT_JSON)


@settings(max_examples=60, deadline=None)
@given(extra=st.dictionaries(unknown_keys, json_values, max_size=4), value=json_values)
def test_unknown_keys_and_any_custom_value_survive(extra: dict[str, Any], value: Any) -> None:
    declared = {wire_name(f) for f in attrs.fields(Contact)}
    extra = {k: v for k, v in extra.items() if k not in declared}
    data = {**CONTACT_JSON, **extra, "customFields": [{"id": "f", "value": value}]}
    contact = parse(data, Contact)
    assert contact.extra == extra
    wire = to_wire(contact)
    assert {k: wire[k] for k in extra} == extra
    assert wire["customFields"] == [{"id": "f", "value": value}]
