"""The sync engine's view of a mapper: [`SyncMapper`][bridge.mapping.SyncMapper], and
[`as_sync_mapper`][bridge.mapping.as_sync_mapper].

The two-way sync compares each side with its own past on *canonical* values, field by field,
and writes only the fields that changed. [`EntityMapping`][bridge.mapping.EntityMapping] implements
[`SyncMapper`][bridge.mapping.SyncMapper] directly. Any other [`Mapper`][bridge.mapping.Mapper] (a
[`BaseMapper`][bridge.mapping.BaseMapper] subclass,
[`mapper_from_functions`][bridge.mapping.mapper_from_functions], or an object of your own) gets an
adapter from [`as_sync_mapper`][bridge.mapping.as_sync_mapper], built on what every mapper has:
``to_ninox``, ``to_ghl`` and ``layout``.

For an adapted mapper the canonical fields are the Ninox fields it declares in ``layout()``
for its table, minus the key field and reference fields. Their canonical values are the
values ``to_ninox`` writes (from the GHL side) and the values the record holds (from the
Ninox side), both normalised by `bridge.canonical.canonical_json` (blank ≡ ``None``,
text trimmed, ``1 == 1.0``), so a value written and read back compares equal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from typing import Any, Protocol, runtime_checkable

from bridge.canonical import canonical_json, is_blank
from bridge.mapping.custom import Mapper
from bridge.mapping.digests import digest
from bridge.mapping.entity import EntityMapping
from bridge.mapping.errors import FieldProblem, ItemError, MappingError, _problem
from bridge.mapping.fields import RefResolver

__all__ = ["SyncMapper", "as_sync_mapper"]


@runtime_checkable
class SyncMapper(Protocol):
    """What the sync engine needs from the mapper of one entity.

    Canonical dicts map canonical field names to canonical values (plain JSON values); both
    sides of an entity produce the same names, so they can be compared and hashed.
    """

    @property
    def entity(self) -> str:
        """Entity name: ``"contact"``, ``"task"``, ``"note"`` ..."""

    @property
    def ninox_table(self) -> str:
        """The Ninox table of this entity."""

    @property
    def ninox_key(self) -> str:
        """The Ninox field holding the GHL id."""

    @property
    def parent_field(self) -> str | None:
        """The Ninox reference field to the parent contact (``"Contact"``); ``None`` for
        contacts."""

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        """The GHL id of a GHL object; [`MissingKeyError`][bridge.mapping.MissingKeyError] when
        none."""

    def ninox_ghl_id(self, fields: Mapping[str, Any]) -> str | None:
        """The GHL id stored in a Ninox record's fields (``None`` when it has none yet)."""

    def ghl_canonical(self, ghl: Mapping[str, Any]) -> dict[str, Any]:
        """Canonical values of a GHL object: ``{canonical field name: value}``."""

    def ninox_canonical(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Canonical values of a Ninox record's fields."""

    def directions(self) -> Mapping[str, str]:
        """``{canonical field name: "both" | "ghl_to_ninox" | "ninox_to_ghl"}``."""

    def digest(self, canonical: Mapping[str, Any]) -> str:
        """A stable hash of canonical values (changes when the mapper changes)."""

    def ninox_write(
        self,
        ghl: Mapping[str, Any],
        names: Collection[str] | None,
        *,
        refs: RefResolver | None,
    ) -> dict[str, Any]:
        """Ninox fields carrying the named canonical fields from ``ghl``. ``None``: every
        field, the key field included, and the parent reference when ``refs`` resolves it."""

    def ghl_write(
        self,
        ninox: Mapping[str, Any],
        names: Collection[str] | None,
        *,
        current: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """GHL request body carrying the named canonical fields from Ninox ``fields``
        (``None``: all). ``current`` is the GHL object now (``None`` for a create)."""

    def ninox_values(self, canonical: Mapping[str, Any]) -> dict[str, Any]:
        """The Ninox field values of canonical values (named fields only)."""


def as_sync_mapper(mapper: Mapper) -> SyncMapper:
    """The sync engine's view of ``mapper``.

    An [`EntityMapping`][bridge.mapping.EntityMapping] is returned as it is. Any other
    [`Mapper`][bridge.mapping.Mapper] is adapted (see the module docs); it must declare the
    Ninox fields it writes in ``layout()``, or [`MappingError`][bridge.mapping.MappingError] is
    raised here, before any request. It is two-way when it maps to GHL (a
    [`BaseMapper`][bridge.mapping.BaseMapper] that overrides ``to_ghl``, or
    ``mapper_from_functions(..., to_ghl=...)``), otherwise GHL → Ninox only.
    """
    if isinstance(mapper, EntityMapping):
        return mapper
    if not isinstance(mapper, Mapper):
        raise TypeError(f"{mapper!r} does not implement the Mapper protocol")
    return _AdaptedMapper(mapper)


def _declared_fields(mapper: Mapper) -> tuple[tuple[str, ...], str | None]:
    """(canonical field names, parent reference field) from the mapper's layout."""
    name = type(mapper).__name__
    table = mapper.ninox_table
    layout = mapper.layout() or {}
    declared = layout.get(table) or {}
    if not declared:
        tables = f" (it declares {sorted(layout)})" if layout else ""
        raise MappingError(
            f"the {mapper.entity!r} mapper ({name}) cannot be synced: its layout() declares no "
            f"fields of its table {table!r}{tables}. Declare the Ninox fields to_ninox() writes, "
            f'e.g. layout() -> {{{table!r}: {{"Body": {{"type": "string"}}, ...}}}} '
            "(mapper_from_functions: layout={...}); the sync compares and writes exactly those."
        )
    refs = [f for f, decl in declared.items() if _is_ref(decl)]
    fields = tuple(f for f in declared if f != mapper.ninox_key and f not in refs)
    if not fields:
        raise MappingError(
            f"the {mapper.entity!r} mapper ({name}) cannot be synced: its layout() for "
            f"{table!r} declares only the key and references; declare the data fields "
            "to_ninox() writes."
        )
    return fields, (refs[0] if refs else None)


def _is_ref(decl: Any) -> bool:
    return isinstance(decl, Mapping) and str(decl.get("type", "")).strip().lower() in (
        "ref",
        "reference",
    )


class _AdaptedMapper:
    """A hand-written [`Mapper`][bridge.mapping.Mapper] seen as a
    [`SyncMapper`][bridge.mapping.SyncMapper]."""

    def __init__(self, mapper: Mapper) -> None:
        self.mapper = mapper
        self.fields, self._parent = _declared_fields(mapper)
        two_way = bool(getattr(mapper, "maps_to_ghl", True))
        self._direction = "both" if two_way else "ghl_to_ninox"
        parts = [
            type(mapper).__qualname__,
            mapper.entity,
            mapper.ninox_table,
            mapper.ninox_key,
            self._parent or "",
            str(getattr(mapper, "version", "")),
            self._direction,
            *self.fields,
        ]
        self.fingerprint = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"<sync view of {self.mapper!r}: {list(self.fields)}>"

    @property
    def entity(self) -> str:
        return self.mapper.entity

    @property
    def ninox_table(self) -> str:
        return self.mapper.ninox_table

    @property
    def ninox_key(self) -> str:
        return self.mapper.ninox_key

    @property
    def parent_field(self) -> str | None:
        return self._parent

    def ghl_id(self, ghl: Mapping[str, Any]) -> str:
        return self.mapper.ghl_id(ghl)

    def ninox_ghl_id(self, fields: Mapping[str, Any]) -> str | None:
        value = fields.get(self.ninox_key)
        if is_blank(value) or not isinstance(value, (str, int)) or isinstance(value, bool):
            return None
        return str(value).strip()

    def _canonical(self, values: Mapping[str, Any], side: str, item: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        for name in self.fields:
            raw = values.get(name)
            try:
                out[name] = canonical_json(raw)
            except (TypeError, ValueError) as exc:
                problems.append(_problem(name, name, exc, raw))
        if problems:
            raise ItemError(self.entity, item, side, problems)
        return out

    def _to_ninox(self, ghl: Mapping[str, Any], refs: RefResolver | None) -> dict[str, Any]:
        try:
            return self.mapper.to_ninox(ghl, refs=refs)
        except MappingError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # A bug or a surprise in hand-written code fails this item, not the whole pass.
            item = _item_id(ghl.get(getattr(self.mapper, "ghl_key", "id")))
            reason = f"to_ninox() raised {type(exc).__name__}: {exc}"
            problem = FieldProblem(field="item", target=self.ninox_table, reason=reason)
            raise ItemError(self.entity, item, "ghl", [problem]) from exc

    def ghl_canonical(self, ghl: Mapping[str, Any]) -> dict[str, Any]:
        written = self._to_ninox(ghl, None)
        return self._canonical(written, "ghl", self.ninox_ghl_id(written))

    def ninox_canonical(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return self._canonical(fields, "ninox", self.ninox_ghl_id(fields))

    def directions(self) -> dict[str, str]:
        return dict.fromkeys(self.fields, self._direction)

    def digest(self, canonical: Mapping[str, Any]) -> str:
        return digest(canonical, salt=self.fingerprint)

    def _names(self, names: Collection[str]) -> set[str]:
        unknown = sorted(set(names) - set(self.fields))
        if unknown:
            raise KeyError(
                f"the {self.entity} mapper has no fields {unknown}; fields: {list(self.fields)}"
            )
        return set(names)

    def ninox_write(
        self,
        ghl: Mapping[str, Any],
        names: Collection[str] | None,
        *,
        refs: RefResolver | None = None,
    ) -> dict[str, Any]:
        written = self._to_ninox(ghl, refs)
        if names is None:
            return written
        wanted = self._names(names)
        return {k: v for k, v in written.items() if k in wanted}

    def ghl_write(
        self,
        ninox: Mapping[str, Any],
        names: Collection[str] | None,
        *,
        current: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        if self._direction != "both":
            raise MappingError(
                f"the {self.entity!r} mapper ({type(self.mapper).__name__}) does not map "
                "Ninox → GHL (it has no to_ghl)"
            )
        merged = dict(ninox)
        if names is not None and current is not None:
            # Fields not being written keep what GHL has now, so a field GHL won is not
            # overwritten with the Ninox value.
            wanted = self._names(names)
            now = self._to_ninox(current, None)
            for name in self.fields:
                if name not in wanted:
                    merged[name] = now.get(name)
        elif names is not None:
            self._names(names)
        return self.mapper.to_ghl(merged, current=current)

    def ninox_values(self, canonical: Mapping[str, Any]) -> dict[str, Any]:
        # The canonical fields are Ninox fields, their values Ninox values (normalised).
        return {name: canonical[name] for name in self._names(canonical)}


def _item_id(value: Any) -> str | None:
    if isinstance(value, (str, int)) and not isinstance(value, bool) and not is_blank(value):
        return str(value).strip()
    return None
