"""Crash (or lose the answer) at every API call of a first sync and of an incremental pass,
then restart a fresh engine on the same state file: no duplicates on either side, no lost
edit, every link and GHL id written, nothing left with an unknown outcome.

The world has creates in both directions with children: GHL contacts with a task, a note and
an appointment; Ninox contacts with a task and a note; a pair that matches by email.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from bridge.testing import FakeWorld
from ghlsdk import APIError
from tests.bridge.syncworld import (
    FAULTS,
    Crash,
    Faults,
    add_ninox,
    assert_converged,
    by_ghl_id,
    edit_ninox,
    engine,
    until_quiet,
)

# `make test` injects the faults that end in every outcome state (not sent, applied and
# answered with an error, applied with the answer lost, a crash either side); `make soak`
# (GHL_NINOX_SOAK=1) runs every fault with both engines.
SOAK = bool(os.environ.get("GHL_NINOX_SOAK"))
CASES = [
    (mode, use_async)
    for mode in FAULTS
    for use_async in (False, True)
    if SOAK
    or (mode, use_async)
    in {
        ("crash before", False),
        ("crash after", False),
        ("timeout after", False),
        ("500 after", False),
        ("crash after", True),
    }
]
IDS = [f"{mode}-{'async' if use_async else 'sync'}" for mode, use_async in CASES]


def first_sync_world() -> FakeWorld:
    world = FakeWorld(ghl_options={"seed": 1})
    world.seed_ghl(2, tasks=1, notes=1, appointments=1)
    world.ghl.add_contact(firstName="Mia", email="mia@example.com")
    add_ninox(world, "Contacts", {"First Name": "Mia", "Email": "MIA@example.com "})
    for i in range(2):
        cid = add_ninox(world, "Contacts", {"First Name": f"N{i}", "Email": f"n{i}@example.com"})
        due = f"2026-02-0{i + 1}T09:00:00"
        add_ninox(world, "Tasks", {"Title": f"Ninox task {i}", "Due Date": due, "Contact": cid})
        add_ninox(world, "Notes", {"Body": f"Ninox note {i}", "Contact": cid})
    return world


def incremental_world(path: Path) -> tuple[FakeWorld, dict[str, str]]:
    """A world after a clean first sync, then edited on both sides; returns the edits."""
    world = first_sync_world()
    until_quiet(engine(world, path, Faults()))
    contacts = by_ghl_id(world, "Contacts")
    linked = sorted(contacts)
    g0, g1 = linked[0], linked[1]
    world.ghl.edit_contact(g0, firstName="Edited in GHL")
    n1 = next(r["id"] for r in world.ninox_records("Contacts") if r["fields"]["GHL Id"] == g1)
    edit_ninox(world, "Contacts", n1, {"Email": "edited.in.ninox@example.com"})
    n0 = next(r["id"] for r in world.ninox_records("Contacts") if r["fields"]["GHL Id"] == g0)
    due = "2026-04-01T08:30:00"
    add_ninox(world, "Tasks", {"Title": "New Ninox task", "Due Date": due, "Contact": n0})
    world.ghl.add_task(g1, title="New GHL task", dueDate="2026-03-01T10:00:00Z")
    # Polling sees a contact's new children when the contact changed (SyncConfig.children_of);
    # whether GHL bumps it for a new task is UNCONFIRMED, so the test touches it itself.
    world.ghl.edit_contact(g1, lastName="Touched in GHL")
    new = world.ghl.add_contact(firstName="Noa", email="noa@example.com")
    world.ghl.add_note(new["id"], body="Noa's first note")
    cid = add_ninox(world, "Contacts", {"First Name": "Ola", "Email": "ola@example.com"})
    add_ninox(world, "Tasks", {"Title": "Ola's task", "Due Date": due, "Contact": cid})
    return world, {g0: "Edited in GHL", g1: "edited.in.ninox@example.com"}


def count_requests(world: FakeWorld, path: Path, use_async: bool) -> int:
    probe = Faults()
    engine(world, path, probe, use_async=use_async)("sync")
    return probe.seen


def crash_then_restart(world: FakeWorld, path: Path, at: int, mode: str, use_async: bool) -> None:
    with contextlib.suppress(Crash, APIError):
        engine(world, path, Faults({at: mode}), use_async=use_async)("sync")
    until_quiet(engine(world, path, Faults(), use_async=use_async))


@pytest.mark.parametrize(("mode", "use_async"), CASES, ids=IDS)
def test_a_first_sync_survives_a_fault_at_every_request(
    tmp_path: Path, mode: str, use_async: bool
) -> None:
    total = count_requests(first_sync_world(), tmp_path / "probe.sqlite3", use_async)
    assert total > 20
    for at in range(total):
        world = first_sync_world()
        path = tmp_path / f"{at}.sqlite3"
        crash_then_restart(world, path, at, mode, use_async)
        assert_converged(world, path)
        assert len(world.ghl.contacts) == 5
        assert len(world.ghl.tasks) == 4
        assert len(world.ghl.notes) == 4


@pytest.mark.parametrize(("mode", "use_async"), CASES, ids=IDS)
def test_an_incremental_pass_survives_a_fault_at_every_request(
    tmp_path: Path, mode: str, use_async: bool
) -> None:
    probe_world, _ = incremental_world(tmp_path / "probe.sqlite3")
    total = count_requests(probe_world, tmp_path / "probe.sqlite3", use_async)
    assert total > 10
    for at in range(total):
        path = tmp_path / f"{at}.sqlite3"
        world, edits = incremental_world(path)
        crash_then_restart(world, path, at, mode, use_async)
        assert_converged(world, path)
        assert len(world.ghl.contacts) == 7
        assert len(world.ghl.tasks) == 7
        contacts = by_ghl_id(world, "Contacts")
        first, second = sorted(edits)
        assert world.ghl.contacts[first]["firstName"] == edits[first]
        assert contacts[first]["First Name"] == edits[first]
        assert world.ghl.contacts[second]["email"] == edits[second]
        assert contacts[second]["Email"] == edits[second]
