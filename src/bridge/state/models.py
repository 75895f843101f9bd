"""The records the sync state is made of: links, cursors, outbox ops, webhook events, review
items, per-record errors and runs. Plain frozen attrs classes, shared by every backend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

import attrs

__all__ = [
    "OPEN_OP_STATES",
    "Cursor",
    "Event",
    "HistoryAction",
    "HistoryEntry",
    "Link",
    "LinkState",
    "Op",
    "OpKind",
    "OpState",
    "RecordError",
    "ReviewItem",
    "Run",
    "Side",
    "StateStoreError",
]

Side = Literal["ghl", "ninox"]
LinkState = Literal[
    "active",
    "creating_ghl",
    "creating_ninox",
    "tombstone_ghl",
    "tombstone_ninox",
    "tombstone_both",
    "conflict",
    "quarantined",
]
OpKind = Literal["create", "update", "soft_delete", "delete", "set_external_id"]
#: ``sent``: recorded before the request, outcome unknown until told. ``done``: confirmed.
#: ``failed``: the service refused it (it did not apply). ``lost``: a recheck found it never
#: applied. ``superseded``/``dead``: given up in favour of a newer intent.
OpState = Literal["pending", "sent", "done", "failed", "lost", "dead", "superseded"]
#: Ops whose outcome is not known yet: the next pass rechecks them before anything else.
OPEN_OP_STATES: Final = ("pending", "sent")


class StateStoreError(RuntimeError):
    """The state store is unusable (corrupt, newer schema, locked by another run)."""


@attrs.frozen(kw_only=True)
class Link:
    """One linked pair of records: the heart of the sync state.

    ``base`` holds the canonical field values both sides last agreed on; a field's base moves
    only when the write that establishes it is confirmed. ``ghl_digest`` and ``ninox_digest``
    are the digests of each side's canonical values when they last agreed (``None``: unknown,
    compare field by field). ``error_count > 0`` marks a link whose last write failed or was
    lost: every pass re-reads both sides of it until it agrees again.
    """

    entity: str
    ghl_id: str | None
    ninox_table: str
    ninox_id: int | None
    state: LinkState = "active"
    ghl_digest: str | None = None
    ninox_digest: str | None = None
    base: Mapping[str, Any] = attrs.field(factory=dict)
    ghl_updated_raw: str | None = None
    ninox_sq: int | None = None
    last_origin: str | None = None
    parent_link_id: int | None = None
    version: int = 0
    agreed_at: datetime | None = None
    error_count: int = 0
    last_error: str | None = None
    link_id: int | None = None


@attrs.frozen(kw_only=True)
class Cursor:
    """How far one source has been fully handled: ``value`` as received (e.g. a Ninox
    sequence or a GHL ``dateUpdated`` string)."""

    source: Side
    scope: str
    value: str
    mode: Literal["backfill", "incremental"] = "incremental"
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Op:
    """An intended write (an outbox row), recorded before the request is sent.

    ``entity`` and ``target`` say what is written where; ``ghl_id`` / ``ninox_id`` name the
    record written (for a create: the *source* record on the other side, so a recheck can
    find or redo it); ``parent_ghl_id`` is the GHL contact of a task/note/appointment.
    ``patch`` is the request body, ``intended`` the canonical values the write establishes
    (a field's agreed value moves to them only once the write is confirmed).
    ``result_id`` is the id the service gave a created record.
    """

    op_key: str
    link_id: int | None
    target: Side
    kind: OpKind
    patch: Mapping[str, Any]
    intended: Mapping[str, Any] = attrs.field(factory=dict)
    entity: str = ""
    ghl_id: str | None = None
    ninox_id: int | None = None
    parent_ghl_id: str | None = None
    state: OpState = "pending"
    attempts: int = 0
    last_error: str | None = None
    result_id: str | None = None
    run_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """The outcome is unknown: it may or may not have reached the service."""
        return self.state in OPEN_OP_STATES


@attrs.frozen(kw_only=True)
class Event:
    """A received webhook, stored before it is handled so nothing is lost on a crash."""

    event_key: str
    entity: str
    ghl_id: str | None
    type: str
    raw_body: str
    state: Literal["new", "done", "ignored", "failed"] = "new"
    attempts: int = 0
    received_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ReviewItem:
    """Something a person has to decide: a conflict, an ambiguous match, a mass delete, a
    Ninox → GHL upsert the upsert guard held.

    ``open`` until a person resolves it (``resolution`` says how); ``resolved`` items are
    carried out by the next pass, which marks them ``applied``."""

    kind: Literal[
        "field_conflict",
        "ambiguous_match",
        "resurrection",
        "mass_delete",
        "flapping",
        "upsert_guard",
    ]
    link_id: int | None = None
    source_ref: str | None = None
    fields: Sequence[str] = ()
    ghl_values: Mapping[str, Any] = attrs.field(factory=dict)
    ninox_values: Mapping[str, Any] = attrs.field(factory=dict)
    base_values: Mapping[str, Any] = attrs.field(factory=dict)
    status: Literal["open", "resolved", "applied"] = "open"
    resolution: str | None = None
    detected_at: datetime | None = None
    resolved_at: datetime | None = None
    review_id: int | None = None


@attrs.frozen(kw_only=True)
class RecordError:
    """One record that failed in a run; the run went on."""

    run_id: str
    side: Side
    record_id: str
    stage: Literal["read", "map", "plan", "write", "recheck"]
    error: str
    message: str


@attrs.frozen(kw_only=True)
class Run:
    """One sync pass (or plan, or webhook batch) and its outcome."""

    run_id: str
    kind: str
    status: Literal["running", "ok", "failed", "interrupted"]
    started_at: datetime
    finished_at: datetime | None = None
    cursors_before: Mapping[str, str] = attrs.field(factory=dict)
    cursors_after: Mapping[str, str] = attrs.field(factory=dict)
    counts: Mapping[str, int] = attrs.field(factory=dict)


HistoryAction = Literal[
    "create", "update", "delete", "soft_delete", "set_external_id", "conflict", "review"
]


@attrs.frozen(kw_only=True)
class HistoryEntry:
    """One confirmed write on one record (or a decision taken about it): the run, the side
    written, and the canonical values of the fields before and after."""

    entity: str
    action: HistoryAction
    side: Side
    ghl_id: str | None
    ninox_id: int | None
    link_id: int | None = None
    before: Mapping[str, Any] = attrs.field(factory=dict)
    after: Mapping[str, Any] = attrs.field(factory=dict)
    run_id: str | None = None
    op_key: str | None = None
    at: datetime | None = None
    entry_id: int | None = None
