"""The complete interface the sync engine needs from durable state.

The engine is typed against [`StateStore`][bridge.state.protocol.StateStore] only, so a backend
is added by implementing this protocol; [`SQLiteStateStore`][bridge.state.sqlite.SQLiteStateStore]
(the embedded default) and [`PostgresStateStore`][bridge.state.PostgresStateStore] are one SQL
implementation (``bridge.state._store``) over two dialects. Every method that writes is atomic
on its own; `transaction` groups several into one unit (a link, its op and a cursor change
together or not at all). Methods are synchronous: the async engine calls them from a worker
thread, never on its event loop. A store must be thread-safe: both engines may call it from
two threads at once (while notes are read beside the other writes), and a transaction belongs
to the thread that opened it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from bridge.state.models import (
    Cursor,
    Event,
    HistoryEntry,
    Link,
    Op,
    OpState,
    RecordError,
    ReviewItem,
    Run,
    Side,
)

__all__ = ["StateStore"]


@runtime_checkable
class StateStore(Protocol):
    """What the sync engine, the webhook server and the CLI need from durable state."""

    # -- transactions and lifecycle --------------------------------------------------------
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Group writes atomically; nests (inner blocks join the outer one)."""

    def close(self) -> None:
        """Release the backend's resources."""

    # -- links -----------------------------------------------------------------------------
    def save_link(self, link: Link) -> Link:
        """Insert ``link`` (no ``link_id``; the returned copy has one) or replace it."""

    def link(self, link_id: int) -> Link | None: ...
    def link_by_ghl(self, entity: str, ghl_id: str) -> Link | None: ...
    def link_by_ninox(self, entity: str, table: str, ninox_id: int) -> Link | None: ...

    def links(self, entity: str | None = None) -> list[Link]:
        """Every link (of ``entity``), oldest first."""

    def links_by_ghl(self, entity: str, ghl_ids: Collection[str]) -> dict[str, Link]:
        """The links of many GHL ids at once, keyed by GHL id (missing ids are absent)."""

    def links_by_ninox(
        self, entity: str, table: str, ninox_ids: Collection[int]
    ) -> dict[int, Link]:
        """The links of many Ninox record ids at once, keyed by record id."""

    def links_by_parent(self, entity: str, parent_link_ids: Collection[int]) -> list[Link]:
        """The active links of ``entity`` (tasks, notes …) under these contact links."""

    def links_needing_check(self, entity: str) -> list[Link]:
        """Active links whose last write failed or was lost (``error_count > 0``)."""

    # -- cursors ---------------------------------------------------------------------------
    def get_cursor(self, source: Side, scope: str) -> Cursor | None: ...
    def set_cursor(self, cursor: Cursor) -> None: ...

    def cursors(self) -> dict[str, str]:
        """Every cursor as ``{"source:scope": value}``."""

    # -- outbox ----------------------------------------------------------------------------
    def add_op(self, op: Op) -> bool:
        """Record an intended write; False when an op with that key exists (not resent)."""

    def set_op_state(
        self,
        op_key: str,
        state: OpState,
        *,
        error: str | None = None,
        result_id: str | None = None,
    ) -> None:
        """Move an op to ``state``; ``sent`` counts an attempt."""

    def op(self, op_key: str) -> Op | None: ...

    def open_ops(self, link_id: int | None = None) -> list[Op]:
        """Ops whose outcome is unknown (pending or sent), oldest first."""

    def prune_ops(self, *, keep_last: int = 0) -> int:
        """Delete finished ops (done, failed, lost, superseded, dead) but the newest
        ``keep_last``; returns how many went."""

    # -- per-record history -----------------------------------------------------------------
    def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        """Record confirmed writes and decisions (in the caller's transaction, if any)."""

    def history(
        self,
        *,
        ghl_id: str | None = None,
        ninox_id: int | None = None,
        run_id: str | None = None,
        limit: int = 100,
    ) -> list[HistoryEntry]:
        """Entries of one record (by either id, following its link) or of one run, newest
        first."""

    def prune_history(self, *, before: datetime) -> int:
        """Delete entries older than ``before``; returns how many went."""

    # -- webhook inbox ---------------------------------------------------------------------
    def add_event(self, event: Event) -> bool:
        """Store a received webhook; False for a duplicate delivery."""

    def new_events(self, limit: int = 100) -> list[Event]: ...
    def set_event_state(self, event_key: str, state: str) -> None: ...

    # -- review queue ----------------------------------------------------------------------
    def add_review(self, item: ReviewItem) -> ReviewItem: ...
    def open_reviews(self) -> list[ReviewItem]: ...
    def resolve_review(self, review_id: int, resolution: str) -> None:
        """Record how a person resolved an open item (``KeyError`` if none is open)."""

    def review(self, review_id: int) -> ReviewItem | None: ...

    def reviews(self, status: str | None = None, limit: int = 100) -> list[ReviewItem]:
        """Items of any (or one) status, newest first."""

    def set_review_status(self, review_id: int, status: str) -> None:
        """Move an item along ``resolved → applied`` (the engine, once carried out)."""

    # -- flags -----------------------------------------------------------------------------
    def get_flag(self, name: str) -> str | None:
        """A small named value kept with the state (e.g. a pause and its reason)."""

    def set_flag(self, name: str, value: str | None) -> None:
        """Set a flag, or remove it with ``None``."""

    # -- runs and errors -------------------------------------------------------------------
    def start_run(self, kind: str, cursors_before: Mapping[str, str]) -> Run: ...

    def finish_run(
        self,
        run: Run,
        *,
        status: Literal["ok", "failed", "interrupted"],
        counts: Mapping[str, int],
        cursors_after: Mapping[str, str],
    ) -> Run: ...

    def runs(self, limit: int = 20) -> list[Run]: ...
    def add_record_error(self, error: RecordError) -> None: ...
    def record_errors(self, run_id: str) -> list[RecordError]: ...

    # -- run lock --------------------------------------------------------------------------
    def acquire_lock(self, owner: str, *, ttl: float = 900.0, name: str = "sync") -> bool:
        """Take the named lock for ``ttl`` seconds; False if another live owner holds it."""

    def release_lock(self, owner: str, *, name: str = "sync") -> None: ...
