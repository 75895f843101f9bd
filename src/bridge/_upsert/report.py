"""What one upsert did: [`UpsertReport`][bridge.upsert.UpsertReport] and its failures."""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = ["Direction", "ItemFailure", "Tally", "UpsertReport", "reason"]

Direction = Literal["ghl_to_ninox", "ninox_to_ghl"]


@attrs.frozen
class ItemFailure:
    """One item that was not written, and why. ``item`` is the GHL id (or the Ninox record
    id for Ninox → GHL, or ``#<position>`` when the item has no id)."""

    item: str
    reason: str
    error: BaseException | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class UpsertReport:
    """What one upsert did: ids created, updated, unchanged, the failures with reasons, and
    the records ``held`` for a person to decide (the upsert guard; see the review queue)."""

    entity: str
    direction: Direction
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    failed: tuple[ItemFailure, ...] = ()
    held: tuple[ItemFailure, ...] = ()

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing waits for a person."""
        return not self.failed and not self.held

    @property
    def counts(self) -> dict[str, int]:
        counts = {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "failed": len(self.failed),
        }
        return {**counts, "held": len(self.held)} if self.held else counts

    def __str__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items())
        lines = [f"{self.entity} {self.direction.replace('_', ' ')}: {counts}"]
        lines += [f"  failed {f.item}: {f.reason}" for f in self.failed]
        lines += [f"  held {f.item}: {f.reason}" for f in self.held]
        return "\n".join(lines)


def reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


@attrs.define
class Tally:
    """An upsert's outcome as it is being made."""

    created: list[str] = attrs.field(factory=list)
    updated: list[str] = attrs.field(factory=list)
    unchanged: list[str] = attrs.field(factory=list)
    failed: list[ItemFailure] = attrs.field(factory=list)
    held: list[ItemFailure] = attrs.field(factory=list)

    def fail(self, item: str, error: BaseException | str) -> None:
        if isinstance(error, BaseException):
            self.failed.append(ItemFailure(item, reason(error), error))
        else:
            self.failed.append(ItemFailure(item, error))

    def report(self, entity: str, direction: Direction) -> UpsertReport:
        return UpsertReport(
            entity=entity,
            direction=direction,
            created=tuple(self.created),
            updated=tuple(self.updated),
            unchanged=tuple(self.unchanged),
            failed=tuple(self.failed),
            held=tuple(self.held),
        )
