"""Reading what changed on each side since the cursors, and moving the cursors.

GHL: contacts by search, 500 a page (everything on the first pass, then by ``dateUpdated``
from ``cursor - overlap``, because GHL's search index lags its writes); tasks through the
location's task search, 50 contacts a request; appointments through the calendars' events of
a time window; notes one call per contact (the API has no bulk read for them). Ninox: the
records of a table changed after its sequence cursor. A cursor moves only at the end of a
pass in which everything it covers was handled
([`PassContext.hold`][bridge.sync.context.PassContext.hold]).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bridge.state import Cursor, Side, StateStore
from bridge.sync.backfill import save_backfill
from bridge.sync.children import forget_pending
from bridge.sync.context import PassContext
from bridge.sync.effects import (
    GhlCalendarEvents,
    GhlListCalendars,
    GhlListChildren,
    GhlSearchContacts,
    GhlSearchTasks,
    NinoxChanges,
    Program,
    perform,
    state,
)
from ghlsdk import (
    BadRequestError,
    MissingScopeError,
    PermissionDeniedError,
    parse_datetime,
)
from ninoxsdk import APIError, NotFoundError, Record

__all__ = ["ghl_children", "ghl_contacts", "move_cursors", "ninox_changes"]


def ghl_scope(ctx: PassContext) -> str:
    return f"{ctx.location}:contact"


_BY_UPDATE = {"field": "dateUpdated", "direction": "asc"}


def ghl_contacts(ctx: PassContext) -> Program[dict[str, dict[str, Any]]]:
    """The GHL contacts changed since the cursor (all of them on the first pass)."""
    scope = ghl_scope(ctx)
    cursor = yield from state(lambda s: s.get_cursor("ghl", scope))
    if cursor is None:
        items = yield from perform(GhlSearchContacts([], [_BY_UPDATE]))
    else:
        since = parse_datetime(cursor.value) - ctx.config.overlap
        filters = [
            {
                "field": "dateUpdated",
                "operator": "range",
                "value": {"gte": since.isoformat().replace("+00:00", "Z")},
            }
        ]
        items = yield from perform(GhlSearchContacts(filters, [_BY_UPDATE]))
    for wire in items:
        ctx.ghl_contacts[str(wire["id"])] = wire
    return dict(ctx.ghl_contacts)


#: Contacts per task search request (their tasks are paged by the SDK).
TASK_SEARCH_BATCH = 50


def ghl_children(
    ctx: PassContext, entity: str, contact_ids: Sequence[str]
) -> Program[tuple[dict[str, dict[str, Any]], set[str]]]:
    """The ``entity`` records (tasks, notes, appointments) of the given contacts, and the
    contacts whose list was read whole (a linked child missing from it was deleted)."""
    found: dict[str, dict[str, Any]] = {}
    whole: set[str] = set()
    rest = list(contact_ids)
    if entity == "task" and ctx.config.task_search and not ctx.no_task_search:
        rest = yield from _search_tasks(ctx, rest, found, whole)
    if entity == "appointment" and ctx.config.calendar_events and not ctx.no_calendar_events:
        read = yield from _calendar_events(ctx, found)
        rest = [] if read else rest
    for n, contact_id in enumerate(rest):
        try:
            children = yield from perform(GhlListChildren(entity, contact_id))  # type: ignore[arg-type]
        except NotFoundError:
            continue  # the contact went away; its deletion is handled with contacts
        except APIError as exc:
            # One contact's unreadable children must not stop the others; read them again.
            ctx.hold_cursors(entity)
            yield from ctx.park(entity, f"{entity}s of {contact_id}", "ghl", "read", exc)
            continue
        whole.add(contact_id)
        for wire in children:
            found[str(wire["id"])] = wire
        if ctx.progress is not None:
            ctx.progress(n + 1, len(rest), f"reading GHL {entity}s")
    return found, whole


def _search_tasks(
    ctx: PassContext,
    contact_ids: list[str],
    found: dict[str, dict[str, Any]],
    whole: set[str],
) -> Program[list[str]]:
    """Tasks of many contacts per request; returns the contacts still to read one by one
    (all of them when the search is not allowed: the pass falls back)."""
    left: list[str] = []
    for start in range(0, len(contact_ids), TASK_SEARCH_BATCH):
        batch = contact_ids[start : start + TASK_SEARCH_BATCH]
        if ctx.no_task_search:
            left.extend(batch)
            continue
        try:
            tasks = yield from perform(GhlSearchTasks(tuple(batch)))
        except (MissingScopeError, PermissionDeniedError, NotFoundError, BadRequestError):
            ctx.no_task_search = True  # not allowed or not there: one list per contact
            left.extend(batch)
            continue
        except APIError as exc:
            ctx.hold_cursors("task")
            yield from ctx.park("task", f"tasks of {len(batch)} contacts", "ghl", "read", exc)
            continue
        asked = set(batch)
        if any(str(t.get("contactId") or "") not in asked for t in tasks):
            left.extend(batch)  # an answer we cannot attribute: read these one by one
            continue
        whole.update(batch)
        for wire in tasks:
            found[str(wire["id"])] = wire
        if ctx.progress is not None:
            done = min(start + TASK_SEARCH_BATCH, len(contact_ids))
            ctx.progress(done, len(contact_ids), "reading GHL tasks")
    return left


def _calendar_events(ctx: PassContext, found: dict[str, dict[str, Any]]) -> Program[bool]:
    """Appointments from every calendar's events in the configured window; ``False`` when the
    calendars API is refused (the pass falls back to one list per contact)."""
    config = ctx.config
    start, end = ctx.now - config.appointments_past, ctx.now + config.appointments_future
    try:
        calendars = yield from perform(GhlListCalendars())
    except (MissingScopeError, PermissionDeniedError, NotFoundError, BadRequestError):
        ctx.no_calendar_events = True
        return False
    except APIError as exc:
        ctx.hold_cursors("appointment")
        yield from ctx.park("appointment", "calendars", "ghl", "read", exc)
        return True
    for calendar_id in calendars:
        for low, high in windows(start, end, config.appointments_span):
            try:
                events = yield from perform(GhlCalendarEvents(calendar_id, low, high))
            except APIError as exc:
                ctx.hold_cursors("appointment")
                label = f"events of calendar {calendar_id}"
                yield from ctx.park("appointment", label, "ghl", "read", exc)
                break
            for wire in events:
                if wire.get("contactId"):  # blocked slots have no contact: nothing to sync
                    found[str(wire["id"])] = wire
    return True


def windows(
    start: datetime, end: datetime, span: timedelta | None
) -> list[tuple[datetime, datetime]]:
    """``start``..``end`` cut into consecutive windows of at most ``span`` (one if ``None``)."""
    if span is None:
        return [(start, end)]
    cuts: list[tuple[datetime, datetime]] = []
    low = start
    while low < end:
        cuts.append((low, min(low + span, end)))
        low += span
    return cuts


def ninox_changes(ctx: PassContext, entity: str) -> Program[tuple[dict[int, Record], int]]:
    """The records of ``entity``'s table changed after its cursor, and the new high mark."""
    table = ctx.mapper(entity).ninox_table
    cursor = yield from state(lambda s: s.get_cursor("ninox", table))
    since = int(cursor.value) if cursor is not None else 0
    records = yield from perform(NinoxChanges(table, since))
    high = max([since, *(r.sequence or 0 for r in records)])
    return {r.id: r for r in records}, high


def ghl_high_water(ctx: PassContext) -> str:
    """The new GHL cursor: the newest ``dateUpdated`` read, or, when that is older, the pass
    start minus the overlap (everything updated before then was visible to this pass's
    search). Never past our own clock: a peer clock running ahead must not blind us."""
    stamps = [ctx.now - ctx.config.overlap]
    for wire in ctx.ghl_contacts.values():
        raw = wire.get("dateUpdated") or wire.get("dateAdded")
        if raw:
            try:
                stamps.append(parse_datetime(raw))
            except (TypeError, ValueError):
                continue
    return min(max(stamps), ctx.now).isoformat()


def move_cursors(ctx: PassContext, ninox_high: dict[str, int]) -> Program[None]:
    """Move every cursor whose records were all handled, in one transaction."""
    if ctx.dry_run:
        return
    moves: list[Cursor] = []
    for entity, high in ninox_high.items():
        if entity not in ctx.hold:
            moves.append(_cursor("ninox", ctx.mapper(entity).ninox_table, str(high)))
    if "ghl" not in ctx.hold:
        moves.append(_cursor("ghl", ghl_scope(ctx), ghl_high_water(ctx)))
    moves.extend(save_backfill(ctx))

    def write(s: StateStore) -> None:
        with s.transaction():
            for c in moves:
                s.set_cursor(c)
            forget_pending(ctx, s)

    yield from state(write)


def _cursor(source: Side, scope: str, value: str) -> Cursor:
    return Cursor(source=source, scope=scope, value=value)


def stamp(raw: Any) -> datetime | None:
    """A GHL timestamp, or ``None`` when absent or unreadable."""
    try:
        return parse_datetime(raw) if raw else None
    except (TypeError, ValueError):
        return None
