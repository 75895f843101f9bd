"""The bulk feeds: appointments from calendar events, the notes backfill, and the contacts whose
children a pass reads (counted on the fakes, never timed)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bridge.cli import build_sync_config
from bridge.config import ConfigError, parse_config
from bridge.state import SQLiteStateStore
from bridge.sync import SyncConfig, SyncEngine
from bridge.sync.feeds import windows
from bridge.testing import FakeWorld
from ghlsdk.webhooks import parse_event
from tests.bridge.syncworld import Crash, Faults, engine

NOTES = "/notes"


def calls(world: FakeWorld, engine: SyncEngine) -> list[str]:
    world.ghl.reset_counters()
    engine.sync()
    return [f"{r.method} {r.path}" for r in world.ghl.requests]


def test_the_notes_backfill_reads_a_capped_number_of_contacts_a_pass() -> None:
    world = FakeWorld()
    world.seed_ghl(20, tasks=1, notes=1, appointments=1)
    config = SyncConfig(note_backfill_calls=7)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore(), config=config)
    seen, shown = [], []
    for expected_notes in (7, 14, 20):
        world.ghl.reset_counters()
        report = engine.sync()
        shown.append("note backfill:" in str(report))
        seen.append(len([r for r in world.ghl.requests if r.path.endswith(NOTES)]))
        assert len(world.ninox_records("Notes")) == expected_notes
        assert report.backfill == {"note": (expected_notes, 20)}
        # contacts, tasks and appointments are not held back by the backfill
        for table in ("Contacts", "Tasks", "Appointments"):
            assert len(world.ninox_records(table)) == 20
    assert seen == [7, 7, 6]
    assert shown == [True, True, False]  # a finished backfill is no longer reported
    after = calls(world, engine)
    assert not [c for c in after if c.endswith(NOTES)]  # done: no note read without a change


def test_a_backfill_batch_that_failed_is_read_again() -> None:
    world = FakeWorld()
    world.seed_ghl(6, tasks=0, notes=1, appointments=0)
    config = SyncConfig(note_backfill_calls=3)
    ghl = world.ghl_client(max_retries=0)
    engine = SyncEngine(ghl, world.ninox_db(), SQLiteStateStore(), config=config)
    world.ghl.fail_next(503, method="GET", path="/contacts/*/notes", times=1)
    first = engine.sync()
    assert not first.ok
    assert first.backfill == {"note": (3, 6)}  # planned, but the mark stays
    second = engine.sync()
    assert second.ok
    assert second.backfill == {"note": (3, 6)}  # the same batch again
    engine.sync()
    assert len(world.ninox_records("Notes")) == 6


def test_a_contact_changed_during_the_backfill_has_its_notes_read_once_reached() -> None:
    world = FakeWorld()
    ids = sorted(world.seed_ghl(4, tasks=0, notes=1, appointments=0))
    config = SyncConfig(note_backfill_calls=2)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore(), config=config)
    engine.sync()  # backfill: ids[0], ids[1]
    world.ghl.add_note(ids[0], body="Added later")
    world.ghl.edit_contact(ids[0], firstName="Changed")  # passed by the backfill: read now
    world.ghl.edit_contact(ids[3], firstName="Changed")  # not reached yet: waits its turn
    read = [c for c in calls(world, engine) if c.endswith(NOTES)]
    assert sorted(read) == sorted(f"GET /contacts/{i}/notes" for i in (ids[0], ids[2], ids[3]))
    bodies = {r["fields"]["Body"] for r in world.ninox_records("Notes")}
    assert "Added later" in bodies
    assert len(world.ninox_records("Notes")) == 5


def test_children_are_read_after_a_crash_that_linked_their_contacts(tmp_path: Path) -> None:
    world = FakeWorld()
    world.seed_ghl(3, tasks=1, notes=1, appointments=0)
    path = tmp_path / "state.sqlite3"
    faults = Faults().on("POST", "/tasks/search", "crash before")
    with contextlib.suppress(Crash):
        engine(world, path, faults)("sync")
    assert len(world.ninox_records("Contacts")) == 3  # linked, and they look unchanged now
    assert world.ninox_records("Tasks") == []
    report = engine(world, path, Faults())("sync")
    assert report.ok
    assert len(world.ninox_records("Tasks")) == 3
    assert len(world.ninox_records("Notes")) == 3
    quiet = Faults()
    engine(world, path, quiet)("sync")
    assert not [c for c in quiet.log if c.endswith(("/tasks/search", "/notes"))]  # forgotten


def test_appointments_come_from_calendar_events_in_one_call_per_calendar() -> None:
    world = FakeWorld()
    world.seed_ghl(30, tasks=0, notes=0, appointments=2)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore())
    made = calls(world, engine)
    assert [c for c in made if "calendars" in c] == ["GET /calendars", "GET /calendars/events"]
    assert not [c for c in made if c.endswith("/appointments")]
    assert len(world.ninox_records("Appointments")) == 60
    again = calls(world, engine)
    assert len(again) <= 4  # contacts, calendars, events: nothing changed
    assert engine.sync().writes == 0


def test_a_refused_calendars_api_falls_back_to_one_list_per_contact() -> None:
    world = FakeWorld()
    world.seed_ghl(4, tasks=0, notes=0, appointments=1)
    world.ghl.fail_next(403, method="GET", path="/calendars", times=None)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore())
    made = calls(world, engine)
    assert len([c for c in made if c.endswith("/appointments")]) == 4
    assert len(world.ninox_records("Appointments")) == 4


def test_a_failed_events_read_keeps_the_cursors_and_is_read_again() -> None:
    world = FakeWorld()
    world.seed_ghl(3, tasks=0, notes=0, appointments=1)
    world.ghl.fail_next(502, method="GET", path="/calendars/events", times=1)
    engine = SyncEngine(world.ghl_client(max_retries=0), world.ninox_db(), SQLiteStateStore())
    first = engine.sync()
    assert not first.ok
    assert world.ninox_records("Appointments") == []
    assert engine.sync().ok
    assert len(world.ninox_records("Appointments")) == 3


def test_the_window_is_cut_into_spans() -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert windows(start, start + timedelta(days=10), None) == [(start, start + timedelta(days=10))]
    cuts = windows(start, start + timedelta(days=10), timedelta(days=4))
    assert [(a.day, b.day) for a, b in cuts] == [(1, 5), (5, 9), (9, 11)]
    assert windows(start, start, timedelta(days=1)) == []


def test_a_span_sends_one_events_call_per_span() -> None:
    world = FakeWorld()
    world.seed_ghl(2, tasks=0, notes=0, appointments=1)
    config = SyncConfig(
        appointments_past=timedelta(days=365),
        appointments_future=timedelta(days=35),
        appointments_span=timedelta(days=100),
    )
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore(), config=config)
    made = calls(world, engine)
    assert len([c for c in made if c == "GET /calendars/events"]) == 4
    assert len(world.ninox_records("Appointments")) == 2


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("appointments_span", timedelta(0)),
        ("appointments_span", timedelta(days=-1)),
        ("appointments_past", timedelta(days=-1)),
        ("appointments_future", timedelta(seconds=-1)),
    ],
)
def test_an_appointments_window_must_make_sense(setting: str, value: timedelta) -> None:
    with pytest.raises(ValueError, match=setting):  # a zero span would never end the window
        SyncConfig(**{setting: value})


@pytest.mark.parametrize("value", [0, -1, True])
def test_a_backfill_cap_must_be_a_positive_number(value: int) -> None:
    with pytest.raises(ValueError, match="note_backfill_calls"):
        SyncConfig(note_backfill_calls=value)


def test_an_appointment_event_is_read_by_id() -> None:
    world = FakeWorld()
    (cid,) = world.seed_ghl(1, tasks=0, notes=0, appointments=0)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), SQLiteStateStore())
    engine.sync()
    made = world.ghl.add_appointment(cid, title="Booked by webhook")
    event = {
        "type": "AppointmentCreate",
        "locationId": world.ghl.location_id,
        "appointment": {"id": made["id"], "contactId": cid, "title": "Booked by webhook"},
    }
    report = engine.handle_ghl_event(parse_event(event))
    assert report.counts["appointment"] == {"create_ninox": 1}
    titles = [r["fields"]["Title"] for r in world.ninox_records("Appointments")]
    assert titles == ["Booked by webhook"]


CONFIG = """
[ghl]
location_id = "l"
[ninox]
team_id = "t"
database_id = "d"
[sync]
"""


def test_the_config_file_sets_how_ghl_is_read() -> None:
    text = CONFIG + (
        'children_of = "every_contact_read"\ntask_search = false\ncalendar_events = false\n'
        "appointments_past_days = 30\nappointments_future_days = 60\n"
        "appointments_span_days = 15\nnote_backfill_calls = 250\n"
    )
    sc = build_sync_config(parse_config(text, environ={}))
    assert (sc.children_of, sc.task_search, sc.calendar_events) == (
        "every_contact_read",
        False,
        False,
    )
    assert (sc.appointments_past, sc.appointments_future, sc.appointments_span) == (
        timedelta(days=30),
        timedelta(days=60),
        timedelta(days=15),
    )
    assert sc.note_backfill_calls == 250
    defaults = build_sync_config(parse_config(CONFIG, environ={}))
    assert defaults == SyncConfig()


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('children_of = "all"', "sync.children_of"),
        ("note_backfill_calls = 0", "sync.note_backfill_calls"),
        ("appointments_span_days = 0", "sync.appointments_span_days"),
    ],
)
def test_a_bad_feed_setting_names_the_key(line: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        parse_config(CONFIG + line + "\n", environ={})
