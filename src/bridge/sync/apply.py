"""Applying decisions through the outbox.

Per pair, the GHL write goes first (one request); the Ninox writes of an entity are batched
(creates, updates and GHL ids written back, one request per chunk). Every write is an op
recorded before its request ([`bridge.sync.outbox`][bridge.sync.outbox]). A link is saved the moment
both ids are known, *unsettled* (``error_count > 0``) while any write it needs is outstanding, so a
crash between two writes leaves a link every later pass compares field by field until it agrees. A
field's base moves only with the confirmation of the write that establishes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from bridge.mapping import MappingError, SyncMapper
from bridge.state import Link, Op, StateStore
from bridge.sync.context import Pair, PassContext
from bridge.sync.decide import Decision
from bridge.sync.effects import GhlCreate, GhlUpdate, NinoxSave, Program, perform, state
from bridge.sync.outbox import (
    agreed,
    jsonable_values,
    new_op_key,
    outcome_of,
    transient,
    unsettle,
    written,
)
from bridge.sync.pairing import Parents
from bridge.sync.report import Change
from bridge.sync.reporting import duplicate_match, record_conflicts, report_update
from ninoxsdk import APIError, Record, RecordWrite

__all__ = ["apply_decisions"]


@attrs.define
class _Write:
    """One Ninox write of the batch, its op, and the decision it serves (``None``: only the
    GHL id of a record created in GHL)."""

    op: Op
    write: RecordWrite
    pair: Pair
    decision: Decision | None


def apply_decisions(
    ctx: PassContext, entity: str, decisions: Sequence[Decision], parents: Parents
) -> Program[None]:
    mapper = ctx.mapper(entity)
    batch: list[_Write] = []
    for d in decisions:
        try:
            yield from _one(ctx, mapper, d, parents, batch)
        except (MappingError, TypeError, ValueError) as exc:
            yield from ctx.park(entity, d.pair.label, "ninox", "map", exc)
        if len(batch) >= ctx.ninox_chunk and not ctx.dry_run:
            # One request's worth at a time: its state work runs in the Ninox client's gap
            # before the next request, not after the last one.
            yield from _flush(ctx, mapper, batch, parents)
            batch = []
    if batch and not ctx.dry_run:
        yield from _flush(ctx, mapper, batch, parents)


def _one(
    ctx: PassContext, mapper: SyncMapper, d: Decision, parents: Parents, batch: list[_Write]
) -> Program[None]:
    entity = d.pair.entity
    if d.action == "noop":
        if not d.reason or d.reason == "tombstoned":
            ctx.report.count(entity, "unchanged")
        return
    if d.action == "skip":  # every skip says why: reported, retried when the record changes
        yield from ctx.park(entity, d.pair.label, "ghl", "plan", d.reason)
        return
    if d.action == "create_ninox":
        yield from _create_in_ninox(ctx, mapper, d, parents, batch)
    elif d.action == "create_ghl":
        yield from _create_in_ghl(ctx, mapper, d, parents, batch)
    elif d.action == "update":
        yield from _update(ctx, mapper, d, parents, batch)


# -- creates -------------------------------------------------------------------------------------


def _create_in_ninox(
    ctx: PassContext, mapper: SyncMapper, d: Decision, parents: Parents, batch: list[_Write]
) -> Program[None]:
    pair, entity = d.pair, d.pair.entity
    assert isinstance(pair.ghl, dict)
    gid = mapper.ghl_id(pair.ghl)
    parent = str(pair.ghl.get("contactId") or "") if entity != "contact" else None
    if parent is not None and parent not in parents.by_ghl and parent not in ctx.planned_ghl:
        if parent in parents.deleted_ghl:
            ctx.report.count(entity, "skipped")  # its contact was deleted: not synced
            return
        ctx.hold_cursors(entity)  # its contact is on its way (or failing): read it again
        yield from ctx.park(entity, gid, "ninox", "plan", "its contact is not in Ninox yet")
        return
    ctx.report.changes.append(
        Change(entity, "create", "ninox", gid, {k: (None, v) for k, v in d.ghl.items()})
    )
    ctx.report.count(entity, "create_ninox")
    if ctx.dry_run:
        if entity == "contact":
            ctx.planned_ghl.add(gid)
        return
    fields = mapper.ninox_write(pair.ghl, None, refs=parents.by_ghl)
    op = Op(
        op_key=new_op_key(),
        link_id=None,
        target="ninox",
        kind="create",
        patch=jsonable_values(fields),
        intended=jsonable_values(d.ghl),
        entity=entity,
        ghl_id=gid,
        parent_ghl_id=parent,
        run_id=ctx.run_id,
    )
    batch.append(_Write(op, RecordWrite(fields=fields), pair, d))


def _parent_of_ninox(
    mapper: SyncMapper, record: Record, parents: Parents
) -> tuple[bool, str | None]:
    """(needed, GHL contact id) of a Ninox child record's parent."""
    if mapper.entity == "contact":
        return False, None
    ref = record.fields.get(mapper.parent_field) if mapper.parent_field else None
    return True, parents.by_ninox.get(ref) if isinstance(ref, int) else None


def _create_in_ghl(
    ctx: PassContext, mapper: SyncMapper, d: Decision, parents: Parents, batch: list[_Write]
) -> Program[None]:
    pair, entity = d.pair, d.pair.entity
    record = pair.ninox
    assert isinstance(record, Record)
    label = f"ninox:{record.id}"
    needed, parent = _parent_of_ninox(mapper, record, parents)
    if needed and parent is None:
        ref = record.fields.get(mapper.parent_field or "")
        if ref in parents.deleted_ninox:
            ctx.report.count(entity, "skipped")  # its contact was deleted: not synced
            return
        if not (ctx.dry_run and ref in ctx.planned_ninox):
            ctx.hold_cursors(entity)
            yield from ctx.park(
                entity, label, "ghl", "plan", "its contact is not linked to GHL yet"
            )
            return
    ctx.report.changes.append(
        Change(entity, "create", "ghl", label, {k: (None, v) for k, v in d.ninox.items()})
    )
    ctx.report.count(entity, "create_ghl")
    if ctx.dry_run:
        if entity == "contact":
            ctx.planned_ninox.add(record.id)
        return
    body = mapper.ghl_write(record.fields, None, current=None)
    if entity == "appointment":  # booked on the configured calendar (decide checked it is set)
        body = {**body, "calendarId": ctx.config.appointment_calendar_id}
    op = Op(
        op_key=new_op_key(),
        link_id=None,
        target="ghl",
        kind="create",
        patch=jsonable_values(body),
        intended=d.to_ghl,
        entity=entity,
        ninox_id=record.id,
        parent_ghl_id=parent,
        run_id=ctx.run_id,
    )
    yield from state(lambda s: s.add_op(attrs.evolve(op, state="sent")))
    try:
        created = yield from perform(GhlCreate(entity, body, parent))  # type: ignore[arg-type]
    except (APIError, TypeError, ValueError) as exc:
        yield from _failed(ctx, pair, op, exc)
        return
    gid = mapper.ghl_id(created)
    taken = yield from state(lambda s: s.link_by_ghl(entity, gid))
    if taken is not None:
        # GHL's duplicate rules matched a contact another Ninox record is linked to (two
        # Ninox contacts with one email): nothing new was created. A person decides.
        yield from duplicate_match(ctx, op, pair, taken, gid)
        return
    pair.ghl = created
    cg = jsonable_values(mapper.ghl_canonical(created))
    link = Link(
        entity=entity,
        ghl_id=gid,
        ninox_table=mapper.ninox_table,
        ninox_id=record.id,
        base={**cg, **d.to_ghl},
        ghl_digest=mapper.digest(mapper.ghl_canonical(created)),
        ninox_digest=mapper.digest(d.ninox),
        ghl_updated_raw=created.get("dateUpdated"),
        parent_link_id=parents.link_ids.get(parent) if parent else None,
        last_origin="ninox",
        # Unsettled until the GHL id is in the Ninox record: every pass looks at it till then.
        error_count=1,
        last_error="the GHL id is not in Ninox yet",
    )
    pair.link = yield from state(lambda s: _confirm(s, op, link, gid))
    _queue_key(ctx, mapper, pair, gid, batch)


def _confirm(
    store: StateStore,
    op: Op,
    link: Link | None,
    result_id: str | None = None,
    *,
    before: Mapping[str, Any] | None = None,
) -> Link | None:
    """Op done, link saved and the write in the record's history: one transaction."""
    with store.transaction():
        store.set_op_state(op.op_key, "done", result_id=result_id)
        saved = store.save_link(link) if link is not None else None
        store.add_history([written(op, before=before, link=saved)])
        return saved


def _queue_key(
    ctx: PassContext, mapper: SyncMapper, pair: Pair, gid: str, batch: list[_Write]
) -> None:
    record = pair.ninox
    assert isinstance(record, Record)
    fields = {mapper.ninox_key: gid}
    op = Op(
        op_key=new_op_key(),
        link_id=pair.link.link_id if pair.link else None,
        target="ninox",
        kind="set_external_id",
        patch=fields,
        entity=pair.entity,
        ghl_id=gid,
        ninox_id=record.id,
        run_id=ctx.run_id,
    )
    batch.append(_Write(op, RecordWrite(id=record.id, fields=fields), pair, None))


# -- updates -------------------------------------------------------------------------------------


def _update(
    ctx: PassContext, mapper: SyncMapper, d: Decision, parents: Parents, batch: list[_Write]
) -> Program[None]:
    pair, entity = d.pair, d.pair.entity
    g, n = pair.ghl, pair.ninox
    assert isinstance(g, dict)
    assert isinstance(n, Record)
    gid = mapper.ghl_id(g)
    yield from record_conflicts(ctx, d, gid)
    writes = bool(d.to_ghl or d.to_ninox or d.key_write)
    report_update(ctx, d, gid)
    if ctx.dry_run:
        return
    if pair.link is None:
        # A first match: both ids are known, so the link is saved now, before any write.
        link = Link(
            entity=entity,
            ghl_id=gid,
            ninox_table=mapper.ninox_table,
            ninox_id=n.id,
            base=jsonable_values(d.settles_now),
            parent_link_id=_parent_id(parents, d.pair),
            last_origin="initial",
            error_count=1 if writes else 0,
            last_error="first match: writes outstanding" if writes else None,
        )
        if not writes:
            link = agreed(link, mapper, base=d.base, ghl=d.ghl, ninox=d.ninox, now=ctx.now)
            link = attrs.evolve(link, version=0)
        pair.link = yield from state(lambda s: s.save_link(link))
        if not writes:
            return
    elif not writes:
        # Nothing to write (or only agreed changes): store the agreement.
        agreement = agreed(
            pair.link,
            mapper,
            base=d.settles_now,
            ghl=d.ghl,
            ninox=d.ninox,
            now=ctx.now,
            ghl_updated_raw=g.get("dateUpdated"),
            ninox_sq=n.sequence,
        )
        if (
            agreement.base != pair.link.base
            or _digests(agreement) != _digests(pair.link)
            or pair.link.error_count
        ):
            pair.link = yield from state(lambda s: s.save_link(agreement))
        return
    if d.to_ghl:
        ok = yield from _update_ghl(ctx, mapper, d, parents)
        if not ok:
            return  # the Ninox half waits: the link is unsettled and compared next pass
    if d.to_ninox or d.key_write:
        # From GHL as it is now (after the GHL half), which holds every value to_ninox names.
        now = pair.ghl if isinstance(pair.ghl, dict) else g
        from_ghl = [f for f in d.to_ninox if f not in d.chosen]
        fields = mapper.ninox_write(now, from_ghl, refs=parents.by_ghl) if from_ghl else {}
        fields.update(mapper.ninox_values({f: d.chosen[f] for f in d.to_ninox if f in d.chosen}))
        if d.key_write:
            fields[mapper.ninox_key] = gid
        assert pair.link is not None
        op = Op(
            op_key=new_op_key(),
            link_id=pair.link.link_id,
            target="ninox",
            kind="update",
            patch=jsonable_values(fields),
            intended=jsonable_values(d.to_ninox),
            entity=entity,
            ghl_id=gid,
            ninox_id=n.id,
            run_id=ctx.run_id,
        )
        batch.append(_Write(op, RecordWrite(id=n.id, fields=fields), pair, d))


def _digests(link: Link) -> tuple[str | None, str | None]:
    return link.ghl_digest, link.ninox_digest


def _update_ghl(
    ctx: PassContext, mapper: SyncMapper, d: Decision, parents: Parents
) -> Program[bool]:
    pair, entity = d.pair, d.pair.entity
    g, n, link = pair.ghl, pair.ninox, pair.link
    assert isinstance(g, dict)
    assert isinstance(n, Record)
    assert link is not None
    gid = mapper.ghl_id(g)
    parent = parents.by_link.get(link.parent_link_id or -1) if entity != "contact" else None
    if parent is None and entity != "contact":
        parent = str(g.get("contactId") or "") or None
    # A value a person chose is written as chosen; the others come from the Ninox record.
    source = {**n.fields, **mapper.ninox_values(d.chosen)} if d.chosen else n.fields
    body = mapper.ghl_write(source, list(d.to_ghl), current=g)
    op = Op(
        op_key=new_op_key(),
        link_id=link.link_id,
        target="ghl",
        kind="update",
        patch=jsonable_values(body),
        intended=d.to_ghl,
        entity=entity,
        ghl_id=gid,
        ninox_id=n.id,
        parent_ghl_id=parent,
        run_id=ctx.run_id,
    )
    yield from state(lambda s: s.add_op(attrs.evolve(op, state="sent")))
    try:
        written = yield from perform(GhlUpdate(entity, gid, body, parent))  # type: ignore[arg-type]
    except (APIError, TypeError, ValueError) as exc:
        yield from _failed(ctx, pair, op, exc)
        return False
    pair.ghl = {**g, **written, "contactId": g.get("contactId") or written.get("contactId")}
    if entity == "contact":
        pair.ghl.pop("contactId", None)
    half = {f: d.base[f] for f in d.to_ghl if f in d.base}
    pending = bool(d.to_ninox or d.key_write)
    after = agreed(
        link,
        mapper,
        base={**d.settles_now, **half},
        ghl=mapper.ghl_canonical(pair.ghl),
        ninox=None,
        now=ctx.now,
        ghl_updated_raw=pair.ghl.get("dateUpdated"),
    )
    if pending:  # the Ninox half is still to come: stay unsettled until it lands
        after = unsettle(after, "the Ninox half of an update is outstanding")
    before = {f: d.ghl.get(f) for f in d.to_ghl}
    pair.link = yield from state(lambda s: _confirm(s, op, after, before=before))
    return True


def _failed(ctx: PassContext, pair: Pair, op: Op, exc: BaseException) -> Program[None]:
    """A write failed: ``failed`` when certainly not applied, else left ``sent`` for the
    recheck; the link (if any) is unsettled; the record is reported."""
    outcome = outcome_of(exc)
    link = unsettle(pair.link, f"{type(exc).__name__}: {exc}") if pair.link else None

    def write(s: StateStore) -> Link | None:
        with s.transaction():
            if outcome == "failed":
                s.set_op_state(op.op_key, "failed", error=str(exc)[:500])
            return s.save_link(link) if link is not None else None

    saved = yield from state(write)
    if saved is not None:
        pair.link = saved
    if transient(exc) or outcome == "unknown":
        ctx.hold_cursors(pair.entity)
    yield from ctx.park(pair.entity, pair.label, op.target, "write", exc)


# -- the Ninox batch -----------------------------------------------------------------------------


def _flush(
    ctx: PassContext, mapper: SyncMapper, batch: list[_Write], parents: Parents
) -> Program[None]:
    ops = [attrs.evolve(w.op, state="sent") for w in batch]

    def record(s: StateStore) -> None:
        with s.transaction():  # every intent is durable before the request
            for op in ops:
                s.add_op(op)

    yield from state(record)
    outcome = yield from perform(
        NinoxSave(mapper.ninox_table, tuple(w.write for w in batch), ctx.ninox_chunk)
    )
    results: list[tuple[_Write, Record | None, BaseException | None]] = [
        (w, outcome.saved.get(i), outcome.errors.get(i)) for i, w in enumerate(batch)
    ]
    settled = [_settle(ctx, mapper, w, rec, parents) for w, rec, err in results if err is None]
    confirmed = [w for w, _rec, err in results if err is None]
    failures = [(w, err) for w, _rec, err in results if err is not None]

    def write(s: StateStore) -> list[Link | None]:
        with s.transaction():  # every outcome of the batch, recorded at once
            out: list[Link | None] = []
            for (op, link), w in zip(settled, confirmed, strict=True):
                rid = str(link.ninox_id) if link is not None and link.ninox_id is not None else None
                s.set_op_state(op.op_key, "done", result_id=rid)
                saved = s.save_link(link) if link is not None else None
                out.append(saved)
                s.add_history([written(op, before=_ninox_before(w), link=saved)])
            for w, err in failures:
                if outcome_of(err) == "failed":
                    s.set_op_state(w.op.op_key, "failed", error=str(err)[:500])
                if w.pair.link is not None:
                    s.save_link(unsettle(w.pair.link, f"{type(err).__name__}: {err}"))
            return out

    yield from state(write)
    for w, err in failures:
        if transient(err) or outcome_of(err) == "unknown":
            ctx.hold_cursors(w.pair.entity)
        yield from ctx.park(w.pair.entity, w.pair.label, "ninox", "write", err)


def _ninox_before(w: _Write) -> dict[str, Any]:
    """The Ninox values an update replaced (nothing for a create or a GHL id)."""
    d = w.decision
    if d is None or d.action != "update":
        return {}
    return {f: d.ninox.get(f) for f in d.to_ninox}


def _settle(
    ctx: PassContext, mapper: SyncMapper, w: _Write, saved: Record | None, parents: Parents
) -> tuple[Op, Link | None]:
    """The op and the link a confirmed Ninox write leaves behind."""
    pair, d = w.pair, w.decision
    record = (
        saved if saved is not None else (pair.ninox if isinstance(pair.ninox, Record) else None)
    )
    ghl = pair.ghl if isinstance(pair.ghl, dict) else {}
    try:
        cn = mapper.ninox_canonical(record.fields) if record is not None else None
    except MappingError:
        cn = None
    if d is None:  # only the GHL id of a record created in GHL
        link = pair.link
        if link is None:
            return w.op, None
        return w.op, attrs.evolve(link, error_count=0, last_error=None, ninox_sq=_sq(record))
    cg = mapper.ghl_canonical(ghl)
    if d.action == "create_ninox":
        if record is None:
            return w.op, None
        now_ninox = jsonable_values(cn or {})
        link = Link(
            entity=pair.entity,
            ghl_id=mapper.ghl_id(ghl),
            ninox_table=mapper.ninox_table,
            ninox_id=record.id,
            parent_link_id=None,
            last_origin="ghl",
        )
        link = agreed(
            link,
            mapper,
            base={**now_ninox, **d.ghl},
            ghl=cg,
            ninox=cn,
            now=ctx.now,
            ghl_updated_raw=ghl.get("dateUpdated"),
            ninox_sq=_sq(record),
        )
        return w.op, attrs.evolve(link, version=0, parent_link_id=_parent_id(parents, pair))
    link = pair.link
    assert link is not None
    half = {f: d.base[f] for f in d.to_ninox if f in d.base}
    return w.op, agreed(
        link,
        mapper,
        base={**d.settles_now, **half},
        ghl=cg,
        ninox=cn,
        now=ctx.now,
        ghl_updated_raw=ghl.get("dateUpdated"),
        ninox_sq=_sq(record),
    )


def _sq(record: Record | None) -> int | None:
    return record.sequence if record is not None else None


def _parent_id(parents: Parents, pair: Pair) -> int | None:
    """The link of a child's contact (``None`` for a contact, or an unlinked contact)."""
    if pair.entity == "contact" or not isinstance(pair.ghl, dict):
        return None
    contact = pair.ghl.get("contactId")
    return parents.link_ids.get(str(contact)) if contact else None
