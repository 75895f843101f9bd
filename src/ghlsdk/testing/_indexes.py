"""The indexes FakeGHL keeps beside its stores, so that a page, a contact's children, a
duplicate check or a calendar window costs what it returns (plus a ``log n`` lookup), not a
pass over every record: sorted keys per location (bisect-maintained), contacts by email and
phone, and appointments by start time."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from typing import Any

from ghlsdk.testing import _search

__all__ = [
    "EventIndex",
    "IdentityIndex",
    "ListKey",
    "SortedKeys",
    "digits",
    "identity_key",
    "list_key",
]

#: A contact's place in ``GET /contacts/`` order: ``(dateAdded in ms, id)``.
ListKey = tuple[int, str]


def list_key(contact: Mapping[str, Any]) -> ListKey:
    """The key ``GET /contacts/`` sorts contacts by."""
    return (_search.iso_to_ms(contact.get("dateAdded")) or 0, str(contact["id"]))


def digits(phone: Any) -> str:
    """The digits of a phone number (``""`` for anything that is not a string)."""
    return re.sub(r"\D", "", phone) if isinstance(phone, str) else ""


def identity_key(field: str, value: Any) -> str:
    """What duplicates are matched on: the email lower-cased, the phone's digits."""
    if field == "email":
        return value.lower() if isinstance(value, str) else ""
    return digits(value)


class SortedKeys:
    """Per group (a location), keys kept sorted with bisect: insert and remove cost
    ``O(log n)`` to find plus a memmove, a slice from a key costs ``O(log n + page)``."""

    def __init__(self) -> None:
        self._groups: dict[str, list[Any]] = {}

    def add(self, group: str, key: Any) -> None:
        bisect.insort(self._groups.setdefault(group, []), key)

    def remove(self, group: str, key: Any) -> None:
        keys = self._groups.get(group, [])
        i = bisect.bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            del keys[i]

    def group(self, group: str) -> list[Any]:
        """The group's keys in order (the index's own list: do not change it)."""
        return self._groups.get(group, [])


class IdentityIndex:
    """Contacts of a location by lower-cased email and by phone digits, for the duplicate
    rule and upsert matching."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str, str], dict[str, None]] = {}

    def add(self, location: str, rec: Mapping[str, Any]) -> None:
        for field in ("email", "phone"):
            key = identity_key(field, rec.get(field))
            if key:
                self._ids.setdefault((location, field, key), {})[rec["id"]] = None

    def remove(self, location: str, rec: Mapping[str, Any]) -> None:
        for field in ("email", "phone"):
            key = identity_key(field, rec.get(field))
            ids = self._ids.get((location, field, key))
            if ids is not None:
                ids.pop(rec["id"], None)
                if not ids:
                    del self._ids[(location, field, key)]

    def matching(self, location: str, field: str, wanted: Any) -> list[str]:
        """Ids of the location's contacts whose ``field`` matches ``wanted``."""
        key = identity_key(field, str(wanted) if field == "email" else wanted)
        return list(self._ids.get((location, field, key), ())) if key else []


class EventIndex:
    """Appointments per location sorted by start time, with the longest duration seen, so a
    calendar window ``[start, end]`` reads only the events that can overlap it."""

    def __init__(self) -> None:
        self._starts = SortedKeys()
        self._placed: dict[str, tuple[str, tuple[int, str]]] = {}
        self._longest: dict[str, int] = {}

    def add(self, location: str, event_id: str, begins: int, ends: int) -> None:
        self.remove(event_id)
        key = (begins, event_id)
        self._starts.add(location, key)
        self._placed[event_id] = (location, key)
        self._longest[location] = max(self._longest.get(location, 0), ends - begins)

    def remove(self, event_id: str) -> None:
        placed = self._placed.pop(event_id, None)
        if placed is not None:
            self._starts.remove(*placed)

    def overlapping(self, location: str, start: int, end: int) -> list[tuple[int, str]]:
        """``(start ms, id)`` of the events that may overlap ``[start, end]`` (those starting
        at most the longest duration before ``start``), in start order."""
        keys = self._starts.group(location)
        lo = bisect.bisect_left(keys, (start - self._longest.get(location, 0), ""))
        hi = bisect.bisect_right(keys, (end, "\uffff"))
        return keys[lo:hi]
