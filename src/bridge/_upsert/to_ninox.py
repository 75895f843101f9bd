"""GHL → Ninox, per entity: one scan of the Ninox table finds the existing records by their
stored GHL id (and one scan of each parent table resolves references), then one chunked save
creates the new records and writes only the changed fields of the others. Bad items are
reported one by one and the rest go through. A create whose outcome is unknown (a timeout
after sending) is looked up again before it is ever resent, so a retry never duplicates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bridge._ghl import CHILD_ENTITIES, as_wire
from bridge._upsert.report import Tally, UpsertReport, reason
from bridge.mapping import EntityMapping, Mapper, MappingError, MappingSet, RefResolver
from bridge.sync.effects import (
    GhlGet,
    GhlListChildren,
    GhlListContacts,
    NinoxAll,
    NinoxSave,
    Program,
    perform,
)
from ghlsdk import APIConnectionError, APIError, APIStatusError, RateLimitError
from ninoxsdk import BatchWriteError, Record, RecordWrite
from ninoxsdk.errors import FieldMappingError

__all__ = ["ghl_to_ninox", "import_ghl", "index_by", "read_ghl", "save_isolating"]


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


def ghl_to_ninox(
    mappings: MappingSet, entity: str, items: Iterable[Any], chunk_size: int | None
) -> Program[UpsertReport]:
    """The GHL → Ninox upsert of ``items`` (GHL models or wire dicts) of ``entity``.

    Works with any [`Mapper`][bridge.mapping.Mapper]: only the protocol is used (``ghl_id``,
    ``to_ninox``, ``ninox_patch``, ``ninox_key``, ``ninox_table``, ``layout``)."""
    mapper = mappings[entity]
    table = mapper.ninox_table
    tally = Tally()
    wanted: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(items):
        try:
            wire = as_wire(item)
            wanted[mapper.ghl_id(wire)] = wire  # a later copy of the same record wins
        except (MappingError, TypeError, ValueError) as exc:
            tally.fail(f"#{position}", exc)

    try:
        existing = index_by(mapper.ninox_key, (yield from perform(NinoxAll(table))))
        resolver = yield from _parent_resolver(mappings, mapper)
    except APIError as exc:
        # Without the current Ninox records nothing can be written safely: report every item.
        for ghl_id in wanted:
            tally.fail(ghl_id, f"could not read the Ninox tables: {reason(exc)}")
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

    unknown = yield from save_isolating(table, writes, ids, tally, chunk_size)
    if unknown:
        yield from _recheck_creates(mapper.ninox_key, table, unknown, tally, chunk_size)
    return tally.report(entity, "ghl_to_ninox")


def index_by(key_field: str, records: Iterable[Record]) -> dict[str, Record]:
    """Records by the (trimmed, non-empty) value of ``key_field``."""
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
        records = index_by(parent_key, (yield from perform(NinoxAll(table))))
        by_table[table] = {ghl_id: record.id for ghl_id, record in records.items()}
    if len(by_table) == 1:
        return by_table[tables[0]]

    def resolve(table: str, ghl_id: str) -> int | None:
        return by_table.get(table, {}).get(ghl_id)

    return resolve


def save_isolating(
    table: str,
    writes: list[RecordWrite],
    ids: list[str],
    tally: Tally,
    chunk_size: int | None,
) -> Program[list[tuple[str, RecordWrite]]]:
    """Save ``writes``; a group the server rejected is split in halves until the bad items are
    isolated, so one bad record never blocks the rest. Returns the creates whose outcome is
    unknown (to be looked up before any resend)."""
    unknown: list[tuple[str, RecordWrite]] = []
    groups = [(writes, ids)] if writes else []
    while groups:
        group, group_ids = groups.pop()
        outcome = yield from perform(NinoxSave(table, tuple(group), chunk_size))
        failed = outcome.errors
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
    tally: Tally,
    chunk_size: int | None,
) -> Program[None]:
    """Creates that may or may not have happened: look them up by GHL id; create only the
    ones that are really missing, once."""
    try:
        present = index_by(key_field, (yield from perform(NinoxAll(table))))
    except APIError as exc:
        for ghl_id, _ in unknown:
            tally.fail(ghl_id, f"create outcome unknown and the recheck failed: {reason(exc)}")
        return
    retry = [(ghl_id, write) for ghl_id, write in unknown if ghl_id not in present]
    tally.created.extend(ghl_id for ghl_id, _ in unknown if ghl_id in present)
    if not retry:
        return
    still_unknown = yield from save_isolating(
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
        contacts = yield from perform(GhlListContacts())
    else:
        contacts = []
        for cid in contact_ids:
            contacts.append((yield from perform(GhlGet("contact", cid))))
    found: dict[str, list[Any]] = {"contact": contacts}
    for entity in mappings.entities:
        if entity not in CHILD_ENTITIES:
            continue
        items: list[Any] = []
        for contact in contacts:
            listed = GhlListChildren(entity, contact["id"])  # type: ignore[arg-type]
            items.extend((yield from perform(listed)))
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
