"""``ghl-ninox worker``: a process that claims partitions of the fleet, drains their webhooks
and syncs them, one at a time.

A partition is synced by at most one worker at a time, twice over:

1. its **lease** in ``partitions`` (claimed with ``FOR UPDATE SKIP LOCKED``, renewed by a
   heartbeat thread every third of its ttl; a worker that dies stops renewing and another
   takes the partition over when the lease expires);
2. the **run lock** of the partition's own state (``acquire_lock``, renewed by the same
   heartbeat): a worker that was merely slow, whose lease expired while it still ran a pass,
   keeps the partition's run lock, so the worker that claimed the partition meanwhile finds
   it busy and gives it back instead of syncing it at the same time.

A killed pass leaves the partition's state consistent (the engine's outbox: an op sent
without an answer is rechecked against the service before anything is resent), so the next
worker's pass finishes the work without writing anything twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Literal, Protocol

import attrs

from bridge.fleet._db import FleetDB
from bridge.fleet.inbox import FleetInbox
from bridge.fleet.partitions import open_partition_store
from bridge.mapping import MappingSet
from bridge.ops import Guard, Pause, current_pause
from bridge.state import PostgresStateStore, StateStore
from bridge.state.postgres_fleet import Partition, PartitionLeases
from bridge.sync import RunReport, SyncConfig, SyncEngine
from ghlsdk import GHLClient, redact_secrets
from ghlsdk.webhooks import WebhookPayloadError, parse_event
from ninoxsdk import DatabaseHandle

__all__ = ["ClientSource", "FleetWorker", "PartitionPass", "default_guard"]

_log = logging.getLogger("bridge.fleet")
#: Seconds between a worker's prunes of the fleet inbox.
_PRUNE_EVERY = 3600.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ClientSource(Protocol):
    """Hands a worker the clients of a partition: a GHL client for its location (sharing the
    fleet's budget) and a handle on its Ninox database. The source owns and closes them."""

    def clients(self, partition: Partition) -> tuple[GHLClient, DatabaseHandle]: ...

    def close(self) -> None: ...


@attrs.frozen(kw_only=True)
class PartitionPass:
    """What a worker did with a partition it claimed."""

    key: str
    outcome: Literal["synced", "events", "paused", "busy", "failed"]
    events: int = 0
    report: RunReport | None = None
    error: str | None = None


def default_guard(store: StateStore, partition: Partition) -> Guard:
    """A partition's pause guard with the guard's own limits and no alerts."""
    return Guard(store, location=partition.location_id)


class FleetWorker:
    """Claims due partitions of the fleet at ``db`` and syncs them (see the module).

    ``url`` is the state URL (each partition's state goes to its own schema of that
    database); ``clients`` builds the clients of a partition. ``lease_ttl``: seconds a claim
    lasts without a heartbeat (a dead worker's partitions are taken over after that);
    ``interval``: a partition is synced again once its last pass is that old (its webhooks
    are handled as soon as a worker is free). ``guard`` builds a partition's pause guard
    ([`Guard`][bridge.ops.Guard]: authentication failures in a row, the error rate), told of
    each pass; a partition it pauses is not claimed again until ``ghl-ninox fleet resume``.
    By default ([`default_guard`][bridge.fleet.worker.default_guard]) the guard's own limits,
    with no alerts. After each pass that did not fail, the partition's per-record history
    older than ``history_days`` is dropped (0 keeps it all); handled webhooks older than a week
    leave the fleet inbox, checked once an hour.
    """

    def __init__(
        self,
        db: FleetDB,
        url: str,
        clients: ClientSource,
        *,
        name: str | None = None,
        password: str | None = None,
        mappings: MappingSet | None = None,
        config: SyncConfig | None = None,
        lease_ttl: float = 60.0,
        interval: float = 60.0,
        scan_deletes: bool = False,
        guard: Callable[[StateStore, Partition], Guard] | None = None,
        history_days: int = 90,
    ) -> None:
        if lease_ttl <= 0 or interval < 0:
            raise ValueError("lease_ttl must be positive and interval not negative")
        self.db = db
        self.url = url
        self.clients = clients
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.password = password
        self.mappings = mappings
        self.config = config
        self.lease_ttl = float(lease_ttl)
        self.interval = float(interval)
        self.scan_deletes = scan_deletes
        self.guard = guard or default_guard
        self.history_days = history_days
        self._inbox_pruned_at: float | None = None
        self.leases = PartitionLeases(db)
        self.inbox = FleetInbox(db)

    def __repr__(self) -> str:
        return f"FleetWorker({self.name!r}, {self.db.url!r})"

    # -- the loop ---------------------------------------------------------------------------

    def run_once(self) -> PartitionPass | None:
        """Claim one due partition and serve it; ``None`` when none is due."""
        self._prune_inbox()
        claimed = self.leases.claim(
            self.name,
            limit=1,
            ttl=self.lease_ttl,
            due_after=self.interval,
            with_inbox=True,
        )
        if not claimed:
            return None
        return self.serve(claimed[0])

    def run(self, stop: threading.Event, *, idle: float = 1.0) -> None:
        """Serve due partitions until ``stop`` is set, waiting ``idle`` seconds when none is."""
        while not stop.is_set():
            try:
                done = self.run_once()
            except Exception as exc:  # the fleet database went away: wait, then try again
                _log.error(
                    "worker %s: %s", self.name, redact_secrets(f"{type(exc).__name__}: {exc}")
                )
                stop.wait(idle)
                continue
            if done is not None:
                _log.info(
                    "worker %s: partition %s %s (%d webhooks)%s",
                    self.name,
                    done.key,
                    done.outcome,
                    done.events,
                    f": {done.error}" if done.error else "",
                )
                continue
            stop.wait(idle)

    def serve(self, partition: Partition) -> PartitionPass:
        """Drain ``partition``'s webhooks and, when due, sync it; then give it back."""
        key = partition.key
        try:
            store = open_partition_store(self.db, self.url, key, password=self.password)
        except Exception as exc:  # its state cannot be opened: try again after the interval
            self.leases.release(self.name, key, synced=True)
            return self._failed(key, exc)
        synced = False
        try:
            if not store.acquire_lock(self.name, ttl=self.lease_ttl):
                synced = True  # another worker's pass runs: it is not due before its interval
                return PartitionPass(key=key, outcome="busy")
            with self._heartbeat(partition, store):
                pause = current_pause(store)
                if pause is not None:
                    # Paused in its own state (by hand or by the pause guard): pause the
                    # partition too, so no worker claims it again until `fleet resume`.
                    self.leases.set_paused(key, True)
                    _log.warning("worker %s: %s is paused: %s", self.name, key, pause.reason)
                    return PartitionPass(key=key, outcome="paused", error=pause.reason)
                guard = self.guard(store, partition)
                try:
                    ghl, ninox = self.clients.clients(partition)
                    engine = SyncEngine(
                        ghl, ninox, store, mappings=self.mappings, config=self.config
                    )
                    events = self._drain(engine, key)
                    if not self._due(partition):
                        return PartitionPass(key=key, outcome="events", events=events)
                    synced = True
                    report = engine.sync(scan_deletes=self.scan_deletes)
                except Exception as exc:
                    self._pause_if(key, guard.failed(exc))
                    raise
                self._pause_if(key, guard.passed(report))
                if self.history_days > 0:
                    store.prune_history(before=_now() - timedelta(days=self.history_days))
                return PartitionPass(key=key, outcome="synced", events=events, report=report)
        except Exception as exc:
            synced = True  # a failing partition waits its interval like a synced one
            return self._failed(key, exc)
        finally:
            with contextlib.suppress(Exception):
                store.release_lock(self.name)
            store.close()  # one connection per partition in hand, not per partition seen
            self.leases.release(self.name, key, synced=synced)

    # -- parts --------------------------------------------------------------------------------

    def _prune_inbox(self) -> None:
        """Drop the fleet inbox's handled deliveries older than a week, once an hour."""
        clock = time.monotonic()
        if self._inbox_pruned_at is not None and clock - self._inbox_pruned_at < _PRUNE_EVERY:
            return
        self._inbox_pruned_at = clock
        self.inbox.prune()

    def _pause_if(self, key: str, pause: Pause | None) -> None:
        """The guard paused the partition's location: no worker claims it until resumed."""
        if pause is not None:
            self.leases.set_paused(key, True)
            _log.warning("worker %s: paused %s: %s", self.name, key, pause.reason)

    def _failed(self, key: str, exc: Exception) -> PartitionPass:
        message = redact_secrets(f"{type(exc).__name__}: {exc}")
        _log.error("worker %s: partition %s failed: %s", self.name, key, message)
        return PartitionPass(key=key, outcome="failed", error=message)

    def _due(self, partition: Partition) -> bool:
        age = self.leases.since_synced(partition.key)
        return age is None or age >= self.interval

    def _drain(self, engine: SyncEngine, key: str) -> int:
        rows = self.inbox.pending(key)
        for row in rows:
            state = "done"
            try:
                engine.handle_ghl_event(parse_event(row.raw_body))
            except WebhookPayloadError:
                state = "failed"
            except Exception as exc:
                state = "failed"
                _log.error(
                    "worker %s: webhook %s of %s failed: %s",
                    self.name,
                    row.event_key,
                    key,
                    redact_secrets(f"{type(exc).__name__}: {exc}"),
                )
            self.inbox.mark(key, row.event_key, state)
        return len(rows)

    @contextlib.contextmanager
    def _heartbeat(self, partition: Partition, store: PostgresStateStore) -> Iterator[None]:
        """Renew the lease and the run lock every third of the ttl while the body runs."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.lease_ttl / 3):
                try:
                    if not self.leases.renew(self.name, partition.key, ttl=self.lease_ttl):
                        _log.warning(
                            "worker %s lost the lease of %s; its run lock still guards the "
                            "pass in progress",
                            self.name,
                            partition.key,
                        )
                    store.acquire_lock(self.name, ttl=self.lease_ttl)
                except Exception as exc:  # the next beat tries again
                    _log.warning("worker %s: heartbeat failed: %s", self.name, exc)

        thread = threading.Thread(target=beat, name=f"heartbeat {partition.key}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
