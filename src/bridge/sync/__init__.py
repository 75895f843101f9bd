"""Two-way sync of GHL and Ninox with durable state, per-field conflict policies, tombstones,
and exactly-once writes.

One pass ([`SyncEngine.sync`][bridge.sync.SyncEngine.sync]) is a pipeline of small stages
([`bridge.sync.passes`][bridge.sync.passes]):

1. **recheck** ([`recheck`][bridge.sync.recheck]): writes whose answer was lost are checked
   against the service and their outcome adopted, before anything else is written;
2. **feeds** ([`feeds`][bridge.sync.feeds]): what changed on each side since its cursor (GHL
   contacts by ``dateUpdated`` with an overlap window and their tasks, notes and appointments;
   Ninox records by change sequence);
3. **pairing** ([`pairing`][bridge.sync.pairing]): each changed record with its counterpart,
   through the link table or, for new records, by the GHL id a Ninox record carries and by
   email/phone;
4. **decide** ([`decide`][bridge.sync.decide]): pure; a pair and its agreed base → the writes,
   through [`bridge.conflicts.reconcile`][bridge.conflicts.reconcile];
5. **apply** ([`apply`][bridge.sync.apply]) and **deletes** ([`deletes`][bridge.sync.deletes]):
   every write an outbox op recorded before its request ([`outbox`][bridge.sync.outbox]);
6. the **cursors** move only over records whose outcomes are recorded.

[`SyncEngine.plan`][bridge.sync.SyncEngine.plan] runs the same pipeline and writes nothing. Effects
are typed data ([`effects`][bridge.sync.effects]) run by one sync and one async interpreter
([`interpret`][bridge.sync.interpret]).

What v1 covers: contacts, tasks and notes both ways (create, update, delete); appointments
GHL → Ninox only (GHL appointments are written through the calendars API, which ghlsdk does
not cover). Deletes are detected from GHL delete webhooks, 404s on linked records, and an id
scan (``sync(scan_deletes=True)``), guarded against mass deletion.
"""

from bridge.sync.config import SyncConfig
from bridge.sync.decide import Decision
from bridge.sync.engine import AsyncSyncEngine, SyncEngine
from bridge.sync.report import Change, ConflictInfo, ErrorInfo, RunReport
from bridge.sync.review import resolve as resolve_review

__all__ = [
    "AsyncSyncEngine",
    "Change",
    "ConflictInfo",
    "Decision",
    "ErrorInfo",
    "RunReport",
    "SyncConfig",
    "SyncEngine",
    "resolve_review",
]
