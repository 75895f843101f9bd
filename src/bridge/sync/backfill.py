"""The notes backfill: every contact's notes read once, a capped number of calls a pass.

GHL has no bulk read for notes (one call per contact), so after the first pass a contact's
notes are read only when the contact changed. Every contact's notes must still be read once:
the backfill walks the linked contacts in GHL id order, ``SyncConfig.note_backfill_calls`` of
them a pass, after contacts, tasks and appointments. Its progress is one cursor (the last
contact id done, or ``done``), which moves with the pass's other cursors, so a failed or
interrupted pass reads the same batch again.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.state import Cursor
from bridge.sync.context import Backfill, PassContext
from bridge.sync.effects import Program, state
from bridge.sync.pairing import Parents

__all__ = ["DONE", "plan_backfill", "save_backfill"]

#: The cursor value of a finished backfill.
DONE = "done"


def _scope(ctx: PassContext, entity: str) -> str:
    return f"{ctx.location}:{entity}:backfill"


def plan_backfill(
    ctx: PassContext, entity: str, changed: Sequence[str], parents: Parents
) -> Program[list[str]]:
    """The contacts whose ``entity`` records this pass reads: the changed ones the backfill
    has passed, and the backfill's next batch (a changed contact it has not reached waits
    for it: the batch cap holds)."""
    cursor = yield from state(lambda s: s.get_cursor("ghl", _scope(ctx, entity)))
    if cursor is not None and cursor.value == DONE:
        return list(changed)
    mark = cursor.value if cursor is not None else ""
    known = sorted(set(parents.by_ghl) | set(ctx.ghl_contacts))
    pending = [gid for gid in known if gid > mark]
    cap = ctx.config.note_backfill_calls
    batch = pending if cap is None else pending[:cap]
    finished = len(batch) == len(pending)
    ctx.backfill[entity] = Backfill(
        entity,
        DONE if finished else batch[-1],
        len(known) - len(pending) + len(batch),
        len(known),
    )
    reached = [gid for gid in changed if gid <= mark]  # all <= mark, the batch all > mark
    return reached + batch


def save_backfill(ctx: PassContext) -> list[Cursor]:
    """The backfill cursors to move with the pass's others (none for a held entity)."""
    moves = []
    for entity, step in ctx.backfill.items():
        ctx.report.backfill[entity] = (step.done, step.total)
        if entity not in ctx.hold:
            moves.append(Cursor(source="ghl", scope=_scope(ctx, entity), value=step.mark))
    return moves
