"""The engines: [`SyncEngine`][bridge.sync.SyncEngine] and
[`AsyncSyncEngine`][bridge.sync.AsyncSyncEngine].

Both build the same [`PassContext`][bridge.sync.context.PassContext] and run the same programs
([`bridge.sync.passes`][bridge.sync.passes]); only the interpreter differs. A pass's run row is
opened before the program starts and closed after it ends, however it ends: ``KeyboardInterrupt``
and cancellation close it as ``interrupted`` (the async engine shields that write from the
cancellation), with state consistent (each state change is its own transaction) and the engine's
turn released, before the exception propagates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import anyio
import anyio.to_thread

from bridge._ghl import CHILD_ENTITIES
from bridge.mapping import MappingSet, SyncMapper, as_sync_mapper
from bridge.mapping.defaults import default_mappings
from bridge.state import HistoryEntry, StateStore
from bridge.sync.config import SyncConfig
from bridge.sync.context import PassContext, Progress
from bridge.sync.effects import AsyncClients, Clients, Program
from bridge.sync.interpret import arun, run
from bridge.sync.memo import PassMapper
from bridge.sync.outbox import KEEP_FINISHED_OPS
from bridge.sync.passes import event_pass, sync_pass, undo_pass
from bridge.sync.report import RunReport
from ghlsdk import AsyncGHLClient, GHLClient
from ninoxsdk import AsyncDatabaseHandle, DatabaseHandle

__all__ = ["AsyncSyncEngine", "SyncEngine"]

R = TypeVar("R")


class _Engine:
    """What both engines share: settings, the mappers' sync views, and the pass lifecycle."""

    def __init__(
        self,
        location_id: str | None,
        store: StateStore,
        mappings: MappingSet | None,
        config: SyncConfig | None,
        progress: Progress | None,
        ninox_chunk: int,
    ) -> None:
        if not location_id:
            raise ValueError("the sync engine needs a GHL client with a location_id")
        self.store = store
        self.mappings = mappings or default_mappings()
        self.config = config or SyncConfig()
        self.location_id: str = location_id
        self.progress = progress
        self._ninox_chunk = self.config.chunk_size or ninox_chunk
        # Checked here, before any request: a hand-written mapper must declare its layout.
        self._views: dict[str, SyncMapper] = {
            entity: as_sync_mapper(self.mappings[entity])
            for entity in ("contact", *CHILD_ENTITIES)
            if entity in self.mappings.entities
        }

    def _context(
        self, kind: str, *, dry_run: bool = False, scan_deletes: bool = False
    ) -> PassContext:
        return PassContext(
            kind=kind,
            mappers={entity: PassMapper(view) for entity, view in self._views.items()},
            config=self.config,
            location=self.location_id,
            dry_run=dry_run,
            scan_deletes=scan_deletes,
            progress=self.progress,
            ninox_chunk=self._ninox_chunk,
        )

    @staticmethod
    def _event_args(event: Any) -> tuple[str, str, str | None, bool] | None:
        kind = type(event).__name__
        for prefix, entity in (
            ("Contact", "contact"),
            ("Task", "task"),
            ("Note", "note"),
            ("Appointment", "appointment"),
        ):
            if kind.startswith(prefix):
                deleted = "Delete" in kind
                if entity == "appointment":
                    inner = getattr(event, "appointment", None)
                    ghl_id = getattr(inner, "id", None)
                    contact_id = getattr(inner, "contact_id", None)
                elif entity == "contact":
                    ghl_id, contact_id = getattr(event, "id", None), None
                else:
                    ghl_id = getattr(event, "id", None)
                    contact_id = getattr(event, "contact_id", None)
                return (entity, ghl_id, contact_id, deleted) if ghl_id else None
        return None


def _begin(store: StateStore, ctx: PassContext) -> None:
    ctx.report.cursors_before = store.cursors()
    if not ctx.dry_run:
        ctx.run = store.start_run(ctx.kind, ctx.report.cursors_before)
        ctx.run_id = ctx.report.run_id = ctx.run.run_id


def _finish(
    store: StateStore, ctx: PassContext, status: Literal["ok", "failed", "interrupted"]
) -> None:
    ctx.report.cursors_after = store.cursors()
    if ctx.run is None:
        return
    counts = {f"{e}.{a}": n for e, acts in ctx.report.counts.items() for a, n in acts.items()}
    store.finish_run(ctx.run, status=status, counts=counts, cursors_after=ctx.report.cursors_after)
    if status == "ok":
        store.prune_ops(keep_last=KEEP_FINISHED_OPS)


def _undo_entries(store: StateStore, run_id: str) -> list[HistoryEntry]:
    """The history of ``run_id``; a clear error before anything is written when it has none."""
    if not any(r.run_id == run_id for r in store.runs(limit=10_000)):
        raise ValueError(f"no run {run_id!r} in the sync state (ghl-ninox status lists runs)")
    return store.history(run_id=run_id, limit=1_000_000)


def _status(exc: BaseException) -> Literal["failed", "interrupted"]:
    return "failed" if isinstance(exc, Exception) else "interrupted"


class SyncEngine(_Engine):
    """Two-way sync over a [`GHLClient`][ghlsdk.GHLClient] and a Ninox database handle.

    Passes, webhook events and pollers of one engine take turns (a lock): two passes working
    on one record at once could both create its counterpart. Across processes, use the state
    store's run lock (the CLI does).
    """

    def __init__(
        self,
        ghl: GHLClient,
        ninox: DatabaseHandle,
        store: StateStore,
        *,
        mappings: MappingSet | None = None,
        config: SyncConfig | None = None,
        progress: Progress | None = None,
    ) -> None:
        super().__init__(
            getattr(ghl, "location_id", None), store, mappings, config, progress, ninox.chunk_size
        )
        self._clients = Clients(ghl=ghl, ninox=ninox, store=store)
        self._turn = threading.Lock()

    def sync(self, *, scan_deletes: bool = False) -> RunReport:
        """One pass both ways; ``scan_deletes`` also compares every linked id with both sides."""
        return self._drive(self._context("sync", scan_deletes=scan_deletes), sync_pass)

    def plan(self, *, scan_deletes: bool = False) -> RunReport:
        """What [`sync`][bridge.sync.SyncEngine.sync] would do, field by field; writes nothing (API
        or state)."""
        ctx = self._context("plan", dry_run=True, scan_deletes=scan_deletes)
        return self._drive(ctx, sync_pass)

    def handle_ghl_event(self, event: Any) -> RunReport:
        """Reconcile the record a verified GHL webhook event names, right away."""
        args = self._event_args(event)
        if args is None:
            return RunReport(kind="event")
        return self._drive(self._context("event"), lambda ctx: event_pass(ctx, *args))

    def undo(self, run_id: str) -> RunReport:
        """Put back, on both sides, the values run ``run_id`` wrote, where nobody changed them
        since (the others are listed in the report and left alone); a run of its own."""
        entries = _undo_entries(self.store, run_id)
        return self._drive(self._context("undo"), lambda ctx: undo_pass(ctx, entries))

    def _drive(self, ctx: PassContext, make: Callable[[PassContext], Program[R]]) -> R:
        with self._turn:
            _begin(self.store, ctx)
            try:
                result = run(make(ctx), self._clients)
            except BaseException as exc:
                _finish(self.store, ctx, _status(exc))
                raise
            _finish(self.store, ctx, "ok")
            return result


class AsyncSyncEngine(_Engine):
    """The async twin of [`SyncEngine`][bridge.sync.SyncEngine]. Its turns are an ``anyio.Lock``;
    the state store is called from a worker thread, never on the event loop."""

    def __init__(
        self,
        ghl: AsyncGHLClient,
        ninox: AsyncDatabaseHandle,
        store: StateStore,
        *,
        mappings: MappingSet | None = None,
        config: SyncConfig | None = None,
        progress: Progress | None = None,
    ) -> None:
        super().__init__(
            getattr(ghl, "location_id", None), store, mappings, config, progress, ninox.chunk_size
        )
        self._clients = AsyncClients(ghl=ghl, ninox=ninox, store=store)
        self._turn = anyio.Lock()

    async def sync(self, *, scan_deletes: bool = False) -> RunReport:
        """One pass both ways; ``scan_deletes`` also compares every linked id with both sides."""
        return await self._drive(self._context("sync", scan_deletes=scan_deletes), sync_pass)

    async def plan(self, *, scan_deletes: bool = False) -> RunReport:
        """What [`sync`][bridge.sync.AsyncSyncEngine.sync] would do, field by field; writes nothing
        (API or state)."""
        ctx = self._context("plan", dry_run=True, scan_deletes=scan_deletes)
        return await self._drive(ctx, sync_pass)

    async def handle_ghl_event(self, event: Any) -> RunReport:
        """Reconcile the record a verified GHL webhook event names, right away."""
        args = self._event_args(event)
        if args is None:
            return RunReport(kind="event")
        return await self._drive(self._context("event"), lambda ctx: event_pass(ctx, *args))

    async def undo(self, run_id: str) -> RunReport:
        """Put back, on both sides, the values run ``run_id`` wrote, where nobody changed them
        since (the others are listed in the report and left alone); a run of its own."""
        entries = await anyio.to_thread.run_sync(_undo_entries, self.store, run_id)
        return await self._drive(self._context("undo"), lambda ctx: undo_pass(ctx, entries))

    async def _drive(self, ctx: PassContext, make: Callable[[PassContext], Program[R]]) -> R:
        async with self._turn:
            await anyio.to_thread.run_sync(_begin, self.store, ctx)
            try:
                result = await arun(make(ctx), self._clients)
            except BaseException as exc:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(_finish, self.store, ctx, _status(exc))
                raise
            await anyio.to_thread.run_sync(_finish, self.store, ctx, "ok")
            return result
