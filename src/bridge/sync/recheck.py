"""Stage 0 of every pass: settle the writes whose outcome is unknown, before anything else.

An op left ``sent`` (its answer was lost: a timeout, a 5xx, a reset, a crash) is checked
against the service and its result adopted:

- an **update** is read back by id; each field that now holds the value the op intended gets
  that value as its agreed base (so a lost answer never lets an older value beat a newer
  edit); the link is then compared field by field in this pass;
- a **create** is looked for: in Ninox by the key field written in the same request; in GHL
  a contact by the location's duplicate rules (email, phone), a task or note among its
  contact's children by content. Found: the link is saved (and the GHL id written into Ninox
  as its own op). Not found: the op is ``lost`` and the source record is re-read and planned
  again in this pass. A create is never sent twice for one intent;
- a **delete** or **soft delete** is done when the record is gone (or tagged);
- a **GHL id written into Ninox** is written again until it lands (its link stays unsettled
  until then, so every pass looks at it).

When a recheck itself fails, the records involved are *blocked* for this pass: nothing is
written for them, and the cursors stay, so the next pass tries again.
"""

from __future__ import annotations

from typing import Any, cast

import attrs

from bridge.mapping import MappingError, SyncMapper
from bridge.state import HistoryEntry, Link, LinkState, Op, OpState, StateStore
from bridge.sync.context import PassContext
from bridge.sync.effects import (
    Entity,
    GhlFindContact,
    GhlGet,
    GhlListChildren,
    NinoxAll,
    NinoxGet,
    Program,
    perform,
    state,
)
from bridge.sync.outbox import jsonable_values, transient, unsettle, written
from ninoxsdk import APIError, NotFoundError, Record

__all__ = ["recheck_open_ops"]


def recheck_open_ops(ctx: PassContext) -> Program[None]:
    ops = yield from state(lambda s: s.open_ops())
    ninox_cache: dict[str, list[Record]] = {}
    for op in ops:
        mapper = ctx.mappers.get(op.entity)
        if mapper is None:
            continue  # an entity no longer mapped: leave the op for a person to see
        label = op.ghl_id or f"ninox:{op.ninox_id}"
        try:
            yield from _recheck(ctx, mapper, op, ninox_cache)
        except (APIError, MappingError) as exc:
            _block(ctx, op)
            if isinstance(exc, MappingError) or transient(exc):
                ctx.hold_cursors(op.entity)
            yield from ctx.park(op.entity, label, op.target, "recheck", exc)
        except (TypeError, ValueError) as exc:
            # The op lacks what a recheck needs (e.g. a child's contact): it can never be
            # settled by reading. Its link is unsettled, so this pass compares both sides.
            yield from _give_up(ctx, op, exc)
            yield from ctx.park(op.entity, label, op.target, "recheck", exc)
        ctx.report.count(op.entity, "rechecked")


def _give_up(ctx: PassContext, op: Op, exc: Exception) -> Program[None]:
    link = yield from _link_of(op)
    error = f"cannot be rechecked: {type(exc).__name__}: {exc}"
    yield from _mark(op, "dead", unsettle(link, error) if link else None, error=error)


def _block(ctx: PassContext, op: Op) -> None:
    if op.ghl_id is not None:
        ctx.blocked_ghl.add((op.entity, op.ghl_id))
    if op.ninox_id is not None:
        ctx.blocked_ninox.add((op.entity, op.ninox_id))
    if op.kind == "create" and op.target == "ghl":
        # The created record may be in the GHL feed, unlinked: it must not be mirrored back.
        ctx.blocked_parents.add(op.parent_ghl_id or "*")


def _recheck(
    ctx: PassContext, mapper: SyncMapper, op: Op, cache: dict[str, list[Record]]
) -> Program[None]:
    if op.kind == "create":
        if op.target == "ghl":
            yield from _recheck_ghl_create(ctx, mapper, op)
        else:
            yield from _recheck_ninox_create(ctx, mapper, op, cache)
    elif op.kind == "set_external_id":
        yield from _recheck_key(ctx, mapper, op)
    elif op.kind == "update":
        yield from _recheck_update(ctx, mapper, op)
    else:
        yield from _recheck_delete(ctx, mapper, op)


def _link_of(op: Op) -> Program[Link | None]:
    link_id = op.link_id
    if link_id is None:
        return None
    return (yield from state(lambda s: s.link(link_id)))


def _mark(
    op: Op,
    result: OpState,
    link: Link | None = None,
    error: str = "",
    entry: HistoryEntry | None = None,
) -> Program[None]:
    """Record the op's settled state (and, when it landed, its history ``entry``) and, for a
    write that did not (fully) land, unsettle its link so this pass compares both sides
    field by field."""

    def write(s: StateStore) -> None:
        with s.transaction():
            s.set_op_state(op.op_key, result, error=error or None)
            if link is not None:
                s.save_link(link)
            if entry is not None:
                s.add_history([entry])

    yield from state(write)


# -- updates -------------------------------------------------------------------------------------


def _read_target(ctx: PassContext, mapper: SyncMapper, op: Op) -> Program[dict[str, Any] | None]:
    """The canonical values of the op's target record now (``None`` when it is gone)."""
    try:
        if op.target == "ghl":
            if op.ghl_id is None:
                return None
            wire = yield from perform(GhlGet(_entity(op), op.ghl_id, op.parent_ghl_id))
            return mapper.ghl_canonical(wire)
        if op.ninox_id is None:
            return None
        record = yield from perform(NinoxGet(mapper.ninox_table, op.ninox_id))
        return mapper.ninox_canonical(record.fields)
    except NotFoundError:
        return None


def _recheck_update(ctx: PassContext, mapper: SyncMapper, op: Op) -> Program[None]:
    link = yield from _link_of(op)
    now = yield from _read_target(ctx, mapper, op)
    if link is None:
        yield from _mark(op, "lost", error="its link is gone")
        return
    current = jsonable_values(now or {})
    landed = {f: v for f, v in op.intended.items() if f in current and current[f] == v}
    # The fields that hold what the op wrote: their agreed value is now that value.
    link = attrs.evolve(link, base={**link.base, **landed})
    done = now is not None and len(landed) == len(op.intended)
    yield from _mark(op, "done" if done else "lost", unsettle(link, "rechecked an update"))


def _entity(op: Op) -> Entity:
    return cast(Entity, op.entity)


# -- creates -------------------------------------------------------------------------------------


def _recheck_ninox_create(
    ctx: PassContext, mapper: SyncMapper, op: Op, cache: dict[str, list[Record]]
) -> Program[None]:
    ghl_id = op.ghl_id or ""
    table = mapper.ninox_table
    if table not in cache:
        cache[table] = yield from perform(NinoxAll(table))
    found = [r for r in cache[table] if mapper.ninox_ghl_id(r.fields) == ghl_id]
    work = ctx.work_for(op.entity)
    work.ghl[ghl_id] = op.parent_ghl_id
    if not found:
        yield from _mark(op, "lost", error="not found in Ninox: planned again")
        return
    record = min(found, key=lambda r: r.id)
    link = yield from _adopt(ctx, mapper, op, ghl_id=ghl_id, ninox_id=record.id)
    if link is not None:
        work.ninox.add(record.id)


def _recheck_ghl_create(ctx: PassContext, mapper: SyncMapper, op: Op) -> Program[None]:
    ninox_id = op.ninox_id
    if ninox_id is None:
        yield from _mark(op, "dead", error="no source record")
        return
    candidates: list[dict[str, Any]]
    if op.entity == "contact":
        email, phone = _text(op.patch.get("email")), _text(op.patch.get("phone"))
        found = None
        if email or phone:
            found = yield from perform(GhlFindContact(email, phone))
        candidates = [found] if found is not None else []
    elif op.parent_ghl_id is not None:
        candidates = yield from perform(GhlListChildren(_entity(op), op.parent_ghl_id))
    else:
        candidates = []
    ids = [str(c.get("id")) for c in candidates if c.get("id")]
    linked = yield from state(lambda s: s.links_by_ghl(op.entity, ids))
    match = next(
        (c for c in candidates if str(c.get("id")) not in linked and _same_content(mapper, op, c)),
        None,
    )
    ctx.work_for(op.entity).ninox.add(ninox_id)
    if match is None:
        yield from _mark(op, "lost", error="not found in GHL: planned again")
        return
    ghl_id = str(match["id"])
    link = yield from _adopt(ctx, mapper, op, ghl_id=ghl_id, ninox_id=ninox_id)
    if link is not None:  # unsettled: this pass compares it and writes the GHL id into Ninox
        ctx.work_for(op.entity).ghl[ghl_id] = op.parent_ghl_id


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _same_content(mapper: SyncMapper, op: Op, candidate: dict[str, Any]) -> bool:
    """The candidate holds every value the create sent (blanks may have been defaulted)."""
    try:
        now = jsonable_values(mapper.ghl_canonical(candidate))
    except MappingError:
        return False
    sent = {f: v for f, v in op.intended.items() if v is not None}
    return bool(sent) and all(now.get(f) == v for f, v in sent.items())


def _adopt(
    ctx: PassContext, mapper: SyncMapper, op: Op, *, ghl_id: str, ninox_id: int
) -> Program[Link | None]:
    """Save the link a create made (or reuse one a webhook saved meanwhile), op done. The
    link is unsettled: this pass compares both sides with the intended values as base."""
    parent = op.parent_ghl_id
    entity, table = op.entity, mapper.ninox_table

    def write(s: StateStore) -> Link | None:
        with s.transaction():
            result = ghl_id if op.target == "ghl" else str(ninox_id)
            s.set_op_state(op.op_key, "done", result_id=result)
            existing = s.link_by_ghl(entity, ghl_id) or s.link_by_ninox(entity, table, ninox_id)
            if existing is not None:
                return None  # already linked (e.g. by a webhook pass): nothing to adopt
            parent_link = s.link_by_ghl("contact", parent) if parent else None
            link = Link(
                entity=entity,
                ghl_id=ghl_id,
                ninox_table=table,
                ninox_id=ninox_id,
                base=dict(op.intended),
                parent_link_id=parent_link.link_id if parent_link else None,
                last_origin="recheck",
                error_count=1,
                last_error="adopted after a lost answer",
            )
            return s.save_link(link)

    link = yield from state(write)
    ctx.report.count(op.entity, "adopted")
    return link


# -- the GHL id written into Ninox, and deletes --------------------------------------------------


def _recheck_key(ctx: PassContext, mapper: SyncMapper, op: Op) -> Program[None]:
    if op.ninox_id is None or op.ghl_id is None:
        yield from _mark(op, "dead", error="incomplete op")
        return
    try:
        record = yield from perform(NinoxGet(mapper.ninox_table, op.ninox_id))
    except NotFoundError:
        yield from _mark(op, "lost", error="the Ninox record is gone")
        return
    if mapper.ninox_ghl_id(record.fields) == op.ghl_id:
        yield from _mark(op, "done")
        return
    # Its link stays unsettled until the id lands: this pass writes it again.
    yield from _mark(op, "lost", error="not written: sent again")
    ctx.work_for(op.entity).ninox.add(op.ninox_id)


def _recheck_delete(ctx: PassContext, mapper: SyncMapper, op: Op) -> Program[None]:
    link = yield from _link_of(op)
    gone = False
    tagged = False
    try:
        if op.target == "ghl" and op.ghl_id is not None:
            wire = yield from perform(GhlGet(_entity(op), op.ghl_id, op.parent_ghl_id))
            tagged = ctx.config.deleted_tag in (wire.get("tags") or [])
        elif op.target == "ninox" and op.ninox_id is not None:
            record = yield from perform(NinoxGet(mapper.ninox_table, op.ninox_id))
            flag = ctx.config.ninox_deleted_field
            tagged = flag is not None and bool(record.fields.get(flag))
    except NotFoundError:
        gone = True
    landed = gone if op.kind == "delete" else (tagged or gone)
    if link is None:
        yield from _mark(op, "done" if landed else "lost")
        return
    if landed:
        tomb: LinkState = (
            "tombstone_both"
            if op.kind == "delete"
            else ("tombstone_ghl" if op.target == "ninox" else "tombstone_ninox")
        )
        settled = attrs.evolve(link, state=tomb, error_count=0, last_error=None)
        entry = written(op, before=link.base, after={}, link=link)  # as if its answer came
        yield from _mark(op, "done", settled, entry=entry)
        return
    yield from _mark(op, "lost", unsettle(link, "a delete did not land"))
