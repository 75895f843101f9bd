"""Appointments both ways: created, edited and deleted in Ninox, written to GHL through the
calendars API; a create whose answer is lost is found again, never booked twice."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bridge.state import SQLiteStateStore
from bridge.sync import SyncConfig
from bridge.testing import FakeWorld
from tests.bridge.syncworld import (
    Crash,
    Faults,
    add_ninox,
    assert_converged,
    by_ghl_id,
    edit_ninox,
    engine,
    until_quiet,
)

CALENDAR = FakeWorld().ghl_client().calendars.list()[0].id  # the fake's default calendar
BOOKED = SyncConfig(appointment_calendar_id=CALENDAR)
START, END = "2026-12-03T15:00:00Z", "2026-12-03T15:30:00Z"


def record_of(world: FakeWorld, table: str, gid: str) -> int:
    return next(int(r["id"]) for r in world.ninox_records(table) if r["fields"]["GHL Id"] == gid)


def contact_in_both(world: FakeWorld, path: Path, config: SyncConfig = BOOKED) -> tuple[str, int]:
    (cid,) = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    until_quiet(engine(world, path, Faults(), config=config))
    return cid, record_of(world, "Contacts", cid)


def booked(
    world: FakeWorld, path: Path, contact: int, config: SyncConfig = BOOKED, title: str = "Visit"
) -> str:
    fields = {"Title": title, "Start": START, "End": END, "Status": "confirmed"}
    add_ninox(world, "Appointments", {**fields, "Contact": contact})
    until_quiet(engine(world, path, Faults(), config=config))
    return next(g for g, a in world.ghl.appointments.items() if a["title"] == title)


def test_an_appointment_made_in_ninox_is_booked_on_the_configured_calendar(
    tmp_path: Path,
) -> None:
    world = FakeWorld()
    path = tmp_path / "state.sqlite3"
    cid, contact = contact_in_both(world, path)
    gid = booked(world, path, contact)
    event = world.ghl.appointments[gid]
    assert (event["calendarId"], event["contactId"], event["title"]) == (
        CALENDAR,
        cid,
        "Visit",
    )
    assert by_ghl_id(world, "Appointments")[gid]["Title"] == "Visit"  # id written back
    assert engine(world, path, Faults(), config=BOOKED)("sync").writes == 0
    assert_converged(world, path)


def test_without_a_calendar_it_is_reported_and_nothing_is_sent(tmp_path: Path) -> None:
    world = FakeWorld()
    path = tmp_path / "state.sqlite3"
    _cid, contact = contact_in_both(world, path, SyncConfig())
    add_ninox(world, "Appointments", {"Title": "Nowhere", "Start": START, "Contact": contact})
    world.ghl.reset_counters()
    report = engine(world, path, Faults(), config=SyncConfig())("sync")
    assert [e.message for e in report.errors if e.entity == "appointment"] == [
        "set SyncConfig(appointment_calendar_id=...) (the GHL calendar to book appointments "
        "made in Ninox on) to send it to GHL"
    ]
    assert not [r for r in world.ghl.requests if r.method != "GET" and "calendars" in r.path]
    assert world.ghl.appointments == {}


def test_an_edit_in_ninox_updates_the_ghl_appointment(tmp_path: Path) -> None:
    world = FakeWorld()
    path = tmp_path / "state.sqlite3"
    _cid, contact = contact_in_both(world, path)
    gid = booked(world, path, contact)
    record = record_of(world, "Appointments", gid)
    edit_ninox(world, "Appointments", record, {"Title": "Site visit (moved)"})
    world.ghl.reset_counters()
    report = engine(world, path, Faults(), config=BOOKED)("sync")
    assert report.counts["appointment"].get("update_ghl") == 1
    assert [f"{r.method} {r.path}" for r in world.ghl.requests if r.method == "PUT"] == [
        f"PUT /calendars/events/appointments/{gid}"
    ]
    assert world.ghl.appointments[gid]["title"] == "Site visit (moved)"


def test_a_hard_delete_in_ninox_deletes_the_ghl_appointment(tmp_path: Path) -> None:
    world = FakeWorld()
    path = tmp_path / "state.sqlite3"
    config = SyncConfig(appointment_calendar_id=CALENDAR, deletes="hard")
    cid, contact = contact_in_both(world, path, config)
    kept = world.ghl.add_appointment(cid, title="Kept")["id"]  # an empty table is no delete
    gid = booked(world, path, contact, config, title="Cancelled")
    world.ninox.delete_record(
        world.team_id,
        world.database_id,
        world.table_ids["Appointments"],
        record_of(world, "Appointments", gid),
    )
    until_quiet(engine(world, path, Faults(), config=config), kind="scan")
    assert set(world.ghl.appointments) == {kept}
    store = SQLiteStateStore(path)
    assert store.link_by_ghl("appointment", gid).state == "tombstone_both"  # type: ignore[union-attr]
    store.close()


def test_a_booking_whose_answer_is_lost_is_found_not_booked_twice(tmp_path: Path) -> None:
    for mode in ("timeout after", "crash after", "500 after"):
        world = FakeWorld()
        path = tmp_path / f"{mode}.sqlite3"
        _cid, contact = contact_in_both(world, path)
        add_ninox(world, "Appointments", {"Title": "Once", "Start": START, "Contact": contact})
        faults = Faults().on("POST", "/calendars/events/appointments", mode)
        with contextlib.suppress(Crash):
            engine(world, path, faults, config=BOOKED)("sync")
        assert len(world.ghl.appointments) == 1, mode  # the server booked it
        until_quiet(engine(world, path, Faults(), config=BOOKED))
        assert len(world.ghl.appointments) == 1, mode
        assert_converged(world, path)
