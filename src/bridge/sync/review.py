"""Resolving the review queue, and carrying resolutions out in the next pass.

A field conflict under the ``MANUAL`` policy stays contested until a person picks a value:
:func:`resolve` records the choice (keep GHL's value, keep Ninox's, or set one), and the next
pass writes it to both sides through the outbox, moves the field's agreed value to it, and
marks the item ``applied``. A ``mass_delete`` item is approved (the next pass applies
exactly the deletions it lists) or rejected (the next pass tombstones their links and writes
nothing), see `bridge.sync.mass_deletes`. Other items (an ambiguous match) are resolved by
dismissing them once a person has dealt with the records; any item can be dismissed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from bridge.state import ReviewItem, StateStore
from bridge.sync.context import Override, PassContext
from bridge.sync.effects import Program, state
from bridge.sync.mass_deletes import carry_out_mass_deletes

__all__ = ["VALUE_KINDS", "Override", "load_resolutions", "resolve", "settle_resolutions"]


def resolve(
    store: StateStore,
    review_id: int,
    *,
    keep: Literal["ghl", "ninox"] | None = None,
    values: Mapping[str, Any] | None = None,
    approve: bool = False,
    reject: bool = False,
    dismiss: bool = False,
) -> ReviewItem:
    """Record how a person resolved an open review item; the next pass carries it out.

    A ``field_conflict`` takes ``keep="ghl"`` / ``keep="ninox"`` or ``values`` (its fields
    only); a ``mass_delete`` takes ``approve=True`` (the next pass applies exactly the
    deletions listed) or ``reject=True`` (their links become tombstones, nothing is deleted);
    any item can be ``dismiss``-ed. The resolution is stored before this returns, so a crash
    before the next pass loses nothing. Raises ``KeyError`` when the item is not open and
    ``ValueError`` for a resolution that does not fit it, before anything is written.
    """
    item = store.review(review_id)
    if item is None or item.status != "open":
        raise KeyError(f"no open review item {review_id} (ghl-ninox review list shows them)")
    given = (("keep", keep), ("values", values), ("approve", approve), ("reject", reject))
    chosen = [name for name, value in (*given, ("dismiss", dismiss)) if value]
    if len(chosen) != 1:
        raise ValueError(
            "resolve with exactly one of keep=, values=, approve=True, reject=True or dismiss=True"
        )
    _check_fits(item, keep=keep, values=values, verdict=approve or reject)
    resolution: dict[str, Any] = (
        {"dismiss": True}
        if dismiss
        else {"approve": True}
        if approve
        else {"reject": True}
        if reject
        else {"keep": keep}
        if keep
        else {"set": dict(values or {})}
    )
    store.resolve_review(review_id, json.dumps(resolution, sort_keys=True))
    if dismiss:
        store.set_review_status(review_id, "applied")  # nothing for a pass to carry out
    done = store.review(review_id)
    assert done is not None
    return done


#: Items a person settles by picking values (keep one side, or set them).
VALUE_KINDS = ("field_conflict", "upsert_guard")


def _check_fits(
    item: ReviewItem,
    *,
    keep: str | None,
    values: Mapping[str, Any] | None,
    verdict: bool,
) -> None:
    """``ValueError`` when a resolution does not fit ``item``."""
    review_id = item.review_id
    if keep is not None and keep not in ("ghl", "ninox"):
        raise ValueError(f"keep must be 'ghl' or 'ninox', not {keep!r}")
    if (keep or values) and item.kind not in VALUE_KINDS:
        hint = "approved, rejected or dismissed" if item.kind == "mass_delete" else "dismissed"
        raise ValueError(f"a {item.kind} item can only be {hint}")
    if verdict and item.kind != "mass_delete":
        raise ValueError(f"only a mass_delete item is approved or rejected, not a {item.kind}")
    if verdict and not item.fields:
        raise ValueError(
            f"item {review_id} lists no records (a table read empty: an outage or a wrong "
            "database?); it can only be dismissed"
        )
    if values is not None:
        unknown = sorted(set(values) - set(item.fields))
        if unknown or not values:
            raise ValueError(
                f"item {review_id} is about {list(item.fields)}; cannot set {unknown or 'nothing'}"
            )
        json.dumps(dict(values))  # a value must be storable (JSON) before it is recorded


def _overrides(item: ReviewItem) -> dict[str, Override]:
    try:
        resolution = json.loads(item.resolution or "{}")
    except ValueError:
        return {}
    if resolution.get("keep") in ("ghl", "ninox"):
        return {f: (resolution["keep"], None) for f in item.fields}
    if isinstance(resolution.get("set"), dict):
        return {f: ("set", v) for f, v in resolution["set"].items() if f in item.fields}
    return {}


def load_resolutions(ctx: PassContext) -> Program[None]:
    """Stage 0b: resolved field conflicts become overrides of their links for this pass;
    approved or rejected mass deletes are carried out."""
    yield from carry_out_mass_deletes(ctx)
    items = yield from state(lambda s: s.reviews("resolved", limit=1000))
    links = yield from state(lambda s: {i.review_id: s.link(i.link_id) for i in items if i.link_id})
    for item in items:
        link = links.get(item.review_id)
        if link is None or item.review_id is None or link.link_id is None:
            continue
        ctx.overrides.setdefault(link.link_id, {}).update(_overrides(item))
        ctx.resolving.setdefault(link.link_id, []).append(item.review_id)
        if link.ninox_id is not None:  # read this pass; its GHL side follows by the link
            ctx.work_for(link.entity).ninox.add(link.ninox_id)


def settle_resolutions(ctx: PassContext) -> Program[None]:
    """Mark resolved items applied once their link agrees again (their writes landed)."""
    if not ctx.resolving or ctx.dry_run:
        return
    pending = dict(ctx.resolving)

    def write(s: StateStore) -> int:
        done = 0
        with s.transaction():
            for link_id, review_ids in pending.items():
                link = s.link(link_id)
                if link is not None and link.error_count == 0 and link_id in ctx.carried_out:
                    for review_id in review_ids:
                        s.set_review_status(review_id, "applied")
                        done += 1
        return done

    done = yield from state(write)
    if done:
        ctx.report.count("review", "applied", done)
