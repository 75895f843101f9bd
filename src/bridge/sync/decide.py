"""Deciding, purely: one pair and its agreed base → the writes it needs.

No I/O and no state: [`decide`][bridge.sync.decide.decide] looks at the pair's two sides and its
link, and calls [`bridge.conflicts.reconcile`][bridge.conflicts.reconcile] for the field-by-field
three-way merge. ``sync()`` applies the decisions, ``plan()`` only reports them; tests call it
directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from bridge.conflicts import FieldConflict, Policy, PreferNonEmpty, Winner, reconcile
from bridge.mapping import SyncMapper
from bridge.sync.config import SyncConfig
from bridge.sync.context import GONE, Override, Pair
from bridge.sync.feeds import stamp
from bridge.sync.outbox import jsonable_values
from ninoxsdk import Record

__all__ = ["GHL_WRITABLE", "Action", "Decision", "decide"]

Action = Literal["noop", "create_ninox", "create_ghl", "update", "delete", "skip"]
#: Entities the engine can write in GHL (appointments need the calendars API).
GHL_WRITABLE = ("contact", "task", "note", "appointment")


@attrs.frozen(kw_only=True)
class Decision:
    """What one pair needs.

    ``to_ghl`` / ``to_ninox`` hold the canonical values to write on each side. ``base`` is
    the agreed base once every write is confirmed; each field's base moves only when the
    write that establishes it is confirmed. ``key_write``: the Ninox record must be given its
    GHL id. ``gone``: for a delete, the side where the record disappeared.
    """

    pair: Pair
    action: Action
    to_ghl: Mapping[str, Any] = attrs.field(factory=dict)
    to_ninox: Mapping[str, Any] = attrs.field(factory=dict)
    base: Mapping[str, Any] = attrs.field(factory=dict)
    ghl: Mapping[str, Any] = attrs.field(factory=dict)
    ninox: Mapping[str, Any] = attrs.field(factory=dict)
    key_write: bool = False
    settled: Mapping[str, Winner] = attrs.field(factory=dict)
    review: Mapping[str, FieldConflict] = attrs.field(factory=dict)
    gone: Literal["ghl", "ninox", "both"] | None = None
    #: Values a person set in the review queue (canonical): written as they are.
    chosen: Mapping[str, Any] = attrs.field(factory=dict)
    #: undo: fields changed since the run undone, left as they are.
    untouched: tuple[str, ...] = ()
    reason: str = ""

    @property
    def settles_now(self) -> Mapping[str, Any]:
        """The base of the fields that need no write: it moves right away."""
        pending = {*self.to_ghl, *self.to_ninox, *self.review}
        return {k: v for k, v in self.base.items() if k not in pending}


def decide(
    mapper: SyncMapper,
    pair: Pair,
    config: SyncConfig,
    overrides: Mapping[str, Override] | None = None,
) -> Decision:
    """The writes ``pair`` needs. ``overrides``: fields a person resolved in the review
    queue, written to both sides as chosen. Raises [`MappingError`][bridge.mapping.MappingError]
    when a side cannot be mapped (the caller parks the record)."""
    link, g, n = pair.link, pair.ghl, pair.ninox
    if link is not None and link.state != "active":
        return Decision(pair=pair, action="noop", reason="tombstoned")
    if g is GONE or n is GONE:
        if link is None:
            return Decision(pair=pair, action="noop", reason="never linked")
        gone: Literal["ghl", "ninox", "both"] = (
            "both" if g is GONE and n is GONE else ("ghl" if g is GONE else "ninox")
        )
        return Decision(pair=pair, action="delete", gone=gone)
    if isinstance(g, dict) and n is None:
        if link is not None:
            return Decision(pair=pair, action="noop", reason="Ninox side unreadable")
        return Decision(pair=pair, action="create_ninox", ghl=mapper.ghl_canonical(g))
    if isinstance(n, Record) and g is None:
        return _from_ninox_only(mapper, pair, n, config)
    if not isinstance(g, dict) or not isinstance(n, Record):
        return Decision(pair=pair, action="noop")
    return _both(mapper, pair, g, n, config, overrides or {})


def _from_ninox_only(mapper: SyncMapper, pair: Pair, n: Record, config: SyncConfig) -> Decision:
    if pair.link is not None:
        return Decision(pair=pair, action="noop", reason="GHL side unreadable")
    if mapper.ninox_ghl_id(n.fields):
        return Decision(
            pair=pair, action="skip", reason="it names a GHL record that is not readable"
        )
    cn = mapper.ninox_canonical(n.fields)
    directions = mapper.directions()
    to_ghl = {f: v for f, v in cn.items() if directions.get(f, "both") != "ghl_to_ninox"}
    if pair.entity not in GHL_WRITABLE or not to_ghl:
        return Decision(
            pair=pair, action="skip", reason=f"{pair.entity}s are synced GHL -> Ninox only"
        )
    if pair.entity == "appointment" and not config.appointment_calendar_id:
        return Decision(
            pair=pair,
            action="skip",
            reason="set SyncConfig(appointment_calendar_id=...) (the GHL calendar to book "
            "appointments made in Ninox on) to send it to GHL",
        )
    return Decision(pair=pair, action="create_ghl", ninox=cn, to_ghl=jsonable_values(to_ghl))


def _both(
    mapper: SyncMapper,
    pair: Pair,
    g: dict[str, Any],
    n: Record,
    config: SyncConfig,
    overrides: Mapping[str, Override],
) -> Decision:
    link = pair.link
    cg, cn = mapper.ghl_canonical(g), mapper.ninox_canonical(n.fields)
    key_write = mapper.ninox_ghl_id(n.fields) != mapper.ghl_id(g)
    if (
        link is not None
        and not overrides
        and link.error_count == 0
        and not key_write
        and link.ghl_digest == mapper.digest(cg)
        and link.ninox_digest == mapper.digest(cn)
    ):
        return Decision(pair=pair, action="noop", ghl=cg, ninox=cn)
    base = dict(link.base) if link is not None else {}
    policies, default = config.policy_for(pair.entity)
    directions = {k: _direction(v) for k, v in mapper.directions().items()}
    # A field never agreed on (a first match) keeps any value over a blank.
    first = PreferNonEmpty(tie_breaker=config.initial_winner)
    fresh: dict[str, Policy] = {f: first for f in directions if f not in base}
    plan = reconcile(
        base,
        jsonable_values(cg),
        jsonable_values(cn),
        directions=directions,
        policies={**policies, **fresh},
        default_policy=default,
        ghl_updated_at=stamp(g.get("dateUpdated")),
        ninox_modified_at=n.modified_at,
    )
    to_ghl, to_ninox, base = dict(plan.to_ghl), dict(plan.to_ninox), dict(plan.base)
    review, settled = dict(plan.review), dict(plan.settled)
    jg, jn = jsonable_values(cg), jsonable_values(cn)
    chosen_values: dict[str, Any] = {}
    untouched: list[str] = []
    for field, (side, value) in overrides.items():
        if field not in directions:
            continue
        if side == "undo":
            written_side, before, after = value
            if (jg if written_side == "ghl" else jn).get(field) != after:
                untouched.append(field)  # changed since the run: left alone
                continue
            chosen = before
        else:
            chosen = jg.get(field) if side == "ghl" else jn.get(field) if side == "ninox" else value
        review.pop(field, None)
        settled.pop(field, None)
        to_ghl.pop(field, None)
        to_ninox.pop(field, None)
        if jg.get(field) != chosen and directions[field] != "ghl_to_ninox":
            to_ghl[field] = chosen
        if jn.get(field) != chosen and directions[field] != "ninox_to_ghl":
            to_ninox[field] = chosen
        base[field] = chosen
        if side in ("set", "undo"):
            chosen_values[field] = chosen
    reason = ""
    if to_ghl and pair.entity not in GHL_WRITABLE:
        to_ghl, reason = {}, f"{pair.entity}s are synced GHL -> Ninox only"
    return Decision(
        pair=pair,
        action="update",
        to_ghl=to_ghl,
        to_ninox=to_ninox,
        base=base,
        ghl=cg,
        ninox=cn,
        key_write=key_write,
        settled=settled,
        review=review,
        chosen=chosen_values,
        untouched=tuple(untouched),
        reason=reason,
    )


def _direction(value: str) -> Literal["both", "ghl_to_ninox", "ninox_to_ghl"]:
    if value in ("ghl_to_ninox", "ninox_to_ghl"):
        return value  # type: ignore[return-value]
    return "both"
