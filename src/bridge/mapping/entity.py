"""The declarative mapping of one entity: [`EntityMapping`][bridge.mapping.EntityMapping].

It lists [`FieldMap`][bridge.mapping.FieldMap] entries, the [`KeyMap`][bridge.mapping.KeyMap] that
stores the GHL id in a Ninox field, and [`RefMap`][bridge.mapping.RefMap] entries that attach
children to their parent record. It converts ([`to_ninox`][bridge.mapping.EntityMapping.to_ninox],
[`to_ghl`][bridge.mapping.EntityMapping.to_ghl]), compares on canonical forms
([`diff`][bridge.mapping.EntityMapping.diff],
[`ninox_patch`][bridge.mapping.EntityMapping.ninox_patch],
[`ghl_patch`][bridge.mapping.EntityMapping.ghl_patch]), hashes
([`digest`][bridge.mapping.EntityMapping.digest]), checks itself against a Ninox schema
([`validate`][bridge.mapping.EntityMapping.validate]) and is the sync engine's view of itself
([`SyncMapper`][bridge.mapping.SyncMapper]:
[`ninox_write`][bridge.mapping.EntityMapping.ninox_write],
[`ghl_write`][bridge.mapping.EntityMapping.ghl_write],
[`directions`][bridge.mapping.EntityMapping.directions]).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import attrs

from bridge.canonical import is_blank
from bridge.mapping.digests import digest, field_digests
from bridge.mapping.errors import (
    FieldProblem,
    ItemError,
    MappingWarning,
    MissingKeyError,
    SchemaMismatchError,
    SchemaProblem,
    UnresolvedReferenceError,
    _problem,
    _short,
)
from bridge.mapping.fields import (
    MISSING,
    Converted,
    CustomField,
    FieldMap,
    KeyMap,
    RefMap,
    RefResolver,
    ReverseResolver,
    _fields_tuple,
    _lookup,
    _ref_id,
    _refs_tuple,
    _safe_id,
    _same_ninox_value,
)
from bridge.mapping.schema import _ninox_value_problem, check_layouts, normalize_schema

__all__ = ["EntityMapping"]


@attrs.frozen(kw_only=True)
class EntityMapping:
    """The declarative mapping of one entity (GHL contacts ↔ Ninox table ``Contacts`` ...).

    Build one with `bridge.mapping.defaults` and adjust it with
    [`with_fields`][bridge.mapping.EntityMapping.with_fields],
    [`replace_field`][bridge.mapping.EntityMapping.replace_field] and
    [`without_fields`][bridge.mapping.EntityMapping.without_fields] (each returns a new mapping).
    """

    entity: str
    ninox_table: str
    key: KeyMap = attrs.field(factory=KeyMap)
    fields: tuple[FieldMap, ...] = attrs.field(default=(), converter=_fields_tuple)
    refs: tuple[RefMap, ...] = attrs.field(default=(), converter=_refs_tuple)
    version: str = "1"
    #: `fingerprint`, computed once (every digest is salted with it).
    _fingerprint: str = attrs.field(init=False, eq=False, repr=False)

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
        object.__setattr__(self, "_fingerprint", self._hash_declaration())

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
        return self._fingerprint

    def _hash_declaration(self) -> str:
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
        """The GHL id of ``ghl``; [`MissingKeyError`][bridge.mapping.MissingKeyError] when missing
        or blank."""
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

        Raises [`ItemError`][bridge.mapping.ItemError] listing every field whose value cannot be
        read.
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

        ``a`` and ``b`` are canonical dicts (from
        [`ghl_canonical`][bridge.mapping.EntityMapping.ghl_canonical],
        [`ninox_canonical`][bridge.mapping.EntityMapping.ninox_canonical], or a stored base). Values
        are re-canonicalised, so raw-ish values that mean the same compare equal too.
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
        """Stable hash of canonical values, salted with
        [`fingerprint`][bridge.mapping.EntityMapping.fingerprint]."""
        return digest(canonical, salt=self.fingerprint)

    def field_digests(self, canonical: Mapping[str, Any]) -> dict[str, str]:
        """One stable hash per field, salted with
        [`fingerprint`][bridge.mapping.EntityMapping.fingerprint]."""
        return field_digests(canonical, salt=self.fingerprint)

    # -- conversion --------------------------------------------------------------------------

    def convert_to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> Converted:
        """Ninox fields for a GHL object, with warnings (see
        [`to_ninox`][bridge.mapping.EntityMapping.to_ninox])."""
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

        ``refs`` resolves parent links (see [`RefMap`][bridge.mapping.RefMap]). Raises
        [`MissingKeyError`][bridge.mapping.MissingKeyError] (no id),
        [`UnresolvedReferenceError`][bridge.mapping.UnresolvedReferenceError] (parent not synced
        yet) or [`ItemError`][bridge.mapping.ItemError] (values that cannot be converted or held by
        the Ninox field type), each listing every failing field.
        """
        return self.convert_to_ninox(ghl, refs=refs).fields

    def convert_to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> Converted:
        """GHL body for Ninox fields, with warnings (see
        [`to_ghl`][bridge.mapping.EntityMapping.to_ghl])."""
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
        [`ghl_refs`][bridge.mapping.EntityMapping.ghl_refs]) are included. ``current``, the GHL
        object as it is now, lets composite fields keep their existing split (see
        [`FullName`][bridge.mapping.FullName]).
        """
        return self.convert_to_ghl(ninox, current=current).fields

    def ghl_refs(self, ninox: Mapping[str, Any], *, refs: ReverseResolver) -> dict[str, str | None]:
        """GHL ids of the parents of a Ninox record: ``{"contactId": "..."}``.

        ``refs`` maps Ninox record ids of the parent table to GHL ids (a mapping, or
        ``(table, record_id) -> ghl_id``). Raises
        [`UnresolvedReferenceError`][bridge.mapping.UnresolvedReferenceError] for a parent without a
        GHL id yet.
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
        fields now); everything from [`to_ninox`][bridge.mapping.EntityMapping.to_ninox] when
        ``current`` is ``None`` (create).

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
        object now); the whole [`to_ghl`][bridge.mapping.EntityMapping.to_ghl] body when ``current``
        is ``None``."""
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

    # -- the sync engine's view (bridge.mapping.SyncMapper) ------------------------------------

    @property
    def parent_field(self) -> str | None:
        """The Ninox reference field to the parent record (``"Contact"``), ``None`` for a
        mapping without references (contacts)."""
        return self.refs[0].ninox if self.refs else None

    def directions(self) -> dict[str, str]:
        """``{field name: "both" | "ghl_to_ninox" | "ninox_to_ghl"}`` for every mapped field."""
        return {f.name: f.direction.value for f in self.fields}

    def _subset(self, names: Collection[str]) -> EntityMapping:
        known = {f.name for f in self.fields}
        unknown = sorted(set(names) - known)
        if unknown:
            raise KeyError(
                f"{self.entity} mapping has no fields {unknown}; fields: {sorted(known)}"
            )
        return attrs.evolve(self, fields=tuple(f for f in self.fields if f.name in names), refs=())

    def ninox_write(
        self,
        ghl: Mapping[str, Any],
        names: Collection[str] | None,
        *,
        refs: RefResolver | None = None,
    ) -> dict[str, Any]:
        """Ninox fields carrying the named fields' values from ``ghl``.

        ``names=None`` is [`to_ninox`][bridge.mapping.EntityMapping.to_ninox] (every field, the key
        and, with ``refs``, the parent reference: a create). With names, only those fields: neither
        the key nor references (an update of the fields that changed).
        """
        if names is None:
            return self.to_ninox(ghl, refs=refs)
        written = self._subset(names).to_ninox(ghl)
        written.pop(self.key.ninox, None)
        return written

    def ninox_values(self, canonical: Mapping[str, Any]) -> dict[str, Any]:
        """The Ninox field values of these canonical values (e.g. a value a person chose in
        the review queue), named fields only."""
        return {self.field(n).ninox: self.field(n).encode_ninox(v) for n, v in canonical.items()}

    def ghl_write(
        self,
        ninox: Mapping[str, Any],
        names: Collection[str] | None,
        *,
        current: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """GHL request body carrying the named fields from Ninox ``fields`` (``None``: every
        field, [`to_ghl`][bridge.mapping.EntityMapping.to_ghl]). ``current`` is the GHL object now
        (``None`` for a create)."""
        if names is None:
            return self.to_ghl(ninox, current=current)
        return self._subset(names).to_ghl(ninox, current=current)

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
        """Every mismatch between this mapping and ``schema`` (see
        [`validate`][bridge.mapping.validate])."""
        return check_layouts([self], normalize_schema(schema), read_only=ninox_inputs)

    def validate(self, schema: Any) -> None:
        """Raise [`SchemaMismatchError`][bridge.mapping.SchemaMismatchError] listing every mismatch
        with ``schema``."""
        problems = self.check(schema)
        if problems:
            raise SchemaMismatchError(problems)


def ninox_inputs(mapper: Any) -> frozenset[str]:
    """Ninox fields an [`EntityMapping`][bridge.mapping.EntityMapping] only reads (mapped
    ``ninox_to_ghl`` and written by no other field): they may be computed fields. Nothing for other
    mappers."""
    if not isinstance(mapper, EntityMapping):
        return frozenset()
    written = {f.ninox for f in mapper.fields if f.direction.to_ninox}
    return frozenset(f.ninox for f in mapper.fields if f.ninox not in written)
