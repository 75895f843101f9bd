"""What a pass tells people besides writing: the report's changes and conflicts, conflicts
kept in each record's history, and review items for what a person must decide."""

from __future__ import annotations

from typing import Literal

from bridge.state import HistoryEntry, Link, Op, ReviewItem, StateStore
from bridge.sync.context import Pair, PassContext
from bridge.sync.decide import Decision
from bridge.sync.effects import Program, state
from bridge.sync.report import Change, ConflictInfo, jsonable
from ninoxsdk import Record

__all__ = ["duplicate_match", "record_conflicts", "report_update"]


def report_update(ctx: PassContext, d: Decision, gid: str) -> None:
    entity = d.pair.entity
    if d.to_ghl:
        fields = {k: (jsonable(d.ghl.get(k)), v) for k, v in d.to_ghl.items()}
        ctx.report.changes.append(Change(entity, "update", "ghl", gid, fields))
        ctx.report.count(entity, "update_ghl")
    if d.to_ninox:
        fields = {k: (jsonable(d.ninox.get(k)), v) for k, v in d.to_ninox.items()}
        ctx.report.changes.append(Change(entity, "update", "ninox", gid, fields))
        ctx.report.count(entity, "update_ninox")
    elif d.key_write:
        ctx.report.changes.append(Change(entity, "update", "ninox", gid, {"(link)": (None, gid)}))
        ctx.report.count(entity, "update_ninox")
    if not (d.to_ghl or d.to_ninox or d.key_write or d.review):
        ctx.report.count(entity, "unchanged")


def record_conflicts(ctx: PassContext, d: Decision, gid: str) -> Program[None]:
    """Report the conflicts of a pair; keep each in its history, open review items."""
    entity, link = d.pair.entity, d.pair.link
    n = d.pair.ninox
    ninox_id = n.id if isinstance(n, Record) else None
    entries: list[HistoryEntry] = []
    items: list[ReviewItem] = []
    for field, winner in d.settled.items():
        info = ConflictInfo(entity, gid, field, d.ghl.get(field), d.ninox.get(field), winner)
        ctx.report.conflicts.append(info)
        ctx.report.count(entity, "conflict")
        entries.append(_decision(ctx, d, "conflict", field, winner, gid, ninox_id))
    for field, conflict in d.review.items():
        ctx.report.conflicts.append(
            ConflictInfo(entity, gid, field, conflict.ghl, conflict.ninox, "manual")
        )
        ctx.report.count(entity, "review")
        entries.append(_decision(ctx, d, "review", field, "manual", gid, ninox_id))
        items.append(
            ReviewItem(
                kind="field_conflict",
                link_id=link.link_id if link else None,
                source_ref=gid,
                fields=(field,),
                ghl_values={field: jsonable(conflict.ghl)},
                ninox_values={field: jsonable(conflict.ninox)},
                base_values={field: jsonable(conflict.base)},
            )
        )
    if entries and not ctx.dry_run:

        def write(s: StateStore) -> None:
            with s.transaction():
                s.add_history(entries)
                for item in items:
                    s.add_review(item)

        yield from state(write)


def _decision(
    ctx: PassContext,
    d: Decision,
    action: Literal["conflict", "review"],
    field: str,
    winner: str,
    gid: str,
    ninox_id: int | None,
) -> HistoryEntry:
    """A conflict as history: both sides' values before, the winner's after."""
    chosen = d.ghl.get(field) if winner == "ghl" else d.ninox.get(field)
    return HistoryEntry(
        entity=d.pair.entity,
        action=action,
        side="ninox" if winner == "ghl" else "ghl",
        ghl_id=gid,
        ninox_id=ninox_id,
        link_id=d.pair.link.link_id if d.pair.link else None,
        before={
            f"{field} (GHL)": jsonable(d.ghl.get(field)),
            f"{field} (Ninox)": jsonable(d.ninox.get(field)),
        },
        after={field: jsonable(chosen)} if winner != "manual" else {},
        run_id=ctx.run_id,
    )


def duplicate_match(ctx: PassContext, op: Op, pair: Pair, taken: Link, gid: str) -> Program[None]:
    record = pair.ninox
    assert isinstance(record, Record)
    item = ReviewItem(
        kind="ambiguous_match",
        link_id=taken.link_id,
        source_ref=f"ninox:{record.id}",
        ninox_values={"ninox_id": record.id, "linked_ninox_id": taken.ninox_id},
        ghl_values={"ghl_id": gid},
    )

    def write(s: StateStore) -> None:
        with s.transaction():
            s.set_op_state(op.op_key, "done", result_id=gid)
            s.add_review(item)

    yield from state(write)
    message = (
        f"GHL matched it to contact {gid}, which is already linked to ninox:{taken.ninox_id} "
        "(the same email or phone); not linked, see the review queue"
    )
    yield from ctx.park(pair.entity, pair.label, "ghl", "plan", message)
