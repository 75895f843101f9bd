"""How the engine resolves conflicts and handles deletes: [`SyncConfig`][bridge.sync.SyncConfig]."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Literal

import attrs

from bridge.conflicts import GHL_WINS, Policy

__all__ = ["SyncConfig"]


@attrs.frozen(kw_only=True)
class SyncConfig:
    """How the engine resolves conflicts and handles deletes.

    - ``policies``: per entity, per canonical field name, a conflict policy
      ([`bridge.conflicts`][bridge.conflicts]); ``default_policy`` per entity for the other fields
      (GHL is the master for contacts, as users expect).
    - ``overlap``: GHL contacts are re-read from ``cursor - overlap`` (GHL's search index lags
      writes; re-reads are cheap thanks to digests).
    - ``deletes``: ``"soft"`` (default: the link becomes a tombstone, GHL contacts get the
      ``deleted_tag`` tag and, if set, ``ninox_deleted_field`` is set on the Ninox record) or
      ``"hard"`` (the other side's record is deleted). ``mass_delete_min`` /
      ``mass_delete_fraction``: more deletions than both in one pass aborts the delete phase
      and opens a review item instead.
    - ``chunk_size``: Ninox batch size (default: the client's).
    - ``children_of``: whose tasks, notes and appointments a pass reads by contact.
      ``"changed_contacts"`` (default): contacts that are new, unsettled, or whose
      ``dateUpdated`` or values changed since they last agreed, so a pass where nothing
      changed costs a handful of calls at any size. Whether GHL moves a contact's
      ``dateUpdated`` when one of its tasks or notes changes is UNCONFIRMED, so such changes
      reach the bridge through the Task*/Note* webhooks (``ghl-ninox serve``) and through
      ``sync(scan_deletes=True)`` passes, which read the children of every linked contact.
      ``"every_contact_read"``: every contact the GHL feed returns, including re-reads in
      the overlap window (polling alone sees child edits, at one call per contact).
    - ``task_search``: read tasks through the location's task search, 50 contacts a request,
      instead of one request per contact. It needs the ``locations/tasks.readonly`` scope;
      without it (or when the search is refused) the pass falls back to one list per contact.
    - ``calendar_events``: read appointments through the calendars API: the location's
      calendars (one call) and each calendar's events between ``now - appointments_past``
      and ``now + appointments_future`` (one call per calendar per ``appointments_span``;
      ``None``: the whole window at once — the widest window GHL accepts is UNCONFIRMED, so
      set a span if GHL refuses a long one). Appointments outside the window reach the
      bridge through the Appointment* webhooks. Needs ``calendars.readonly`` and
      ``calendars/events.readonly``; without them the pass falls back to one list per
      contact. Absence from the window is not taken as a deletion (the feed's coverage is
      UNCONFIRMED): deletions come from the webhooks and from ``scan_deletes`` passes.
    - ``appointment_calendar_id``: the GHL calendar an appointment created in Ninox is booked
      on (``None``: such appointments are reported as skipped, not sent). Edits and deletes
      of linked appointments go back to GHL whatever it is.
    - ``note_backfill_calls``: GHL has no bulk read for notes, so notes are read one call per
      contact: for changed contacts, and once for every contact as a backfill that runs
      after contacts, tasks and appointments. This caps the backfill's calls per pass
      (``None``: no cap); the rest continues next pass, and ``RunReport.backfill`` says how
      far it got.
    """

    policies: Mapping[str, Mapping[str, Policy]] = attrs.field(factory=dict)
    default_policy: Mapping[str, Policy] = attrs.field(factory=lambda: {"contact": GHL_WINS})
    fallback_policy: Policy = GHL_WINS
    overlap: timedelta = timedelta(minutes=5)
    deletes: Literal["soft", "hard"] = "soft"
    deleted_tag: str = "deleted in ninox"
    ninox_deleted_field: str | None = None
    mass_delete_min: int = 10
    mass_delete_fraction: float = 0.2
    chunk_size: int | None = None
    initial_winner: Literal["ghl", "ninox"] = "ghl"
    children_of: Literal["every_contact_read", "changed_contacts"] = "changed_contacts"
    task_search: bool = True
    calendar_events: bool = True
    appointments_past: timedelta = attrs.field(default=timedelta(days=365))
    appointments_future: timedelta = attrs.field(default=timedelta(days=365))
    appointments_span: timedelta | None = attrs.field(default=None)
    note_backfill_calls: int | None = attrs.field(default=None)
    appointment_calendar_id: str | None = None

    @appointments_past.validator
    @appointments_future.validator
    def _not_negative(self, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
        if value < timedelta(0):
            raise ValueError(f"{attribute.name} must not be negative, got {value}")

    @appointments_span.validator
    def _span(self, _attribute: object, value: timedelta | None) -> None:
        if value is not None and value <= timedelta(0):
            raise ValueError(f"appointments_span must be positive or None, got {value}")

    @note_backfill_calls.validator
    def _positive(self, _attribute: object, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or value < 1):
            raise ValueError("note_backfill_calls must be a positive number of calls or None")

    def policy_for(self, entity: str) -> tuple[Mapping[str, Policy], Policy]:
        return self.policies.get(entity, {}), self.default_policy.get(entity, self.fallback_policy)
