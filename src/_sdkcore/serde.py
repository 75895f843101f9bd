"""Serialisation shared by both SDKs: the UNSET sentinel, open enums and the converter factory.

Wire format is camelCase JSON; Python models are frozen attrs classes with snake_case names.
Hooks are generated once per class, lazily on first use, so import stays cheap and every
later (un)structure call runs a compiled function instead of reflecting on types.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

__all__ = [
    "EXTRA_FIELD",
    "UNSET",
    "Extra",
    "OpenEnum",
    "Unset",
    "camel",
    "make_converter",
    "omit_unset",
    "parse_date",
    "parse_datetime",
    "present_keys",
    "replace",
    "wire_name",
]

T = TypeVar("T")


class Unset(enum.Enum):
    """Type of [`UNSET`][ghlsdk.UNSET]: "this argument was not given", as distinct from ``None``.

    An argument left ``UNSET`` is omitted from the request body; ``None`` is sent as JSON
    ``null`` (which clears the value on the server).
    """

    UNSET = "UNSET"

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET

#: Name of the attrs field that keeps keys a model does not declare, so nothing is lost when a
#: record is read and written back.
EXTRA_FIELD: Final = "extra"


class Extra(dict[str, Any]):
    """The ``extra`` mapping of a model read from the wire: the keys the model does not
    declare, plus ``present``, every key the record had (declared or not).

    It compares, prints and serialises as the plain dict of unknown keys. Because ``extra`` is
    an attrs field, ``attrs.evolve`` hands the same object to the new instance, so what was
    present on read is still known after a change (see `present_keys`).
    """

    __slots__ = ("present",)

    #: The record as read (its keys are what counts: no set is built on the hot path), or
    #: the set of keys `replace` computed.
    present: Collection[str]


_NO_KEYS: Final[frozenset[str]] = frozenset()


def present_keys(model: Any) -> frozenset[str]:
    """The wire keys ``model`` had when it was read (or was given by `replace`); empty for a
    model built in Python."""
    extra = getattr(model, EXTRA_FIELD, None)
    present = getattr(extra, "present", None)
    if present is None:
        return _NO_KEYS
    return present if isinstance(present, frozenset) else frozenset(present)


def replace(model: T, **changes: Any) -> T:
    """A copy of ``model`` with ``changes``, each of which is written by ``to_wire`` even when
    it is ``None`` (sent as ``null``) or the field's default.

    ``attrs.evolve`` works too, and keeps what was present on read, but it cannot tell a
    ``None`` you set from a field the record never had: use ``replace`` to clear a field the
    server did not send. The model needs an ``extra`` field.
    """
    fields = attrs.fields_dict(type(model))  # type: ignore[arg-type]
    if EXTRA_FIELD not in fields:
        raise TypeError(f"{type(model).__name__} has no {EXTRA_FIELD!r} field to track changes")
    unknown = sorted(set(changes) - set(fields))
    if unknown:
        raise TypeError(f"{type(model).__name__} has no field {unknown[0]!r}")
    if EXTRA_FIELD in changes:
        raise TypeError(f"replace() does not change {EXTRA_FIELD!r}; use attrs.evolve for that")
    old = getattr(model, EXTRA_FIELD)
    extra = Extra(old)
    extra.present = present_keys(model) | {wire_name(fields[name]) for name in changes}
    return attrs.evolve(model, **changes, **{EXTRA_FIELD: extra})  # type: ignore[misc]


def _with_present(unknown: Mapping[str, Any], present: Collection[str]) -> Extra:
    extra = Extra(unknown)
    extra.present = present
    return extra


def omit_unset(values: Mapping[str, Any]) -> dict[str, Any]:
    """Copy ``values`` without the entries that are [`UNSET`][ghlsdk.UNSET] (``None`` is kept)."""
    return {k: v for k, v in values.items() if v is not UNSET}


_CAMEL_RE = re.compile(r"_([a-z0-9])")


@lru_cache(maxsize=2048)
def camel(name: str) -> str:
    """``due_date`` → ``dueDate``; leading underscores are dropped."""
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name.lstrip("_"))


def wire_name(field: attrs.Attribute[Any]) -> str:
    """The JSON key of an attrs field: ``metadata={"wire": "..."}`` if given, else camelCase."""
    explicit = field.metadata.get("wire")
    return explicit if isinstance(explicit, str) else camel(field.name)


class OpenEnum(str, enum.Enum):
    """A string enum that accepts values it does not know.

    APIs add new values without notice; an unknown value becomes a pseudo-member that keeps
    the raw string (``Status("new-thing").value == "new-thing"``) instead of failing the parse.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """False for a value the SDK was not built with."""
        return self._name_ != "UNKNOWN"

    def __str__(self) -> str:
        return str(self.value)


def parse_datetime(value: object) -> datetime:
    """Parse the timestamp shapes these APIs send into an aware UTC ``datetime``.

    Accepts ISO 8601 with ``Z``, an offset or no zone (read as UTC), a space instead of ``T``,
    epoch seconds or epoch milliseconds (numbers or digit strings).
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        dt = _from_epoch(float(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("empty string is not a timestamp")
        if text.lstrip("-").isdigit():
            dt = _from_epoch(float(text))
        else:
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            dt = datetime.fromisoformat(text)
    else:
        raise TypeError(f"expected an ISO 8601 string or epoch number, got {type(value).__name__}")
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _from_epoch(number: float) -> datetime:
    # Values past the year 5138 in seconds are milliseconds in practice.
    seconds = number / 1000.0 if abs(number) >= 1e11 else number
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def parse_date(value: object) -> date:
    """Parse ``YYYY-MM-DD`` (or a full timestamp, keeping its UTC date) into a ``date``."""
    if isinstance(value, datetime):
        return parse_datetime(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        return date.fromisoformat(value.strip())
    return parse_datetime(value).date()


def _format_datetime(value: datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _identity(value: Any, _type: Any = None) -> Any:
    return value


def _strict_scalar(kind: type[Any]) -> Callable[[Any, Any], Any]:
    # cattrs' default would call str(123) and silently accept a number for a string field.
    def hook(value: Any, _type: Any) -> Any:
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}: {value!r}")

    return hook


def make_converter(*, detailed_validation: bool = False) -> cattrs.Converter:
    """Build the converter one API uses for all its models.

    - attrs fields map to camelCase keys (or ``metadata={"wire": "..."}``);
    - a model with an ``extra`` field keeps every key it does not declare there, and writes
      them back on unstructure;
    - values that are [`UNSET`][ghlsdk.UNSET] are left out of unstructured output, ``None`` stays;
    - `OpenEnum` subclasses accept unknown values;
    - datetimes parse leniently to aware UTC and serialise as ISO 8601 with ``Z``.
    """
    conv = cattrs.Converter(detailed_validation=detailed_validation)
    for kind in (str, int, float, bool):
        conv.register_structure_hook(kind, _strict_scalar(kind))
    conv.register_structure_hook(Any, _identity)
    conv.register_structure_hook(datetime, lambda v, _t: parse_datetime(v))
    conv.register_structure_hook(date, lambda v, _t: parse_date(v))
    conv.register_unstructure_hook(datetime, _format_datetime)
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    # Class hooks dispatch on the most specific base, so OpenEnum wins over str for its members.
    conv.register_structure_hook(OpenEnum, lambda v, t: t(v))
    conv.register_structure_hook_factory(attrs.has, lambda cls: _structure_fn(conv, cls))
    conv.register_unstructure_hook_factory(attrs.has, lambda cls: _unstructure_fn(conv, cls))
    return conv


def _structure_fn(conv: cattrs.Converter, cls: type[Any]) -> Callable[[Any, Any], Any]:
    fields = attrs.fields(cls)
    has_extra = any(f.name == EXTRA_FIELD for f in fields)
    overrides = {f.name: override(rename=wire_name(f)) for f in fields if f.name != EXTRA_FIELD}
    if has_extra:
        # The generated function must not look for an "extra" key on the wire.
        overrides[EXTRA_FIELD] = override(omit=True)
    base = make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]
    if not has_extra:
        return base
    known = frozenset(wire_name(f) for f in fields if f.name != EXTRA_FIELD)

    def structure(data: Any, _type: Any) -> Any:
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object for {cls.__name__}, got {type(data).__name__}")
        instance = base(data, cls)
        unknown = {k: v for k, v in data.items() if k not in known}
        object.__setattr__(instance, EXTRA_FIELD, _with_present(unknown, frozenset(data)))
        return instance

    return structure


def _unstructure_fn(conv: cattrs.Converter, cls: type[Any]) -> Callable[[Any], Any]:
    """Write the fields that are set: a model with ``extra`` writes a field when the record had
    its key (`present_keys`) or its value is not the default (``None`` set on a field that was
    present is sent as ``null``; a field never present and never set is left out); a model
    without ``extra`` writes every field. [`UNSET`][ghlsdk.UNSET] is never written."""
    fields = [
        (f.name, wire_name(f), _default_test(f)) for f in attrs.fields(cls) if f.name != EXTRA_FIELD
    ]
    has_extra = len(fields) != len(attrs.fields(cls))

    def unstructure(instance: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        present: Collection[str] | None = None
        if has_extra:
            extra = getattr(instance, EXTRA_FIELD)
            out.update(extra)
            present = getattr(extra, "present", _NO_KEYS)
        for name, key, is_default in fields:
            value = getattr(instance, name)
            if value is UNSET:
                continue
            if present is not None and key not in present and is_default(value):
                continue
            # str-based enums would otherwise dispatch to str's identity hook.
            out[key] = value.value if isinstance(value, enum.Enum) else conv.unstructure(value)
        return out

    return unstructure


def _never(_value: Any) -> bool:
    return False


def _is_none(value: Any) -> bool:
    return value is None


def _default_test(field: attrs.Attribute[Any]) -> Callable[[Any], bool]:
    """``value -> True`` when ``value`` is the field's default (a required field has none)."""
    default = field.default
    if default is None:
        return _is_none
    if default is attrs.NOTHING:
        return _never
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            return _never
        factory = default.factory
        return lambda value: bool(value == factory())
    return lambda value: bool(value == default)
