from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

import attrs
import pytest

from _sdkcore.serde import (
    UNSET,
    OpenEnum,
    Unset,
    camel,
    make_converter,
    omit_unset,
    parse_date,
    parse_datetime,
)


class Color(OpenEnum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen(kw_only=True)
class Item:
    id: str = attrs.field(metadata={"wire": "_id"})
    first_name: str | None = None
    due_date: datetime | None = None
    color: Color | None = None
    tags: list[str] = attrs.field(factory=list)
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Patch:
    first_name: str | Unset | None = UNSET
    tags: list[str] | Unset = UNSET


conv = make_converter()


def test_camel() -> None:
    assert camel("due_date") == "dueDate"
    assert camel("id") == "id"
    assert camel("date_of_birth") == "dateOfBirth"


def test_round_trip_keeps_unknown_keys() -> None:
    wire = {
        "_id": "c1",
        "firstName": "Ada",
        "dueDate": "2024-05-01T10:00:00.000Z",
        "color": "red",
        "tags": ["a"],
        "customFields": [{"id": "x", "value": 3}],
        "someNewKey": {"nested": True},
    }
    item = conv.structure(wire, Item)
    assert item.id == "c1"
    assert item.color is Color.RED
    assert item.extra == {"customFields": [{"id": "x", "value": 3}], "someNewKey": {"nested": True}}
    back = conv.unstructure(item)
    assert back == {**wire, "dueDate": "2024-05-01T10:00:00Z"}
    assert json.loads(json.dumps(back)) == back


def test_open_enum_keeps_unknown_values() -> None:
    item = conv.structure({"_id": "1", "color": "ultraviolet"}, Item)
    assert item.color is not None
    assert item.color.value == "ultraviolet"
    assert not item.color.is_known
    assert Color.RED.is_known
    assert conv.unstructure(item)["color"] == "ultraviolet"


def test_unset_is_omitted_and_none_is_sent_as_null() -> None:
    assert conv.unstructure(Patch()) == {}
    assert conv.unstructure(Patch(first_name=None, tags=["x"])) == {
        "firstName": None,
        "tags": ["x"],
    }
    assert omit_unset({"a": UNSET, "b": None, "c": 1}) == {"b": None, "c": 1}
    assert not UNSET
    assert repr(UNSET) == "UNSET"


def test_scalars_are_not_coerced() -> None:
    with pytest.raises(Exception, match="expected str"):
        conv.structure({"_id": 123}, Item)
    with pytest.raises(Exception, match="expected a JSON object"):
        conv.structure(["not", "an", "object"], Item)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        ("2024-05-01T10:00:00.123Z", datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=timezone.utc)),
        ("2024-05-01T12:00:00+02:00", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        ("2021-07-16 11:00:00", datetime(2021, 7, 16, 11, tzinfo=timezone.utc)),
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        (1714557600, datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        (1714557600000, datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        ("1714557600000", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
    ],
)
def test_parse_datetime_shapes(raw: object, expected: datetime) -> None:
    parsed = parse_datetime(raw)
    assert parsed == expected
    assert parsed.tzinfo is timezone.utc


def test_parse_datetime_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_datetime("")
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_datetime("yesterday")
    with pytest.raises(TypeError):
        parse_datetime(True)


def test_parse_date() -> None:
    assert parse_date("2024-05-01") == date(2024, 5, 1)
    assert parse_date("2024-05-01T23:30:00-02:00") == date(2024, 5, 2)
