"""What every stage of one pass shares: the mappers, the settings, the report, and what the
pass has learnt so far (records read, records to re-read, records it must not touch)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Final, Literal

import attrs

from bridge.mapping import SyncMapper
from bridge.state import Link, RecordError, Run, Side
from bridge.sync.config import SyncConfig
from bridge.sync.effects import Program, state
from bridge.sync.report import ErrorInfo, RunReport
from ninoxsdk import Record

__all__ = ["GONE", "Backfill", "Gone", "Pair", "PassContext", "Progress", "ghl_label"]

Progress = Callable[[int, int, str], None]
#: How a person's decision sets a field: keep one side's value, set this value, or (undo) put
#: back ``(side, before, after)``: the value before a run's write, if that side still holds
#: what the run wrote.
Override = tuple[Literal["ghl", "ninox", "set", "undo"], Any]


class Gone:
    """The record was deleted on that side."""

    def __repr__(self) -> str:
        return "GONE"


GONE: Final = Gone()


@attrs.define
class Pair:
    """One record and its counterpart: ``ghl`` (a wire dict) / ``ninox`` (a Record) hold the
    current state, ``None`` when not known, or [`GONE`][bridge.sync.context.GONE] when deleted."""

    entity: str
    link: Link | None
    ghl: dict[str, Any] | Gone | None = None
    ninox: Record | Gone | None = None

    @property
    def label(self) -> str:
        """How reports name the record: its GHL id, else ``ninox:<id>``."""
        return ghl_label(self)


def ghl_label(pair: Pair) -> str:
    if pair.link is not None and pair.link.ghl_id:
        return pair.link.ghl_id
    if isinstance(pair.ghl, dict) and pair.ghl.get("id"):
        return str(pair.ghl["id"])
    if isinstance(pair.ninox, Record):
        return f"ninox:{pair.ninox.id}"
    if pair.link is not None and pair.link.ninox_id is not None:
        return f"ninox:{pair.link.ninox_id}"
    return "?"


@attrs.frozen
class Backfill:
    """One pass's share of the backfill of ``entity``: ``mark`` is the cursor to save when
    the pass's reads succeed; ``done`` of ``total`` contacts will then have been read."""

    entity: str
    mark: str
    done: int
    total: int


@attrs.define
class Work:
    """Records of one entity a pass must (re)read by id, besides what the feeds return."""

    ghl: dict[str, str | None] = attrs.field(factory=dict)  # GHL id -> parent contact id
    ninox: set[int] = attrs.field(factory=set)


@attrs.define
class PassContext:
    """The state of one pass. ``blocked_*`` hold records whose last write has an unknown
    outcome that could not be rechecked yet: the pass leaves them (and, for a child create,
    every unlinked child of that contact) alone, and keeps its cursors where they are."""

    kind: str
    mappers: Mapping[str, SyncMapper]
    config: SyncConfig
    location: str
    dry_run: bool = False
    scan_deletes: bool = False
    progress: Progress | None = None
    #: Ninox records per batch write request (the config's ``chunk_size`` or the client's).
    ninox_chunk: int = 100
    report: RunReport = attrs.field(
        default=attrs.Factory(lambda s: RunReport(kind=s.kind, dry_run=s.dry_run), takes_self=True)
    )
    run: Run | None = None
    run_id: str | None = None
    now: datetime = attrs.field(factory=lambda: datetime.now(timezone.utc))
    ghl_contacts: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    work: dict[str, Work] = attrs.field(factory=dict)
    blocked_ghl: set[tuple[str, str]] = attrs.field(factory=set)
    blocked_ninox: set[tuple[str, int]] = attrs.field(factory=set)
    blocked_parents: set[str] = attrs.field(factory=set)
    #: plan(): GHL contacts / Ninox contact records that the plan would link by creating.
    planned_ghl: set[str] = attrs.field(factory=set)
    planned_ninox: set[int] = attrs.field(factory=set)
    #: Resolved review items carried out this pass: link id -> {field: override}, the items
    #: per link, and the links whose decision carried them out.
    overrides: dict[int, dict[str, Override]] = attrs.field(factory=dict)
    resolving: dict[int, list[int]] = attrs.field(factory=dict)
    carried_out: set[int] = attrs.field(factory=set)
    #: undo: fields left alone because someone changed them since (link id -> fields).
    changed_since: dict[int, list[str]] = attrs.field(factory=dict)
    #: The location's task search was refused (a scope): tasks are listed per contact.
    no_task_search: bool = False
    #: The calendars API was refused (a scope): appointments are listed per contact.
    no_calendar_events: bool = False
    #: Contacts whose children must be read are remembered in the state (bridge.sync.children).
    children_pending: bool = False
    #: Backfills this pass advances (entity -> its step; see bridge.sync.backfill).
    backfill: dict[str, Backfill] = attrs.field(factory=dict)
    #: Entities whose Ninox cursor must stay (a transient failure); "ghl" for the GHL cursor.
    hold: set[str] = attrs.field(factory=set)

    def mapper(self, entity: str) -> SyncMapper:
        return self.mappers[entity]

    def work_for(self, entity: str) -> Work:
        return self.work.setdefault(entity, Work())

    def hold_cursors(self, entity: str) -> None:
        """Something of ``entity`` must be read again next pass."""
        self.hold.update((entity, "ghl"))

    def park(
        self, entity: str, label: str, side: Side, stage: str, error: BaseException | str
    ) -> Program[None]:
        """Report a record that failed and go on (the run's record errors keep it too)."""
        name = type(error).__name__ if isinstance(error, BaseException) else "Error"
        message = f"{name}: {error}" if isinstance(error, BaseException) else error
        self.report.errors.append(ErrorInfo(entity, label, side, message))
        self.report.count(entity, "error")
        run_id = self.run_id
        if run_id is None:
            return
        item = RecordError(
            run_id=run_id,
            side=side,
            record_id=label,
            stage=stage,  # type: ignore[arg-type]
            error=name,
            message=str(error),
        )
        yield from state(lambda s: s.add_record_error(item))
