"""Declared schema of the fake: field specs and the wire <-> storage value rules.

Kept apart from the SDK's own codecs on purpose: the fake mirrors what the *server* accepts
(per the REFERENCE, tolerant where it is UNCONFIRMED), so the two can disagree and tests can
catch it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import attrs

__all__ = ["FieldDecl", "FieldSpec", "FieldValueError", "table_letters"]

# Declared type names that mean the same thing (what the user may type -> what we serve).
_TYPE_ALIASES = {
    "text": "string",
    "formula": "fn",
    "reference": "ref",
    "reverse": "rev",
    "multiple choice": "multi",
}
_STRING_TYPES = frozenset({"string", "email", "phone", "url", "link", "html", "location"})
_READ_ONLY_TYPES = frozenset({"fn", "rev"})

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_INTERVAL_RE = re.compile(r"^-?\d+:\d{2}(:\d{2}(\.\d+)?)?$")


def table_letters(index: int) -> str:
    """The Ninox id scheme: 0 -> ``A``, 25 -> ``Z``, 26 -> ``AA``, ..."""
    out = ""
    n = index + 1
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def _convert_choices(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        return tuple((str(k), str(v)) for k, v in value.items())
    if isinstance(value, (str, bytes)):
        raise TypeError("choices must be a list of captions or a mapping {id: caption}")
    out: list[tuple[str, str]] = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, tuple):
            out.append((str(item[0]), str(item[1])))
        else:
            out.append((str(i), str(item)))
    return tuple(out)


def _convert_type(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"field type must be a non-empty string, got {value!r}")
    return _TYPE_ALIASES.get(value.lower(), value)


@attrs.frozen
class FieldSpec:
    """One declared field of a fake table.

    ``type`` is the Ninox type name as ``/tables`` shows it (``string``, ``number``, ``date``,
    ``datetime``, ``time``, ``timeinterval``, ``appointment``, ``boolean``, ``choice``,
    ``multi``, ``ref``, ``rev``, ``email``, ``phone``, ``url``/``link``, ``html``,
    ``location``, ``fn``; unknown names are served as declared and their values pass through).
    ``choices`` is a list of captions (ids ``"1"``, ``"2"``, ... are assigned) or a mapping
    ``{id: caption}``. ``ref_table``/``reverse_field`` describe ``ref``/``rev`` links. A field
    with ``fn`` (or type ``fn``/``formula``) is a formula: read-only, left out of ``/tables``
    and of record bodies, as the REFERENCE observed.
    """

    name: str
    type: str = attrs.field(default="string", converter=_convert_type)
    choices: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_convert_choices, kw_only=True
    )
    ref_table: str | None = attrs.field(default=None, kw_only=True)
    reverse_field: str | None = attrs.field(default=None, kw_only=True)
    fn: str | None = attrs.field(default=None, kw_only=True)

    @property
    def is_formula(self) -> bool:
        """True for formula fields (computed, never writable)."""
        return self.type == "fn" or self.fn is not None

    @property
    def writable(self) -> bool:
        """False for formula and reverse-link fields."""
        return not self.is_formula and self.type not in _READ_ONLY_TYPES


FieldDecl = FieldSpec | tuple[str, str] | str
"""How a field may be declared: a [`FieldSpec`][ninoxsdk.testing.FieldSpec], ``(name, type)`` or
just ``name``."""


def make_spec(decl: FieldDecl) -> FieldSpec:
    """Normalise a field declaration."""
    if isinstance(decl, FieldSpec):
        return decl
    if isinstance(decl, str):
        return FieldSpec(decl)
    if isinstance(decl, tuple) and len(decl) == 2:
        return FieldSpec(decl[0], decl[1])
    raise TypeError(f"cannot declare a field from {decl!r}; use FieldSpec(name, type)")


def make_specs(
    fields: Mapping[str, FieldDecl] | Sequence[FieldDecl] | None,
) -> dict[str, FieldSpec]:
    """Field id -> spec; a sequence gets ids ``A``, ``B``, ... in order."""
    if fields is None:
        return {}
    if isinstance(fields, Mapping):
        specs = {str(fid): make_spec(decl) for fid, decl in fields.items()}
    elif isinstance(fields, (str, bytes)):
        raise TypeError("fields must be a mapping {field_id: spec} or a list of specs")
    else:
        specs = {table_letters(i): make_spec(decl) for i, decl in enumerate(fields)}
    names = [s.name for s in specs.values()]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate field names {dupes}; field names must be unique per table")
    return specs


class FieldValueError(Exception):
    """A value the fake server refuses for a field (answered with ``field_error_status``)."""


def _format_dt(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _parse_dt(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # epoch milliseconds, accepted by Ninox 4 and reportedly by the classic API
        return _format_dt(datetime.fromtimestamp(value / 1000, tz=timezone.utc))
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            return _format_dt(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise FieldValueError(f"expected a date-time like 2021-01-23T12:30:00, got {value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _choice_id(spec: FieldSpec, value: Any) -> str:
    for cid, caption in spec.choices:
        if value == caption:
            return cid
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    for cid, _caption in spec.choices:
        if text == cid:
            return cid
    captions = [c for _i, c in spec.choices]
    raise FieldValueError(f"unknown choice {value!r}; expected one of {captions}")


def to_storage(spec: FieldSpec, value: Any, *, validate: bool) -> Any:
    """Turn a written wire value into the stored form (never called with ``None``)."""
    kind = spec.type
    if kind in ("choice", "multi") and spec.choices:
        # choices are stored by id so captions can be renamed, as in Ninox
        try:
            if kind == "choice":
                return _choice_id(spec, value)
            if not isinstance(value, (list, tuple)):
                raise FieldValueError(f"expected a list of choices, got {value!r}")
            return [_choice_id(spec, v) for v in value]
        except FieldValueError:
            if validate:
                raise
            return value
    if not validate:
        return value
    if kind in _STRING_TYPES:
        if not isinstance(value, str):
            raise FieldValueError(f"expected text, got {value!r}")
        return value
    if kind == "number":
        if _is_number(value):
            return value
        if isinstance(value, str):
            try:
                return int(value) if re.fullmatch(r"-?\d+", value.strip()) else float(value)
            except ValueError:
                pass
        raise FieldValueError(f"expected a number, got {value!r}")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise FieldValueError(f"expected true or false, got {value!r}")
        return value
    if kind == "date":
        if isinstance(value, str) and _DATE_RE.match(value):
            return value
        raise FieldValueError(f"expected a date like 2021-01-23, got {value!r}")
    if kind in ("datetime", "timestamp"):
        return _parse_dt(value)
    if kind == "time":
        if isinstance(value, str) and _TIME_RE.match(value):
            return value
        raise FieldValueError(f"expected a time like 12:30:00, got {value!r}")
    if kind == "timeinterval":
        if _is_number(value) or (isinstance(value, str) and _INTERVAL_RE.match(value)):
            return value
        raise FieldValueError(f"expected a duration like 123:25:16.123, got {value!r}")
    if kind == "appointment":
        if isinstance(value, str) and " - " in value:
            start, _sep, end = value.partition(" - ")
            return f"{_parse_dt(start)} - {_parse_dt(end)}"
        raise FieldValueError(f"expected 'start - end' date-times, got {value!r}")
    if kind == "ref":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        if isinstance(value, str) and value.isdigit() and int(value) >= 1:
            return int(value)
        raise FieldValueError(f"expected a record id (integer >= 1), got {value!r}")
    if kind in ("choice", "multi"):  # declared without choices: anything textual goes
        return value
    return value


def to_wire(spec: FieldSpec, stored: Any, *, choice_ids: bool) -> Any:
    """Render a stored value as the record routes return it."""
    if spec.type in ("choice", "multi") and spec.choices and not choice_ids:
        captions = dict(spec.choices)
        if spec.type == "choice":
            return captions.get(stored, stored)
        return [captions.get(v, v) for v in stored]
    if isinstance(stored, list):
        return list(stored)
    return stored


def sort_key(value: Any) -> tuple[int, Any]:
    """Total order over mixed JSON values (missing first, like an empty cell)."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, repr(value))
