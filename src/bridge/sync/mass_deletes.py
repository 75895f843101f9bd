"""Carrying out a person's decision on a ``mass_delete`` review item.

The guard (`bridge.sync.deletes`) lists the deletions it held back, each record with the side
it vanished from. Approved, the next pass applies exactly those (not deletions found since),
each checked first: a record that is back is left alone, one still deleted is deleted on the
other side as any delete is (outbox, history, report). Rejected, the links of the records
still deleted become tombstones and nothing is written. The item is marked applied once every
listed record is settled; a record that failed keeps it ``resolved`` for the next pass, which
goes on with what is left (what is done is a tombstone by then, never deleted twice).

The check reads each record by id, or, with more than ``BULK_FROM`` records on one side,
that side's whole listing once (a Ninox table scan, the GHL contact listing).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final, Literal

import attrs

from bridge.mapping import SyncMapper
from bridge.state import Link, LinkState, ReviewItem, Side
from bridge.sync.context import GONE, Pair, PassContext
from bridge.sync.decide import Decision
from bridge.sync.deletes import DELETED, delete_one, tombstone
from bridge.sync.effects import GhlGet, GhlListContacts, NinoxAll, NinoxGet, Program, perform, state
from bridge.sync.pairing import Parents, load_parents
from ninoxsdk import APIError, NotFoundError

__all__ = ["BULK_FROM", "carry_out_mass_deletes"]

#: More listed records than this on one side: read that side's listing once, not by id.
BULK_FROM: Final = 25

Gone = Literal["ghl", "ninox", "both"]
_TOMBSTONE: Final[Mapping[str, LinkState]] = {
    "ghl": "tombstone_ghl",
    "ninox": "tombstone_ninox",
    "both": "tombstone_both",
}


def carry_out_mass_deletes(ctx: PassContext) -> Program[None]:
    """Stage 0c: the deletions of approved (or rejected) ``mass_delete`` items, exactly those
    listed (see the module)."""
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


@attrs.frozen
class _Present:
    """What one listing read found on each side (``None``: not read; check by id)."""

    ninox: frozenset[int] | None = None
    ghl: frozenset[str] | None = None


def _carry_out(
    ctx: PassContext, entity: str, item: ReviewItem, verdict: Literal["approve", "reject"]
) -> Program[bool]:
    mapper = ctx.mapper(entity)
    ids = {label: v for label, v in item.base_values.items() if isinstance(v, int)}
    found = yield from state(lambda s: {label: s.link(i) for label, i in ids.items()})
    links = {k: v for k, v in found.items() if v is not None and v.state == "active"}
    parents = yield from load_parents(ctx)
    present = yield from _listings(mapper, entity, [_gone(item, label) for label in links])
    settled = True
    for label, link in links.items():
        gone = _gone(item, label)
        if (entity, link.ghl_id) in ctx.blocked_ghl or (entity, link.ninox_id) in ctx.blocked_ninox:
            settled = False  # a write of unknown outcome: the next pass
            continue
        still = yield from _still_gone(ctx, mapper, link, gone, parents, label, present)
        if still is None:
            settled = False
        elif still and verdict == "reject":
            if not ctx.dry_run:
                yield from _save_link(tombstone(link, _TOMBSTONE[gone]))
            ctx.report.count(entity, "delete_rejected")
        elif still:
            pair = Pair(
                entity,
                link,
                GONE if gone in ("ghl", "both") else None,
                GONE if gone in ("ninox", "both") else None,
            )
            decision = Decision(pair=pair, action="delete", gone=gone)
            done = yield from delete_one(ctx, mapper, decision, parents)
            settled = settled and done
    return settled


def _gone(item: ReviewItem, label: str) -> Gone:
    in_ghl = item.ghl_values.get(label) == DELETED
    in_ninox = item.ninox_values.get(label) == DELETED
    return "both" if in_ghl and in_ninox else "ghl" if in_ghl else "ninox"


def _listings(mapper: SyncMapper, entity: str, gone: list[Gone]) -> Program[_Present]:
    """One listing per side with more than ``BULK_FROM`` records to check (an empty or
    failed read: check by id instead)."""
    ninox: frozenset[int] | None = None
    ghl: frozenset[str] | None = None
    try:
        if gone.count("ninox") > BULK_FROM:
            records = yield from perform(NinoxAll(mapper.ninox_table))
            ninox = frozenset(r.id for r in records) or None
        if entity == "contact" and gone.count("ghl") > BULK_FROM:
            contacts = yield from perform(GhlListContacts())
            ghl = frozenset(str(c["id"]) for c in contacts) or None
    except APIError:
        pass  # each record is read by id, and parked if that fails too
    return _Present(ninox, ghl)


def _still_gone(
    ctx: PassContext,
    mapper: SyncMapper,
    link: Link,
    gone: Gone,
    parents: Parents,
    label: str,
    present: _Present,
) -> Program[bool | None]:
    """Whether the record is still deleted where it was (``None``: could not tell; parked)."""
    side: Side = "ninox" if gone == "ninox" else "ghl"
    try:
        if gone == "ninox" and link.ninox_id is not None:
            if present.ninox is not None:
                return link.ninox_id not in present.ninox
            yield from perform(NinoxGet(mapper.ninox_table, link.ninox_id))
        elif gone == "ghl" and link.ghl_id is not None:
            if present.ghl is not None:
                return link.ghl_id not in present.ghl
            parent = parents.by_link.get(link.parent_link_id or -1)
            if link.entity in ("task", "note") and parent is None:
                return True  # its contact is deleted: GHL deleted its children with it
            yield from perform(GhlGet(link.entity, link.ghl_id, parent))  # type: ignore[arg-type]
        else:
            return True  # deleted on both sides
    except NotFoundError:
        return True
    except APIError as exc:
        yield from ctx.park(link.entity, label, side, "read", exc)
        return None
    return False
