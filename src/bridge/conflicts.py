"""Conflict policies and the pure three-way reconcile of one linked pair.

`reconcile` compares each side's canonical values with the last agreed ``base``, field by
field. A field changed on one side only is copied to the other; changed on both sides to the
same value it is simply agreed; changed on both to different values it is a conflict, settled
by that field's policy. Edits to different fields of one record both survive. Nothing here does
I/O: the sync engine, the webhook handler and ``plan()`` all call this one function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, TypeAlias

import attrs

__all__ = [
    "GHL_WINS",
    "MANUAL",
    "NINOX_WINS",
    "PREFER_NON_EMPTY",
    "Direction",
    "FieldConflict",
    "Newest",
    "Plan",
    "Policy",
    "PreferNonEmpty",
    "Winner",
    "reconcile",
    "resolve",
]

Winner = Literal["ghl", "ninox", "manual"]
Direction = Literal["both", "ghl_to_ninox", "ninox_to_ghl"]


@attrs.frozen(kw_only=True)
class FieldConflict:
    """One field changed on both sides to different values since they last agreed."""

    field: str
    base: Any
    ghl: Any
    ninox: Any
    ghl_updated_at: datetime | None = None
    ninox_modified_at: datetime | None = None


#: A policy is any callable from a conflict to the winning side (or ``"manual"``).
Policy: TypeAlias = Callable[[FieldConflict], Winner]


@attrs.frozen
class _Fixed:
    winner: Winner

    def __call__(self, conflict: FieldConflict) -> Winner:
        return self.winner


#: GHL's value wins (GHL is the master for contacts by default).
GHL_WINS: Policy = _Fixed("ghl")
#: Ninox's value wins.
NINOX_WINS: Policy = _Fixed("ninox")
#: Neither side is written; the field goes to the review queue and stays contested.
MANUAL: Policy = _Fixed("manual")


@attrs.frozen
class Newest:
    """The side whose record changed last wins, if the two times differ by more than
    ``tolerance`` (clocks of two services are never exactly in step); otherwise, or when a
    time is missing, ``tie_breaker`` decides. Neither API has per-field times, so the record's
    update time stands for every field."""

    tolerance: timedelta = timedelta(minutes=5)
    tie_breaker: Winner = "manual"

    def __call__(self, conflict: FieldConflict) -> Winner:
        g, n = conflict.ghl_updated_at, conflict.ninox_modified_at
        if g is None or n is None or abs(g - n) <= self.tolerance:
            return self.tie_breaker
        return "ghl" if g > n else "ninox"


@attrs.frozen
class PreferNonEmpty:
    """An empty value never overwrites a filled one; two filled values go to ``tie_breaker``."""

    tie_breaker: Winner = "ghl"

    def __call__(self, conflict: FieldConflict) -> Winner:
        ghl_empty, ninox_empty = _is_empty(conflict.ghl), _is_empty(conflict.ninox)
        if ghl_empty != ninox_empty:
            return "ninox" if ghl_empty else "ghl"
        return self.tie_breaker


PREFER_NON_EMPTY: Policy = PreferNonEmpty()


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def resolve(conflict: FieldConflict, policy: Policy) -> Winner:
    """Apply ``policy``; a user callable returning anything else is a clear error."""
    winner = policy(conflict)
    if winner not in ("ghl", "ninox", "manual"):
        raise ValueError(
            f"conflict policy for field {conflict.field!r} returned {winner!r}; "
            "return 'ghl', 'ninox' or 'manual'"
        )
    return winner


@attrs.frozen(kw_only=True)
class Plan:
    """What to do for one pair: the field values to write on each side, the new agreed base,
    the fields sent to review, the conflicts settled automatically, and edits ignored because
    the field's direction does not allow them."""

    to_ghl: Mapping[str, Any]
    to_ninox: Mapping[str, Any]
    base: Mapping[str, Any]
    review: Mapping[str, FieldConflict]
    settled: Mapping[str, Winner]
    ignored: tuple[str, ...]

    @property
    def is_noop(self) -> bool:
        return not (self.to_ghl or self.to_ninox or self.review)


_MISSING: Any = object()


def reconcile(
    base: Mapping[str, Any],
    ghl: Mapping[str, Any],
    ninox: Mapping[str, Any],
    *,
    directions: Mapping[str, Direction],
    policies: Mapping[str, Policy] | None = None,
    default_policy: Policy = GHL_WINS,
    ghl_updated_at: datetime | None = None,
    ninox_modified_at: datetime | None = None,
) -> Plan:
    """Three-way merge of one pair, field by field, over the fields in ``directions``.

    ``base``, ``ghl`` and ``ninox`` hold canonical values (so ``==`` means "the same"). A
    field missing from one side's values is treated as unchanged on that side (the side does
    not carry it, e.g. a one-way field).
    """
    to_ghl: dict[str, Any] = {}
    to_ninox: dict[str, Any] = {}
    new_base = dict(base)
    review: dict[str, FieldConflict] = {}
    settled: dict[str, Winner] = {}
    ignored: list[str] = []
    policies = policies or {}
    for field, direction in directions.items():
        was = base.get(field)
        g = ghl.get(field, _MISSING)
        n = ninox.get(field, _MISSING)
        g_changed = g is not _MISSING and g != was
        n_changed = n is not _MISSING and n != was
        if not g_changed and not n_changed:
            continue
        if g_changed and n_changed:
            if g == n:
                new_base[field] = g
                continue
            conflict = FieldConflict(
                field=field,
                base=was,
                ghl=g,
                ninox=n,
                ghl_updated_at=ghl_updated_at,
                ninox_modified_at=ninox_modified_at,
            )
            winner = resolve(conflict, policies.get(field, default_policy))
            winner = _allowed(winner, direction)
            if winner == "manual":
                review[field] = conflict
                continue
            settled[field] = winner
            g_changed, n_changed = winner == "ghl", winner == "ninox"
        if g_changed:
            if direction == "ninox_to_ghl":
                ignored.append(field)
                continue
            to_ninox[field] = g
            new_base[field] = g
        else:
            if direction == "ghl_to_ninox":
                ignored.append(field)
                continue
            to_ghl[field] = n
            new_base[field] = n
    return Plan(
        to_ghl=to_ghl,
        to_ninox=to_ninox,
        base=new_base,
        review=review,
        settled=settled,
        ignored=tuple(ignored),
    )


def _allowed(winner: Winner, direction: Direction) -> Winner:
    # A one-way field is owned by its source side, whatever the policy says.
    if direction == "ghl_to_ninox":
        return "ghl"
    if direction == "ninox_to_ghl":
        return "ninox"
    return winner
