"""The issue's measurement, as a test: 200 contacts with a task and a note each, 20 rounds
of random edits on both sides (creates, updates and deletes of contacts, tasks and notes;
the same field edited on both sides between passes), each round's pass run while both fakes
inject transient faults (429, 503, a 500 after the write was applied, timeouts before and
after the request was applied); then fault-free passes until quiet. Both sides must hold the
same records, once each, every Ninox record with its GHL id, nothing left open.

``make test`` runs two seeds; ``make soak`` ten.
"""

from __future__ import annotations

import contextlib
import os
import random
from pathlib import Path

import httpx
import pytest

from bridge.state import SQLiteStateStore
from bridge.sync import SyncConfig, SyncEngine
from bridge.testing import FakeWorld
from ghlsdk import APIError
from tests.bridge.syncworld import add_ninox, assert_converged, edit_ninox, until_quiet

SOAK = bool(os.environ.get("GHL_NINOX_SOAK"))
SEEDS = range(10) if SOAK else range(2)
CONFIG = SyncConfig(deletes="hard", mass_delete_min=50)


def faults(world: FakeWorld, rng: random.Random) -> None:
    """A few transient faults on both services for the next pass."""
    for _ in range(rng.randrange(1, 5)):
        method = rng.choice(["GET", "POST", "PUT", "DELETE"])
        kind = rng.choice(["429", "503", "500 after", "timeout before", "timeout after"])
        status = {"429": 429, "503": 503, "500 after": 500}.get(kind)
        exception = httpx.ReadTimeout if kind.startswith("timeout") else None
        after = kind in ("500 after", "timeout after")
        if rng.random() < 0.5:
            world.ghl.fail_next(
                status,
                method=method,
                exception=exception,
                after_write=after,
                times=rng.randrange(1, 3),
            )
        else:
            world.ninox.fail_next(
                status or 503,
                method=method,
                exception=exception,
                after_write=after,
                times=rng.randrange(1, 3),
            )


def edits(world: FakeWorld, rng: random.Random, n: int) -> None:
    ghl = world.ghl_client(max_retries=0)
    contacts = sorted(world.ghl.contacts)
    ninox_ids = {r["fields"].get("GHL Id"): r["id"] for r in world.ninox_records("Contacts")}
    for _ in range(rng.randrange(3, 12)):
        op = rng.randrange(10)
        cid = rng.choice(contacts)
        nid = ninox_ids.get(cid)
        if op == 0:  # the same field on both sides
            world.ghl.edit_contact(cid, firstName=f"G{n}")
            if nid is not None:
                edit_ninox(world, "Contacts", nid, {"First Name": f"N{n}"})
        elif op == 1:
            world.ghl.edit_contact(cid, email=f"{cid.lower()}.{n}@example.com")
        elif op == 2 and nid is not None:
            edit_ninox(world, "Contacts", nid, {"Last Name": f"Ninox{n}"})
        elif op == 3:
            world.ghl.add_task(cid, title=f"GHL task {n}", dueDate="2026-07-01T10:00:00Z")
        elif op == 4 and nid is not None:
            fields = {"Title": f"Ninox task {n}", "Due Date": "2026-07-02T10:00:00", "Contact": nid}
            add_ninox(world, "Tasks", fields)
        elif op == 5:
            with contextlib.suppress(APIError):
                ghl.notes.create(cid, body=f"GHL note {n}")
        elif op == 6 and nid is not None:
            add_ninox(world, "Notes", {"Body": f"Ninox note {n}", "Contact": nid})
        elif op == 7:
            tasks = [t for t in world.ghl.tasks.values() if t["contactId"] == cid]
            if tasks:
                with contextlib.suppress(APIError):
                    ghl.tasks.update(cid, tasks[0]["id"], title=f"Retitled {n}")
        elif op == 8:
            notes = world.ninox_records("Notes")
            if notes:
                world.ninox.delete_record(
                    world.team_id,
                    world.database_id,
                    world.table_ids["Notes"],
                    rng.choice(notes)["id"],
                )
        elif op == 9 and len(contacts) > 150 and rng.random() < 0.3:
            world.ghl.remove_contact(cid)
            contacts.remove(cid)
        n += 1


@pytest.mark.parametrize("seed", SEEDS)
def test_twenty_rounds_of_edits_and_faults_leave_no_duplicate(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    world = FakeWorld(ghl_options={"seed": seed})
    world.seed_ghl(200, tasks=1, notes=1, appointments=0, seed=seed)
    path = tmp_path / "state.sqlite3"

    def sync(scan: bool) -> None:
        engine = SyncEngine(
            world.ghl_client(max_retries=0),
            world.ninox_db(max_retries=0),
            SQLiteStateStore(path),
            config=CONFIG,
        )
        engine.sync(scan_deletes=scan)

    sync(False)
    for round_ in range(20):
        edits(world, rng, round_ * 100)
        faults(world, rng)
        with contextlib.suppress(APIError):
            sync(rng.random() < 0.3)
        world.ghl.clear_faults()
        world.ninox.clear_faults()

    store = SQLiteStateStore(path)
    engine = SyncEngine(world.ghl_client(), world.ninox_db(), store, config=CONFIG)
    until_quiet(lambda kind: engine.sync(scan_deletes=True), passes=8)
    store.close()
    assert_converged(world, path, orphans=True)
