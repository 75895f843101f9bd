"""Deferred nested models: a contact's attribution sources are built on first access, only when
the parse has proved building them cannot fail; anything else fails the parse itself."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import attrs
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _sdkcore.parsing import structure
from ghlsdk import APIResponseValidationError, Contact
from ghlsdk.models import AttributionSource, converter, to_wire
from ghlsdk.models._converter import _lazy_types

RESPONSE = httpx.Response(200, request=httpx.Request("GET", "https://x.test/"))
SOURCE = {"url": "https://ads.example", "utmSource": "google", "medium": None}
RAW = "attribution_source:unparsed"


def read(data: dict[str, Any]) -> Contact:
    return structure(converter, data, Contact, RESPONSE)


def test_a_flat_source_is_built_on_first_access_and_then_kept() -> None:
    contact = read({"id": "c1", "attributionSource": dict(SOURCE)})
    assert "attribution_source" not in vars(contact)
    assert RAW in vars(contact)

    source = contact.attribution_source

    assert source == AttributionSource(url="https://ads.example", utm_source="google")
    assert to_wire(source) == SOURCE  # the null read is written back as null
    assert contact.attribution_source is source  # built once
    assert RAW not in vars(contact)
    assert vars(contact)["attribution_source"] is source


@pytest.mark.parametrize(
    "bad",
    [
        {"url": 5},  # a number where a string is declared
        {"url": True},
        {"url": ["x"]},
        "https://ads.example",  # not an object at all
    ],
)
def test_a_bad_source_fails_the_parse_not_a_later_access(bad: Any) -> None:
    with pytest.raises(APIResponseValidationError, match=r"AttributionSource|JSON object"):
        read({"id": "c1", "attributionSource": bad})


def test_an_unknown_key_of_another_type_is_parsed_at_once_and_kept() -> None:
    contact = read({"attributionSource": {"url": "u", "sessionSource": {"a": 1}}})
    assert "attribution_source" in vars(contact)  # not deferred: the check cannot vouch for it
    assert contact.attribution_source is not None
    assert contact.attribution_source.extra == {"sessionSource": {"a": 1}}


def test_deferred_and_built_contacts_compare_print_and_write_alike() -> None:
    data = {"id": "c1", "attributionSource": dict(SOURCE), "lastAttributionSource": {}}
    touched, untouched = read(data), read(data)
    assert touched.last_attribution_source == AttributionSource()
    assert touched == untouched
    assert repr(read(data)) == repr(touched)
    assert to_wire(read(data)) == data


def test_the_input_can_change_after_the_parse() -> None:
    data: dict[str, Any] = {"attributionSource": dict(SOURCE)}
    contact = read(data)
    data["attributionSource"]["url"] = 5
    data["attributionSource"]["gclid"] = "new"
    assert contact.attribution_source == AttributionSource(
        url="https://ads.example", utm_source="google"
    )


def test_copies_pickles_and_evolve_before_the_first_access() -> None:
    contact = read({"id": "c1", "attributionSource": dict(SOURCE)})
    expected = AttributionSource(url="https://ads.example", utm_source="google")
    assert pickle.loads(pickle.dumps(contact))  # noqa: S301 - our own bytes.attribution_source == expected
    assert copy.copy(contact).attribution_source == expected
    assert copy.deepcopy(contact).attribution_source == expected
    assert attrs.evolve(contact, id="c2").attribution_source == expected
    assert attrs.asdict(contact)["attribution_source"]["url"] == "https://ads.example"


def test_absent_null_and_python_built_values_are_plain_attributes() -> None:
    assert read({"id": "c1"}).attribution_source is None
    assert read({"attributionSource": None}).attribution_source is None
    built = Contact(attribution_source=AttributionSource(url="u"))
    assert vars(built)["attribution_source"] == AttributionSource(url="u")


def test_reading_after_another_thread_built_it() -> None:
    contact = read({"attributionSource": dict(SOURCE)})
    descriptor = type(contact).__dict__["attribution_source"]
    built = contact.attribution_source
    # A second reader that reached the descriptor before the first one stored the model.
    assert descriptor.__get__(contact, Contact) is built
    del vars(contact)["attribution_source"]
    with pytest.raises(AttributeError, match="attribution_source"):
        descriptor.__get__(contact, Contact)


@attrs.frozen(kw_only=True)
class _Mixed:
    a: str | None = None
    b: int | None = None


@attrs.frozen(kw_only=True)
class _Required:
    a: str


@attrs.frozen(kw_only=True)
class _Ints:
    a: int | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


def _field(tp: Any, *, lazy: bool = True, default: Any = None) -> tuple[Any, Any]:
    @attrs.frozen
    class Holder:
        x: Any = attrs.field(default=default, metadata={"lazy": True} if lazy else {})

    return attrs.fields(Holder).x, tp


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (_field(AttributionSource | None), frozenset({str, type(None)})),
        (_field(_Ints | None), frozenset({int, type(None)})),
        (_field(AttributionSource | None, lazy=False), None),  # not marked
        (_field(AttributionSource | None, default=attrs.NOTHING), None),  # required
        (_field(AttributionSource), None),  # not optional
        (_field(_Mixed | None), None),  # two value types: a str could land in an int field
        (_field(_Required | None), None),  # a missing key would fail
        (_field(list[AttributionSource] | None), None),  # not a model
        (_field(str | None), None),
    ],
)
def test_which_fields_are_deferred(field: tuple[Any, Any], expected: Any) -> None:
    assert _lazy_types(*field) == expected


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
source_keys = st.sampled_from(["url", "utmSource", "campaignId", "medium", "sessionSource"])
sources = st.dictionaries(
    source_keys,
    st.none() | st.text(max_size=6) | json_scalars | st.lists(json_scalars, max_size=2),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(source=sources)
def test_a_deferred_source_reads_and_writes_as_an_eager_one(source: dict[str, Any]) -> None:
    """Whatever the source holds: the contact either fails to parse exactly when the source
    alone fails, or reads back the same model and writes back the same keys."""
    eager = converter.get_structure_hook(AttributionSource)
    try:
        expected = eager(dict(source), AttributionSource)
    except TypeError:
        with pytest.raises(APIResponseValidationError):
            read({"attributionSource": source})
        return
    contact = read({"id": "c1", "attributionSource": source})
    assert to_wire(contact) == {"id": "c1", "attributionSource": source}  # before any read
    assert contact.attribution_source == expected
    assert to_wire(contact.attribution_source) == source
