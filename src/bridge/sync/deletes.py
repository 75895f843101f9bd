"""Deletes: what a record gone on one side does to its counterpart, and the guard against
mass deletion.

Soft by default: the link becomes a tombstone, a GHL contact gets the ``deleted_tag`` tag
and, when ``ninox_deleted_field`` is set, the Ninox record is flagged; ``deletes="hard"``
deletes the counterpart. Deletes go through the outbox like every write.

More deletions in one pass than the guard allows apply none of them and open a
``mass_delete`` review item listing them (one item while it is open, however many passes see
the same deletions). A person approves or rejects it
([`resolve`][bridge.sync.review.resolve]); the next pass carries out exactly the deletions
listed (`bridge.sync.mass_deletes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

import attrs

from bridge.mapping import SyncMapper
from bridge.state import Link, LinkState, Op, ReviewItem, Side, StateStore
from bridge.sync.context import GONE, Pair, PassContext
from bridge.sync.decide import Decision
from bridge.sync.effects import (
    Effect,
    GhlAddTags,
    GhlDelete,
    GhlListContacts,
    NinoxAll,
    NinoxDelete,
    NinoxSave,
    Program,
    SaveOutcome,
    perform,
    state,
)
from bridge.sync.outbox import new_op_key, outcome_of, transient, unsettle, written
from bridge.sync.pairing import Parents
from bridge.sync.report import Change, ErrorInfo
from ninoxsdk import APIError, NotFoundError, RecordWrite

__all__ = [
    "DELETED",
    "PRESENT",
    "apply_deletes",
    "delete_one",
    "guard_mass_delete",
    "scan_for_deletes",
    "tombstone",
]

#: How a ``mass_delete`` item shows each side of a listed record.
DELETED: Final = "deleted"
PRESENT: Final = "present"


def guard_mass_delete(
    ctx: PassContext, entity: str, decisions: Sequence[Decision]
) -> Program[list[Decision]]:
    """``decisions`` without its deletes when there are more than the guard allows."""
    deletes = [d for d in decisions if d.action == "delete"]
    if not deletes:
        return list(decisions)
    tripped = yield from _trips(ctx, entity, len(deletes), deletes)
    return [d for d in decisions if d.action != "delete"] if tripped else list(decisions)


def _trips(
    ctx: PassContext, entity: str, count: int, deletes: Sequence[Decision] = ()
) -> Program[bool]:
    links = yield from state(lambda s: len(s.links(entity)))
    limit = max(ctx.config.mass_delete_min, int(links * ctx.config.mass_delete_fraction))
    if count <= limit:
        return False
    ctx.report.errors.append(
        ErrorInfo(
            entity,
            "*",
            "both",
            f"{count} deletions in one pass exceed the guard ({limit}); nothing was deleted, "
            "see the review queue",
        )
    )
    if not ctx.dry_run:
        item = _mass_delete_item(entity, count, deletes)
        yield from state(lambda s: _open_once(s, item))
    return True


def _mass_delete_item(entity: str, count: int, deletes: Sequence[Decision]) -> ReviewItem:
    """The review item listing ``deletes``: per record (its label), the link in
    ``base_values`` and each side as ``deleted`` / ``present``. No list: a table read empty."""
    listed = [d for d in deletes if d.pair.link is not None and d.pair.link.link_id is not None]
    return ReviewItem(
        kind="mass_delete",
        source_ref=f"{entity}:{count}",
        fields=tuple(d.pair.label for d in listed),
        base_values={d.pair.label: d.pair.link.link_id for d in listed if d.pair.link},
        ghl_values={d.pair.label: _shown(d.gone in ("ghl", "both")) for d in listed},
        ninox_values={d.pair.label: _shown(d.gone in ("ninox", "both")) for d in listed},
    )


def _shown(deleted: bool) -> str:
    return DELETED if deleted else PRESENT


def _listed_links(item: ReviewItem) -> set[int]:
    return {v for v in item.base_values.values() if isinstance(v, int)}


def _open_once(store: StateStore, item: ReviewItem) -> None:
    """Add ``item`` unless an open item of the entity already lists all of its records."""
    entity = (item.source_ref or "").partition(":")[0]
    wanted = _listed_links(item)
    with store.transaction():
        for other in store.open_reviews():
            same_entity = (other.source_ref or "").partition(":")[0] == entity
            if other.kind == "mass_delete" and same_entity and wanted <= _listed_links(other):
                return
        store.add_review(item)


def apply_deletes(
    ctx: PassContext, entity: str, decisions: Sequence[Decision], parents: Parents
) -> Program[None]:
    mapper = ctx.mapper(entity)
    for d in decisions:
        if d.action == "delete":
            yield from delete_one(ctx, mapper, d, parents)


def tombstone(link: Link, state_: LinkState) -> Link:
    """``link`` as a settled tombstone."""
    return attrs.evolve(link, state=state_, error_count=0, last_error=None)


def delete_one(
    ctx: PassContext, mapper: SyncMapper, d: Decision, parents: Parents
) -> Program[bool]:
    """Apply one delete; False when it failed (the record is parked and its link unsettled)."""
    pair, link, entity = d.pair, d.pair.link, d.pair.entity
    assert link is not None
    if d.gone == "both":
        if not ctx.dry_run:
            yield from state(lambda s: s.save_link(tombstone(link, "tombstone_both")))
        return True
    target: Side = "ninox" if d.gone == "ghl" else "ghl"
    hard = ctx.config.deletes == "hard"
    kind: Literal["delete", "soft_delete"] = "delete" if hard else "soft_delete"
    ctx.report.changes.append(Change(entity, kind, target, pair.label))
    ctx.report.count(entity, kind)
    if ctx.dry_run:
        return True
    tomb: LinkState = (
        "tombstone_both" if hard else ("tombstone_ghl" if d.gone == "ghl" else "tombstone_ninox")
    )
    effect = _effect(ctx, mapper, link, target, hard, parents)
    if effect is None:  # nothing to write on the other side: the tombstone is all
        yield from state(lambda s: s.save_link(tombstone(link, tomb)))
        return True
    op = Op(
        op_key=new_op_key(),
        link_id=link.link_id,
        target=target,
        kind=kind,
        patch={},
        entity=entity,
        ghl_id=link.ghl_id,
        ninox_id=link.ninox_id,
        parent_ghl_id=parents.by_link.get(link.parent_link_id or -1),
        run_id=ctx.run_id,
    )
    yield from state(lambda s: s.add_op(attrs.evolve(op, state="sent")))
    error: BaseException | None = None
    try:
        result = yield from perform(effect)
        if isinstance(result, SaveOutcome) and result.errors:
            error = next(iter(result.errors.values()))
    except NotFoundError:
        pass  # already gone on that side too
    except APIError as exc:
        error = exc
    if error is None:
        yield from state(lambda s: _done(s, op, tombstone(link, tomb)))
        return True
    failed = unsettle(link, f"{type(error).__name__}: {error}")
    refused = outcome_of(error) == "failed"

    def record(s: StateStore) -> None:
        with s.transaction():
            if refused:
                s.set_op_state(op.op_key, "failed", error=str(error)[:500])
            s.save_link(failed)

    yield from state(record)
    if transient(error) or not refused:
        ctx.hold_cursors(entity)
    yield from ctx.park(entity, pair.label, target, "write", error)
    return False


def _done(store: StateStore, op: Op, link: Link) -> None:
    with store.transaction():
        store.set_op_state(op.op_key, "done")
        store.save_link(link)
        store.add_history([written(op, before=link.base, after={}, link=link)])


def _effect(
    ctx: PassContext, mapper: SyncMapper, link: Link, target: Side, hard: bool, parents: Parents
) -> Effect[Any] | None:
    entity = link.entity
    if target == "ninox" and link.ninox_id is not None:
        if hard:
            return NinoxDelete(mapper.ninox_table, link.ninox_id)
        flag = ctx.config.ninox_deleted_field
        if flag:
            write = RecordWrite(id=link.ninox_id, fields={flag: True})
            return NinoxSave(mapper.ninox_table, (write,))
        return None
    if target == "ghl" and link.ghl_id is not None:
        if entity == "contact":
            if hard:
                return GhlDelete("contact", link.ghl_id)
            return GhlAddTags(link.ghl_id, (ctx.config.deleted_tag,))
        if hard and entity == "appointment":
            return GhlDelete("appointment", link.ghl_id)
        if hard and entity in ("task", "note"):
            parent = parents.by_link.get(link.parent_link_id or -1)
            return None if parent is None else GhlDelete(entity, link.ghl_id, parent)  # type: ignore[arg-type]
    return None


def scan_for_deletes(ctx: PassContext, entity: str) -> Program[list[Pair]]:
    """Linked records missing on either side (deletions the change feeds cannot show)."""
    mapper = ctx.mapper(entity)
    links = yield from state(lambda s: [lk for lk in s.links(entity) if lk.state == "active"])
    if not links:
        return []
    records = yield from perform(NinoxAll(mapper.ninox_table))
    guard = len(links) + ctx.config.mass_delete_min + 1
    if not records:  # an empty table is an outage or a wrong database, not a mass delete
        yield from _trips(ctx, entity, guard)
        return []
    present = {r.id for r in records}
    ghl_present: set[str] | None = None
    if entity == "contact":
        contacts = yield from perform(GhlListContacts())
        ghl_present = {str(c["id"]) for c in contacts}
        if not ghl_present:
            yield from _trips(ctx, entity, guard)
            return []
    pairs = [
        Pair(
            entity,
            lk,
            GONE if ghl_present is not None and lk.ghl_id not in ghl_present else None,
            GONE if lk.ninox_id not in present else None,
        )
        for lk in links
    ]
    return [p for p in pairs if p.ghl is GONE or p.ninox is GONE]
