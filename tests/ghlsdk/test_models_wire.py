"""to_wire writes exactly what a record had on read, or was set since: absent != None != UNSET."""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from _sdkcore.serde import wire_name
from ghlsdk.models import Contact, CustomField, Task, converter, present_keys, replace, to_wire

STR_FIELDS = [
    f
    for f in attrs.fields(Contact)
    if f.name != "extra" and f.type in ("str | None", str | None)  # type: ignore[comparison-overlap]
]
STR_KEYS = [wire_name(f) for f in STR_FIELDS]
DECLARED = {wire_name(f) for f in attrs.fields(Contact)}

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=5,
)
records = st.fixed_dictionaries(
    {},
    optional={key: st.none() | st.text(max_size=6) for key in STR_KEYS},
)
unknown = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda k: k not in DECLARED), json_values, max_size=4
)


def test_a_contact_read_with_three_keys_is_written_with_three() -> None:
    contact = converter.structure({"id": "c1", "firstName": "Ada", "email": None}, Contact)
    assert to_wire(contact) == {"id": "c1", "firstName": "Ada", "email": None}


def test_extra_is_not_overwritten_by_unset_fields() -> None:
    assert to_wire(Contact(extra={"firstName": "X"})) == {"firstName": "X"}
    assert to_wire(Contact(first_name="Y", extra={"firstName": "X"})) == {"firstName": "Y"}


def test_a_model_built_in_python_writes_the_fields_given() -> None:
    assert to_wire(Task(title="Call", completed=False)) == {"title": "Call", "completed": False}


def test_clearing_a_field() -> None:
    contact = converter.structure({"id": "c1", "phone": "+1555"}, Contact)
    # present on read: evolve is enough
    assert to_wire(attrs.evolve(contact, phone=None)) == {"id": "c1", "phone": None}
    # never present: attrs.evolve cannot tell the None apart, replace() can
    assert to_wire(attrs.evolve(contact, email=None)) == {"id": "c1", "phone": "+1555"}
    assert to_wire(replace(contact, email=None)) == {"id": "c1", "phone": "+1555", "email": None}
    assert present_keys(replace(contact, email=None)) == {"id", "phone", "email"}


def test_nested_models_keep_their_own_keys() -> None:
    contact = converter.structure(
        {"customFields": [{"id": "f", "value": None}, {"id": "g"}]}, Contact
    )
    assert to_wire(contact) == {"customFields": [{"id": "f", "value": None}, {"id": "g"}]}
    assert to_wire(CustomField(id="h")) == {"id": "h"}


@settings(max_examples=80, deadline=None)
@given(
    record=records,
    extra=unknown,
    data=st.data(),
)
def test_read_change_one_field_write(
    record: dict[str, Any], extra: dict[str, Any], data: Any
) -> None:
    contact = converter.structure({**record, **extra}, Contact)
    # read -> write: every key comes back, unchanged, and nothing else
    assert to_wire(contact) == {**record, **extra}
    field = data.draw(st.sampled_from(STR_FIELDS))
    key = wire_name(field)
    value = data.draw(st.text(max_size=4) | st.none())
    changed = replace(contact, **{field.name: value})
    assert to_wire(changed) == {**record, **extra, key: value}
    # attrs.evolve sends the change too, unless it sets None on a key the record never had
    evolved = to_wire(attrs.evolve(contact, **{field.name: value}))
    if value is None and key not in record:
        assert evolved == {**record, **extra}
    else:
        assert evolved == {**record, **extra, key: value}


@settings(max_examples=40, deadline=None)
@given(record=records, extra=unknown)
def test_none_read_is_written_as_null_and_absent_is_not_written(
    record: dict[str, Any], extra: dict[str, Any]
) -> None:
    wire = to_wire(converter.structure({**record, **extra}, Contact))
    for key in STR_KEYS:
        if key in record:
            assert wire[key] == record[key]
        else:
            assert key not in wire
