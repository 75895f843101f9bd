"""Typed builders for the ``filters`` and ``sort`` of ``contacts.search``.

They return the plain dicts the API takes, so they mix freely with hand-written dicts::

    ghl.contacts.search(filters=[
        Filter.range("dateUpdated", gte=datetime(2024, 1, 1, tzinfo=timezone.utc)),
        Filter.eq("tags", "vip"),
        {"field": "dnd", "operator": "eq", "value": False},
    ], sort=[Sort.desc("dateUpdated")])

Field names are the API's camelCase contact attributes (``email``, ``tags``, ``dateAdded``,
``customFields.<id>``...); an unknown field is refused by the server (400 ``Invalid field``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

__all__ = ["Filter", "Sort"]

_OPERATORS = ("eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range")


def _field(field: str) -> str:
    if not isinstance(field, str) or not field.strip():
        raise TypeError(f"field must be a non-empty string such as 'email', got {field!r}")
    return field


def _value(name: str, value: Any) -> Any:
    """Datetimes become ISO 8601 (UTC, ``Z``); dates ``YYYY-MM-DD``; the rest is sent as is."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name}: use a timezone-aware datetime (a naive one is ambiguous)")
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


class Filter:
    """Builders for one search filter (``{"field", "operator", "value"}``) or a group."""

    @staticmethod
    def eq(field: str, value: Any) -> dict[str, Any]:
        """``field`` equals ``value`` (for lists such as ``tags``: contains the value)."""
        return {"field": _field(field), "operator": "eq", "value": _value(field, value)}

    @staticmethod
    def not_eq(field: str, value: Any) -> dict[str, Any]:
        """``field`` does not equal ``value``."""
        return {"field": _field(field), "operator": "not_eq", "value": _value(field, value)}

    @staticmethod
    def contains(field: str, value: Any) -> dict[str, Any]:
        """``field`` contains the text ``value``."""
        return {"field": _field(field), "operator": "contains", "value": _value(field, value)}

    @staticmethod
    def not_contains(field: str, value: Any) -> dict[str, Any]:
        """``field`` does not contain the text ``value``."""
        return {"field": _field(field), "operator": "not_contains", "value": _value(field, value)}

    @staticmethod
    def exists(field: str) -> dict[str, Any]:
        """``field`` has a value."""
        return {"field": _field(field), "operator": "exists"}

    @staticmethod
    def not_exists(field: str) -> dict[str, Any]:
        """``field`` has no value."""
        return {"field": _field(field), "operator": "not_exists"}

    @staticmethod
    def range(
        field: str, *, gt: Any = None, gte: Any = None, lt: Any = None, lte: Any = None
    ) -> dict[str, Any]:
        """``field`` within bounds (numbers, or dates: datetimes are sent as ISO 8601)."""
        bounds = {
            op: _value(field, v)
            for op, v in (("gt", gt), ("gte", gte), ("lt", lt), ("lte", lte))
            if v is not None
        }
        if not bounds:
            raise ValueError("Filter.range needs at least one of gt=, gte=, lt=, lte=")
        return {"field": _field(field), "operator": "range", "value": bounds}

    @staticmethod
    def all_of(*filters: Mapping[str, Any]) -> dict[str, Any]:
        """A group that matches when every filter matches (``{"group": "AND", ...}``)."""
        return {"group": "AND", "filters": [_check(f) for f in filters]}

    @staticmethod
    def any_of(*filters: Mapping[str, Any]) -> dict[str, Any]:
        """A group that matches when any filter matches (``{"group": "OR", ...}``)."""
        return {"group": "OR", "filters": [_check(f) for f in filters]}


def _check(item: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise TypeError(f"a filter is a dict (e.g. from Filter.eq), got {type(item).__name__}")
    if "group" not in item and item.get("operator") not in _OPERATORS:
        raise ValueError(f"unknown filter operator {item.get('operator')!r}")
    return dict(item)


class Sort:
    """Builders for one ``sort`` entry."""

    @staticmethod
    def asc(field: str) -> dict[str, Any]:
        """Sort by ``field``, smallest first."""
        return {"field": _field(field), "direction": "asc"}

    @staticmethod
    def desc(field: str) -> dict[str, Any]:
        """Sort by ``field``, largest first."""
        return {"field": _field(field), "direction": "desc"}
