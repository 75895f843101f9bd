"""Typed models of the Ninox classic API (``/v1/teams/...``).

Frozen attrs classes with snake_case attributes; camelCase on the wire. Unknown keys are kept
in ``extra`` so nothing the server sends is lost. Ninox timestamps carry no zone: they are
read as UTC and always given as aware ``datetime`` objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import attrs

from _sdkcore.serde import OpenEnum, parse_datetime

__all__ = [
    "Choice",
    "Database",
    "Field",
    "FieldType",
    "FileInfo",
    "Record",
    "RecordWrite",
    "Schema",
    "Table",
    "Team",
]


class FieldType(OpenEnum):
    """Ninox field types (open: unknown type names are kept, and their values pass through).

    Names from ``/tables`` are observed (``string``, ``number``, ``ref``...); the docs' names
    (``text``, ``datetime``, ``url``...) and Ninox 4 names (``timestamp``, ``reference``...) are
    accepted as aliases. Many are UNCONFIRMED in the reference.
    """

    STRING = "string"
    TEXT = "text"
    HTML = "html"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    LINK = "link"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIMESTAMP = "timestamp"
    TIME = "time"
    TIMEINTERVAL = "timeinterval"
    APPOINTMENT = "appointment"
    CHOICE = "choice"
    MULTI = "multi"
    REF = "ref"
    REFERENCE = "reference"
    REV = "rev"
    REVERSE = "reverse"
    LOCATION = "location"
    ICON = "icon"
    COLOR = "color"
    USER = "user"
    FILE = "file"
    IMAGE = "image"
    FN = "fn"
    FUNCTION = "function"


@attrs.frozen(kw_only=True)
class Team:
    """A Ninox team (workspace)."""

    id: str
    name: str = ""
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Database:
    """A database inside a team."""

    id: str
    name: str = ""
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Choice:
    """One option of a choice / multiple-choice field."""

    id: str
    caption: str
    order: int | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Field:
    """A field (column) of a table.

    ``formula`` holds the Ninox expression of a computed field (only the full schema,
    ``db.schema()``, reports those; ``/tables`` omits formula fields entirely).
    """

    id: str
    name: str
    type: FieldType = FieldType.STRING
    choices: tuple[Choice, ...] = ()
    reference_to_table: str | None = None
    reverse_field: str | None = None
    formula: str | None = attrs.field(default=None, metadata={"wire": "fn"})
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def read_only(self) -> bool:
        """True for computed fields (formula, reverse reference), which cannot be written."""
        return self.formula is not None or self.type in _READ_ONLY_TYPES


_READ_ONLY_TYPES = frozenset({FieldType.FN, FieldType.FUNCTION, FieldType.REV, FieldType.REVERSE})


@attrs.frozen(kw_only=True)
class Table:
    """A table with its fields. ``field(key)`` finds a field by name or id."""

    id: str
    name: str
    fields: tuple[Field, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    def field(self, key: str) -> Field | None:
        """The field named ``key`` (exact name first, then id), or ``None``."""
        for f in self.fields:
            if f.name == key:
                return f
        for f in self.fields:
            if f.id == key:
                return f
        return None


@attrs.frozen(kw_only=True)
class Schema:
    """A database schema: its tables (with fields) and the change sequence it was read at.

    ``raw`` keeps the server's full object (Ninox's internal format, unstable; about 1.5 MB
    for a large database).
    """

    tables: tuple[Table, ...]
    seq: int | None = None
    version: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    def table(self, key: str) -> Table | None:
        """The table with id ``key``, else the one named ``key``, else ``None``."""
        for t in self.tables:
            if t.id == key:
                return t
        for t in self.tables:
            if t.name == key:
                return t
        return None

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables)


@attrs.frozen(kw_only=True)
class Record:
    """A Ninox record.

    ``fields`` is keyed by field name. Read through a typed table handle (the default), the
    values are Python values converted by the schema's field codecs (``date``, aware
    ``datetime``, ``Appointment``...); untyped, they are the JSON values as sent.
    Timestamps are aware UTC datetimes; ``sequence`` is the database-wide change sequence of
    the record's last write (absent on some records, so optional).
    """

    id: int
    sequence: int | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    modified_at: datetime | None = None
    modified_by: str | None = None
    fields: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class RecordWrite:
    """One item of a batch save: ``fields`` to write, the record ``id`` to update (``None``
    creates a record), and ``upsert=True`` to create the record with that id if it does not
    exist (Ninox ``_upsert``; whether the new record really gets that id is UNCONFIRMED)."""

    fields: Mapping[str, Any]
    id: int | None = None
    upsert: bool = False


@attrs.frozen(kw_only=True)
class FileInfo:
    """An attachment of a record. Key names of the list response are UNCONFIRMED: only
    ``name`` is relied on; everything else the server sends is kept in ``extra``."""

    name: str
    content_type: str | None = None
    size: int | None = None
    seq: int | None = None
    modified_at: datetime | None = None
    modified_by: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


_RECORD_KEYS = frozenset(
    {"id", "sequence", "createdAt", "createdBy", "modifiedAt", "modifiedBy", "fields"}
)


def parse_timestamp(value: Any) -> datetime | None:
    """A Ninox timestamp (``2025-03-02T09:14:05``, zone-less UTC) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) == 19:
        # Fast path for the documented format; fromisoformat is ~10x cheaper than the
        # general parser and these appear on every record.
        try:
            return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return parse_datetime(value)


def _opt_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}: {value!r}")


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def record_from_json(data: Any, fields: Mapping[str, Any] | None = None) -> Record:
    """Build a [`Record`][ninoxsdk.models.Record] from its JSON object (hand-written for speed).

    ``fields`` replaces the raw ``fields`` (e.g. decoded by the codecs)."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a record object, got {type(data).__name__}")
    rid = _opt_int(data.get("id"))
    if rid is None:
        raise TypeError("record has no integer 'id'")
    raw_fields = data.get("fields")
    if fields is None:
        fields = dict(raw_fields) if isinstance(raw_fields, Mapping) else {}
    extra = {k: v for k, v in data.items() if k not in _RECORD_KEYS}
    return Record(
        id=rid,
        sequence=_opt_int(data.get("sequence")),
        created_at=parse_timestamp(data.get("createdAt")),
        created_by=_opt_str(data.get("createdBy")),
        modified_at=parse_timestamp(data.get("modifiedAt")),
        modified_by=_opt_str(data.get("modifiedBy")),
        fields=fields,
        extra=extra,
    )


def _choices_from_schema(values: Any) -> tuple[Choice, ...]:
    if isinstance(values, Mapping):
        out = [
            Choice(
                id=str(cid),
                caption=str(v.get("caption", "")),
                order=_opt_int(v.get("order")),
                extra={k: x for k, x in v.items() if k not in ("caption", "order")},
            )
            for cid, v in values.items()
            if isinstance(v, Mapping)
        ]
        return tuple(sorted(out, key=lambda c: (c.order is None, c.order or 0)))
    if isinstance(values, Sequence) and not isinstance(values, str):
        return tuple(
            Choice(
                id=str(v.get("id", "")),
                caption=str(v.get("caption", v.get("name", ""))),
                order=_opt_int(v.get("order")),
                extra={k: x for k, x in v.items() if k not in ("id", "caption", "name", "order")},
            )
            for v in values
            if isinstance(v, Mapping)
        )
    return ()


def field_from_json(data: Mapping[str, Any]) -> Field:
    """A [`Field`][ninoxsdk.models.Field] from a ``/tables`` field object (``name``, ``type``,
    ``choices``)."""
    known = {"id", "name", "type", "choices", "referenceToTable", "reverseField", "fn"}
    return Field(
        id=str(data.get("id", "")),
        name=str(data.get("name", data.get("caption", ""))),
        type=FieldType(str(data.get("type") or data.get("base") or "string")),
        choices=_choices_from_schema(data.get("choices") or data.get("values")),
        reference_to_table=_opt_str(data.get("referenceToTable")),
        reverse_field=_opt_str(data.get("reverseField")),
        formula=_opt_str(data.get("fn")),
        extra={k: v for k, v in data.items() if k not in known},
    )


def table_from_json(data: Any) -> Table:
    """A [`Table`][ninoxsdk.models.Table] from a ``/tables`` table object."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a table object, got {type(data).__name__}")
    raw_fields = data.get("fields") or []
    if isinstance(raw_fields, Mapping):  # tolerate an id-keyed object
        raw_fields = [{"id": k, **v} for k, v in raw_fields.items() if isinstance(v, Mapping)]
    return Table(
        id=str(data["id"]),
        name=str(data.get("name", data.get("caption", ""))),
        fields=tuple(field_from_json(f) for f in raw_fields if isinstance(f, Mapping)),
        extra={k: v for k, v in data.items() if k not in ("id", "name", "fields")},
    )


def _schema_field(fid: str, data: Mapping[str, Any]) -> Field:
    formula = data.get("fn")
    base = str(data.get("base") or "string")
    known = {"base", "caption", "values", "refTypeId", "refFieldId", "fn"}
    return Field(
        id=str(fid),
        name=str(data.get("caption", fid)),
        type=FieldType(base),
        choices=_choices_from_schema(data.get("values")),
        reference_to_table=_opt_str(data.get("refTypeId")),
        reverse_field=_opt_str(data.get("refFieldId")),
        formula=str(formula) if formula is not None else ("" if base == "fn" else None),
        extra={k: v for k, v in data.items() if k not in known},
    )


def _order_of(data: Mapping[str, Any]) -> float:
    order = data.get("order")
    if isinstance(order, (int, float)) and not isinstance(order, bool):
        return float(order)
    return 1e9


def schema_from_json(data: Any) -> Schema:
    """A [`Schema`][ninoxsdk.models.Schema] from the full schema object (``GET …/schema``: ``types``
    keyed by
    table id, fields with ``caption``/``base``/``values``/``refTypeId``/``fn``).

    Also accepts the database object (``{"settings", "schema"}``) and a ``/tables`` array."""
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return Schema(tables=tuple(table_from_json(t) for t in data))
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a schema object, got {type(data).__name__}")
    if "types" not in data and isinstance(data.get("schema"), Mapping):
        data = data["schema"]
    types = data.get("types") or {}
    if not isinstance(types, Mapping):
        raise TypeError("schema 'types' is not an object")
    tables = []
    for tid, t in types.items():
        if not isinstance(t, Mapping):
            continue
        raw_fields = t.get("fields") or {}
        fields: list[tuple[float, Field]] = [
            (_order_of(f), _schema_field(k, f))
            for k, f in raw_fields.items()
            if isinstance(f, Mapping)
        ]
        fields.sort(key=lambda pair: pair[0])
        tables.append(
            Table(
                id=str(tid),
                name=str(t.get("caption", tid)),
                fields=tuple(f for _, f in fields),
                extra={k: v for k, v in t.items() if k not in ("caption", "fields")},
            )
        )
    return Schema(
        tables=tuple(tables),
        seq=_opt_int(data.get("seq")),
        version=_opt_int(data.get("version")),
        raw=data,
    )


def file_from_json(data: Any) -> FileInfo:
    """A [`FileInfo`][ninoxsdk.models.FileInfo] from one element of the files list (a string is a
    bare name)."""
    if isinstance(data, str):
        return FileInfo(name=data)
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a file object, got {type(data).__name__}")
    known = {"name", "contentType", "size", "seq", "modifiedDate", "modifiedUser"}
    modified = data.get("modifiedDate")
    return FileInfo(
        name=str(data.get("name", "")),
        content_type=_opt_str(data.get("contentType")),
        size=_opt_int(data.get("size")),
        seq=_opt_int(data.get("seq")),
        modified_at=parse_datetime(modified) if modified not in (None, "") else None,
        modified_by=_opt_str(data.get("modifiedUser")),
        extra={k: v for k, v in data.items() if k not in known},
    )
