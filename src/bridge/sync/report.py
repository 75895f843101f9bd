"""What a pass did: [`RunReport`][bridge.sync.RunReport] with its [`Change`][bridge.sync.Change],
[`ConflictInfo`][bridge.sync.ConflictInfo] and [`ErrorInfo`][bridge.sync.ErrorInfo] entries, as text
for people and JSON for programs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import attrs

from bridge.state import Side

__all__ = ["Change", "ConflictInfo", "ErrorInfo", "RunReport", "jsonable"]


@attrs.frozen
class Change:
    """One write the pass made (or, in a plan, would make): ``fields`` maps each canonical
    field to ``(old, new)`` on the ``target`` side."""

    entity: str
    action: Literal["create", "update", "delete", "soft_delete"]
    target: Side
    item: str
    fields: Mapping[str, tuple[Any, Any]] = attrs.field(factory=dict)


@attrs.frozen
class ConflictInfo:
    """A field changed on both sides; ``resolution`` is the winner or ``"manual"``."""

    entity: str
    item: str
    field: str
    ghl: Any
    ninox: Any
    resolution: str


@attrs.frozen
class ErrorInfo:
    """A record that failed; it was parked and the run went on."""

    entity: str
    item: str
    side: str
    message: str


@attrs.define
class RunReport:
    """What a pass did: counts per entity and action, the changes field by field, the
    conflicts and how they were resolved, per-record errors, and the cursors before/after."""

    kind: str
    dry_run: bool = False
    counts: dict[str, dict[str, int]] = attrs.field(factory=dict)
    changes: list[Change] = attrs.field(factory=list)
    conflicts: list[ConflictInfo] = attrs.field(factory=list)
    errors: list[ErrorInfo] = attrs.field(factory=list)
    cursors_before: dict[str, str] = attrs.field(factory=dict)
    cursors_after: dict[str, str] = attrs.field(factory=dict)
    run_id: str | None = None
    #: Backfills under way (GHL notes): entity -> (contacts read, contacts known).
    backfill: dict[str, tuple[int, int]] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        """No record errors and no conflict waiting for a person."""
        return not self.errors and all(c.resolution != "manual" for c in self.conflicts)

    @property
    def writes(self) -> int:
        return len(self.changes)

    def count(self, entity: str, action: str, n: int = 1) -> None:
        bucket = self.counts.setdefault(entity, {})
        bucket[action] = bucket.get(action, 0) + n

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "run_id": self.run_id,
            "counts": self.counts,
            "changes": [
                {
                    "entity": c.entity,
                    "action": c.action,
                    "target": c.target,
                    "item": c.item,
                    "fields": {k: [jsonable(a), jsonable(b)] for k, (a, b) in c.fields.items()},
                }
                for c in self.changes
            ],
            "conflicts": [
                attrs.asdict(c, value_serializer=lambda _i, _a, v: jsonable(v))
                for c in self.conflicts
            ],
            "errors": [attrs.asdict(e) for e in self.errors],
            "cursors_before": self.cursors_before,
            "cursors_after": self.cursors_after,
            "backfill": {k: list(v) for k, v in self.backfill.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def __str__(self) -> str:
        title = f"{'plan' if self.dry_run else self.kind}: " + ("ok" if self.ok else "attention")
        lines = [title]
        for entity, actions in self.counts.items():
            summary = ", ".join(f"{action} {n}" for action, n in sorted(actions.items()))
            lines.append(f"  {entity}: {summary}")
        for c in self.conflicts:
            lines.append(
                f"  conflict {c.entity} {c.item} {c.field}: GHL {c.ghl!r} vs Ninox "
                f"{c.ninox!r} -> {c.resolution}"
            )
        for entity, (done, total) in self.backfill.items():
            if done < total:
                lines.append(f"  {entity} backfill: {done} of {total} contacts read")
        for e in self.errors:
            lines.append(f"  error {e.entity} {e.item} ({e.side}): {e.message}")
        if self.dry_run:
            for ch in self.changes:
                detail = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in ch.fields.items())
                lines.append(
                    f"  would {ch.action} {ch.entity} {ch.item} in {ch.target}"
                    + (f" ({detail})" if detail else "")
                )
        return "\n".join(lines)


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value
