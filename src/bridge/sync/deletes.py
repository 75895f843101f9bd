"""Deletes: what a record gone on one side does to its counterpart, and the guard against
mass deletion.

Soft by default: the link becomes a tombstone, a GHL contact gets the ``deleted_tag`` tag
and, when ``ninox_deleted_field`` is set, the Ninox record is flagged; ``deletes="hard"``
deletes the counterpart. Deletes go through the outbox like every write.

More deletions in one pass than the guard allows apply none of them and open a
``mass_delete`` review item listing them (one item while it is open, however many passes see
the same deletions). A person approves or rejects it
([`resolve`][bridge.sync.review.resolve]); the next pass carries out exactly the deletions
listed (:func:`carry_out_mass_deletes`), each checked first: a record that is back is left
alone. Approved, they are applied as any delete; rejected, the links become tombstones and
nothing is written to the other side.
"""

from __future__ import annotations

import json
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
    GhlGet,
    GhlListContacts,
    NinoxAll,
    NinoxDelete,
    NinoxGet,
    NinoxSave,
    Program,
    SaveOutcome,
    perform,
    state,
)
from bridge.sync.outbox import new_op_key, outcome_of, transient, unsettle, written
from bridge.sync.pairing import Parents, load_parents
from bridge.sync.report import Change, ErrorInfo
from ninoxsdk import APIError, NotFoundError, RecordWrite

__all__ = [
    "DELETED",
    "PRESENT",
    "apply_deletes",
    "carry_out_mass_deletes",
    "guard_mass_delete",
    "scan_for_deletes",
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


def carry_out_mass_deletes(ctx: PassContext) -> Program[None]:
    """Stage 0c: the deletions of approved (or rejected) ``mass_delete`` items, exactly those
    listed. Each record is read again first: still deleted, an approved delete is applied (as
    any delete: outbox, history, report) and a rejected one only tombstones the link; back
    again, it is left alone. The item is marked applied once every listed record is settled;
    a record that failed keeps it ``resolved`` for the next pass."""
    items = yield from state(lambda s: s.reviews("resolved", limit=1000))
    for item in items:
        verdict = _verdict(item)
        entity = (item.source_ref or "").partition(":")[0]
        if verdict is None or item.review_id is None or entity not in ctx.mappers:
            continue
        settled = yield from _carry_out(ctx, entity, item, verdict)
        if settled and not ctx.dry_run:
            yield from _mark_applied(item.review_id)
            ctx.report.count("review", "applied")


def _mark_applied(review_id: int) -> Program[None]:
    yield from state(lambda s: s.set_review_status(review_id, "applied"))


def _save_link(link: Link) -> Program[Link]:
    return (yield from state(lambda s: s.save_link(link)))


def _verdict(item: ReviewItem) -> Literal["approve", "reject"] | None:
    if item.kind != "mass_delete":
        return None
    try:
        resolution = json.loads(item.resolution or "{}")
    except ValueError:
        return None
    if resolution.get("approve") is True:
        return "approve"
    return "reject" if resolution.get("reject") is True else None


def _carry_out(
    ctx: PassContext, entity: str, item: ReviewItem, verdict: Literal["approve", "reject"]
) -> Program[bool]:
    mapper = ctx.mapper(entity)
    ids = {label: v for label, v in item.base_values.items() if isinstance(v, int)}
    links = yield from state(lambda s: {label: s.link(i) for label, i in ids.items()})
    parents = yield from load_parents(ctx)
    settled = True
    for label, link in links.items():
        if link is None or link.state != "active":
            continue  # carried out already (or the link is gone)
        gone = _gone(item, label)
        if (entity, link.ghl_id) in ctx.blocked_ghl or (entity, link.ninox_id) in ctx.blocked_ninox:
            settled = False  # a write of unknown outcome: the next pass
            continue
        still = yield from _still_gone(ctx, mapper, link, gone, parents, label)
        if still is None:
            settled = False
        elif still and verdict == "reject":
            if not ctx.dry_run:
                yield from _save_link(_tombstone(link, _TOMBSTONE[gone]))
            ctx.report.count(entity, "delete_rejected")
        elif still:
            pair = Pair(
                entity,
                link,
                GONE if gone in ("ghl", "both") else None,
                GONE if gone in ("ninox", "both") else None,
            )
            done = yield from _delete(
                ctx, mapper, Decision(pair=pair, action="delete", gone=gone), parents
            )
            settled = settled and done
    return settled


_TOMBSTONE: Final[dict[str, LinkState]] = {
    "ghl": "tombstone_ghl",
    "ninox": "tombstone_ninox",
    "both": "tombstone_both",
}


def _gone(item: ReviewItem, label: str) -> Literal["ghl", "ninox", "both"]:
    in_ghl = item.ghl_values.get(label) == DELETED
    in_ninox = item.ninox_values.get(label) == DELETED
    return "both" if in_ghl and in_ninox else "ghl" if in_ghl else "ninox"


def _still_gone(
    ctx: PassContext,
    mapper: SyncMapper,
    link: Link,
    gone: Literal["ghl", "ninox", "both"],
    parents: Parents,
    label: str,
) -> Program[bool | None]:
    """Whether the record is still deleted where it was (``None``: could not tell; parked)."""
    side: Side = "ninox" if gone == "ninox" else "ghl"
    try:
        if gone == "ninox" and link.ninox_id is not None:
            yield from perform(NinoxGet(mapper.ninox_table, link.ninox_id))
        elif gone == "ghl" and link.ghl_id is not None and link.entity != "appointment":
            parent = parents.by_link.get(link.parent_link_id or -1)
            if link.entity != "contact" and parent is None:
                return True  # its contact is deleted: GHL deleted its children with it
            yield from perform(GhlGet(link.entity, link.ghl_id, parent))  # type: ignore[arg-type]
        else:
            return True  # deleted on both sides, or not readable by id (appointments)
    except NotFoundError:
        return True
    except APIError as exc:
        yield from ctx.park(link.entity, label, side, "read", exc)
        return None
    return False


def apply_deletes(
    ctx: PassContext, entity: str, decisions: Sequence[Decision], parents: Parents
) -> Program[None]:
    mapper = ctx.mapper(entity)
    for d in decisions:
        if d.action == "delete":
            yield from _delete(ctx, mapper, d, parents)


def _tombstone(link: Link, state_: LinkState) -> Link:
    return attrs.evolve(link, state=state_, error_count=0, last_error=None)


def _delete(ctx: PassContext, mapper: SyncMapper, d: Decision, parents: Parents) -> Program[bool]:
    """Apply one delete; False when it failed (the record is parked and its link unsettled)."""
    pair, link, entity = d.pair, d.pair.link, d.pair.entity
    assert link is not None
    if d.gone == "both":
        if not ctx.dry_run:
            yield from state(lambda s: s.save_link(_tombstone(link, "tombstone_both")))
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
        yield from state(lambda s: s.save_link(_tombstone(link, tomb)))
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
        yield from state(lambda s: _done(s, op, _tombstone(link, tomb)))
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
