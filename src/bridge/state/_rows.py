"""Rows of the state as models, and the values stored in them (shared by the SQLite and
PostgreSQL stores: a row is any mapping; ``dt`` reads a stored time). Each model's columns are
named as its attributes, so one `reader` serves them all."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Final, Protocol, TypeVar

import attrs

from bridge.state.models import (
    Cursor,
    Event,
    HistoryEntry,
    Link,
    Op,
    RecordError,
    ReviewItem,
    Run,
)

T = TypeVar("T", bound=attrs.AttrsInstance)

__all__ = [
    "SAME_DIGEST",
    "Row",
    "cursor_of",
    "dt",
    "dumps",
    "error_of",
    "event_of",
    "history_of",
    "link_of",
    "now",
    "op_of",
    "reader",
    "review_of",
    "run_of",
    "ts",
]


def now() -> datetime:
    return datetime.now(timezone.utc)


def ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def dt(value: Any) -> datetime | None:
    """A stored time: an ISO string (SQLite) or a datetime (PostgreSQL), in UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    return datetime.fromisoformat(value)


class Row(Protocol):
    """A result row of either backend (``sqlite3.Row``, a psycopg dict row)."""

    def __getitem__(self, key: str, /) -> Any: ...


_ENCODER: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _json_tuple(value: str) -> tuple[Any, ...]:
    return tuple(json.loads(value))


def reader(
    cls: type[T],
    *,
    renamed: Mapping[str, str] | None = None,
    adjust: Callable[[dict[str, Any]], None] | None = None,
    **convert: Callable[[Any], Any],
) -> Callable[[Row], T]:
    """A reader of ``cls`` from a row: each attribute from the column of its name (or the one
    ``renamed`` gives), through its ``convert`` function if it has one; ``adjust`` may then
    change the values (one from another) before the model is made."""
    names = renamed or {}
    columns = [(f.name, names.get(f.name, f.name)) for f in attrs.fields(cls)]
    plain = [(name, col) for name, col in columns if name not in convert]
    converted = [(name, col, convert[name]) for name, col in columns if name in convert]

    def read(row: Row) -> T:
        values = {name: row[col] for name, col in plain}
        for name, col, conv in converted:
            values[name] = conv(row[col])
        if adjust is not None:
            adjust(values)
        return cls(**values)

    return read


#: What a link's ``ninox_digest`` column holds when it is the ``ghl_digest`` (most links: both
#: sides agreed on the same values), so that digest is stored once.
SAME_DIGEST: Final = "="


def _digest_once(values: dict[str, Any]) -> None:
    if values["ninox_digest"] == SAME_DIGEST:
        values["ninox_digest"] = values["ghl_digest"]


link_of: Final = reader(Link, adjust=_digest_once, base=json.loads, agreed_at=dt)


op_of: Final = reader(Op, patch=json.loads, intended=json.loads, created_at=dt, updated_at=dt)
review_of: Final = reader(
    ReviewItem,
    fields=_json_tuple,
    ghl_values=json.loads,
    ninox_values=json.loads,
    base_values=json.loads,
    detected_at=dt,
    resolved_at=dt,
)
cursor_of: Final = reader(Cursor, updated_at=dt)
event_of: Final = reader(Event, received_at=dt)
run_of: Final = reader(
    Run,
    started_at=dt,
    finished_at=dt,
    cursors_before=json.loads,
    cursors_after=json.loads,
    counts=json.loads,
)
error_of: Final = reader(RecordError)
history_of: Final = reader(HistoryEntry, at=dt, before=json.loads, after=json.loads)
