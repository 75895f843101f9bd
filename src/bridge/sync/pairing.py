"""Pairing: join each changed record with its counterpart.

Through the link table first; an unlinked GHL record is then adopted by a Ninox record that
already carries its GHL id (left by an interrupted pass), and an unlinked GHL contact by the
one unlinked Ninox contact with the same email, then phone. Records the recheck stage asked
for, and links whose last write failed, are read by id and compared too. The side not read
yet is fetched by id, except where a digest shows it cannot have changed (our own writes
coming back, overlap re-reads): those cost no request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bridge.mapping import MappingError, SyncMapper
from bridge.state import Link
from bridge.sync.context import GONE, Gone, Pair, PassContext
from bridge.sync.effects import GhlGet, NinoxAll, NinoxGet, Program, perform, state
from ninoxsdk import APIError, NotFoundError, Record

__all__ = ["Parents", "load_parents", "missing_children", "pair_entity"]

#: GHL-readable one by one; tasks and notes only under their contact.
FETCHABLE = ("contact", "task", "note", "appointment")
UNDER_CONTACT = ("task", "note")


class Parents:
    """Contact links of the parents of one entity's records, both ways."""

    def __init__(self, links: Iterable[Link]) -> None:
        #: Contact links deleted in GHL (GHL deletes a contact's children with it).
        self.gone: set[int] = set()
        #: GHL ids and Ninox record ids of contacts whose link is a tombstone (either side).
        self.deleted_ghl: set[str] = set()
        self.deleted_ninox: set[int] = set()
        self.by_ghl: dict[str, int] = {}
        self.by_ninox: dict[int, str] = {}
        self.by_link: dict[int, str] = {}
        self.link_ids: dict[str, int] = {}
        for link in links:
            self.add(link)

    def add(self, link: Link) -> None:
        if link.state.startswith("tombstone"):
            if link.ghl_id is not None:
                self.deleted_ghl.add(link.ghl_id)
            if link.ninox_id is not None:
                self.deleted_ninox.add(link.ninox_id)
        if link.state in ("tombstone_ghl", "tombstone_both"):
            if link.link_id is not None:
                self.gone.add(link.link_id)
            return
        if link.state != "active":
            return
        if link.ghl_id is not None and link.ninox_id is not None:
            self.by_ghl[link.ghl_id] = link.ninox_id
            self.by_ninox[link.ninox_id] = link.ghl_id
        if link.link_id is not None and link.ghl_id is not None:
            self.by_link[link.link_id] = link.ghl_id
            self.link_ids[link.ghl_id] = link.link_id


def load_parents(ctx: PassContext) -> Program[Parents]:
    """Every contact link (children need their parent's ids on both sides, and the deleted
    ones)."""
    links = yield from state(lambda s: s.links("contact"))
    return Parents(links)


def missing_children(
    entity: str, whole: set[str], found: Mapping[str, Any], parents: Parents
) -> Program[dict[str, Gone]]:
    """Linked children deleted in GHL: missing from their contact's whole list, or under a
    contact deleted in GHL this pass (GHL deletes them with it)."""
    link_ids = [parents.link_ids[c] for c in whole if c in parents.link_ids]
    link_ids.extend(parents.gone)
    if not link_ids:
        return {}
    links = yield from state(lambda s: s.links_by_parent(entity, link_ids))
    return {lk.ghl_id: GONE for lk in links if lk.ghl_id and lk.ghl_id not in found}


def pair_entity(
    ctx: PassContext,
    entity: str,
    ghl_items: Mapping[str, dict[str, Any] | Gone],
    ninox_items: Mapping[int, Record],
    parents: Parents,
) -> Program[list[Pair]]:
    mapper = ctx.mapper(entity)
    table = mapper.ninox_table
    ghl_items, ninox_items = dict(ghl_items), dict(ninox_items)
    dirty = yield from state(lambda s: s.links_needing_check(entity))
    work = ctx.work_for(entity)
    for link in dirty:
        if link.ghl_id is not None:
            parent = parents.by_link.get(link.parent_link_id or -1)
            work.ghl[link.ghl_id] = work.ghl.get(link.ghl_id) or parent
        if link.ninox_id is not None:
            work.ninox.add(link.ninox_id)
    yield from _read_work(ctx, entity, ghl_items, ninox_items)

    ghl_ids, ninox_ids = list(ghl_items), list(ninox_items)
    by_ghl = yield from state(lambda s: s.links_by_ghl(entity, ghl_ids))
    by_ninox = yield from state(lambda s: s.links_by_ninox(entity, table, ninox_ids))
    pairs: list[Pair] = []
    unlinked: list[tuple[str, dict[str, Any]]] = []
    for gid, wire in ghl_items.items():
        found = by_ghl.get(gid)
        if found is None:
            if isinstance(wire, dict) and not _blocked_ghl(ctx, entity, gid, wire):
                unlinked.append((gid, wire))
            continue
        nid = found.ninox_id
        pairs.append(Pair(entity, found, wire, ninox_items.pop(nid, None) if nid else None))
    if unlinked:
        pairs.extend((yield from _adopt_or_new(ctx, mapper, unlinked, ninox_items)))
    for nid, record in ninox_items.items():
        if (entity, nid) in ctx.blocked_ninox:
            continue
        linked = by_ninox.get(nid)
        if linked is not None and linked.ghl_id in ghl_items:
            continue  # paired above with its GHL side
        pairs.append(Pair(entity, linked, None, record))
    for pair in pairs:
        yield from _fill_in(ctx, mapper, pair, parents)
    return [p for p in pairs if p.ghl is not None or p.ninox is not None]


def _blocked_ghl(ctx: PassContext, entity: str, gid: str, wire: Mapping[str, Any]) -> bool:
    if (entity, gid) in ctx.blocked_ghl:
        return True
    parent = str(wire.get("contactId") or "") if entity != "contact" else "*"
    if parent in ctx.blocked_parents or (entity == "contact" and "*" in ctx.blocked_parents):
        ctx.hold_cursors(entity)
        return True
    return False


def _read_work(
    ctx: PassContext,
    entity: str,
    ghl_items: dict[str, dict[str, Any] | Gone],
    ninox_items: dict[int, Record],
) -> Program[None]:
    """Read by id what the recheck stage and failed links asked for."""
    work = ctx.work_for(entity)
    table = ctx.mapper(entity).ninox_table
    for gid, parent in sorted(work.ghl.items()):
        if gid in ghl_items or entity not in FETCHABLE or (entity in UNDER_CONTACT and not parent):
            continue
        wire = yield from _get_ghl(ctx, entity, gid, parent)
        if wire is not None:
            ghl_items[gid] = wire
    for nid in sorted(work.ninox):
        if nid not in ninox_items:
            record = yield from _get_ninox(ctx, entity, table, nid)
            if isinstance(record, Record):
                ninox_items[nid] = record


def _get_ghl(
    ctx: PassContext, entity: str, gid: str, parent: str | None
) -> Program[dict[str, Any] | Gone | None]:
    try:
        wire = yield from perform(GhlGet(entity, gid, parent))  # type: ignore[arg-type]
    except NotFoundError:
        return GONE
    except APIError as exc:
        ctx.hold_cursors(entity)
        ctx.blocked_ghl.add((entity, gid))
        yield from ctx.park(entity, gid, "ghl", "read", exc)
        return None
    return wire


def _get_ninox(
    ctx: PassContext, entity: str, table: str, nid: int
) -> Program[Record | Gone | None]:
    try:
        record = yield from perform(NinoxGet(table, nid))
    except NotFoundError:
        return GONE
    except APIError as exc:
        ctx.hold_cursors(entity)
        ctx.blocked_ninox.add((entity, nid))
        yield from ctx.park(entity, f"ninox:{nid}", "ninox", "read", exc)
        return None
    return record


def _adopt_or_new(
    ctx: PassContext,
    mapper: SyncMapper,
    unlinked: list[tuple[str, dict[str, Any]]],
    ninox_items: dict[int, Record],
) -> Program[list[Pair]]:
    """Pairs for GHL records without a link: adopted by a Ninox record, or new."""
    entity = mapper.entity
    records = yield from perform(NinoxAll(mapper.ninox_table))
    ids = [r.id for r in records]
    linked = yield from state(lambda s: s.links_by_ninox(entity, mapper.ninox_table, ids))
    free = [r for r in records if r.id not in linked and (entity, r.id) not in ctx.blocked_ninox]
    by_key = {mapper.ninox_ghl_id(r.fields): r for r in free}
    identities = _identities(mapper, free) if entity == "contact" else {}
    pairs: list[Pair] = []
    for gid, wire in unlinked:
        record = by_key.pop(gid, None)
        if record is None and identities:
            record = _match_identity(mapper, wire, identities)
        if record is not None:
            ninox_items.pop(record.id, None)
            for group in identities.values():  # adopted once only
                if record in group:
                    group.remove(record)
        pairs.append(Pair(entity, None, wire, record))
    return pairs


def _identities(mapper: SyncMapper, records: list[Record]) -> dict[tuple[str, Any], list[Record]]:
    """Unlinked Ninox contacts without a GHL id, by canonical email and by phone."""
    out: dict[tuple[str, Any], list[Record]] = {}
    for record in records:
        if mapper.ninox_ghl_id(record.fields) is not None:
            continue
        try:
            canon = mapper.ninox_canonical(record.fields)
        except MappingError:
            continue
        for name in ("email", "phone"):
            if canon.get(name):
                out.setdefault((name, canon[name]), []).append(record)
    return out


def _match_identity(
    mapper: SyncMapper, wire: Mapping[str, Any], identities: dict[tuple[str, Any], list[Record]]
) -> Record | None:
    try:
        canon = mapper.ghl_canonical(wire)
    except MappingError:
        return None
    for name in ("email", "phone"):
        found = identities.get((name, canon.get(name)), []) if canon.get(name) else []
        if len(found) == 1:
            return found[0]
    return None


def _fill_in(ctx: PassContext, mapper: SyncMapper, pair: Pair, parents: Parents) -> Program[None]:
    """Read the side of ``pair`` not read yet, unless its digest says it cannot matter."""
    link, entity = pair.link, pair.entity
    if link is not None and link.state != "active":
        return  # tombstoned: decided without reading anything
    settled = (
        link is not None
        and link.state == "active"
        and link.error_count == 0
        and link.link_id not in ctx.overrides  # a resolution to carry out: read both sides
    )
    if pair.ninox is None and link is not None and link.ninox_id is not None:
        if settled and _same_digest(mapper, link, pair.ghl, "ghl"):
            pair.ghl = None  # GHL as last agreed and Ninox not in its feed: nothing to do
            ctx.report.count(entity, "unchanged")
            return
        pair.ninox = yield from _get_ninox(ctx, entity, mapper.ninox_table, link.ninox_id)
    if pair.ghl is not None:
        return
    known = link.ghl_id if link is not None else None
    if known is None and isinstance(pair.ninox, Record):
        known = mapper.ninox_ghl_id(pair.ninox.fields)
    if known is None:
        return
    if link is not None and settled and _same_digest(mapper, link, pair.ninox, "ninox"):
        pair.ninox = None  # our own write coming back: costs no GHL read
        ctx.report.count(entity, "unchanged")
        return
    if entity not in FETCHABLE:
        return
    parent = None
    if entity in UNDER_CONTACT:
        if link is not None and link.parent_link_id is not None:
            parent = parents.by_link.get(link.parent_link_id)
        elif isinstance(pair.ninox, Record) and mapper.parent_field:
            ref = pair.ninox.fields.get(mapper.parent_field)
            parent = parents.by_ninox.get(ref) if isinstance(ref, int) else None
        if parent is None:
            return
    pair.ghl = yield from _get_ghl(ctx, entity, known, parent)


def _same_digest(mapper: SyncMapper, link: Link, value: Any, side: str) -> bool:
    stored = link.ghl_digest if side == "ghl" else link.ninox_digest
    if stored is None:
        return False
    try:
        if side == "ghl" and isinstance(value, dict):
            return mapper.digest(mapper.ghl_canonical(value)) == stored
        if side == "ninox" and isinstance(value, Record):
            return mapper.digest(mapper.ninox_canonical(value.fields)) == stored
    except MappingError:
        return False
    return False
