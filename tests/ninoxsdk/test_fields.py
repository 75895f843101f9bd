"""Field codecs: every type round-trips both ways; bad writes fail with a clear message."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ninoxsdk import (
    Appointment,
    Choice,
    ChoiceValue,
    Field,
    FieldError,
    FieldType,
    FieldTypeError,
    Location,
    ReadOnlyFieldError,
    Record,
    Table,
    TableCodec,
    UnknownFieldError,
)

CHOICES = (Choice(id="1", caption="Lead", order=0), Choice(id="2", caption="Customer", order=1))
TABLE = Table(
    id="A",
    name="Contacts",
    fields=(
        Field(id="A", name="Name", type=FieldType.STRING),
        Field(id="B", name="Notes", type=FieldType("html")),
        Field(id="C", name="Email", type=FieldType.EMAIL),
        Field(id="D", name="Phone", type=FieldType.PHONE),
        Field(id="E", name="Site", type=FieldType.URL),
        Field(id="F", name="Score", type=FieldType.NUMBER),
        Field(id="G", name="Active", type=FieldType.BOOLEAN),
        Field(id="H", name="Born", type=FieldType.DATE),
        Field(id="I", name="Next call", type=FieldType.DATETIME),
        Field(id="J", name="Stamp", type=FieldType("timestamp")),
        Field(id="K", name="Opens", type=FieldType.TIME),
        Field(id="L", name="Spent", type=FieldType.TIMEINTERVAL),
        Field(id="M", name="Meeting", type=FieldType.APPOINTMENT),
        Field(id="N", name="Stage", type=FieldType.CHOICE, choices=CHOICES),
        Field(id="O", name="Tags", type=FieldType.MULTI, choices=CHOICES),
        Field(id="P", name="Company", type=FieldType.REF, reference_to_table="B"),
        Field(id="Q", name="Where", type=FieldType.LOCATION),
        Field(id="R", name="Full name", type=FieldType.FN, formula='A + " "'),
        Field(id="S", name="Invoices", type=FieldType.REV),
        Field(id="T", name="Colour", type=FieldType("color")),
        Field(id="U", name="Link", type=FieldType.LINK),
    ),
)
CODEC = TableCodec(TABLE)

aware = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.just(timezone.utc),
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
clock = st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
intervals = st.integers(min_value=-(10**12), max_value=10**12).map(
    lambda ms: timedelta(milliseconds=ms)
)
finite = st.floats(allow_nan=False, allow_infinity=False)
caption = st.sampled_from(["Lead", "Customer"])

STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "Name": st.text(),
    "Notes": st.text(),
    "Email": st.text(),
    "Phone": st.text(),
    "Site": st.text(),
    "Link": st.text(),
    "Score": st.one_of(st.integers(), finite),
    "Active": st.booleans(),
    "Born": st.dates(),
    "Next call": aware,
    "Stamp": aware,
    "Opens": clock,
    "Spent": intervals,
    "Meeting": st.tuples(aware, aware).map(lambda p: Appointment(min(p), max(p))),
    "Stage": caption,
    "Tags": st.lists(caption, max_size=3),
    "Company": st.integers(min_value=1, max_value=2**53),
    "Where": st.builds(
        Location,
        st.text().filter(lambda s: "<" not in s and s == s.strip()),
        st.floats(min_value=-90, max_value=90, allow_nan=False),
        st.floats(min_value=-180, max_value=180, allow_nan=False),
    ),
    "Colour": st.one_of(st.text(), st.integers()),
}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_python_value_round_trips_through_json(name: str, data: st.DataObject) -> None:
    value = data.draw(STRATEGIES[name])
    wire = CODEC.encode({name: value})
    decoded = CODEC.decode(wire)
    assert decoded[name] == value
    assert type(decoded[name]) is type(value) or isinstance(decoded[name], type(value))
    # ... and the wire form is stable: encoding the decoded value gives the same JSON.
    assert CODEC.encode(decoded) == wire


@settings(max_examples=100, deadline=None)
@given(value=aware)
def test_datetimes_are_aware_and_written_without_zone(value: datetime) -> None:
    wire = CODEC.encode_value("Next call", value)
    assert isinstance(wire, str)
    assert not wire.endswith("Z")
    assert "+" not in wire
    decoded = CODEC.decode_value("Next call", wire)
    assert decoded.tzinfo is not None
    assert decoded == value


def test_record_example_from_reference_decodes() -> None:
    raw = {
        "Name": "Ada",
        "Stage": "Lead",
        "Company": 7,
        "Next call": "2025-03-10T13:00:00",
        "Born": "2021-01-23",
        "Opens": "12:30:00",
        "Spent": "123:25:16.123",
        "Meeting": "2021-01-23T12:30:00 - 2021-01-23T13:30:00",
        "Where": "Main St 1, Berlin <52.52,13.405>",
        "Tags": ["Lead", "Customer"],
        "Full name": "Ada L",
        "Invoices": [3, 4],
        "Unknown field": {"x": 1},
    }
    out = CODEC.decode(raw)
    utc = timezone.utc
    assert out["Next call"] == datetime(2025, 3, 10, 13, 0, tzinfo=utc)
    assert out["Born"] == date(2021, 1, 23)
    assert out["Opens"] == time(12, 30)
    assert out["Spent"] == timedelta(hours=123, minutes=25, seconds=16, milliseconds=123)
    assert out["Meeting"] == Appointment(
        datetime(2021, 1, 23, 12, 30, tzinfo=utc), datetime(2021, 1, 23, 13, 30, tzinfo=utc)
    )
    assert out["Where"] == Location("Main St 1, Berlin", 52.52, 13.405)
    assert out["Stage"] == "Lead"
    assert out["Stage"].id == "1"
    assert [t.id for t in out["Tags"]] == ["1", "2"]
    assert out["Company"] == 7
    assert out["Full name"] == "Ada L"
    assert out["Invoices"] == [3, 4]
    assert out["Unknown field"] == {"x": 1}


def test_encoded_wire_forms_match_the_reference() -> None:
    utc = timezone.utc
    wire = CODEC.encode(
        {
            "Next call": datetime(2025, 3, 10, 13, 0, tzinfo=utc),
            "Born": date(2021, 1, 23),
            "Opens": time(12, 30),
            "Spent": timedelta(hours=123, minutes=25, seconds=16, milliseconds=123),
            "Meeting": (
                datetime(2021, 1, 23, 12, 30, tzinfo=utc),
                datetime(2021, 1, 23, 13, 30, tzinfo=utc),
            ),
            "Where": Location("Main St 1", 52.52, 13.405),
            "Score": Decimal("2.50"),
            "Stage": ChoiceValue("Customer", "2"),
            "Tags": ("Lead",),
            "Company": Record(id=9),
            "Name": None,
        }
    )
    assert wire == {
        "Next call": "2025-03-10T13:00:00",
        "Born": "2021-01-23",
        "Opens": "12:30:00",
        "Spent": "123:25:16.123",
        "Meeting": "2021-01-23T12:30:00 - 2021-01-23T13:30:00",
        "Where": "Main St 1 <52.52,13.405>",
        "Score": 2.5,
        "Stage": "Customer",
        "Tags": ["Lead"],
        "Company": 9,
        "Name": None,
    }


def test_writes_by_field_id_are_keyed_by_name() -> None:
    assert CODEC.encode({"A": "Ada", "F": Decimal(3)}) == {"Name": "Ada", "Score": 3}


def test_datetime_in_other_zone_is_converted() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert CODEC.encode_value("Stamp", datetime(2025, 1, 1, 12, 0, tzinfo=plus2)) == (
        "2025-01-01T10:00:00"
    )
    local = TableCodec(TABLE, tz=plus2)
    decoded = local.decode_value("Stamp", "2025-01-01T12:00:00")
    assert decoded == datetime(2025, 1, 1, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("Name", 5, "str"),
        ("Score", True, "int, float or Decimal"),
        ("Score", "12", "int, float or Decimal"),
        ("Score", float("nan"), "finite"),
        ("Active", "yes", "bool"),
        ("Born", datetime(2020, 1, 1, tzinfo=timezone.utc), "datetime.date"),
        ("Born", "2020-01-01", "datetime.date"),
        ("Next call", datetime(2020, 1, 1), "aware datetime"),
        ("Next call", "2020-01-01T00:00:00", "aware datetime"),
        ("Opens", "12:00", "datetime.time"),
        ("Spent", 60, "timedelta"),
        ("Meeting", "x", "Appointment"),
        ("Stage", "Prospect", "'Lead', 'Customer'"),
        ("Stage", 3.5, "caption"),
        ("Tags", "Lead", "list of choice captions"),
        ("Tags", ["Nope"], "captions"),
        ("Company", "7", "record id"),
        ("Company", 0, "record id"),
        ("Where", 5, "Location"),
    ],
)
def test_wrong_type_names_table_field_expected_and_value(
    field: str, value: Any, expected: str
) -> None:
    with pytest.raises(FieldTypeError) as info:
        CODEC.encode({field: value})
    err = info.value
    message = str(err)
    assert "Contacts" in message
    assert field in message
    assert expected in message
    assert repr(value)[:20] in message
    assert (err.table, err.field, err.value) == ("Contacts", field, value)
    assert isinstance(err, TypeError)
    assert isinstance(err, ValueError)


def test_appointment_end_before_start_is_rejected() -> None:
    utc = timezone.utc
    with pytest.raises(FieldTypeError, match="end"):
        CODEC.encode_value(
            "Meeting",
            Appointment(datetime(2020, 1, 2, tzinfo=utc), datetime(2020, 1, 1, tzinfo=utc)),
        )


def test_unknown_field_lists_the_fields() -> None:
    with pytest.raises(UnknownFieldError) as info:
        CODEC.encode({"Emial": "a@b.c"})
    message = str(info.value)
    assert "Contacts has no field 'Emial'" in message
    assert "'Email'" in message
    assert "str 'a@b.c'" in message
    assert isinstance(info.value, FieldError)


@pytest.mark.parametrize("field", ["Full name", "R", "Invoices"])
def test_computed_fields_are_read_only(field: str) -> None:
    with pytest.raises(ReadOnlyFieldError, match="cannot be written"):
        CODEC.encode({field: "x"})
    assert CODEC.encode({field: "x", "Name": "A"}, skip_read_only=True) == {"Name": "A"}


def test_choice_read_by_id_maps_to_caption() -> None:
    value = CODEC.decode_value("Stage", "2")
    assert value == "Customer"
    assert value.id == "2"
    assert CODEC.decode_value("Stage", 1) == "Lead"
    unknown = CODEC.decode_value("Stage", "Archived")
    assert unknown == "Archived"
    assert unknown.id is None
    assert CODEC.encode_value("Stage", 2) == "Customer"
    assert CODEC.encode_value("Stage", Choice(id="1", caption="Lead")) == "Lead"


def test_choice_without_known_options_passes_captions_through() -> None:
    codec = TableCodec(
        Table(id="A", name="T", fields=(Field(id="A", name="C", type=FieldType.CHOICE),))
    )
    assert codec.encode_value("C", "Anything") == "Anything"


def test_multi_tolerates_a_comma_string() -> None:
    assert CODEC.decode_value("Tags", "Lead, Customer") == ["Lead", "Customer"]
    assert CODEC.decode_value("Tags", "Lead") == ["Lead"]
    assert CODEC.decode_value("Tags", ["1"]) == ["Lead"]


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("Born", "not a date"),
        ("Next call", {"weird": True}),
        ("Opens", "25:99"),
        ("Spent", "soon"),
        ("Meeting", "2021-01-23"),
        ("Company", "abc"),
        ("Active", "maybe"),
        ("Score", [1]),
    ],
)
def test_reading_an_unexpected_form_keeps_the_raw_value(field: str, raw: Any) -> None:
    assert CODEC.decode({field: raw}) == {field: raw}


def test_tolerant_alternative_wire_forms() -> None:
    utc = timezone.utc
    assert CODEC.decode_value("Born", 0) == date(1970, 1, 1)
    assert CODEC.decode_value("Next call", 0) == datetime(1970, 1, 1, tzinfo=utc)
    assert CODEC.decode_value("Next call", "2020-01-01T00:00:00Z") == datetime(
        2020, 1, 1, tzinfo=utc
    )
    assert CODEC.decode_value("Opens", 3_600_500) == time(1, 0, 0, 500_000)
    assert CODEC.decode_value("Spent", 1500) == timedelta(seconds=1.5)
    assert CODEC.decode_value("Spent", "-1:00:00") == timedelta(hours=-1)
    assert CODEC.decode_value("Meeting", "[2024-02-15T09:00:00Z,2024-02-15T10:00:00Z)") == (
        Appointment(datetime(2024, 2, 15, 9, tzinfo=utc), datetime(2024, 2, 15, 10, tzinfo=utc))
    )
    assert CODEC.decode_value("Company", "B78670") == 78670
    assert CODEC.decode_value("Where", "Just an address") == Location("Just an address")
    assert CODEC.decode_value("Where", {"address": "X", "lat": 1, "lng": 2}) == Location(
        "X", 1.0, 2.0
    )
    assert CODEC.decode_value("Score", "12") == 12
    assert CODEC.decode_value("Active", "true") is True
    assert CODEC.decode({"Name": None}) == {"Name": None}


def test_unknown_types_pass_through_both_ways() -> None:
    assert CODEC.encode_value("Colour", "#ffcc00") == "#ffcc00"
    assert CODEC.decode_value("Colour", {"a": 1}) == {"a": 1}


def test_encode_needs_a_mapping() -> None:
    with pytest.raises(TypeError, match="mapping"):
        CODEC.encode(["Name"])  # type: ignore[arg-type]


def test_choice_value_behaves_as_its_caption() -> None:
    import pickle

    value = ChoiceValue("Lead", "1")
    assert value == "Lead"
    assert value.caption == "Lead"
    assert repr(value) == "ChoiceValue('Lead', id='1')"
    again = pickle.loads(pickle.dumps(value))  # noqa: S301 - our own data
    assert again.id == "1"
