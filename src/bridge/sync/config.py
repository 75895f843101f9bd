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
    - ``children_of``: whose tasks, notes and appointments a pass reads. ``"every_contact_read"``
      (default): every contact the GHL feed returns, including re-reads in the overlap window,
      so a child added or edited in GHL is seen by polling alone. ``"changed_contacts"``: only
      contacts that are new, unsettled, or whose ``dateUpdated`` or values changed since they
      last agreed — far fewer calls, but whether GHL moves a contact's ``dateUpdated`` when
      one of its children changes is UNCONFIRMED, so this relies on the Task*/Note*/
      Appointment* webhooks (``ghl-ninox serve``) for those changes.
    - ``task_search``: read tasks through the location's task search, 50 contacts a request,
      instead of one request per contact. It needs the ``locations/tasks.readonly`` scope;
      without it (or when the search is refused) the pass falls back to one list per contact.
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
    children_of: Literal["every_contact_read", "changed_contacts"] = "every_contact_read"
    task_search: bool = True

    def policy_for(self, entity: str) -> tuple[Mapping[str, Policy], Policy]:
        return self.policies.get(entity, {}), self.default_policy.get(entity, self.fallback_policy)
