"""The outbox rules, as small pure functions: what a failed write means, and the link a
confirmed write leaves behind.

Every write is an [`Op`][bridge.state.Op] recorded (state ``sent``) before its request. Its
answer decides the next state: confirmed → ``done``; refused by the service (a 4xx, a batch
item never sent) → ``failed``, nothing was applied; anything else (a 5xx, a timeout, a reset,
a crash) → the op stays ``sent``, outcome unknown, and the next pass rechecks it against the
service before it writes anything ([`bridge.sync.recheck`][bridge.sync.recheck]).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import attrs

from bridge.mapping import SyncMapper
from bridge.state import HistoryAction, HistoryEntry, Link, Op, Side
from bridge.sync.report import jsonable
from ninoxsdk import APIConnectionError, APIError, APIStatusError, BatchWriteError

__all__ = [
    "agreed",
    "jsonable_values",
    "new_op_key",
    "outcome_of",
    "transient",
    "unsettle",
    "written",
]


#: Finished ops kept once an entity's writes of a pass are done (the history keeps what each
#: write did; an open op always stays until it is rechecked). Pruned as the pass goes, so a
#: first sync's outbox never holds more than one entity's writes.
KEEP_FINISHED_OPS = 0


def new_op_key() -> str:
    """Each attempt is its own op; an intent is never resent before its last attempt's
    outcome is known (see [`bridge.sync.recheck`][bridge.sync.recheck])."""
    return uuid.uuid4().hex


def outcome_of(error: BaseException) -> Literal["failed", "unknown"]:
    """``failed``: the service certainly did not apply the write. ``unknown``: it may have."""
    if isinstance(error, BatchWriteError):
        return "failed"  # a batch item that was never sent
    if isinstance(error, APIStatusError):
        return "failed" if error.status_code < 500 else "unknown"
    if isinstance(error, APIError):
        return "unknown"  # lost on the way, or an answer we could not read
    return "failed"  # the SDK refused the input before sending anything


def transient(error: BaseException) -> bool:
    """Worth retrying on the next pass (the cursors must not move past it)."""
    if isinstance(error, (APIConnectionError, BatchWriteError)):
        return True
    if isinstance(error, APIStatusError):
        return error.status_code == 429 or error.status_code >= 500
    return False


def jsonable_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in values.items()}


def agreed(
    link: Link,
    mapper: SyncMapper,
    *,
    base: Mapping[str, Any],
    ghl: Mapping[str, Any] | None,
    ninox: Mapping[str, Any] | None,
    now: datetime,
    ghl_updated_raw: str | None = None,
    ninox_sq: int | None = None,
) -> Link:
    """``link`` after a confirmed write: ``base`` merged in, each side's digest from its
    canonical values as they are now (``None`` keeps the stored digest)."""
    return attrs.evolve(
        link,
        base={**link.base, **jsonable_values(base)},
        ghl_digest=mapper.digest(ghl) if ghl is not None else link.ghl_digest,
        ninox_digest=mapper.digest(ninox) if ninox is not None else link.ninox_digest,
        ghl_updated_raw=ghl_updated_raw or link.ghl_updated_raw,
        ninox_sq=ninox_sq if ninox_sq is not None else link.ninox_sq,
        state="active",
        version=link.version + 1,
        agreed_at=now,
        error_count=0,
        last_error=None,
    )


def unsettle(link: Link, error: str) -> Link:
    """``link`` after a failed or lost write: every pass re-reads both sides of it and
    compares them field by field with the base until they agree again."""
    return attrs.evolve(link, error_count=link.error_count + 1, last_error=error[:500])


def written(
    op: Op,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    link: Link | None = None,
    action: HistoryAction | None = None,
    side: Side | None = None,
) -> HistoryEntry:
    """The history entry of a confirmed op: the fields it wrote, before and after."""
    kind: HistoryAction = action or op.kind
    return HistoryEntry(
        entity=op.entity,
        action=kind,
        side=side or op.target,
        ghl_id=(link.ghl_id if link else None) or op.ghl_id,
        ninox_id=(link.ninox_id if link else None) or op.ninox_id,
        link_id=(link.link_id if link else None) or op.link_id,
        before=jsonable_values(before or {}),
        after=jsonable_values(after if after is not None else op.intended),
        run_id=op.run_id,
        op_key=op.op_key,
    )
