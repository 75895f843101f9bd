"""`PassMapper`: a record's canonical values and digest are computed once per pass."""

from __future__ import annotations

from typing import Any

from bridge.mappers import default_mappings
from bridge.mapping import SyncMapper, as_sync_mapper
from bridge.sync.memo import DIGEST_CHARS, PassMapper


class Spy:
    """The real mapper, counting the calls that compute values."""

    def __init__(self, real: SyncMapper) -> None:
        self.real = real
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.real, name)
        if name not in ("ghl_canonical", "ninox_canonical", "digest"):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return value(*args, **kwargs)

        return counted


def counting() -> tuple[PassMapper, list[str]]:
    spy = Spy(CONTACT)
    return PassMapper(spy), spy.calls


CONTACT = as_sync_mapper(default_mappings()["contact"])
WIRE = {"id": "g1", "firstName": "Ada", "email": "ADA@example.com"}


def test_the_same_object_is_mapped_once_and_gives_the_same_values() -> None:
    memo, calls = counting()
    first = memo.ghl_canonical(WIRE)
    assert memo.ghl_canonical(WIRE) is first
    assert first == CONTACT.ghl_canonical(WIRE)
    # a link stores the first DIGEST_CHARS of the mapper's digest
    assert memo.digest(first) == memo.digest(first) == CONTACT.digest(first)[:DIGEST_CHARS]
    assert calls == ["ghl_canonical", "digest"]


def test_an_equal_but_new_object_is_mapped_again() -> None:
    memo, calls = counting()
    memo.ghl_canonical(WIRE)
    changed = {**WIRE, "firstName": "Grace"}
    assert memo.ghl_canonical(changed)["first_name"] == "Grace"
    assert calls == ["ghl_canonical", "ghl_canonical"]


def test_ninox_fields_are_remembered_apart_from_ghl_objects() -> None:
    memo, calls = counting()
    fields = {"First Name": "Ada", "Email": "ada@example.com", "GHL Id": "g1"}
    canon = memo.ninox_canonical(fields)
    assert memo.ninox_canonical(fields) is canon
    assert canon == CONTACT.ninox_canonical(fields)
    assert calls == ["ninox_canonical"]
    assert (memo.entity, memo.ninox_table, memo.ninox_key) == (
        CONTACT.entity,
        CONTACT.ninox_table,
        CONTACT.ninox_key,
    )
    assert isinstance(memo, SyncMapper)
