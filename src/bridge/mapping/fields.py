"""Field declarations: where a value lives on each side and which way it flows.

- GHL accessors ([`GhlPath`][bridge.mapping.GhlPath], [`CustomField`][bridge.mapping.CustomField],
  [`FullName`][bridge.mapping.FullName], or any [`GhlAccessor`][bridge.mapping.GhlAccessor]) read a
  value from a GHL wire object and write it into a request body;
- [`FieldMap`][bridge.mapping.FieldMap] is one mapped field, [`KeyMap`][bridge.mapping.KeyMap] the
  id that aligns both sides, [`RefMap`][bridge.mapping.RefMap] a parent link through a Ninox
  reference field;
- `MISSING` marks a key that is absent from the input (as opposed to ``None``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from bridge.canonical import canonical_json, canonical_name, is_blank
from bridge.mapping.errors import MappingWarning
from bridge.mapping.kinds import TEXT, Kind

__all__ = [
    "MISSING",
    "Converted",
    "CustomField",
    "Direction",
    "FieldMap",
    "FullName",
    "GhlAccessor",
    "GhlPath",
    "KeyMap",
    "RefMap",
    "RefResolver",
    "ReverseResolver",
    "Transform",
    "split_full_name",
]


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


#: "This key is not in the input at all" (as opposed to present and ``None``). Fields whose
#: source value is missing are left out of converted output, so a partial payload (a webhook
#: that lacks ``completed``) never clears data on the other side.
MISSING: Final = _Missing.MISSING

Transform = Callable[[Any], Any]


@runtime_checkable
class GhlAccessor(Protocol):
    """Reads a value from a GHL wire object and writes it into a GHL request body."""

    def get(self, wire: Mapping[str, Any]) -> Any:
        """The raw value, or `MISSING` when the object does not carry it."""

    def put(self, body: dict[str, Any], value: Any, current: Mapping[str, Any] | None) -> None:
        """Write ``value`` (GHL wire form) into ``body``; ``current`` is the GHL object as it is
        now, when known."""

    def describe(self) -> str:
        """A short label for messages (``"email"``, ``"customFields.<id>"``)."""


@attrs.frozen
class GhlPath:
    """A key, or a dotted path into nested objects (``"dndSettings.Email.status"``)."""

    path: str

    def __attrs_post_init__(self) -> None:
        if not self.path or any(not part for part in self.path.split(".")):
            raise ValueError(f"invalid GHL path {self.path!r}")

    def get(self, wire: Mapping[str, Any]) -> Any:
        node: Any = wire
        for part in self.path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return MISSING
            node = node[part]
        return node

    def put(self, body: dict[str, Any], value: Any, current: Mapping[str, Any] | None) -> None:
        *parents, last = self.path.split(".")
        node = body
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value

    def describe(self) -> str:
        return self.path


@attrs.frozen
class CustomField:
    """A GHL contact custom field, by its id.

    Read from ``customFields: [{"id": ..., "value": ...}]`` (``field_value`` is accepted too);
    written as ``{"id": ..., "field_value": ...}``, the shape GHL's create / update / upsert
    bodies take. A contact whose ``customFields`` list lacks the id has the value ``None``
    (GHL leaves empty custom fields out); an object without ``customFields`` at all is
    `MISSING`.
    """

    id: str

    def __attrs_post_init__(self) -> None:
        if not self.id or not self.id.strip():
            raise ValueError("a custom field id must not be empty")

    def get(self, wire: Mapping[str, Any]) -> Any:
        items = wire.get("customFields", MISSING)
        if items is MISSING:
            return MISSING
        for item in items or ():
            if isinstance(item, Mapping) and item.get("id") == self.id:
                return item.get("value", item.get("field_value"))
        return None

    def put(self, body: dict[str, Any], value: Any, current: Mapping[str, Any] | None) -> None:
        body.setdefault("customFields", []).append({"id": self.id, "field_value": value})

    def describe(self) -> str:
        return f"customFields.{self.id}"


def split_full_name(full: str | None) -> tuple[str | None, str | None]:
    """Split a full name into (first, last).

    - ``"Last, First"`` (one comma) → ``("First", "Last")``;
    - otherwise the first word is the first name and the rest the last name:
      ``"Ludwig van Beethoven"`` → ``("Ludwig", "van Beethoven")``;
    - one word → ``(word, None)``; blank → ``(None, None)``.
    """
    name = canonical_name(full)
    if name is None:
        return None, None
    if name.count(",") == 1:
        last, first = (canonical_name(part) for part in name.split(","))
        return first, last
    first, _sep, rest = name.partition(" ")
    return first, rest or None


@attrs.frozen
class FullName:
    """First and last name together, for a single Ninox full-name field.

    Reads ``firstName`` + ``lastName`` (falls back to ``name`` when neither is present);
    writes ``firstName``/``lastName``. When the current GHL object already composes to the same
    full name, its own split is kept (so "Mary Ann" + "Smith" stays that way); otherwise the
    name is split by [`split_full_name`][bridge.mapping.split_full_name].
    """

    first: str = "firstName"
    last: str = "lastName"
    fallback: str = "name"

    def get(self, wire: Mapping[str, Any]) -> Any:
        if self.first not in wire and self.last not in wire:
            return wire.get(self.fallback, MISSING)
        parts = [canonical_name(wire.get(self.first)), canonical_name(wire.get(self.last))]
        return " ".join(p for p in parts if p) or None

    def put(self, body: dict[str, Any], value: Any, current: Mapping[str, Any] | None) -> None:
        wanted = canonical_name(value)
        if current is not None and canonical_name(self.get(current)) == wanted and wanted:
            first, last = current.get(self.first), current.get(self.last)
        else:
            first, last = split_full_name(wanted)
        body[self.first] = first
        body[self.last] = last

    def describe(self) -> str:
        return f"{self.first}+{self.last}"


def _accessor(value: str | GhlAccessor) -> GhlAccessor:
    if isinstance(value, str):
        if value.startswith("customFields."):
            return CustomField(value.removeprefix("customFields."))
        return GhlPath(value)
    if isinstance(value, GhlAccessor):
        return value
    raise TypeError(f"ghl must be a path string or a GhlAccessor, got {value!r}")


class Direction(str, enum.Enum):
    """Which way a field flows."""

    BOTH = "both"
    GHL_TO_NINOX = "ghl_to_ninox"
    NINOX_TO_GHL = "ninox_to_ghl"

    @property
    def to_ninox(self) -> bool:
        """True when values are written into Ninox."""
        return self is not Direction.NINOX_TO_GHL

    @property
    def to_ghl(self) -> bool:
        """True when values are written into GHL."""
        return self is not Direction.GHL_TO_NINOX


def _direction(value: Direction | str) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        options = ", ".join(repr(d.value) for d in Direction)
        raise ValueError(f"direction must be one of {options}, got {value!r}") from None


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise TypeError("choices must be a list of captions, not one string")
    return tuple(str(v) for v in value)


@attrs.frozen(kw_only=True)
class FieldMap:
    """One mapped field.

    - ``name``: the field's name in canonical dicts, diffs and digests (e.g. ``"email"``);
    - ``ghl``: where it lives in the GHL object: a key (``"email"``), a dotted path, a custom
      field (``"customFields.<id>"`` or [`CustomField`][bridge.mapping.CustomField]), or any
      [`GhlAccessor`][bridge.mapping.GhlAccessor];
    - ``ninox``: the Ninox field name; ``ninox_type``: the Ninox type it needs (checked by
      [`EntityMapping.validate`][bridge.mapping.EntityMapping.validate], compatible types accepted,
      and used for the default layout); ``choices``: captions for a ``choice`` field's layout;
    - ``kind``: the canonical type (`TEXT`, `EMAIL`, `PHONE`,
      `DATETIME`, ...);
    - ``direction``: ``both`` (default), ``ghl_to_ninox`` or ``ninox_to_ghl``;
    - transforms replacing the kind's defaults: ``from_ghl`` (GHL value → input of the
      canonicaliser), ``to_ghl`` (canonical → GHL value), ``from_ninox``, ``to_ninox``.
    """

    name: str
    ghl: GhlAccessor = attrs.field(converter=_accessor)
    ninox: str
    kind: Kind = TEXT
    ninox_type: str = "string"
    direction: Direction = attrs.field(default=Direction.BOTH, converter=_direction)
    from_ghl: Transform | None = None
    to_ghl: Transform | None = None
    from_ninox: Transform | None = None
    to_ninox: Transform | None = None
    choices: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)

    def __attrs_post_init__(self) -> None:
        if not self.name:
            raise ValueError("a FieldMap needs a name")
        if not self.ninox:
            raise ValueError(f"field {self.name!r} needs a Ninox field name (ninox=...)")

    def ghl_value(self, raw: Any) -> Any:
        """A GHL wire value, read (``from_ghl``) but not yet canonicalised."""
        return self.from_ghl(raw) if self.from_ghl is not None else self.kind.from_ghl(raw)

    def ninox_value(self, raw: Any) -> Any:
        """A Ninox wire value, read (``from_ninox``) but not yet canonicalised."""
        return self.from_ninox(raw) if self.from_ninox is not None else self.kind.from_ninox(raw)

    def ghl_canonical(self, raw: Any) -> Any:
        """Canonical form of a GHL wire value."""
        return self.kind.canon(self.ghl_value(raw))

    def ninox_canonical(self, raw: Any) -> Any:
        """Canonical form of a Ninox wire value."""
        return self.kind.canon(self.ninox_value(raw))

    def encode_ninox(self, canonical: Any) -> Any:
        """Canonical value → Ninox wire value."""
        if self.to_ninox is not None:
            return self.to_ninox(canonical)
        return self.kind.to_ninox(canonical)

    def encode_ghl(self, canonical: Any) -> Any:
        """Canonical value → GHL wire value."""
        if self.to_ghl is not None:
            return self.to_ghl(canonical)
        return self.kind.to_ghl(canonical)


@attrs.frozen(kw_only=True)
class KeyMap:
    """The id that aligns both sides: GHL ``ghl`` (``"id"``) is stored in Ninox field
    ``ninox`` (``"GHL Id"``). It is written on create and never compared as data.

    ``ghl_ninox_id`` optionally names a GHL custom field (by id) that stores the Ninox record
    id on the GHL side too (contacts only: the other entities have no custom fields), so
    links can be rebuilt from either side.
    """

    ghl: str = "id"
    ninox: str = "GHL Id"
    ninox_type: str = "string"
    ghl_ninox_id: str | None = None


@attrs.frozen(kw_only=True)
class RefMap:
    """A parent link: GHL ``ghl`` (e.g. ``"contactId"``) ↔ Ninox reference field ``ninox``
    (e.g. ``"Contact"``) pointing at table ``table`` (e.g. ``"Contacts"``).

    The mapping cannot know Ninox record ids, so the caller resolves them: ``to_ninox(...,
    refs=...)`` takes a ``{ghl_id: ninox_record_id}`` mapping or a function
    ``(table, ghl_id) -> ninox_record_id | None``. Without ``refs`` the reference is left
    out of the output (unchanged on update).
    """

    name: str
    ghl: str
    ninox: str
    table: str


RefResolver = Mapping[str, int] | Callable[[str, str], int | None]
"""Ninox record id of a parent, from its GHL id: a mapping, or ``(table, ghl_id) -> id``."""

ReverseResolver = Mapping[int, str] | Callable[[str, int], str | None]
"""GHL id of a parent, from its Ninox record id: a mapping, or ``(table, record_id) -> id``."""


@attrs.frozen(kw_only=True)
class Converted:
    """Output of a conversion: the target-side ``fields`` and any ``warnings``."""

    fields: dict[str, Any]
    warnings: tuple[MappingWarning, ...] = ()


def _refs_tuple(value: Iterable[RefMap]) -> tuple[RefMap, ...]:
    refs = tuple(value)
    for r in refs:
        if not isinstance(r, RefMap):
            raise TypeError(f"refs must be RefMap instances, got {r!r}")
    return refs


def _fields_tuple(value: Iterable[FieldMap]) -> tuple[FieldMap, ...]:
    fields = tuple(value)
    for f in fields:
        if not isinstance(f, FieldMap):
            raise TypeError(f"fields must be FieldMap instances, got {f!r}")
    return fields


def _lookup(resolver: Any, table: str, key: Any) -> Any:
    if isinstance(resolver, Mapping):
        return resolver.get(key)
    return resolver(table, key)


def _ref_id(value: Any) -> int | None:
    """A reference value as read back, in any of the plausible shapes (the wire form of Ninox
    references is UNCONFIRMED): ``7``, ``"7"``, ``[7]``, ``{"id": 7}``."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if isinstance(value, Mapping):
        value = value.get("id")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _safe_id(value: Any) -> str | None:
    if isinstance(value, (str, int)) and not isinstance(value, bool) and not is_blank(value):
        return str(value)
    return None


def _same_ninox_value(a: Any, b: Any) -> bool:
    try:
        return bool(canonical_json(a) == canonical_json(b))
    except TypeError:
        return bool(a == b)
