"""Upsert helpers: move GHL records into Ninox, and Ninox contact changes back to GHL.

``Upserter`` (sync) and ``AsyncUpserter`` (async) share one implementation: each operation is
a program of typed effects (`bridge.sync.effects`) that the twin classes run with the sync
or the async interpreter (`bridge.sync.interpret`).

GHL → Ninox, per entity: one scan of the Ninox table finds the existing records by their
stored GHL id (and one scan of each parent table resolves references), then one chunked save
creates the new records and writes only the changed fields of the others. Bad items are
reported one by one and the rest go through. A create whose outcome is unknown (a timeout
after sending) is looked up again before it is ever resent, so a retry never duplicates.

Ninox → GHL, contacts: one listing of the GHL contacts gives the current values; a contact
with a stored GHL id is updated with the changed fields only; one without is sent through the
GHL upsert endpoint (GHL's duplicate rules apply) and its new id is written back to Ninox in
one batch. A token without ``contacts.write`` is refused before anything is read. The upsert
guard holds a write whose email matches one GHL contact and its phone another, or that would
drop a secondary email: the record is reported ``held`` and, given a state ``store``, an
``upsert_guard`` review item waits for a person (``ghl-ninox review resolve ID --keep
ghl|ninox | --set FIELD=VALUE``); the next ``ninox_to_ghl`` carries the decision out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

# ghl_arguments is bound before the programs are imported: bridge.sync.effects (which the
# programs import) imports it from here.
from bridge._ghl import ghl_arguments
from bridge._upsert.report import ItemFailure, UpsertReport
from bridge._upsert.to_ghl import (
    ReadOnlyTokenError,
    maps_contacts_to_ghl,
    ninox_to_ghl,
    require_write,
)
from bridge._upsert.to_ninox import ghl_to_ninox, import_ghl
from bridge.mapping import MappingSet
from bridge.mapping.defaults import default_mappings
from bridge.state import StateStore
from bridge.sync.effects import AsyncClients, Clients
from bridge.sync.interpret import arun, run
from ghlsdk import AsyncGHLClient, GHLClient
from ninoxsdk import AsyncDatabaseHandle, DatabaseHandle, Record

__all__ = [
    "AsyncUpserter",
    "ItemFailure",
    "ReadOnlyTokenError",
    "UpsertReport",
    "Upserter",
    "ghl_arguments",
]


class _NoStore:
    """Stands in for a state store when none was given; the programs never call it."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("this Upserter has no state store (Upserter(..., store=...))")


def _store(store: StateStore | None) -> StateStore:
    if store is not None and not isinstance(store, StateStore):
        raise TypeError(f"store must be a StateStore, got {type(store).__name__}")
    return store if store is not None else cast(StateStore, _NoStore())


class Upserter:
    """Sync upsert helpers over a [`GHLClient`][ghlsdk.GHLClient] and a Ninox database handle.

    ``mappings`` defaults to `bridge.mapping.defaults.default_mappings`; ``chunk_size``
    overrides the Ninox client's batch size; ``store`` (a state store, optional) keeps the
    writes the upsert guard holds in its review queue and carries out their resolutions.
    """

    def __init__(
        self,
        ghl: GHLClient,
        ninox: DatabaseHandle,
        *,
        mappings: MappingSet | None = None,
        chunk_size: int | None = None,
        store: StateStore | None = None,
    ) -> None:
        self._clients = Clients(ghl, ninox, _store(store))
        self._has_store = store is not None
        self.mappings = mappings or default_mappings()
        self.chunk_size = chunk_size

    def ghl_to_ninox(self, entity: str, items: Iterable[Any]) -> UpsertReport:
        """Create or update the Ninox records of ``items`` (GHL models or wire dicts) of
        ``entity``, with its mapper (declarative or hand-written)."""
        return run(ghl_to_ninox(self.mappings, entity, items, self.chunk_size), self._clients)

    def import_ghl(self, contact_ids: Sequence[str] | None = None) -> dict[str, UpsertReport]:
        """Read GHL contacts (all, or these) with their tasks, notes and appointments, and
        upsert all of them into Ninox; one report per entity."""
        return run(import_ghl(self.mappings, contact_ids, self.chunk_size), self._clients)

    def ninox_to_ghl(self, records: Sequence[Record] | None = None) -> UpsertReport:
        """Push Ninox contacts (all, or ``records``) to GHL; new GHL ids are written back.
        Writes the upsert guard holds are reported in ``held``."""
        require_write(self._clients.ghl)
        maps_contacts_to_ghl(self.mappings)
        program = ninox_to_ghl(self.mappings, records, self.chunk_size, self._has_store)
        return run(program, self._clients)


class AsyncUpserter:
    """The async twin of [`Upserter`][bridge.upsert.Upserter]."""

    def __init__(
        self,
        ghl: AsyncGHLClient,
        ninox: AsyncDatabaseHandle,
        *,
        mappings: MappingSet | None = None,
        chunk_size: int | None = None,
        store: StateStore | None = None,
    ) -> None:
        self._clients = AsyncClients(ghl, ninox, _store(store))
        self._has_store = store is not None
        self.mappings = mappings or default_mappings()
        self.chunk_size = chunk_size

    async def ghl_to_ninox(self, entity: str, items: Iterable[Any]) -> UpsertReport:
        """Create or update the Ninox records of ``items`` (GHL models or wire dicts) of
        ``entity``, with its mapper (declarative or hand-written)."""
        program = ghl_to_ninox(self.mappings, entity, items, self.chunk_size)
        return await arun(program, self._clients)

    async def import_ghl(self, contact_ids: Sequence[str] | None = None) -> dict[str, UpsertReport]:
        """Read GHL contacts (all, or these) with their tasks, notes and appointments, and
        upsert all of them into Ninox; one report per entity."""
        return await arun(import_ghl(self.mappings, contact_ids, self.chunk_size), self._clients)

    async def ninox_to_ghl(self, records: Sequence[Record] | None = None) -> UpsertReport:
        """Push Ninox contacts (all, or ``records``) to GHL; new GHL ids are written back.
        Writes the upsert guard holds are reported in ``held``."""
        require_write(self._clients.ghl)
        maps_contacts_to_ghl(self.mappings)
        program = ninox_to_ghl(self.mappings, records, self.chunk_size, self._has_store)
        return await arun(program, self._clients)
