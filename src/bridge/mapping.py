"""Declarative field mapping between GHL wire objects and Ninox record fields.

A mapping works on plain dicts, so it does not depend on either SDK's model classes:

- the GHL side is the camelCase JSON object of a contact / task / note / appointment as the
  API returns it (``{"id": ..., "firstName": ..., "customFields": [{"id", "value"}]}``);
- the Ninox side is a record's ``fields`` dict keyed by field *name*
  (``{"GHL Id": ..., "First Name": ...}``).

An :class:`EntityMapping` lists :class:`FieldMap` entries (GHL path ↔ Ninox field, a
:class:`Kind` that decides the canonical form, a :class:`Direction`, optional transforms each
way), the :class:`KeyMap` that stores the GHL id in a Ninox field, and :class:`RefMap` entries
that attach children to their parent record through a Ninox reference field. It converts
(:meth:`~EntityMapping.to_ninox`, :meth:`~EntityMapping.to_ghl`), compares on canonical forms
(:meth:`~EntityMapping.diff`, :meth:`~EntityMapping.ninox_patch`,
:meth:`~EntityMapping.ghl_patch`), hashes (:meth:`~EntityMapping.digest`) and checks itself
against a Ninox schema (:meth:`~EntityMapping.validate`).

Bad input is reported per item with :class:`ItemError` (and its subclasses), so a caller can
record the failure and go on with the next item. Defaults ready to use are in
:mod:`bridge.mappers`.
"""

from __future__ import annotations

import difflib
import enum
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import timezone, tzinfo
from typing import Any, ClassVar, Final, Protocol, runtime_checkable

import attrs

from bridge.canonical import (
    DEFAULT_PHONE,
    PhoneNormalizer,
    canonical_bool,
    canonical_date,
    canonical_datetime,
    canonical_email,
    canonical_json,
    canonical_name,
    canonical_number,
    canonical_text,
    format_ninox_datetime,
    is_blank,
)

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "EMAIL",
    "ID",
    "JSON",
    "MISSING",
    "NAME",
    "NUMBER",
    "PHONE",
    "TEXT",
    "BaseMapper",
    "ChoiceKind",
    "Converted",
    "CustomField",
    "DateTimeKind",
    "Direction",
    "EntityMapping",
    "FieldMap",
    "FieldProblem",
    "FullName",
    "GhlAccessor",
    "GhlPath",
    "ItemError",
    "KeyMap",
    "Kind",
    "Mapper",
    "MappingError",
    "MappingSet",
    "MappingWarning",
    "MissingKeyError",
    "PhoneKind",
    "RefMap",
    "SchemaMismatchError",
    "SchemaProblem",
    "UnresolvedReferenceError",
    "compatible_types",
    "digest",
    "field_digests",
    "mapper_from_functions",
    "normalize_schema",
    "split_full_name",
    "validate",
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

# ---------------------------------------------------------------------------------------------
# Errors


class MappingError(ValueError):
    """Base class of every error raised by :mod:`bridge.mapping`."""


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@attrs.frozen(kw_only=True)
class FieldProblem:
    """One field of one item that could not be converted.

    ``field`` is the mapping's field name, ``target`` the Ninox field or GHL path being
    written (or read), ``reason`` what went wrong.
    """

    field: str
    target: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" (value {self.value})" if self.value else ""
        return f"{self.field} → {self.target}: {self.reason}{shown}"


class ItemError(MappingError):
    """One item (record) could not be mapped. The caller reports it and continues.

    Attributes: ``entity`` (``"contact"`` ...), ``item_id`` (the GHL id, or the Ninox record id
    when converting from Ninox, or ``None`` when unknown), ``side`` the item was read from
    (``"ghl"`` or ``"ninox"``), and ``problems``: every field that failed, not just the first.
    """

    def __init__(
        self,
        entity: str,
        item_id: str | None,
        side: str,
        problems: Sequence[FieldProblem],
        message: str | None = None,
    ) -> None:
        self.entity = entity
        self.item_id = item_id
        self.side = side
        self.problems = tuple(problems)
        where = f"{entity} {item_id!r}" if item_id is not None else f"a {entity}"
        lines = "; ".join(str(p) for p in self.problems)
        super().__init__(message or f"cannot map {where} from {side}: {lines}")


class MissingKeyError(ItemError):
    """The item has no id: a GHL object without its ``id`` (or whatever key is mapped)."""


class UnresolvedReferenceError(ItemError):
    """The parent of a child item (e.g. the contact of a task) is not known on the target side
    yet. Retry once the parent is synced ("waiting for parent")."""


@attrs.frozen(kw_only=True)
class MappingWarning:
    """A value that was mapped but not normalised, e.g. a phone number kept as given."""

    field: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message} (value {self.value})"


@attrs.frozen(kw_only=True)
class SchemaProblem:
    """One mismatch between a mapping and a Ninox schema."""

    table: str
    field: str | None
    expected: str
    found: str
    message: str

    def __str__(self) -> str:
        where = self.table if self.field is None else f"{self.table}.{self.field}"
        return f"{where}: {self.message} (expected {self.expected}, found {self.found})"


class SchemaMismatchError(MappingError):
    """The Ninox schema lacks tables or fields the mapping needs, or their types differ.

    ``problems`` lists every mismatch at once.
    """

    def __init__(self, problems: Sequence[SchemaProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"the Ninox schema does not match the mapping ({count} problem"
            f"{'s' if count != 1 else ''}):\n{lines}"
        )


# ---------------------------------------------------------------------------------------------
# Kinds: canonical form + how each side stores it


class Kind:
    """A canonical type: :meth:`canon` gives the canonical form, the ``from_*``/``to_*``
    methods translate between the canonical form and each side's wire value.

    Subclass to add a kind; the defaults pass values through unchanged.
    """

    name: ClassVar[str] = "json"

    def canon(self, value: Any) -> Any:
        """The canonical form of ``value`` (idempotent). Raise ValueError/TypeError for junk."""
        return canonical_json(value)

    def note(self, value: Any) -> str | None:
        """A warning about a value that is mapped but not normalised (``None`` if fine)."""
        return None

    def from_ghl(self, raw: Any) -> Any:
        """GHL wire value → something :meth:`canon` accepts."""
        return raw

    def to_ghl(self, canonical: Any) -> Any:
        """Canonical value → GHL wire value."""
        return canonical

    def from_ninox(self, raw: Any) -> Any:
        """Ninox wire value → something :meth:`canon` accepts."""
        return raw

    def to_ninox(self, canonical: Any) -> Any:
        """Canonical value → Ninox wire value."""
        return canonical

    def __repr__(self) -> str:
        return f"<Kind {self.name}>"


def _canonical_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return canonical_text(value)


def _simple_kind(kind_name: str, canon: Callable[[Any], Any]) -> Kind:
    """A kind that only differs from :class:`Kind` by its canonical form."""

    class _Simple(Kind):
        name = kind_name

        def canon(self, value: Any) -> Any:
            return canon(value)

    _Simple.__qualname__ = _Simple.__name__ = f"_{kind_name.title()}Kind"
    return _Simple()


class PhoneKind(Kind):
    """Phone numbers in E.164; unparsable input is kept as given and reported as a warning."""

    name = "phone"

    def __init__(self, normalizer: PhoneNormalizer = DEFAULT_PHONE) -> None:
        self.normalizer = normalizer

    def canon(self, value: Any) -> Any:
        return self.normalizer(value)

    def note(self, value: Any) -> str | None:
        result = self.normalizer.normalize(value)
        return None if result.valid else f"phone number kept as given: {result.reason}"


class DateTimeKind(Kind):
    """Instants, canonical as ``YYYY-MM-DDTHH:MM:SSZ``.

    Ninox stores date-times without a zone (``2021-01-23T12:30:00``); ``ninox_tz`` says which
    zone those are in (UTC by default; whether Ninox ``datetime`` *field* values are UTC or
    workspace-local is UNCONFIRMED, so it is a setting). ``ghl_naive_tz`` is the zone of GHL
    timestamps that come without one (appointment ``startTime`` examples look like
    ``2021-07-16 11:00:00``; UTC by default, UNCONFIRMED).
    """

    name = "datetime"

    def __init__(
        self, *, ninox_tz: tzinfo = timezone.utc, ghl_naive_tz: tzinfo = timezone.utc
    ) -> None:
        self.ninox_tz = ninox_tz
        self.ghl_naive_tz = ghl_naive_tz

    def canon(self, value: Any) -> Any:
        return canonical_datetime(value)

    def from_ghl(self, raw: Any) -> Any:
        return canonical_datetime(raw, naive_tz=self.ghl_naive_tz)

    def from_ninox(self, raw: Any) -> Any:
        return canonical_datetime(raw, naive_tz=self.ninox_tz)

    def to_ninox(self, canonical: Any) -> Any:
        return None if canonical is None else format_ninox_datetime(canonical, self.ninox_tz)


class ChoiceKind(Kind):
    """A value stored as a Ninox choice caption through a value map.

    ``ChoiceKind({True: "Done", False: "Open"})`` maps GHL ``completed`` to a Ninox choice
    field. The canonical form is the GHL-side value, canonicalised by ``base`` (``BOOL`` in the
    example, ``TEXT`` by default). A caption the map does not know is an error on read.
    """

    name = "choice"

    def __init__(self, captions: Mapping[Any, str], base: Kind | None = None) -> None:
        self.base = base if base is not None else TEXT
        self.captions = {self.base.canon(k): v for k, v in captions.items()}
        self.values = {canonical_text(v): k for k, v in self.captions.items()}
        if len(self.values) != len(self.captions):
            raise ValueError(f"choice captions must be distinct, got {list(captions.values())}")

    def canon(self, value: Any) -> Any:
        return self.base.canon(value)

    def to_ninox(self, canonical: Any) -> Any:
        if canonical is None:
            return None
        if canonical not in self.captions:
            raise ValueError(f"no Ninox choice for {canonical!r}; known: {list(self.captions)}")
        return self.captions[canonical]

    def from_ninox(self, raw: Any) -> Any:
        caption = canonical_text(raw)
        if caption is None:
            return None
        if caption not in self.values:
            raise ValueError(f"unknown choice {raw!r}; expected one of {list(self.values)}")
        return self.values[caption]


TEXT: Final[Kind] = _simple_kind("text", canonical_text)
NAME: Final[Kind] = _simple_kind("name", canonical_name)
EMAIL: Final[Kind] = _simple_kind("email", canonical_email)
PHONE: Final[Kind] = PhoneKind()
ID: Final[Kind] = _simple_kind("id", _canonical_id)
BOOL: Final[Kind] = _simple_kind("bool", canonical_bool)
NUMBER: Final[Kind] = _simple_kind("number", canonical_number)
DATE: Final[Kind] = _simple_kind("date", canonical_date)
DATETIME: Final[Kind] = DateTimeKind()
JSON: Final[Kind] = Kind()


# ---------------------------------------------------------------------------------------------
# GHL accessors: where a field lives in the GHL wire object


@runtime_checkable
class GhlAccessor(Protocol):
    """Reads a value from a GHL wire object and writes it into a GHL request body."""

    def get(self, wire: Mapping[str, Any]) -> Any:
        """The raw value, or :data:`MISSING` when the object does not carry it."""

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
    :data:`MISSING`.
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
    name is split by :func:`split_full_name`.
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


# ---------------------------------------------------------------------------------------------
# Field declarations


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


_TYPE_ALIASES: Final = {
    "text": "string",
    "reference": "ref",
    "reverse": "rev",
    "timestamp": "datetime",
    "link": "url",
    "function": "fn",
    "formula": "fn",
}

#: For each Ninox type a mapping asks for, the types that can hold its values.
_COMPATIBLE: Final[Mapping[str, frozenset[str]]] = {
    "string": frozenset({"string", "html"}),
    "html": frozenset({"html", "string"}),
    "email": frozenset({"email", "string"}),
    "phone": frozenset({"phone", "string"}),
    "url": frozenset({"url", "string"}),
    "choice": frozenset({"choice", "string"}),
    "datetime": frozenset({"datetime"}),
    "date": frozenset({"date"}),
    "boolean": frozenset({"boolean"}),
    "number": frozenset({"number"}),
    "ref": frozenset({"ref"}),
}

_READ_ONLY_TYPES: Final = frozenset({"fn", "rev"})


def _norm_type(value: Any) -> str:
    text = str(getattr(value, "value", value)).strip().lower()
    return _TYPE_ALIASES.get(text, text)


def compatible_types(expected: str) -> frozenset[str]:
    """Ninox types (normalised: ``text`` → ``string``, ``timestamp`` → ``datetime`` ...) that
    accept values meant for a field of type ``expected``."""
    norm = _norm_type(expected)
    return _COMPATIBLE.get(norm, frozenset({norm}))


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise TypeError("choices must be a list of captions, not one string")
    return tuple(str(v) for v in value)


@attrs.frozen(kw_only=True)
class FieldMap:
    """One mapped field.

    - ``name``: the field's name in canonical dicts, diffs and digests (e.g. ``"email"``);
    - ``ghl``: where it lives in the GHL object: a key (``"email"``), a dotted path, a custom
      field (``"customFields.<id>"`` or :class:`CustomField`), or any :class:`GhlAccessor`;
    - ``ninox``: the Ninox field name; ``ninox_type``: the Ninox type it needs (checked by
      :meth:`EntityMapping.validate`, compatible types accepted, and used for the default
      layout); ``choices``: captions for a ``choice`` field's layout;
    - ``kind``: the canonical type (:data:`TEXT`, :data:`EMAIL`, :data:`PHONE`,
      :data:`DATETIME`, ...);
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


# ---------------------------------------------------------------------------------------------
# Ninox value checks (what a field type can hold)

_DATE_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")
_TEXT_TYPES: Final = frozenset({"string", "html", "email", "phone", "url", "choice"})


def _ninox_value_problem(ninox_type: str, value: Any, choices: Sequence[str]) -> str | None:
    """Why ``value`` cannot be stored in a Ninox field of ``ninox_type`` (``None`` if it can)."""
    if value is None:
        return None
    kind = _norm_type(ninox_type)
    if kind in _TEXT_TYPES:
        if not isinstance(value, str):
            return f"a Ninox {kind!r} field holds text, not {type(value).__name__}"
        if kind == "choice" and choices and value not in choices:
            return f"not one of the choices {list(choices)}"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"a Ninox 'number' field holds numbers, not {type(value).__name__}"
    elif kind == "boolean":
        if not isinstance(value, bool):
            return f"a Ninox 'boolean' field holds true/false, not {type(value).__name__}"
    elif kind == "date":
        if not (isinstance(value, str) and _DATE_RE.match(value)):
            return "a Ninox 'date' field holds YYYY-MM-DD"
    elif kind == "datetime":
        if not (isinstance(value, str) and _DATETIME_RE.match(value)):
            return "a Ninox 'datetime' field holds YYYY-MM-DDTHH:MM:SS (no zone)"
    elif kind == "ref" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        return "a Ninox reference holds a record id (integer >= 1)"
    return None


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


# ---------------------------------------------------------------------------------------------
# Digests


def _json_default(value: Any) -> Any:
    raise TypeError(
        f"canonical values must be JSON values; got {type(value).__name__} ({_short(value)}). "
        "Return str/int/float/bool/None/list/dict from custom kinds and transforms."
    )


def _stable_json(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def digest(canonical: Mapping[str, Any], *, salt: str = "") -> str:
    """SHA-256 (hex) of canonical values: sorted keys, explicit nulls, fixed JSON rendering.

    ``salt`` (e.g. a mapping fingerprint) makes digests change when the mapping changes.
    """
    payload = _stable_json({"salt": salt, "values": dict(canonical)})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def field_digests(canonical: Mapping[str, Any], *, salt: str = "") -> dict[str, str]:
    """One SHA-256 (hex) per field of canonical values (same rendering as :func:`digest`)."""
    out: dict[str, str] = {}
    for name, value in canonical.items():
        payload = _stable_json({"salt": salt, "field": name, "value": value})
        out[name] = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return out


# ---------------------------------------------------------------------------------------------
# Schema input


@attrs.frozen(kw_only=True)
class _FieldInfo:
    type: str
    ref: str | None = None


def normalize_schema(schema: Any) -> dict[str, dict[str, _FieldInfo]]:
    """Turn the accepted schema shapes into ``{table: {field: info}}``.

    Accepted:

    - a mapping ``{table name: {field name: ninox type}}`` (a value may also be a mapping
      ``{"type": ..., "ref": <table name>}``, so a :func:`bridge.mappers.default_layout` is
      itself a valid schema);
    - anything with ``.tables`` (or iterable of tables) whose items have ``.name`` and
      ``.fields``, each field with ``.name`` and ``.type`` (and optionally
      ``.reference_to_table``, a table id or name), such as ``ninoxsdk.Schema``.
    """
    if isinstance(schema, Mapping):
        out: dict[str, dict[str, _FieldInfo]] = {}
        for table, fields in schema.items():
            if not isinstance(fields, Mapping):
                raise TypeError(f"schema[{table!r}] must map field names to types")
            out[str(table)] = {
                str(name): _info_from_plain(table, name, decl) for name, decl in fields.items()
            }
        return out
    tables = getattr(schema, "tables", schema)
    if isinstance(tables, (str, bytes)) or not isinstance(tables, Iterable):
        raise TypeError(
            "schema must be a mapping {table: {field: type}} or have .tables "
            f"(items with .name and .fields), got {type(schema).__name__}"
        )
    table_list = list(tables)
    names_by_id = {str(t.id): str(t.name) for t in table_list if hasattr(t, "id")}
    out = {}
    for table in table_list:
        try:
            table_name, fields = str(table.name), table.fields
        except AttributeError:
            raise TypeError(f"schema table {table!r} lacks .name or .fields") from None
        entry: dict[str, _FieldInfo] = {}
        for fld in fields:
            try:
                fname, ftype = str(fld.name), fld.type
            except AttributeError:
                raise TypeError(
                    f"field {fld!r} of table {table_name!r} lacks .name or .type"
                ) from None
            ref = getattr(fld, "reference_to_table", None)
            ref_name = None if ref is None else names_by_id.get(str(ref), str(ref))
            kind = "fn" if getattr(fld, "formula", None) else _norm_type(ftype)
            entry[fname] = _FieldInfo(type=kind, ref=ref_name)
        out[table_name] = entry
    return out


def _info_from_plain(table: Any, name: Any, decl: Any) -> _FieldInfo:
    if isinstance(decl, Mapping):
        if "type" not in decl:
            raise TypeError(f"schema[{table!r}][{name!r}] needs a 'type'")
        ref = decl.get("ref")
        return _FieldInfo(type=_norm_type(decl["type"]), ref=None if ref is None else str(ref))
    return _FieldInfo(type=_norm_type(decl))


def _hint(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.75)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


# ---------------------------------------------------------------------------------------------
# The mapper protocol


@runtime_checkable
class Mapper(Protocol):
    """What the upsert layer needs from a mapping for one entity.

    :class:`EntityMapping` implements it declaratively; :class:`BaseMapper` and
    :func:`mapper_from_functions` help write one by hand.
    """

    @property
    def entity(self) -> str:
        """Entity name: ``"contact"``, ``"task"``, ``"note"``, ``"appointment"`` ..."""

    @property
    def ninox_table(self) -> str:
        """The Ninox table written to."""

    @property
    def ninox_key(self) -> str:
        """The Ninox field that stores the GHL id."""

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        """The GHL id of a GHL object; :class:`MissingKeyError` when it has none."""

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        """Ninox fields for a GHL object (key field included)."""

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """GHL request body for Ninox fields."""

    def ninox_patch(
        self,
        ghl: Mapping[str, Any],
        current: Mapping[str, Any] | None,
        *,
        refs: RefResolver | None = None,
    ) -> dict[str, Any]:
        """Only the Ninox fields that differ from ``current`` (all of them when ``None``)."""

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The Ninox table(s) this mapper writes: ``{table: {field: {"type": ...}}}``."""


def _same_ninox_value(a: Any, b: Any) -> bool:
    try:
        return bool(canonical_json(a) == canonical_json(b))
    except TypeError:
        return bool(a == b)


class BaseMapper:
    """Base for hand-written mappers: implement :meth:`to_ninox` (and :meth:`to_ghl` if you push
    to GHL); :meth:`ninox_patch` then compares the output with the current Ninox fields value by
    value (blank ≡ ``None``, text trimmed, ``1 == 1.0``).
    """

    entity: str = ""
    ninox_table: str = ""
    ninox_key: str = "GHL Id"
    ghl_key: str = "id"

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        """``ghl[self.ghl_key]`` as text; :class:`MissingKeyError` when blank."""
        value = ghl.get(self.ghl_key)
        if is_blank(value) or not isinstance(value, (str, int)):
            raise MissingKeyError(
                self.entity,
                None,
                "ghl",
                [FieldProblem(field="key", target=self.ghl_key, reason="missing id")],
            )
        return str(value).strip()

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        """Override: the Ninox fields for ``ghl``."""
        raise NotImplementedError(f"{type(self).__name__} does not map GHL → Ninox")

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Override: the GHL body for Ninox ``fields``."""
        raise NotImplementedError(f"{type(self).__name__} does not map Ninox → GHL")

    def ninox_patch(
        self,
        ghl: Mapping[str, Any],
        current: Mapping[str, Any] | None,
        *,
        refs: RefResolver | None = None,
    ) -> dict[str, Any]:
        """Fields of :meth:`to_ninox` whose value differs from ``current``."""
        wanted = self.to_ninox(ghl, refs=refs)
        if current is None:
            return wanted
        return {
            k: v for k, v in wanted.items() if not _same_ninox_value(v, current.get(k, MISSING))
        }

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        """No declared layout by default (``validate`` then has nothing to check)."""
        return {}


class _FunctionMapper(BaseMapper):
    def __init__(
        self,
        *,
        entity: str,
        ninox_table: str,
        to_ninox: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        to_ghl: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None,
        ninox_key: str,
        ghl_key: str,
        layout: Mapping[str, Mapping[str, Any]] | None,
    ) -> None:
        self.entity = entity
        self.ninox_table = ninox_table
        self.ninox_key = ninox_key
        self.ghl_key = ghl_key
        self._to_ninox = to_ninox
        self._to_ghl = to_ghl
        self._layout = {k: dict(v) for k, v in (layout or {}).items()}

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        key = self.ghl_id(ghl)
        fields = dict(self._to_ninox(ghl))
        fields[self.ninox_key] = key
        return fields

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        if self._to_ghl is None:
            return super().to_ghl(ninox, current=current)
        return dict(self._to_ghl(ninox))

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        if not self._layout:
            return {}
        fields = {self.ninox_key: {"type": "string"}, **self._layout}
        return {self.ninox_table: fields}


def mapper_from_functions(
    *,
    entity: str,
    ninox_table: str,
    to_ninox: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    to_ghl: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    ninox_key: str = "GHL Id",
    ghl_key: str = "id",
    layout: Mapping[str, Mapping[str, Any]] | None = None,
) -> Mapper:
    """A :class:`Mapper` from plain functions ``ghl_dict -> ninox_fields`` (and back).

    The key (``ghl[ghl_key]`` → ``ninox_key``) is added for you and checked (a GHL object
    without it raises :class:`MissingKeyError`). ``layout`` (``{field: {"type": ...}}``)
    declares the Ninox fields the function writes, so ``validate`` can check them.
    """
    return _FunctionMapper(
        entity=entity,
        ninox_table=ninox_table,
        to_ninox=to_ninox,
        to_ghl=to_ghl,
        ninox_key=ninox_key,
        ghl_key=ghl_key,
        layout=layout,
    )


# ---------------------------------------------------------------------------------------------
# EntityMapping


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


@attrs.frozen(kw_only=True)
class EntityMapping:
    """The declarative mapping of one entity (GHL contacts ↔ Ninox table ``Contacts`` ...).

    Build one with :mod:`bridge.mappers` defaults and adjust it with :meth:`with_fields`,
    :meth:`replace_field` and :meth:`without_fields` (each returns a new mapping).
    """

    entity: str
    ninox_table: str
    key: KeyMap = attrs.field(factory=KeyMap)
    fields: tuple[FieldMap, ...] = attrs.field(default=(), converter=_fields_tuple)
    refs: tuple[RefMap, ...] = attrs.field(default=(), converter=_refs_tuple)
    version: str = "1"

    def __attrs_post_init__(self) -> None:
        names = [f.name for f in self.fields] + [r.name for r in self.refs]
        targets = (
            [f.ninox for f in self.fields if f.direction.to_ninox]
            + [r.ninox for r in self.refs]
            + [self.key.ninox]
        )
        for label, items in (("field names", names), ("Ninox fields", targets)):
            dupes = sorted({n for n in items if items.count(n) > 1})
            if dupes:
                raise ValueError(f"{self.entity} mapping: duplicate {label} {dupes}")

    # -- protocol attributes ---------------------------------------------------------------

    @property
    def ninox_key(self) -> str:
        """The Ninox field that stores the GHL id."""
        return self.key.ninox

    @property
    def ninox_fields(self) -> tuple[str, ...]:
        """Every Ninox field this mapping reads or writes: key, mapped fields, references
        (e.g. to ask Ninox for just these fields)."""
        names = [self.key.ninox, *(f.ninox for f in self.fields), *(r.ninox for r in self.refs)]
        return tuple(dict.fromkeys(names))

    @property
    def fingerprint(self) -> str:
        """A short hash of the declarative parts (names, paths, kinds, directions, ``version``).

        Transforms are functions and cannot be hashed: bump ``version`` when you change one.
        """
        parts = [self.entity, self.ninox_table, self.version, self.key.ghl, self.key.ninox]
        parts.append(self.key.ghl_ninox_id or "")
        for f in self.fields:
            parts += [f.name, f.ghl.describe(), f.ninox, f.kind.name, f.direction.value]
        for r in self.refs:
            parts += [r.name, r.ghl, r.ninox, r.table]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    # -- building --------------------------------------------------------------------------

    def field(self, name: str) -> FieldMap:
        """The field called ``name``; ``KeyError`` naming the known fields otherwise."""
        for f in self.fields:
            if f.name == name:
                return f
        known = [f.name for f in self.fields]
        raise KeyError(f"{self.entity} mapping has no field {name!r}; fields: {known}")

    def with_fields(self, *fields: FieldMap) -> EntityMapping:
        """A copy with ``fields`` added (e.g. custom fields)."""
        return attrs.evolve(self, fields=self.fields + fields)

    def replace_field(self, name: str, **changes: Any) -> EntityMapping:
        """A copy where field ``name`` has ``changes`` (``to_ninox=...``, ``direction=...``)."""
        self.field(name)  # raises a clear KeyError
        fields = tuple(attrs.evolve(f, **changes) if f.name == name else f for f in self.fields)
        return attrs.evolve(self, fields=fields)

    def without_fields(self, *names: str) -> EntityMapping:
        """A copy without the named fields."""
        for name in names:
            self.field(name)
        return attrs.evolve(self, fields=tuple(f for f in self.fields if f.name not in names))

    # -- ids -------------------------------------------------------------------------------

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        """The GHL id of ``ghl``; :class:`MissingKeyError` when missing or blank."""
        if not isinstance(ghl, Mapping):
            raise ItemError(
                self.entity,
                None,
                "ghl",
                [FieldProblem(field="item", target="-", reason="not a GHL object (dict)")],
                message=f"cannot map a {self.entity}: expected a GHL object (dict), "
                f"got {type(ghl).__name__}",
            )
        value = ghl.get(self.key.ghl)
        if is_blank(value) or not isinstance(value, (str, int)) or isinstance(value, bool):
            raise MissingKeyError(
                self.entity,
                None,
                "ghl",
                [
                    FieldProblem(
                        field="key",
                        target=self.key.ghl,
                        reason="missing id" if is_blank(value) else "id is not text",
                        value=_short(value) if not is_blank(value) else "",
                    )
                ],
            )
        return str(value).strip()

    def ninox_ghl_id(self, ninox: Mapping[str, Any]) -> str | None:
        """The GHL id stored in Ninox fields (``None`` when the record has none yet)."""
        value = ninox.get(self.key.ninox)
        if is_blank(value) or not isinstance(value, (str, int)) or isinstance(value, bool):
            return None
        return str(value).strip()

    def ghl_ninox_id(self, ghl: Mapping[str, Any]) -> int | None:
        """The Ninox record id stored in the GHL object's ``key.ghl_ninox_id`` custom field
        (``None`` when not configured or not set)."""
        if self.key.ghl_ninox_id is None:
            return None
        value = CustomField(self.key.ghl_ninox_id).get(ghl)
        return None if value is MISSING else _ref_id(value)

    def ghl_ninox_id_body(self, record_id: int) -> dict[str, Any]:
        """GHL body that stores a Ninox record id in the ``key.ghl_ninox_id`` custom field."""
        if self.key.ghl_ninox_id is None:
            raise ValueError(
                f"the {self.entity} mapping has no GHL custom field for the Ninox id; "
                "set KeyMap(ghl_ninox_id='<custom field id>')"
            )
        if isinstance(record_id, bool) or not isinstance(record_id, int) or record_id < 1:
            raise ValueError(f"a Ninox record id is an integer >= 1, got {record_id!r}")
        body: dict[str, Any] = {}
        CustomField(self.key.ghl_ninox_id).put(body, str(record_id), None)
        return body

    # -- canonical forms ---------------------------------------------------------------------

    def ghl_canonical(self, ghl: Mapping[str, Any]) -> dict[str, Any]:
        """Canonical values of every mapped field read from a GHL object (missing → ``None``).

        Raises :class:`ItemError` listing every field whose value cannot be read.
        """
        out: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        for f in self.fields:
            raw = f.ghl.get(ghl)
            try:
                out[f.name] = None if raw is MISSING else f.ghl_canonical(raw)
            except (ValueError, TypeError) as exc:
                problems.append(_problem(f.name, f.ghl.describe(), exc, raw))
        if problems:
            raise ItemError(self.entity, _safe_id(ghl.get(self.key.ghl)), "ghl", problems)
        return out

    def ninox_canonical(self, ninox: Mapping[str, Any]) -> dict[str, Any]:
        """Canonical values of every mapped field read from Ninox fields (missing → ``None``)."""
        out: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        for f in self.fields:
            raw = ninox.get(f.ninox)
            try:
                out[f.name] = f.ninox_canonical(raw)
            except (ValueError, TypeError) as exc:
                problems.append(_problem(f.name, f.ninox, exc, raw))
        if problems:
            raise ItemError(self.entity, self.ninox_ghl_id(ninox), "ninox", problems)
        return out

    def diff(
        self, a: Mapping[str, Any], b: Mapping[str, Any], *, fields: Iterable[str] | None = None
    ) -> dict[str, tuple[Any, Any]]:
        """Fields whose canonical values differ: ``{name: (a value, b value)}``.

        ``a`` and ``b`` are canonical dicts (from :meth:`ghl_canonical`,
        :meth:`ninox_canonical`, or a stored base). Values are re-canonicalised, so raw-ish
        values that mean the same compare equal too.
        """
        names = list(fields) if fields is not None else [f.name for f in self.fields]
        out: dict[str, tuple[Any, Any]] = {}
        for name in names:
            f = self.field(name)
            left, right = f.kind.canon(a.get(name)), f.kind.canon(b.get(name))
            if left != right:
                out[name] = (left, right)
        return out

    def compare(
        self, ghl: Mapping[str, Any], ninox: Mapping[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        """``diff`` of a GHL object and Ninox fields: ``{name: (ghl value, ninox value)}``."""
        return self.diff(self.ghl_canonical(ghl), self.ninox_canonical(ninox))

    def digest(self, canonical: Mapping[str, Any]) -> str:
        """Stable hash of canonical values, salted with :attr:`fingerprint`."""
        return digest(canonical, salt=self.fingerprint)

    def field_digests(self, canonical: Mapping[str, Any]) -> dict[str, str]:
        """One stable hash per field, salted with :attr:`fingerprint`."""
        return field_digests(canonical, salt=self.fingerprint)

    # -- conversion --------------------------------------------------------------------------

    def convert_to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> Converted:
        """Ninox fields for a GHL object, with warnings (see :meth:`to_ninox`)."""
        item_id = self.ghl_id(ghl)
        fields: dict[str, Any] = {self.key.ninox: item_id}
        problems: list[FieldProblem] = []
        warnings: list[MappingWarning] = []
        for f in self.fields:
            if not f.direction.to_ninox:
                continue
            raw = f.ghl.get(ghl)
            if raw is MISSING:
                continue
            try:
                read = f.ghl_value(raw)
                value = f.encode_ninox(f.kind.canon(read))
                note = f.kind.note(read)
            except (ValueError, TypeError) as exc:
                problems.append(_problem(f.name, f.ninox, exc, raw))
                continue
            reason = _ninox_value_problem(f.ninox_type, value, f.choices)
            if reason is not None:
                problems.append(
                    FieldProblem(field=f.name, target=f.ninox, reason=reason, value=_short(value))
                )
                continue
            if note is not None:
                warnings.append(MappingWarning(field=f.name, message=note, value=_short(raw)))
            fields[f.ninox] = value
        unresolved: list[FieldProblem] = []
        if refs is not None:
            for r in self.refs:
                parent = ghl.get(r.ghl, MISSING)
                if parent is MISSING:
                    continue
                if is_blank(parent):
                    fields[r.ninox] = None
                    continue
                record_id = _lookup(refs, r.table, str(parent))
                if record_id is None:
                    unresolved.append(
                        FieldProblem(
                            field=r.name,
                            target=r.ninox,
                            reason=f"{r.table} record for GHL id {parent!r} is not known yet",
                        )
                    )
                    continue
                fields[r.ninox] = record_id
        if problems:
            raise ItemError(self.entity, item_id, "ghl", problems + unresolved)
        if unresolved:
            raise UnresolvedReferenceError(self.entity, item_id, "ghl", unresolved)
        return Converted(fields=fields, warnings=tuple(warnings))

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        """Ninox fields for a GHL object: the key field plus every field whose direction
        allows GHL → Ninox and whose value the object carries.

        ``refs`` resolves parent links (see :class:`RefMap`). Raises :class:`MissingKeyError`
        (no id), :class:`UnresolvedReferenceError` (parent not synced yet) or
        :class:`ItemError` (values that cannot be converted or held by the Ninox field type),
        each listing every failing field.
        """
        return self.convert_to_ninox(ghl, refs=refs).fields

    def convert_to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> Converted:
        """GHL body for Ninox fields, with warnings (see :meth:`to_ghl`)."""
        if not isinstance(ninox, Mapping):
            raise ItemError(
                self.entity,
                None,
                "ninox",
                [FieldProblem(field="item", target="-", reason="not a fields dict")],
                message=f"cannot map a {self.entity}: expected Ninox record fields (dict), "
                f"got {type(ninox).__name__}",
            )
        body: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        warnings: list[MappingWarning] = []
        for f in self.fields:
            if not f.direction.to_ghl or f.ninox not in ninox:
                continue
            raw = ninox[f.ninox]
            try:
                read = f.ninox_value(raw)
                f.ghl.put(body, f.encode_ghl(f.kind.canon(read)), current)
                note = f.kind.note(read)
            except (ValueError, TypeError) as exc:
                problems.append(_problem(f.name, f.ghl.describe(), exc, raw))
                continue
            if note is not None:
                warnings.append(MappingWarning(field=f.name, message=note, value=_short(raw)))
        if problems:
            raise ItemError(self.entity, self.ninox_ghl_id(ninox), "ninox", problems)
        return Converted(fields=body, warnings=tuple(warnings))

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """GHL request body for Ninox fields: every field whose direction allows
        Ninox → GHL and that the record carries. Custom fields come as
        ``customFields: [{"id", "field_value"}]`` (GHL's write shape).

        Neither the id (it goes in the URL) nor parent links (path parameters in GHL; see
        :meth:`ghl_refs`) are included. ``current``, the GHL object as it is now, lets
        composite fields keep their existing split (see :class:`FullName`).
        """
        return self.convert_to_ghl(ninox, current=current).fields

    def ghl_refs(self, ninox: Mapping[str, Any], *, refs: ReverseResolver) -> dict[str, str | None]:
        """GHL ids of the parents of a Ninox record: ``{"contactId": "..."}``.

        ``refs`` maps Ninox record ids of the parent table to GHL ids (a mapping, or
        ``(table, record_id) -> ghl_id``). Raises :class:`UnresolvedReferenceError` for a
        parent without a GHL id yet.
        """
        out: dict[str, str | None] = {}
        missing: list[FieldProblem] = []
        for r in self.refs:
            value = _ref_id(ninox.get(r.ninox))
            if value is None:
                out[r.ghl] = None
                continue
            ghl_id = _lookup(refs, r.table, value)
            if ghl_id is None:
                missing.append(
                    FieldProblem(
                        field=r.name,
                        target=r.ghl,
                        reason=f"{r.table} record {value!r} has no GHL id yet",
                    )
                )
            else:
                out[r.ghl] = str(ghl_id)
        if missing:
            raise UnresolvedReferenceError(self.entity, self.ninox_ghl_id(ninox), "ninox", missing)
        return out

    # -- patches -----------------------------------------------------------------------------

    def ninox_patch(
        self,
        ghl: Mapping[str, Any],
        current: Mapping[str, Any] | None,
        *,
        refs: RefResolver | None = None,
    ) -> dict[str, Any]:
        """Only the Ninox fields whose canonical value differs from ``current`` (the record's
        fields now); everything from :meth:`to_ninox` when ``current`` is ``None`` (create).

        A current Ninox value that cannot be read counts as different (it gets overwritten).
        """
        wanted = self.to_ninox(ghl, refs=refs)
        if current is None:
            return wanted
        out: dict[str, Any] = {}
        by_ninox = {f.ninox: f for f in self.fields if f.direction.to_ninox}
        ref_fields = {r.ninox for r in self.refs}
        for name, value in wanted.items():
            f = by_ninox.get(name)
            if f is None:  # key or reference
                if name in ref_fields:
                    same = _ref_id(value) == _ref_id(current.get(name))
                else:
                    same = _same_ninox_value(value, current.get(name))
                if not same:
                    out[name] = value
                continue
            try:
                same = f.ninox_canonical(value) == f.ninox_canonical(current.get(name))
            except (ValueError, TypeError):
                same = False
            if not same:
                out[name] = value
        return out

    def ghl_patch(
        self, ninox: Mapping[str, Any], current: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """Only the GHL body entries whose canonical value differs from ``current`` (the GHL
        object now); the whole :meth:`to_ghl` body when ``current`` is ``None``."""
        if current is None:
            return self.to_ghl(ninox)
        ninox_side = self.ninox_canonical(ninox)
        try:
            ghl_side = self.ghl_canonical(current)
        except ItemError:
            ghl_side = {}
        changed = [
            f
            for f in self.fields
            if f.direction.to_ghl
            and f.ninox in ninox
            and ghl_side.get(f.name, MISSING) != ninox_side[f.name]
        ]
        subset = attrs.evolve(self, fields=tuple(changed))
        return subset.to_ghl(ninox, current=current)

    # -- schema ------------------------------------------------------------------------------

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The Ninox table this mapping needs: ``{table: {field: {"type": t, ...}}}``.

        Reference fields carry ``"ref": <table name>``; choice fields ``"choices": [...]``.
        """
        fields: dict[str, dict[str, Any]] = {self.key.ninox: {"type": self.key.ninox_type}}
        for f in self.fields:
            entry: dict[str, Any] = {"type": f.ninox_type}
            if f.choices:
                entry["choices"] = list(f.choices)
            fields[f.ninox] = entry
        for r in self.refs:
            fields[r.ninox] = {"type": "ref", "ref": r.table}
        return {self.ninox_table: fields}

    def check(self, schema: Any) -> list[SchemaProblem]:
        """Every mismatch between this mapping and ``schema`` (see :func:`validate`)."""
        return _check_layouts([self], normalize_schema(schema))

    def validate(self, schema: Any) -> None:
        """Raise :class:`SchemaMismatchError` listing every mismatch with ``schema``."""
        problems = self.check(schema)
        if problems:
            raise SchemaMismatchError(problems)


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


def _problem(field: str, target: str, exc: Exception, raw: Any) -> FieldProblem:
    return FieldProblem(field=field, target=target, reason=_reason(exc), value=_short(raw))


def _writes_ninox(mapper: Any, field_name: str) -> bool:
    if isinstance(mapper, EntityMapping):
        for f in mapper.fields:
            if f.ninox == field_name:
                return f.direction.to_ninox
    return True


def _check_layouts(
    mappers: Iterable[Any], schema: Mapping[str, Mapping[str, _FieldInfo]]
) -> list[SchemaProblem]:
    problems: list[SchemaProblem] = []
    for mapper in mappers:
        for table, fields in mapper.layout().items():
            found_fields = schema.get(table)
            if found_fields is None:
                problems.append(
                    SchemaProblem(
                        table=table,
                        field=None,
                        expected="a table",
                        found="no such table",
                        message=f"table not found (needed by the {mapper.entity} mapping)"
                        + _hint(table, schema),
                    )
                )
                continue
            for name, decl in fields.items():
                expected = _norm_type(decl.get("type", ""))
                info = found_fields.get(name)
                if info is None:
                    problems.append(
                        SchemaProblem(
                            table=table,
                            field=name,
                            expected=expected,
                            found="no such field",
                            message="field not found" + _hint(name, found_fields),
                        )
                    )
                    continue
                accepted = compatible_types(expected)
                if info.type in _READ_ONLY_TYPES and not _writes_ninox(mapper, name):
                    continue  # a formula may feed GHL; its result type is not in the schema
                if info.type in _READ_ONLY_TYPES:
                    problems.append(
                        SchemaProblem(
                            table=table,
                            field=name,
                            expected=expected,
                            found=info.type,
                            message="computed field (formula / reverse link) cannot be written",
                        )
                    )
                elif info.type not in accepted:
                    also = sorted(accepted - {expected})
                    label = expected + (f" (or {'/'.join(also)})" if also else "")
                    problems.append(
                        SchemaProblem(
                            table=table,
                            field=name,
                            expected=label,
                            found=info.type,
                            message="type mismatch",
                        )
                    )
                elif expected == "ref" and info.ref is not None and info.ref != decl.get("ref"):
                    problems.append(
                        SchemaProblem(
                            table=table,
                            field=name,
                            expected=f"ref to {decl.get('ref')}",
                            found=f"ref to {info.ref}",
                            message="reference points at another table",
                        )
                    )
    return problems


# ---------------------------------------------------------------------------------------------
# A set of mappings (one per entity)


def _mapper_tuple(value: Iterable[Any]) -> tuple[Mapper, ...]:
    items = tuple(value)
    for m in items:
        if not isinstance(m, Mapper):
            raise TypeError(f"{m!r} does not implement the Mapper protocol")
    entities = [m.entity for m in items]
    dupes = sorted({e for e in entities if entities.count(e) > 1})
    if dupes:
        raise ValueError(f"more than one mapper for {dupes}")
    return items


@attrs.frozen
class MappingSet:
    """The mappers of every synced entity, parents first (contacts before their children)."""

    mappers: tuple[Mapper, ...] = attrs.field(converter=_mapper_tuple)

    def __iter__(self) -> Iterator[Mapper]:
        return iter(self.mappers)

    def __len__(self) -> int:
        return len(self.mappers)

    def __getitem__(self, entity: str) -> Mapper:
        for m in self.mappers:
            if m.entity == entity:
                return m
        raise KeyError(f"no mapper for {entity!r}; have {[m.entity for m in self.mappers]}")

    @property
    def entities(self) -> tuple[str, ...]:
        """The entity names, in order."""
        return tuple(m.entity for m in self.mappers)

    def entity(self, name: str) -> EntityMapping:
        """The declarative mapping of ``name`` (``TypeError`` if it is a hand-written mapper)."""
        mapper = self[name]
        if not isinstance(mapper, EntityMapping):
            raise TypeError(
                f"the {name!r} mapper is a {type(mapper).__name__}, not an EntityMapping"
            )
        return mapper

    def replace(self, mapper: Mapper) -> MappingSet:
        """A copy where the mapper of ``mapper.entity`` is replaced (or added at the end)."""
        if mapper.entity not in self.entities:
            return MappingSet((*self.mappers, mapper))
        return MappingSet(tuple(mapper if m.entity == mapper.entity else m for m in self.mappers))

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        """All Ninox tables these mappers need, in order (see :meth:`EntityMapping.layout`)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for m in self.mappers:
            for table, fields in m.layout().items():
                out.setdefault(table, {}).update(fields)
        return out

    def check(self, schema: Any) -> list[SchemaProblem]:
        """Every mismatch between these mappers and ``schema`` (see :func:`validate`)."""
        return _check_layouts(self.mappers, normalize_schema(schema))

    def validate(self, schema: Any) -> None:
        """Raise :class:`SchemaMismatchError` listing every mismatch with ``schema``."""
        problems = self.check(schema)
        if problems:
            raise SchemaMismatchError(problems)


def validate(schema: Any, mappings: MappingSet | Mapper | None = None) -> None:
    """Check ``mappings`` (default: :func:`bridge.mappers.default_mappings`) against a Ninox
    schema and raise :class:`SchemaMismatchError` listing **every** problem: missing tables,
    missing fields, type mismatches (compatible types pass: an email may go into an ``email``
    or ``string`` field), computed fields mapped for writing, references to another table.

    ``schema`` is a mapping ``{table: {field: ninox type}}`` or an object with ``.tables``
    (see :func:`normalize_schema`).
    """
    if mappings is None:
        from bridge.mappers import default_mappings

        mappings = default_mappings()
    target = mappings if isinstance(mappings, MappingSet) else MappingSet((mappings,))
    target.validate(schema)
