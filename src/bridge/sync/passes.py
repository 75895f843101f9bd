"""One pass as a pipeline: recheck → feeds → pairing → decide → apply → deletes → cursors.

[`sync_pass`][bridge.sync.passes.sync_pass] is what `SyncEngine.sync` runs and, with ``dry_run``,
what `SyncEngine.plan` runs (the same stages, writing nothing).
[`event_pass`][bridge.sync.passes.event_pass] runs the same stages for one record a webhook named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bridge.mapping import MappingError
from bridge.state import HistoryEntry, Side
from bridge.sync.apply import apply_decisions
from bridge.sync.backfill import plan_backfill
from bridge.sync.children import children_of, every_contact
from bridge.sync.context import GONE, Gone, Pair, PassContext
from bridge.sync.decide import Decision, decide
from bridge.sync.deletes import apply_deletes, guard_mass_delete, scan_for_deletes
from bridge.sync.effects import GhlGet, Program, perform, state
from bridge.sync.feeds import ghl_children, ghl_contacts, move_cursors, ninox_changes
from bridge.sync.interpret import Together
from bridge.sync.outbox import KEEP_FINISHED_OPS
from bridge.sync.pairing import Parents, load_parents, missing_children, pair_entity
from bridge.sync.recheck import recheck_open_ops
from bridge.sync.report import ErrorInfo, RunReport
from bridge.sync.review import load_resolutions, settle_resolutions
from ninoxsdk import NotFoundError, Record

__all__ = ["event_pass", "sync_pass", "undo_pass"]


def sync_pass(ctx: PassContext) -> Program[RunReport]:
    if not ctx.dry_run:
        yield from recheck_open_ops(ctx)
    yield from load_resolutions(ctx)
    highs: dict[str, int] = {}
    entities = reading_order(ctx.mappers)
    ninox_contacts: dict[int, Record] = {}
    if "contact" in entities:
        contacts, ninox_contacts = yield from _contacts_both_sides(ctx, highs)
    else:
        contacts = yield from ghl_contacts(ctx)
    parents = yield from load_parents(ctx)
    changed = yield from children_of(ctx, contacts, parents)  # before contacts settle
    if "contact" in entities:
        yield from _entity(ctx, "contact", dict(contacts), ninox_contacts, parents)
        parents = yield from load_parents(ctx)  # children need the contacts' links as they are
    bulk = [e for e in entities if e not in ("contact", "note")]
    if "note" in entities:
        # GHL's one call per contact for notes runs beside the Ninox writes of the rest.
        read = changed
        if not every_contact(ctx):
            read = yield from plan_backfill(ctx, "note", changed, parents)
        _done, notes = yield from perform(
            Together(_children(ctx, bulk, changed, parents, highs), ghl_children(ctx, "note", read))
        )
        items = yield from _with_missing(ctx, "note", notes, parents)
        ninox_notes, highs["note"] = yield from ninox_changes(ctx, "note")
        yield from _entity(ctx, "note", items, ninox_notes, parents)
    else:
        yield from _children(ctx, bulk, changed, parents, highs)
    yield from settle_resolutions(ctx)
    yield from move_cursors(ctx, highs)
    return ctx.report


def _children(
    ctx: PassContext,
    entities: Sequence[str],
    contacts: Sequence[str],
    parents: Parents,
    highs: dict[str, int],
) -> Program[None]:
    # One after the other: this runs beside the notes' reads, and a Together holds no other.
    for entity in entities:
        found = yield from ghl_children(ctx, entity, contacts)
        items = yield from _with_missing(ctx, entity, found, parents)
        ninox_items, highs[entity] = yield from ninox_changes(ctx, entity)
        yield from _entity(ctx, entity, items, ninox_items, parents)


def _contacts_both_sides(
    ctx: PassContext, highs: dict[str, int]
) -> Program[tuple[dict[str, dict[str, Any]], dict[int, Record]]]:
    """The GHL contacts and the Ninox contacts changed, read side by side (a big Ninox table
    on a first sync pages while GHL does); the Ninox high-water mark goes in ``highs``."""
    found, (ninox_items, highs["contact"]) = yield from perform(
        Together(ghl_contacts(ctx), ninox_changes(ctx, "contact"))
    )
    return found, ninox_items


def _with_missing(
    ctx: PassContext,
    entity: str,
    found: tuple[dict[str, dict[str, Any]], set[str]],
    parents: Parents,
) -> Program[dict[str, dict[str, Any] | Gone]]:
    """The children read, and the linked ones missing from a contact's whole list."""
    children, whole = found
    items: dict[str, dict[str, Any] | Gone] = {**children}
    items.update((yield from missing_children(entity, whole, children, parents)))
    return items


def _entity(
    ctx: PassContext,
    entity: str,
    ghl_items: dict[str, dict[str, Any] | Gone],
    ninox_items: dict[int, Record],
    parents: Parents,
) -> Program[None]:
    """Pair what GHL gave with what changed in Ninox, decide, apply (and scan for deletes)."""
    pairs = yield from pair_entity(ctx, entity, ghl_items, ninox_items, parents)
    yield from _settle(ctx, entity, pairs, parents)
    if ctx.scan_deletes:
        gone = yield from scan_for_deletes(ctx, entity)
        yield from _settle(ctx, entity, gone, parents)
    if not ctx.dry_run:
        yield from state(lambda s: s.prune_ops(keep_last=KEEP_FINISHED_OPS))


def reading_order(entities: Iterable[str]) -> list[str]:
    """Contacts first, then tasks and appointments (bulk reads), notes last: their one call
    per contact must not hold back the rest."""
    rank = {"contact": 0, "note": 2}
    return sorted(entities, key=lambda e: rank.get(e, 1))


def event_pass(
    ctx: PassContext, entity: str, ghl_id: str, contact_id: str | None, deleted: bool
) -> Program[RunReport]:
    """Reconcile one GHL record right away; no cursor moves (the next poll is the safety
    net). A task or note event without its contact waits for the poller."""
    if entity not in ctx.mappers:
        return ctx.report
    if not ctx.dry_run:
        yield from recheck_open_ops(ctx)
    wire: dict[str, Any] | Gone | None = GONE if deleted else None
    if not deleted:
        if entity in ("task", "note") and contact_id is None:
            return ctx.report
        try:
            wire = yield from perform(GhlGet(entity, ghl_id, contact_id))  # type: ignore[arg-type]
        except NotFoundError:
            wire = GONE
        if isinstance(wire, dict) and entity == "contact":
            ctx.ghl_contacts[ghl_id] = wire
    parents = yield from load_parents(ctx)
    pairs = yield from pair_entity(ctx, entity, {ghl_id: wire} if wire else {}, {}, parents)
    yield from _settle(ctx, entity, pairs, parents)
    return ctx.report


def undo_pass(ctx: PassContext, entries: Sequence[HistoryEntry]) -> Program[RunReport]:
    """Put back the values a run wrote, on both sides, where nobody changed them since.

    Each field an update of the run wrote is set back to its value before the run, on both
    sides, unless the side the run wrote no longer holds what it wrote (someone changed it
    since: listed, left alone). Creates and deletes are listed and left alone. No cursor
    moves; the writes are a run of their own, with their own history."""
    yield from recheck_open_ops(ctx)
    fields: dict[tuple[int, str], tuple[HistoryEntry, Any, Any]] = {}
    for entry in reversed(entries):  # oldest first: the first before, the last after
        if entry.action != "update" or entry.link_id is None:
            if entry.action in ("create", "delete", "soft_delete"):
                ctx.report.errors.append(
                    ErrorInfo(
                        entry.entity,
                        entry.ghl_id or f"ninox:{entry.ninox_id}",
                        entry.side,
                        f"a {entry.action} is not undone; left as it is",
                    )
                )
            continue
        for name, after in entry.after.items():
            first = fields.get((entry.link_id, name))
            before = first[1] if first else entry.before.get(name)
            fields[(entry.link_id, name)] = (entry, before, after)
    for (link_id, name), (entry, before, after) in fields.items():
        ctx.overrides.setdefault(link_id, {})[name] = ("undo", (entry.side, before, after))
        if entry.ninox_id is not None:
            ctx.work_for(entry.entity).ninox.add(entry.ninox_id)
    for entity in ctx.mappers:
        if entity in ctx.work:
            parents = yield from load_parents(ctx)
            pairs = yield from pair_entity(ctx, entity, {}, {}, parents)
            yield from _settle(ctx, entity, pairs, parents)
    for link_id, names in ctx.changed_since.items():
        ctx.report.errors.append(
            ErrorInfo(
                "*",
                f"link {link_id}",
                "both",
                f"{', '.join(sorted(names))} changed since the run; left as they are",
            )
        )
    return ctx.report


def _settle(ctx: PassContext, entity: str, pairs: list[Pair], parents: Parents) -> Program[None]:
    """Decide every pair (purely), guard the deletes, apply."""
    mapper = ctx.mapper(entity)
    decisions: list[Decision] = []
    for pair in pairs:
        link_id = pair.link.link_id if pair.link else None
        overrides = ctx.overrides.get(link_id) if link_id is not None else None
        try:
            decision = decide(mapper, pair, ctx.config, overrides)
            decisions.append(decision)
            if overrides and link_id is not None:
                ctx.carried_out.add(link_id)
                if decision.untouched:
                    ctx.changed_since[link_id] = list(decision.untouched)
        except (MappingError, TypeError, ValueError) as exc:
            side: Side = "ninox" if isinstance(pair.ninox, Record) else "ghl"
            yield from ctx.park(entity, pair.label, side, "map", exc)
    decisions = yield from guard_mass_delete(ctx, entity, decisions)
    yield from apply_decisions(ctx, entity, [d for d in decisions if d.action != "delete"], parents)
    yield from apply_deletes(ctx, entity, decisions, parents)
