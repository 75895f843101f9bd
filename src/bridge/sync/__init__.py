"""Two-way sync of GHL and Ninox with durable state, per-field conflict policies, tombstones,
and exactly-once writes.

One pass (:meth:`SyncEngine.sync`) is a pipeline of small stages (:mod:`bridge.sync.passes`):

1. **recheck** (:mod:`~bridge.sync.recheck`): writes whose answer was lost are checked
   against the service and their outcome adopted, before anything else is written;
2. **feeds** (:mod:`~bridge.sync.feeds`): what changed on each side since its cursor (GHL
   contacts by ``dateUpdated`` with an overlap window and their tasks, notes and appointments;
   Ninox records by change sequence);
3. **pairing** (:mod:`~bridge.sync.pairing`): each changed record with its counterpart,
   through the link table or, for new records, by the GHL id a Ninox record carries and by
   email/phone;
4. **decide** (:mod:`~bridge.sync.decide`): pure; a pair and its agreed base → the writes,
   through :func:`bridge.conflicts.reconcile`;
5. **apply** (:mod:`~bridge.sync.apply`) and **deletes** (:mod:`~bridge.sync.deletes`):
   every write an outbox op recorded before its request (:mod:`~bridge.sync.outbox`);
6. the **cursors** move only over records whose outcomes are recorded.

:meth:`SyncEngine.plan` runs the same pipeline and writes nothing. Effects are typed data
(:mod:`~bridge.sync.effects`) run by one sync and one async interpreter
(:mod:`~bridge.sync.interpret`).

What v1 covers: contacts, tasks and notes both ways (create, update, delete); appointments
GHL → Ninox only (GHL appointments are written through the calendars API, which ghlsdk does
not cover). Deletes are detected from GHL delete webhooks, 404s on linked records, and an id
scan (``sync(scan_deletes=True)``), guarded against mass deletion.
"""

from bridge.sync.config import SyncConfig
from bridge.sync.decide import Decision, decide
from bridge.sync.engine import AsyncSyncEngine, SyncEngine
from bridge.sync.report import Change, ConflictInfo, ErrorInfo, RunReport

__all__ = [
    "AsyncSyncEngine",
    "Change",
    "ConflictInfo",
    "Decision",
    "ErrorInfo",
    "RunReport",
    "SyncConfig",
    "SyncEngine",
    "decide",
]
