"""The engine's effects: every call it makes to GHL, Ninox or the state store, as typed data.

A stage is a generator (a *program*) that yields effects and receives their results, or has
their exceptions thrown in. Each effect knows how to run itself against the sync clients
([`Effect.run`][bridge.sync.effects.Effect.run]) and the async ones
([`Effect.arun`][bridge.sync.effects.Effect.arun]); those twins are one-liners, so mypy checks every
SDK call and no decision is written twice. Tests can drive a program by hand and assert on the
effects it yields. State effects run on the event loop's worker thread in the async engine, so
SQLite never blocks the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar, cast

import anyio.to_thread
import attrs

from bridge._ghl import ghl_arguments
from bridge.state import StateStore
from ghlsdk import AsyncGHLClient, GHLClient
from ghlsdk.models import to_wire
from ninoxsdk import (
    APIError,
    AsyncDatabaseHandle,
    BatchWriteError,
    DatabaseHandle,
    Record,
    RecordWrite,
)

__all__ = [
    "AsyncClients",
    "Clients",
    "Effect",
    "Entity",
    "GhlAddTags",
    "GhlCalendarEvents",
    "GhlCreate",
    "GhlDelete",
    "GhlFindContact",
    "GhlGet",
    "GhlListCalendars",
    "GhlListChildren",
    "GhlListContacts",
    "GhlSearchContacts",
    "GhlSearchTasks",
    "GhlUpdate",
    "NinoxAll",
    "NinoxChanges",
    "NinoxDelete",
    "NinoxGet",
    "NinoxSave",
    "Program",
    "SaveOutcome",
    "State",
    "perform",
    "state",
]

T = TypeVar("T")
R = TypeVar("R")
Entity = Literal["contact", "task", "note", "appointment"]


@attrs.frozen
class Clients:
    """What the sync interpreter runs effects with."""

    ghl: GHLClient
    ninox: DatabaseHandle
    store: StateStore


@attrs.frozen
class AsyncClients:
    """What the async interpreter runs effects with (the store is called from a thread)."""

    ghl: AsyncGHLClient
    ninox: AsyncDatabaseHandle
    store: StateStore


class Effect(Generic[T]):
    """One call; ``T`` is what the program receives back."""

    def run(self, c: Clients) -> T:
        raise NotImplementedError

    async def arun(self, c: AsyncClients) -> T:
        raise NotImplementedError


Program = Generator[Effect[Any], Any, R]


def perform(effect: Effect[T]) -> Program[T]:
    """``value = yield from perform(effect)``: yield one effect, typed."""
    return cast(T, (yield effect))


def state(fn: Callable[[StateStore], T]) -> Program[T]:
    """Run ``fn`` on the state store (on a worker thread in the async engine). ``fn`` must be
    complete in itself: wrap several writes in ``store.transaction()`` inside it."""
    return (yield from perform(State(fn)))


def _wire(item: Any) -> dict[str, Any]:
    return dict(item) if isinstance(item, Mapping) else to_wire(item)


# -- state ---------------------------------------------------------------------------------------


@attrs.frozen
class State(Effect[T]):
    fn: Callable[[StateStore], T]

    def run(self, c: Clients) -> T:
        return self.fn(c.store)

    async def arun(self, c: AsyncClients) -> T:
        return await anyio.to_thread.run_sync(self.fn, c.store)


# -- GHL: contacts -------------------------------------------------------------------------------


#: Contacts per search page (the API's maximum).
SEARCH_PAGE = 500


@attrs.frozen
class GhlListContacts(Effect[list[dict[str, Any]]]):
    """Every contact of the location."""

    def run(self, c: Clients) -> list[dict[str, Any]]:
        return [_wire(x) for x in c.ghl.contacts.list()]

    async def arun(self, c: AsyncClients) -> list[dict[str, Any]]:
        return [_wire(x) async for x in c.ghl.contacts.list()]


@attrs.frozen
class GhlSearchContacts(Effect[list[dict[str, Any]]]):
    """Contacts matching search ``filters`` in ``sort`` order (every page)."""

    filters: Sequence[Mapping[str, Any]]
    sort: Sequence[Mapping[str, Any]]

    def run(self, c: Clients) -> list[dict[str, Any]]:
        pager = c.ghl.contacts.search(
            filters=list(self.filters), sort=list(self.sort), page_limit=SEARCH_PAGE
        )
        return [_wire(x) for x in pager]

    async def arun(self, c: AsyncClients) -> list[dict[str, Any]]:
        pager = c.ghl.contacts.search(
            filters=list(self.filters), sort=list(self.sort), page_limit=SEARCH_PAGE
        )
        return [_wire(x) async for x in pager]


@attrs.frozen
class GhlFindContact(Effect["dict[str, Any] | None"]):
    """The contact the location's duplicate rules match for an email or phone."""

    email: str | None
    phone: str | None

    def run(self, c: Clients) -> dict[str, Any] | None:
        found = c.ghl.contacts.find_duplicate(email=self.email, number=self.phone)
        return None if found is None else _wire(found)

    async def arun(self, c: AsyncClients) -> dict[str, Any] | None:
        found = await c.ghl.contacts.find_duplicate(email=self.email, number=self.phone)
        return None if found is None else _wire(found)


@attrs.frozen
class GhlAddTags(Effect[None]):
    contact_id: str
    tags: tuple[str, ...]

    def run(self, c: Clients) -> None:
        c.ghl.tags.add(self.contact_id, list(self.tags))

    async def arun(self, c: AsyncClients) -> None:
        await c.ghl.tags.add(self.contact_id, list(self.tags))


# -- GHL: any entity -----------------------------------------------------------------------------


@attrs.frozen
class GhlListChildren(Effect[list[dict[str, Any]]]):
    """The tasks, notes or appointments of one contact (``contactId`` filled in)."""

    entity: Entity
    contact_id: str

    def run(self, c: Clients) -> list[dict[str, Any]]:
        g, cid = c.ghl, self.contact_id
        if self.entity == "task":
            items: Sequence[Any] = g.tasks.list(cid)
        elif self.entity == "note":
            items = g.notes.list(cid)
        else:
            items = g.appointments.list(cid)
        return [_child(x, cid) for x in items]

    async def arun(self, c: AsyncClients) -> list[dict[str, Any]]:
        g, cid = c.ghl, self.contact_id
        if self.entity == "task":
            items: Sequence[Any] = await g.tasks.list(cid)
        elif self.entity == "note":
            items = await g.notes.list(cid)
        else:
            items = await g.appointments.list(cid)
        return [_child(x, cid) for x in items]


@attrs.frozen
class GhlSearchTasks(Effect[list[dict[str, Any]]]):
    """Every task of these contacts through the location's task search (a page per 100)."""

    contact_ids: tuple[str, ...]

    def run(self, c: Clients) -> list[dict[str, Any]]:
        return [_wire(x) for x in c.ghl.tasks.search(contact_ids=list(self.contact_ids))]

    async def arun(self, c: AsyncClients) -> list[dict[str, Any]]:
        pager = c.ghl.tasks.search(contact_ids=list(self.contact_ids))
        return [_wire(x) async for x in pager]


@attrs.frozen
class GhlListCalendars(Effect[list[str]]):
    """The ids of the location's calendars (one request)."""

    def run(self, c: Clients) -> list[str]:
        return [cal.id for cal in c.ghl.calendars.list() if cal.id]

    async def arun(self, c: AsyncClients) -> list[str]:
        return [cal.id for cal in await c.ghl.calendars.list() if cal.id]


@attrs.frozen
class GhlCalendarEvents(Effect[list[dict[str, Any]]]):
    """The events of one calendar between ``start`` and ``end`` (one request)."""

    calendar_id: str
    start: datetime
    end: datetime

    def run(self, c: Clients) -> list[dict[str, Any]]:
        events = c.ghl.calendars.events(self.start, self.end, calendar_id=self.calendar_id)
        return [_wire(x) for x in events]

    async def arun(self, c: AsyncClients) -> list[dict[str, Any]]:
        events = await c.ghl.calendars.events(self.start, self.end, calendar_id=self.calendar_id)
        return [_wire(x) for x in events]


def _child(item: Any, contact_id: str | None) -> dict[str, Any]:
    wire = _wire(item)
    if contact_id and not wire.get("contactId"):
        wire["contactId"] = contact_id
    return wire


@attrs.frozen
class GhlGet(Effect[dict[str, Any]]):
    """One contact, task, note or appointment by id (``NotFoundError`` when it is gone;
    ``contact_id`` is needed for tasks and notes)."""

    entity: Entity
    ghl_id: str
    contact_id: str | None = None

    def run(self, c: Clients) -> dict[str, Any]:
        g, cid = c.ghl, self.contact_id or ""
        if self.entity == "contact":
            return _wire(g.contacts.get(self.ghl_id))
        if self.entity == "task":
            return _child(g.tasks.get(cid, self.ghl_id), cid)
        if self.entity == "note":
            return _child(g.notes.get(cid, self.ghl_id), cid)
        return _wire(g.appointments.get(self.ghl_id))

    async def arun(self, c: AsyncClients) -> dict[str, Any]:
        g, cid = c.ghl, self.contact_id or ""
        if self.entity == "contact":
            return _wire(await g.contacts.get(self.ghl_id))
        if self.entity == "task":
            return _child(await g.tasks.get(cid, self.ghl_id), cid)
        if self.entity == "note":
            return _child(await g.notes.get(cid, self.ghl_id), cid)
        return _wire(await g.appointments.get(self.ghl_id))


def _kwargs(body: Mapping[str, Any]) -> dict[str, Any]:
    return ghl_arguments(body)


@attrs.frozen
class GhlCreate(Effect[dict[str, Any]]):
    """Create a contact (the upsert endpoint), or a task, note or appointment of
    ``contact_id`` (an appointment's body names its calendar)."""

    entity: Entity
    body: Mapping[str, Any]
    contact_id: str | None = None

    def run(self, c: Clients) -> dict[str, Any]:
        g, cid, kw = c.ghl, self.contact_id or "", _kwargs(self.body)
        if self.entity == "contact":
            return _wire(g.contacts.upsert(**kw).contact)
        if self.entity == "task":
            return _child(g.tasks.create(cid, **kw), cid)
        if self.entity == "note":
            return _child(g.notes.create(cid, **kw), cid)
        return _child(g.appointments.create(contact_id=cid, **kw), cid)

    async def arun(self, c: AsyncClients) -> dict[str, Any]:
        g, cid, kw = c.ghl, self.contact_id or "", _kwargs(self.body)
        if self.entity == "contact":
            return _wire((await g.contacts.upsert(**kw)).contact)
        if self.entity == "task":
            return _child(await g.tasks.create(cid, **kw), cid)
        if self.entity == "note":
            return _child(await g.notes.create(cid, **kw), cid)
        return _child(await g.appointments.create(contact_id=cid, **kw), cid)


@attrs.frozen
class GhlUpdate(Effect[dict[str, Any]]):
    """Change some fields of a contact, task, note or appointment; returns the record as
    written."""

    entity: Entity
    ghl_id: str
    body: Mapping[str, Any]
    contact_id: str | None = None

    def run(self, c: Clients) -> dict[str, Any]:
        g, cid, kw = c.ghl, self.contact_id or "", _kwargs(self.body)
        if self.entity == "contact":
            return _wire(g.contacts.update(self.ghl_id, **kw))
        if self.entity == "task":
            return _child(g.tasks.update(cid, self.ghl_id, **kw), cid)
        if self.entity == "note":
            return _child(g.notes.update(cid, self.ghl_id, **kw), cid)
        return _child(g.appointments.update(self.ghl_id, **kw), cid)

    async def arun(self, c: AsyncClients) -> dict[str, Any]:
        g, cid, kw = c.ghl, self.contact_id or "", _kwargs(self.body)
        if self.entity == "contact":
            return _wire(await g.contacts.update(self.ghl_id, **kw))
        if self.entity == "task":
            return _child(await g.tasks.update(cid, self.ghl_id, **kw), cid)
        if self.entity == "note":
            return _child(await g.notes.update(cid, self.ghl_id, **kw), cid)
        return _child(await g.appointments.update(self.ghl_id, **kw), cid)


@attrs.frozen
class GhlDelete(Effect[None]):
    entity: Entity
    ghl_id: str
    contact_id: str | None = None

    def run(self, c: Clients) -> None:
        g, cid = c.ghl, self.contact_id or ""
        if self.entity == "contact":
            g.contacts.delete(self.ghl_id)
        elif self.entity == "task":
            g.tasks.delete(cid, self.ghl_id)
        elif self.entity == "note":
            g.notes.delete(cid, self.ghl_id)
        else:
            g.appointments.delete(self.ghl_id)

    async def arun(self, c: AsyncClients) -> None:
        g, cid = c.ghl, self.contact_id or ""
        if self.entity == "contact":
            await g.contacts.delete(self.ghl_id)
        elif self.entity == "task":
            await g.tasks.delete(cid, self.ghl_id)
        elif self.entity == "note":
            await g.notes.delete(cid, self.ghl_id)
        else:
            await g.appointments.delete(self.ghl_id)


# -- Ninox ---------------------------------------------------------------------------------------


@attrs.frozen
class NinoxChanges(Effect[list[Record]]):
    """Records of ``table`` changed after sequence ``since`` (all of them from 0)."""

    table: str
    since: int

    def run(self, c: Clients) -> list[Record]:
        return list(c.ninox.table(self.table, typed=False).changes(self.since))

    async def arun(self, c: AsyncClients) -> list[Record]:
        return [r async for r in c.ninox.table(self.table, typed=False).changes(self.since)]


@attrs.frozen
class NinoxAll(Effect[list[Record]]):
    table: str

    def run(self, c: Clients) -> list[Record]:
        return list(c.ninox.table(self.table, typed=False).list())

    async def arun(self, c: AsyncClients) -> list[Record]:
        return [r async for r in c.ninox.table(self.table, typed=False).list()]


@attrs.frozen
class NinoxGet(Effect[Record]):
    """One record (``NotFoundError`` when it is gone)."""

    table: str
    record_id: int

    def run(self, c: Clients) -> Record:
        return c.ninox.table(self.table, typed=False).get(self.record_id)

    async def arun(self, c: AsyncClients) -> Record:
        return await c.ninox.table(self.table, typed=False).get(self.record_id)


@attrs.frozen
class SaveOutcome:
    """Per write of a batch: the saved record, or the error that write met. A write whose
    outcome is unknown (the answer was lost) has an error too; the op says what to recheck."""

    saved: Mapping[int, Record]
    errors: Mapping[int, BaseException]


def _outcome(saved: Sequence[Any]) -> SaveOutcome:
    return SaveOutcome(
        saved={i: r for i, r in enumerate(saved) if isinstance(r, Record)}, errors={}
    )


def _failed_outcome(exc: Exception, count: int) -> SaveOutcome:
    if isinstance(exc, BatchWriteError):
        errors: dict[int, BaseException] = {f.index: f.error for f in exc.failed}
        errors.update({i: exc for i, _ in exc.pending})
        saved = [r for r in exc.saved if isinstance(r, Record)]
        done = [i for i in range(count) if i not in errors]
        return SaveOutcome(saved=dict(zip(done, saved, strict=False)), errors=errors)
    return SaveOutcome(saved={}, errors=dict.fromkeys(range(count), exc))


@attrs.frozen
class NinoxSave(Effect[SaveOutcome]):
    """Create and update records of ``table`` in batches. Never raises an API error: each
    write's outcome is in the [`SaveOutcome`][bridge.sync.effects.SaveOutcome]."""

    table: str
    writes: tuple[RecordWrite, ...]
    chunk_size: int | None = None

    def run(self, c: Clients) -> SaveOutcome:
        handle = c.ninox.table(self.table, typed=False)
        try:
            saved = handle.save(self.writes, chunk_size=self.chunk_size, continue_on_error=True)
        except Exception as exc:
            return _classified(exc, len(self.writes))
        return _outcome(saved)

    async def arun(self, c: AsyncClients) -> SaveOutcome:
        handle = c.ninox.table(self.table, typed=False)
        try:
            saved = await handle.save(
                self.writes, chunk_size=self.chunk_size, continue_on_error=True
            )
        except Exception as exc:
            return _classified(exc, len(self.writes))
        return _outcome(saved)


def _classified(exc: Exception, count: int) -> SaveOutcome:
    if not isinstance(exc, (APIError, BatchWriteError)):
        raise exc
    return _failed_outcome(exc, count)


@attrs.frozen
class NinoxDelete(Effect[None]):
    table: str
    record_id: int

    def run(self, c: Clients) -> None:
        c.ninox.table(self.table, typed=False).delete(self.record_id)

    async def arun(self, c: AsyncClients) -> None:
        await c.ninox.table(self.table, typed=False).delete(self.record_id)
