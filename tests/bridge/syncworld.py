"""Shared by the sync engine's failure tests: faults injected at a chosen request, engines
(sync or async) over one state file, and the invariants a converged sync must hold."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bridge.mapping import MappingSet
from bridge.state import SQLiteStateStore
from bridge.sync import AsyncSyncEngine, RunReport, SyncConfig, SyncEngine
from bridge.testing import FakeWorld
from ghlsdk import APIError, AsyncGHLClient, GHLClient
from ninoxsdk import AsyncDatabaseHandle, AsyncNinoxClient, DatabaseHandle, NinoxClient

FAULTS = (
    "crash before",  # the process dies before the request leaves
    "crash after",  # the server applied it, then the process died
    "timeout before",  # a timeout before the request reached the server
    "timeout after",  # applied, the answer lost in a timeout
    "500 after",  # applied, answered 500
    "503",  # refused: not applied
    "429",  # rate limited: not applied
)


class Crash(BaseException):
    """The process dies: not an Exception, so nothing in the library handles it."""


class Faults:
    """Counts requests across both fakes; ``plan`` maps a request number to a fault."""

    def __init__(self, plan: dict[int, str] | None = None) -> None:
        self.plan = dict(plan or {})
        self.seen = 0
        self.log: list[str] = []
        self.rules: list[list[Any]] = []

    def on(self, method: str, path: str, mode: str, times: int = 1) -> Faults:
        """Fault the next ``times`` requests whose method is ``method`` and whose path
        contains ``path``."""
        self.rules.append([method, path, mode, times])
        return self

    def _fault(self, request: httpx.Request) -> str | None:
        n, self.seen = self.seen, self.seen + 1
        self.log.append(f"{request.method} {request.url.path}")
        for rule in self.rules:
            method, path, mode, times = rule
            if times and request.method == method and path in request.url.path:
                rule[3] = times - 1
                return str(mode)
        return self.plan.get(n)

    @staticmethod
    def _after(fault: str, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if fault == "crash after":
            raise Crash
        if fault == "timeout after":
            raise httpx.ReadTimeout("lost", request=request)
        if fault == "500 after":
            return httpx.Response(500, json={"message": "injected after apply"})
        return response

    @staticmethod
    def _before(fault: str, request: httpx.Request) -> httpx.Response | None:
        if fault == "crash before":
            raise Crash
        if fault == "timeout before":
            raise httpx.ConnectTimeout("injected", request=request)
        if fault in ("503", "429"):
            return httpx.Response(int(fault), json={"message": "injected"})
        return None

    def wrap(self, inner: Any) -> httpx.BaseTransport:
        faults = self

        class Wrapped(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                fault = faults._fault(request)
                if fault is None:
                    return inner.handle_request(request)  # type: ignore[no-any-return]
                early = faults._before(fault, request)
                if early is not None:
                    return early
                response = inner.handle_request(request)
                response.read()
                return faults._after(fault, request, response)

        return Wrapped()

    def awrap(self, inner: Any) -> httpx.AsyncBaseTransport:
        faults = self

        class Wrapped(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                fault = faults._fault(request)
                if fault is None:
                    return await inner.handle_async_request(request)  # type: ignore[no-any-return]
                early = faults._before(fault, request)
                if early is not None:
                    return early
                response = await inner.handle_async_request(request)
                await response.aread()
                return faults._after(fault, request, response)

        return Wrapped()


Runner = Callable[[str], RunReport]


def clients(world: FakeWorld, faults: Faults) -> tuple[GHLClient, DatabaseHandle]:
    """Sync clients on the fakes through ``faults``, with no retries and no throttling, so
    every fault reaches the engine."""
    ghl = GHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        rate_limiting=False,
        max_retries=0,
        http_client=httpx.Client(transport=faults.wrap(world.ghl)),
    )
    ninox = NinoxClient(
        world.ninox_api_key,
        min_interval=0,
        max_retries=0,
        http_client=httpx.Client(transport=faults.wrap(world.ninox)),
    )
    return ghl, ninox.database(world.team_id, world.database_id)


def async_clients(world: FakeWorld, faults: Faults) -> tuple[AsyncGHLClient, AsyncDatabaseHandle]:
    """The async twins of ``clients``."""
    ghl = AsyncGHLClient(
        token=world.ghl.token,
        location_id=world.ghl.location_id,
        rate_limiting=False,
        max_retries=0,
        http_client=httpx.AsyncClient(transport=faults.awrap(world.ghl)),
    )
    ninox = AsyncNinoxClient(
        world.ninox_api_key,
        min_interval=0,
        max_retries=0,
        http_client=httpx.AsyncClient(transport=faults.awrap(world.ninox)),
    )
    return ghl, ninox.database(world.team_id, world.database_id)


def engine(
    world: FakeWorld,
    path: Path | str,
    faults: Faults,
    *,
    use_async: bool = False,
    config: SyncConfig | None = None,
    mappings: MappingSet | None = None,
) -> Runner:
    """A fresh engine (a new process, as far as the state file knows) as ``run(kind)`` with
    kind ``"sync"``, ``"scan"`` (a sync that also looks for deletions) or ``"plan"``; no
    retries, so every fault reaches the engine."""
    maps = mappings or world.mappings
    if not use_async:
        ghl, db = clients(world, faults)
        store = SQLiteStateStore(path)
        sync_engine = SyncEngine(ghl, db, store, mappings=maps, config=config)
        return lambda kind: (
            sync_engine.plan() if kind == "plan" else sync_engine.sync(scan_deletes=kind == "scan")
        )

    def run_async(kind: str) -> RunReport:
        async def go() -> RunReport:
            ghl, db = async_clients(world, faults)
            store = SQLiteStateStore(path)
            try:
                async_engine = AsyncSyncEngine(ghl, db, store, mappings=maps, config=config)
                if kind == "plan":
                    return await async_engine.plan()
                return await async_engine.sync(scan_deletes=kind == "scan")
            finally:
                store.close()

        return asyncio.run(go())

    return run_async


def until_quiet(run: Runner, passes: int = 6, kind: str = "sync") -> RunReport:
    """Fault-free passes until one writes nothing and reports no error (``kind="scan"``:
    each pass also looks for deletions)."""
    report: RunReport | None = None
    for _ in range(passes):
        try:
            report = run(kind)
        except APIError:
            continue
        if report.writes == 0 and not report.errors:
            return report
    raise AssertionError(f"no quiet pass after {passes}: {report}")


def ninox(world: FakeWorld, table: str) -> list[dict[str, Any]]:
    return world.ninox_records(table)


def add_ninox(world: FakeWorld, table: str, fields: dict[str, Any]) -> int:
    record = world.ninox.add_record(
        world.team_id, world.database_id, world.table_ids[table], fields
    )
    return int(record["id"]) if isinstance(record, dict) else int(record)


def edit_ninox(world: FakeWorld, table: str, record_id: int, fields: dict[str, Any]) -> None:
    world.ninox.update_record(
        world.team_id, world.database_id, world.table_ids[table], record_id, fields
    )


def _email(value: Any) -> str:
    return str(value or "").strip().lower()


def by_ghl_id(world: FakeWorld, table: str) -> dict[str, dict[str, Any]]:
    return {r["fields"]["GHL Id"]: r["fields"] for r in ninox(world, table)}


def assert_converged(
    world: FakeWorld, store_path: Path | str | None = None, *, orphans: bool = False
) -> None:
    """Both sides hold the same records, once each, every Ninox record knows its GHL id,
    and nothing is left with an unknown outcome. ``orphans``: Ninox tasks and notes whose
    contact record was deleted before they reached GHL are left out (GHL cannot hold them)."""
    contacts = ninox(world, "Contacts")
    present = {r["id"] for r in contacts}
    keys = Counter(r["fields"].get("GHL Id") for r in contacts)
    assert None not in keys, "a Ninox contact never reached GHL (or lacks its GHL Id)"
    assert set(keys.values()) <= {1}, f"duplicate Ninox contacts: {keys.most_common(3)}"
    assert set(keys) == set(world.ghl.contacts), "GHL and Ninox contacts differ"
    emails = Counter(c.get("email") for c in world.ghl.contacts.values())
    assert set(emails.values()) <= {1}, f"duplicate GHL contacts: {emails.most_common(3)}"
    for gid, fields in by_ghl_id(world, "Contacts").items():
        ghl = world.ghl.contacts[gid]
        assert _email(fields.get("Email")) == _email(ghl.get("email")), gid
        assert (fields.get("First Name") or None) == (ghl.get("firstName") or None), gid
    for table, entity, field, key in (
        ("Tasks", "tasks", "Title", "title"),
        ("Notes", "notes", "Body", "body"),
        ("Appointments", "appointments", "Title", "title"),
    ):
        records = ninox(world, table)
        if orphans:
            records = [
                r
                for r in records
                if r["fields"].get("GHL Id") or r["fields"].get("Contact") in present
            ]
        ids = Counter(r["fields"].get("GHL Id") for r in records)
        ghl_side = getattr(world.ghl, entity)
        assert None not in ids, f"a Ninox {entity[:-1]} never reached GHL"
        assert set(ids.values()) <= {1}, f"duplicate Ninox {entity}: {ids.most_common(3)}"
        assert set(ids) == set(ghl_side), f"GHL and Ninox {entity} differ"
        for r in records:
            item = ghl_side[r["fields"]["GHL Id"]]
            assert (r["fields"].get(field) or None) == (item.get(key) or None), (table, item)
    if store_path is not None:
        store = SQLiteStateStore(store_path)
        try:
            assert store.open_ops() == [], "ops with an unknown outcome were left behind"
            unsettled = [lk for lk in store.links() if lk.error_count]
            assert unsettled == [], f"links left unsettled: {unsettled[:3]}"
        finally:
            store.close()
