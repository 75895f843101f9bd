"""Filters, sorting and cursors of ``POST /contacts/search``, for the fake."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "DATE_FIELDS",
    "SEARCH_FIELDS",
    "SearchError",
    "SortKey",
    "compile_filters",
    "compile_sort",
    "field_value",
    "iso_to_ms",
    "ms_to_iso",
]

#: Contact attributes accepted in ``filters`` and ``sort`` (plus ``customFields.<id>``).
SEARCH_FIELDS = frozenset(
    {
        "id",
        "name",
        "firstName",
        "lastName",
        "firstNameLowerCase",
        "lastNameLowerCase",
        "fullNameLowerCase",
        "email",
        "emailLowerCase",
        "phone",
        "tags",
        "dnd",
        "dateAdded",
        "dateUpdated",
        "dateOfBirth",
        "lastActivity",
        "businessId",
        "companyName",
        "address1",
        "city",
        "state",
        "country",
        "postalCode",
        "source",
        "type",
        "assignedTo",
        "timezone",
        "website",
        "followers",
    }
)
DATE_FIELDS = frozenset({"dateAdded", "dateUpdated", "lastActivity"})
OPERATORS = frozenset({"eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"})
RANGE_KEYS = frozenset({"gt", "gte", "lt", "lte"})


class SearchError(Exception):
    """A search body the real API refuses with 400 (``message`` is the API's text)."""


def ms_to_iso(ms: float) -> str:
    """Epoch milliseconds to the API's ISO form ``2024-01-01T00:00:00.000Z``."""
    dt = datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def iso_to_ms(value: Any) -> int | None:
    """An ISO-8601 string (``Z``, offset or date only) or epoch-ms number to epoch ms."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        try:
            return int(float(text))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return round(dt.timestamp() * 1000)


def field_value(contact: Mapping[str, Any], name: str) -> Any:
    """The value a filter or sort on ``name`` sees (dates as epoch ms)."""
    if name.startswith("customFields."):
        wanted = name.split(".", 1)[1]
        for item in contact.get("customFields") or []:
            if isinstance(item, dict) and item.get("id") == wanted:
                return item.get("value")
        return None
    value = contact.get(name)
    if name in DATE_FIELDS:
        return iso_to_ms(value)
    return value


def _check_field(name: Any) -> str:
    if not isinstance(name, str) or not (
        name in SEARCH_FIELDS or (name.startswith("customFields.") and len(name) > 13)
    ):
        raise SearchError(f"Invalid field {name}")
    return name


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _eq(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(_eq(a, expected) for a in actual)
    if isinstance(expected, list):
        return any(_eq(actual, e) for e in expected)
    return bool(_norm(actual) == _norm(expected))


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return any(_contains(a, expected) for a in actual)
    if actual is None:
        return False
    return str(expected).lower() in str(actual).lower()


def _exists(actual: Any) -> bool:
    return actual not in (None, "", [], {})


def _in_range(actual: Any, bounds: Mapping[str, Any], is_date: bool) -> bool:
    if actual is None:
        return False
    for op, raw in bounds.items():
        bound = iso_to_ms(raw) if is_date else raw
        if bound is None:
            raise SearchError(f"Invalid range value {raw!r}")
        try:
            ok = {
                "gt": actual > bound,
                "gte": actual >= bound,
                "lt": actual < bound,
                "lte": actual <= bound,
            }[op]
        except TypeError:
            return False
        if not ok:
            return False
    return True


Predicate = Callable[[Mapping[str, Any]], bool]


def compile_filters(filters: Sequence[Any]) -> Predicate:
    """Compile the ``filters`` list (implicitly AND-ed); raise SearchError when invalid."""
    preds = [_compile_one(f) for f in filters]
    return lambda c: all(p(c) for p in preds)


def _compile_one(item: Any) -> Predicate:
    if not isinstance(item, dict):
        raise SearchError("filters must contain objects")
    if "group" in item:
        group = item["group"]
        subs = item.get("filters")
        if group not in ("AND", "OR") or not isinstance(subs, list):
            raise SearchError(f"Invalid filter group {group}")
        preds = [_compile_one(f) for f in subs]
        if group == "AND":
            return lambda c: all(p(c) for p in preds)
        return lambda c: any(p(c) for p in preds)
    name = _check_field(item.get("field"))
    op = item.get("operator")
    if op not in OPERATORS:
        raise SearchError(f"Invalid operator {op}")
    value = item.get("value")
    is_date = name in DATE_FIELDS
    if op == "range":
        if not isinstance(value, dict) or not value or not set(value) <= RANGE_KEYS:
            raise SearchError(f"Invalid range value for {name}")
        bounds = dict(value)
        return lambda c: _in_range(field_value(c, name), bounds, is_date)
    if op in ("exists", "not_exists"):
        want = op == "exists"
        return lambda c: _exists(field_value(c, name)) == want
    if is_date:
        value = iso_to_ms(value)
    if op == "eq":
        return lambda c: _eq(field_value(c, name), value)
    if op == "not_eq":
        return lambda c: not _eq(field_value(c, name), value)
    if op == "contains":
        return lambda c: _contains(field_value(c, name), value)
    return lambda c: not _contains(field_value(c, name), value)


def _cmp_values(a: Any, b: Any) -> int:
    # Missing values sort last in either direction, as Elasticsearch does by default.
    if a is None or b is None:
        return (a is None) - (b is None)
    try:
        return int(a > b) - int(a < b)
    except TypeError:
        sa, sb = str(a), str(b)
        return int(sa > sb) - int(sa < sb)


def compile_sort(sort: Sequence[Any]) -> tuple[list[str], list[bool]]:
    """Validate ``sort``; return field names and ``descending`` flags, ``id`` appended as
    the tie-breaker so the order (and every ``searchAfter`` cursor) is total."""
    names: list[str] = []
    desc: list[bool] = []
    for item in sort:
        if not isinstance(item, dict):
            raise SearchError("sort must contain objects")
        names.append(_check_field(item.get("field")))
        direction = str(item.get("direction", "asc")).lower()
        if direction not in ("asc", "desc"):
            raise SearchError(f"Invalid sort direction {item.get('direction')}")
        desc.append(direction == "desc")
    if not names:
        names, desc = ["dateAdded"], [False]
    names.append("id")
    desc.append(False)
    return names, desc


def sort_key_of(contact: Mapping[str, Any], names: Sequence[str]) -> list[Any]:
    """The sort values of ``contact`` (this is what its ``searchAfter`` carries)."""
    return [field_value(contact, n) for n in names]


def compare_keys(a: Sequence[Any], b: Sequence[Any], desc: Sequence[bool]) -> int:
    """Compare two sort-value lists under the directions ``desc``."""
    for x, y, d in zip(a, b, desc):  # noqa: B905 - same length by construction
        c = _cmp_values(x, y)
        if c:
            return -c if d and x is not None and y is not None else c
    return 0


def sorted_by(
    contacts: Sequence[Mapping[str, Any]], names: Sequence[str], desc: Sequence[bool]
) -> list[tuple[list[Any], Mapping[str, Any]]]:
    """Contacts paired with their sort keys, in search order."""
    keyed = [(sort_key_of(c, names), c) for c in contacts]

    def cmp(p: tuple[list[Any], Mapping[str, Any]], q: tuple[list[Any], Mapping[str, Any]]) -> int:
        return compare_keys(p[0], q[0], desc)

    keyed.sort(key=functools.cmp_to_key(cmp))
    return keyed


class SortKey:
    """A contact's sort values under given directions, ordered as the search orders them (for
    ``bisect`` over a cached result)."""

    __slots__ = ("desc", "values")

    def __init__(self, values: Sequence[Any], desc: Sequence[bool]) -> None:
        self.values = values
        self.desc = desc

    def __lt__(self, other: SortKey) -> bool:
        return compare_keys(self.values, other.values, self.desc) < 0
