"""Upsert helpers: move GHL records into Ninox, and Ninox contact changes back to GHL.

``Upserter`` (sync) and ``AsyncUpserter`` (async) share one implementation: each operation is
a program (see `bridge._program`) that the twin classes run with their clients.

GHL → Ninox, per entity: one scan of the Ninox table finds the existing records by their
stored GHL id (and one scan of each parent table resolves references), then one chunked save
creates the new records and writes only the changed fields of the others. Bad items are
reported one by one and the rest go through. A create whose outcome is unknown (a timeout
after sending) is looked up again before it is ever resent, so a retry never duplicates.

Ninox → GHL, contacts: one listing of the GHL contacts gives the current values; a contact
with a stored GHL id is updated with the changed fields only; one without is sent through the
GHL upsert endpoint (GHL's duplicate rules apply) and its new id is written back to Ninox in
one batch. A token without ``contacts.write`` is refused before anything is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from bridge._ghl import CHILD_RESOURCES, as_wire, get_contact, list_children
from bridge._program import Do, Program, Side, arun, run
from bridge.canonical import canonical_json
from bridge.mapping import EntityMapping, Mapper, MappingError, MappingSet, RefResolver
from bridge.mapping.defaults import default_mappings
from ghlsdk import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AsyncGHLClient,
    GHLClient,
    RateLimitError,
)
from ghlsdk.models import CustomFieldInput
from ninoxsdk import AsyncDatabaseHandle, BatchWriteError, DatabaseHandle, Record, RecordWrite
from ninoxsdk.errors import FieldMappingError

__all__ = [
    "AsyncUpserter",
    "ItemFailure",
    "ReadOnlyTokenError",
    "UpsertReport",
    "Upserter",
]

Direction = Literal["ghl_to_ninox", "ninox_to_ghl"]


class ReadOnlyTokenError(PermissionError):
    """The GHL token cannot write contacts; Ninox → GHL refuses before doing anything."""


@attrs.frozen
class ItemFailure:
    """One item that was not written, and why. ``item`` is the GHL id (or the Ninox record
    id for Ninox → GHL, or ``#<position>`` when the item has no id)."""

    item: str
    reason: str
    error: BaseException | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class UpsertReport:
    """What one upsert did: ids created, updated, unchanged, and the failures with reasons."""

    entity: str
    direction: Literal["ghl_to_ninox", "ninox_to_ghl"]
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    failed: tuple[ItemFailure, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "failed": len(self.failed),
        }

    def __str__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items())
        lines = [f"{self.entity} {self.direction.replace('_', ' ')}: {counts}"]
        lines += [f"  failed {f.item}: {f.reason}" for f in self.failed]
        return "\n".join(lines)


@attrs.define
class _Tally:
    created: list[str] = attrs.field(factory=list)
    updated: list[str] = attrs.field(factory=list)
    unchanged: list[str] = attrs.field(factory=list)
    failed: list[ItemFailure] = attrs.field(factory=list)

    def fail(self, item: str, error: BaseException | str) -> None:
        if isinstance(error, BaseException):
            self.failed.append(ItemFailure(item, _reason(error), error))
        else:
            self.failed.append(ItemFailure(item, error))

    def report(
        self, entity: str, direction: Literal["ghl_to_ninox", "ninox_to_ghl"]
    ) -> UpsertReport:
        return UpsertReport(
            entity=entity,
            direction=direction,
            created=tuple(self.created),
            updated=tuple(self.updated),
            unchanged=tuple(self.unchanged),
            failed=tuple(self.failed),
        )


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _scan(table: str) -> Do:
    return Do("ninox", lambda db: db.table(table, typed=False).iter(), collect=True)


def _save(table: str, writes: Sequence[RecordWrite], chunk_size: int | None) -> Do:
    return Do(
        "ninox",
        lambda db: db.table(table, typed=False).save(
            list(writes), chunk_size=chunk_size, continue_on_error=True
        ),
    )


def _isolatable(error: BaseException) -> bool:
    """A rejection caused by the items themselves (a bad field or value): worth splitting
    the group to find them. Auth or rate-limit errors would fail every item alike."""
    if isinstance(error, FieldMappingError):
        return True
    if isinstance(error, BatchWriteError):
        return True  # never sent because an earlier chunk failed: resend in a smaller group
    return isinstance(error, APIStatusError) and error.status_code in (400, 422)


def _definite(error: BaseException) -> bool:
    """True when the server certainly did not apply the write (so it may be resent or
    isolated); False when the outcome is unknown (timeout, dropped connection, 5xx)."""
    if isinstance(error, FieldMappingError):
        return True  # Ninox answers 500 to a bad field or value: rejected, not applied
    if isinstance(error, RateLimitError):
        return True
    if isinstance(error, APIStatusError):
        return error.status_code < 500
    return not isinstance(error, APIConnectionError)


# -- GHL → Ninox -------------------------------------------------------------------------------


def ghl_to_ninox(
    mappings: MappingSet, entity: str, items: Iterable[Any], chunk_size: int | None
) -> Program[UpsertReport]:
    """The GHL → Ninox upsert of ``items`` (GHL models or wire dicts) of ``entity``.

    Works with any [`Mapper`][bridge.mapping.Mapper]: only the protocol is used (``ghl_id``,
    ``to_ninox``, ``ninox_patch``, ``ninox_key``, ``ninox_table``, ``layout``)."""
    mapper = mappings[entity]
    table = mapper.ninox_table
    tally = _Tally()
    wanted: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(items):
        try:
            wire = as_wire(item)
            wanted[mapper.ghl_id(wire)] = wire  # a later copy of the same record wins
        except (MappingError, TypeError, ValueError) as exc:
            tally.fail(f"#{position}", exc)

    try:
        existing = _index(mapper.ninox_key, (yield _scan(table)))
        resolver = yield from _parent_resolver(mappings, mapper)
    except APIError as exc:
        # Without the current Ninox records nothing can be written safely: report every item.
        for ghl_id in wanted:
            tally.fail(ghl_id, f"could not read the Ninox tables: {_reason(exc)}")
        return tally.report(entity, "ghl_to_ninox")

    writes: list[RecordWrite] = []
    ids: list[str] = []
    for ghl_id, wire in wanted.items():
        record = existing.get(ghl_id)
        try:
            if record is None:
                write = RecordWrite(fields=mapper.to_ninox(wire, refs=resolver))
            else:
                patch = mapper.ninox_patch(wire, record.fields, refs=resolver)
                if not patch:
                    tally.unchanged.append(ghl_id)
                    continue
                write = RecordWrite(id=record.id, fields=patch)
        except MappingError as exc:
            tally.fail(ghl_id, exc)
            continue
        writes.append(write)
        ids.append(ghl_id)

    unknown = yield from _save_isolating(table, writes, ids, tally, chunk_size)
    if unknown:
        yield from _recheck_creates(mapper.ninox_key, table, unknown, tally, chunk_size)
    return tally.report(entity, "ghl_to_ninox")


def _index(key_field: str, records: Iterable[Record]) -> dict[str, Record]:
    index: dict[str, Record] = {}
    for record in records:
        value = record.fields.get(key_field)
        if isinstance(value, (str, int)) and str(value).strip():
            index[str(value).strip()] = record
    return index


def _parent_tables(mapper: Mapper) -> list[str]:
    """The Ninox tables ``mapper`` references: its [`RefMap`][bridge.mapping.RefMap] tables, or
    for a hand-written mapper the ``{"type": "ref", "ref": <table>}`` fields of its layout."""
    if isinstance(mapper, EntityMapping):
        return sorted({ref.table for ref in mapper.refs})
    declared = mapper.layout().get(mapper.ninox_table, {})
    return sorted(
        {
            str(decl["ref"])
            for decl in declared.values()
            if isinstance(decl, Mapping) and decl.get("type") == "ref" and decl.get("ref")
        }
    )


def _parent_resolver(mappings: MappingSet, mapper: Mapper) -> Program[RefResolver | None]:
    """What ``to_ninox(..., refs=...)`` gets: ``{GHL id: Ninox record id}`` of the parent
    table (a plain mapping, so hand-written mappers can use ``refs[parent_id]``); for a mapper
    with parents in several tables, a function ``(table, ghl_id) -> record id``."""
    tables = _parent_tables(mapper)
    if not tables:
        return None
    by_table: dict[str, dict[str, int]] = {}
    for table in tables:
        parent_key = next((m.ninox_key for m in mappings if m.ninox_table == table), "GHL Id")
        records = _index(parent_key, (yield _scan(table)))
        by_table[table] = {ghl_id: record.id for ghl_id, record in records.items()}
    if len(by_table) == 1:
        return by_table[tables[0]]

    def resolve(table: str, ghl_id: str) -> int | None:
        return by_table.get(table, {}).get(ghl_id)

    return resolve


def _save_isolating(
    table: str,
    writes: list[RecordWrite],
    ids: list[str],
    tally: _Tally,
    chunk_size: int | None,
) -> Program[list[tuple[str, RecordWrite]]]:
    """Save ``writes``; a group the server rejected is split in halves until the bad items are
    isolated, so one bad record never blocks the rest. Returns the creates whose outcome is
    unknown (to be looked up before any resend)."""
    unknown: list[tuple[str, RecordWrite]] = []
    groups = [(writes, ids)] if writes else []
    while groups:
        group, group_ids = groups.pop()
        failed: dict[int, BaseException] = {}
        try:
            yield _save(table, group, chunk_size)
        except BatchWriteError as exc:
            failed = {f.index: f.error for f in exc.failed}
            failed.update({index: exc for index, _ in exc.pending})
        except APIError as exc:
            failed = dict.fromkeys(range(len(group)), exc)
        rejected: list[int] = []
        for index, write in enumerate(group):
            error = failed.get(index)
            if error is None:
                (tally.updated if write.id is not None else tally.created).append(group_ids[index])
            elif not _definite(error):
                if write.id is None:
                    unknown.append((group_ids[index], write))
                else:
                    tally.fail(group_ids[index], error)  # an update is safe to rerun next time
            elif len(group) > 1 and _isolatable(error):
                rejected.append(index)
            else:
                tally.fail(group_ids[index], error)
        if len(rejected) == 1:
            tally.fail(group_ids[rejected[0]], failed[rejected[0]])
        elif rejected:
            half = len(rejected) // 2
            for part in (rejected[:half], rejected[half:]):
                groups.append(([group[i] for i in part], [group_ids[i] for i in part]))
    return unknown


def _recheck_creates(
    key_field: str,
    table: str,
    unknown: list[tuple[str, RecordWrite]],
    tally: _Tally,
    chunk_size: int | None,
) -> Program[None]:
    """Creates that may or may not have happened: look them up by GHL id; create only the
    ones that are really missing, once."""
    try:
        present = _index(key_field, (yield _scan(table)))
    except APIError as exc:
        for ghl_id, _ in unknown:
            tally.fail(ghl_id, f"create outcome unknown and the recheck failed: {_reason(exc)}")
        return
    retry = [(ghl_id, write) for ghl_id, write in unknown if ghl_id not in present]
    tally.created.extend(ghl_id for ghl_id, _ in unknown if ghl_id in present)
    if not retry:
        return
    still_unknown = yield from _save_isolating(
        table, [w for _, w in retry], [i for i, _ in retry], tally, chunk_size
    )
    for ghl_id, _ in still_unknown:
        tally.fail(ghl_id, "the create timed out twice; it will be looked up again next run")


def read_ghl(
    mappings: MappingSet, contact_ids: Sequence[str] | None
) -> Program[dict[str, list[Any]]]:
    """Every mapped entity as GHL wire dicts: the contacts (all, or ``contact_ids``), then the
    tasks, notes and appointments of each (GHL lists those per contact)."""
    if contact_ids is None:
        contacts = [
            as_wire(c) for c in (yield Do("ghl", lambda g: g.contacts.list(), collect=True))
        ]
    else:
        contacts = []
        for cid in contact_ids:
            contacts.append(as_wire((yield get_contact(cid))))
    found: dict[str, list[Any]] = {"contact": contacts}
    for entity in mappings.entities:
        resource = CHILD_RESOURCES.get(entity)
        if resource is None:
            continue
        items: list[Any] = []
        for contact in contacts:
            for child in (yield list_children(resource, contact["id"])):
                wire = as_wire(child)
                if not wire.get("contactId"):
                    wire["contactId"] = contact["id"]
                items.append(wire)
        found[entity] = items
    return found


def import_ghl(
    mappings: MappingSet, contact_ids: Sequence[str] | None, chunk_size: int | None
) -> Program[dict[str, UpsertReport]]:
    """Read GHL (see `read_ghl`) and upsert every entity into Ninox, parents first."""
    found = yield from read_ghl(mappings, contact_ids)
    reports: dict[str, UpsertReport] = {}
    for entity in mappings.entities:
        if entity in found:
            reports[entity] = yield from ghl_to_ninox(mappings, entity, found[entity], chunk_size)
    return reports


# -- Ninox → GHL -------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<!^)([A-Z])")


def ghl_arguments(body: Mapping[str, Any]) -> dict[str, Any]:
    """A GHL wire body (``{"firstName": ...}``) as keyword arguments of ``contacts.update``
    / ``contacts.upsert`` (``first_name=...``); custom fields become ``CustomFieldInput``."""
    kwargs: dict[str, Any] = {}
    for key, value in body.items():
        name = _CAMEL.sub(r"_\1", key).lower()
        if name == "custom_fields" and isinstance(value, list):
            value = [
                CustomFieldInput(id=v["id"], field_value=v.get("field_value", v.get("value")))
                if isinstance(v, Mapping)
                else v
                for v in value
            ]
        kwargs[name] = value
    return kwargs


def _ghl_patch(
    mapper: Mapper, fields: Mapping[str, Any], current: Mapping[str, Any]
) -> dict[str, Any]:
    if isinstance(mapper, EntityMapping):
        return mapper.ghl_patch(fields, current)
    return _changed_entries(mapper.to_ghl(fields, current=current), current)


def _changed_entries(body: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of a GHL request ``body`` whose value differs from ``current`` (the GHL
    object now), compared as canonical JSON (blank ≡ ``None``, text trimmed, ``1 == 1.0``).
    Custom fields (``[{"id", "field_value"}]``) are compared one by one, by id."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "customFields" and isinstance(value, list):
            now = {
                item.get("id"): item.get("value", item.get("field_value"))
                for item in current.get("customFields") or ()
                if isinstance(item, Mapping)
            }
            changed = [
                item
                for item in value
                if not isinstance(item, Mapping)
                or not _same(item.get("field_value", item.get("value")), now.get(item.get("id")))
            ]
            if changed:
                out[key] = changed
        elif not _same(value, current.get(key)):
            out[key] = value
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(canonical_json(a) == canonical_json(b))
    except TypeError:
        return bool(a == b)


def _maps_contacts_to_ghl(mappings: MappingSet) -> None:
    mapper = mappings["contact"]
    if not getattr(mapper, "maps_to_ghl", True):
        raise MappingError(
            f"the contact mapper ({type(mapper).__name__}) does not map Ninox → GHL: give it "
            "a to_ghl (override BaseMapper.to_ghl, or mapper_from_functions(to_ghl=...))"
        )


def _ghl_update(contact_id: str, kwargs: dict[str, Any]) -> Do:
    return Do("ghl", lambda ghl: ghl.contacts.update(contact_id, **kwargs))


def _ghl_upsert(kwargs: dict[str, Any]) -> Do:
    return Do("ghl", lambda ghl: ghl.contacts.upsert(**kwargs))


def _require_write(ghl: Any) -> None:
    scopes = getattr(ghl, "scopes", None)
    if scopes is not None and not ({"contacts.write"} & set(scopes)):
        raise ReadOnlyTokenError(
            "the GHL token cannot write contacts (it lacks the contacts.write scope); "
            "Ninox → GHL needs a token with contacts.write. Nothing was read or written."
        )


def ninox_to_ghl(
    mappings: MappingSet, records: Sequence[Record] | None, chunk_size: int | None
) -> Program[UpsertReport]:
    """Push Ninox contacts (all, or ``records``) to the GHL master records.

    An [`EntityMapping`][bridge.mapping.EntityMapping] sends only the fields whose canonical values
    differ (``ghl_patch``); a hand-written mapper's ``to_ghl`` body is compared key by key
    with the contact as GHL has it (`_changed_entries`)."""
    mapper = mappings["contact"]
    table = mapper.ninox_table
    key = mapper.ninox_key
    tally = _Tally()
    if records is None:
        records = yield _scan(table)
    try:
        listing = yield Do("ghl", lambda ghl: ghl.contacts.list(), collect=True)
    except APIError as exc:
        for record in records:
            tally.fail(str(record.id), f"could not list the GHL contacts: {_reason(exc)}")
        return tally.report("contact", "ninox_to_ghl")
    current = {wire["id"]: wire for wire in map(as_wire, listing)}
    write_back: list[RecordWrite] = []
    back_ids: list[str] = []
    for record in records:
        label = str(record.id)
        ghl_id = record.fields.get(key)
        try:
            if ghl_id:
                wire = current.get(str(ghl_id))
                if wire is None:
                    tally.fail(label, f"GHL contact {ghl_id!r} not found (deleted in GHL?)")
                    continue
                patch = _ghl_patch(mapper, record.fields, wire)
                if not patch:
                    tally.unchanged.append(label)
                    continue
                kwargs = ghl_arguments(patch)
                yield _ghl_update(str(ghl_id), kwargs)
                tally.updated.append(label)
                continue
            kwargs = ghl_arguments(mapper.to_ghl(record.fields))
            result = yield _ghl_upsert(kwargs)
        except (MappingError, TypeError, ValueError, KeyError, APIError) as exc:
            tally.fail(label, exc)
            continue
        new_id = result.contact.id
        (tally.created if result.new else tally.updated).append(label)
        write_back.append(RecordWrite(id=record.id, fields={key: new_id}))
        back_ids.append(label)
    if write_back:
        # The GHL side is done; a failed write-back is reported, and the next run's upsert
        # matches the same GHL contact again (by email/phone) instead of creating another.
        side = _Tally()
        unknown = yield from _save_isolating(table, write_back, back_ids, side, chunk_size)
        for label, _ in unknown:
            side.fail(label, "writing the new GHL id back to Ninox timed out")
        tally.failed.extend(
            ItemFailure(f.item, f"GHL id not stored in Ninox: {f.reason}", f.error)
            for f in side.failed
        )
    return tally.report("contact", "ninox_to_ghl")


# -- the twin facades --------------------------------------------------------------------------


class Upserter:
    """Sync upsert helpers over a [`GHLClient`][ghlsdk.GHLClient] and a Ninox database handle.

    ``mappings`` defaults to `bridge.mapping.defaults.default_mappings`; ``chunk_size``
    overrides the Ninox client's batch size.
    """

    def __init__(
        self,
        ghl: GHLClient,
        ninox: DatabaseHandle,
        *,
        mappings: MappingSet | None = None,
        chunk_size: int | None = None,
    ) -> None:
        self._clients: dict[Side, Any] = {"ghl": ghl, "ninox": ninox}
        self.mappings = mappings or default_mappings()
        self.chunk_size = chunk_size

    def ghl_to_ninox(self, entity: str, items: Iterable[Any]) -> UpsertReport:
        """Create or update the Ninox records of ``items`` (GHL models or wire dicts) of
        ``entity``, with its mapper (declarative or hand-written)."""
        return run(ghl_to_ninox(self.mappings, entity, items, self.chunk_size), self._clients)

    def import_ghl(self, contact_ids: Sequence[str] | None = None) -> dict[str, UpsertReport]:
        """Read GHL contacts (all, or these) with their tasks, notes and appointments, and
        upsert all of them into Ninox; one report per entity."""
        return run(import_ghl(self.mappings, contact_ids, self.chunk_size), self._clients)

    def ninox_to_ghl(self, records: Sequence[Record] | None = None) -> UpsertReport:
        """Push Ninox contacts (all, or ``records``) to GHL; new GHL ids are written back."""
        _require_write(self._clients["ghl"])
        _maps_contacts_to_ghl(self.mappings)
        return run(ninox_to_ghl(self.mappings, records, self.chunk_size), self._clients)


class AsyncUpserter:
    """The async twin of [`Upserter`][bridge.upsert.Upserter]."""

    def __init__(
        self,
        ghl: AsyncGHLClient,
        ninox: AsyncDatabaseHandle,
        *,
        mappings: MappingSet | None = None,
        chunk_size: int | None = None,
    ) -> None:
        self._clients: dict[Side, Any] = {"ghl": ghl, "ninox": ninox}
        self.mappings = mappings or default_mappings()
        self.chunk_size = chunk_size

    async def ghl_to_ninox(self, entity: str, items: Iterable[Any]) -> UpsertReport:
        """Create or update the Ninox records of ``items`` (GHL models or wire dicts) of
        ``entity``, with its mapper (declarative or hand-written)."""
        program = ghl_to_ninox(self.mappings, entity, items, self.chunk_size)
        return await arun(program, self._clients)

    async def import_ghl(self, contact_ids: Sequence[str] | None = None) -> dict[str, UpsertReport]:
        """Read GHL contacts (all, or these) with their tasks, notes and appointments, and
        upsert all of them into Ninox; one report per entity."""
        return await arun(import_ghl(self.mappings, contact_ids, self.chunk_size), self._clients)

    async def ninox_to_ghl(self, records: Sequence[Record] | None = None) -> UpsertReport:
        """Push Ninox contacts (all, or ``records``) to GHL; new GHL ids are written back."""
        _require_write(self._clients["ghl"])
        _maps_contacts_to_ghl(self.mappings)
        return await arun(ninox_to_ghl(self.mappings, records, self.chunk_size), self._clients)
